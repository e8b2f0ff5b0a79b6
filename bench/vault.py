"""Vault and masking throughput: `python bench/vault.py [--mb 256]` prints MB/s for put, restore and
masking a large text export in place (streamed), each on a freshly written file (page cache warm)."""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanner.actions.rewrite.base import Edit  # noqa: E402
from scanner.actions.rewrite.text import TextRewriter  # noqa: E402
from scanner.actions.vault import Vault  # noqa: E402

LINE = "2026-11-23 10:00:01 INFO 客户 张伟 手机 13912345678 下单成功，订单号 A20261123000{:06d}\n"


def _write_export(path: Path, mb: float) -> list[Edit]:
    """A UTF-8 log of about ``mb`` MB; every line's phone number is an edit."""
    edits, offset, line_no = [], 0, 0
    target = int(mb * 1e6)
    with open(path, "w", encoding="utf-8") as fh:
        written = 0
        while written < target:
            line = LINE.format(line_no)
            start = offset + line.index("139")
            edits.append(Edit(line_no, start, start + 11, f"line {line_no + 1}"))
            fh.write(line)
            written += len(line.encode())
            offset += len(line)
            line_no += 1
    return edits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=256, help="size of the test file in MB (default 256)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="custos-vault-bench-") as tmp:
        work = Path(tmp)
        src = work / "export.log"
        edits = _write_export(src, args.mb)
        size_mb = src.stat().st_size / 1e6
        vault = Vault(work / "vault", work / "vault.key")
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        started = time.perf_counter()
        item = vault.put(src)
        put_s = time.perf_counter() - started
        started = time.perf_counter()
        restored = vault.restore(item.id, work / "restored.log")
        restore_s = time.perf_counter() - started
        assert hashlib.sha256(restored.read_bytes()).hexdigest() == item.sha256
        os.unlink(restored)

        started = time.perf_counter()
        TextRewriter().mask_copy(src, work / "masked.log", edits, lambda e, v: v[:3] + "****" + v[-4:], "utf-8")
        mask_s = time.perf_counter() - started
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"File: {size_mb:.0f} MB UTF-8 export, {len(edits):,} phone numbers")
    print(f"{'operation':<44}{'MB/s':>8}{'seconds':>9}")
    print(f"{'vault put (encrypt, fsync, read back, verify)':<44}{size_mb / put_s:8.0f}{put_s:9.2f}")
    print(f"{'vault restore (decrypt, verify, place)':<44}{size_mb / restore_s:8.0f}{restore_s:9.2f}")
    print(f"{'mask in place, text (streamed masked copy)':<44}{size_mb / mask_s:8.1f}{mask_s:9.2f}")
    print(
        f"Peak RSS {rss:.0f} MB (before: {rss0:.0f} MB); the file is streamed, the growth is the list of "
        f"{len(edits):,} findings to mask"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
