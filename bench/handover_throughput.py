"""Handover package throughput: `python bench/handover_throughput.py [--mb 200] [--files 20]` builds a package of
generated files, verifies it without and with the recipient's key, opens it, and prints MB/s for each step
(plaintext MB over wall time; files freshly written, page cache warm) and the peak RSS."""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey  # noqa: E402

from scanner.handover.package import PackageWriter, open_package, verify_package  # noqa: E402

LINE = "2026-11-23,张伟,13912345678,110105199001011234,北京市朝阳区建国路{:06d}号\n"


def _write_share(folder: Path, mb: float, files: int) -> int:
    folder.mkdir()
    per_file, total = int(mb * 1e6 / files), 0
    block = "".join(LINE.format(i) for i in range(2000)).encode()
    for n in range(files):
        with open(folder / f"export-{n:03d}.csv", "wb") as fh:
            written = 0
            while written < per_file:
                piece = block[: per_file - written]
                fh.write(piece)
                written += len(piece)
        total += written
    return total


def _timed(step, *args):
    started = time.perf_counter()
    result = step(*args)
    return result, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=200, help="total size of the generated files (default 200)")
    parser.add_argument("--files", type=int, default=20, help="number of files (default 20)")
    args = parser.parse_args(argv)
    sender, recipient = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
    with tempfile.TemporaryDirectory(prefix="custos-handover-bench-") as tmp:
        work = Path(tmp)
        total = _write_share(work / "share", args.mb, args.files)
        package = work / "sale.custos-package"

        def build() -> None:
            with PackageWriter(package, recipient.public_key(), sender, meta={"bench": True}) as writer:
                for source in sorted((work / "share").iterdir()):
                    writer.add_file(source.name, source, {"categories": ["contact", "identity"]})

        _none, build_s = _timed(build)
        plain, verify_s = _timed(verify_package, package, sender.public_key())
        keyed, verify_key_s = _timed(verify_package, package, sender.public_key(), recipient)
        assert plain.ok and keyed.ok, (plain.problem, keyed.problem)
        _manifest, open_s = _timed(open_package, package, recipient, sender.public_key(), work / "opened")
        overhead = package.stat().st_size / total - 1
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    mb = total / 1e6
    print(f"Handover package: {args.files} files, {mb:.1f} MB (package {overhead * 100:+.2f}% size), "
          f"1 MiB chunks")  # fmt: skip
    print(f"{'step':<28}{'seconds':>9}{'MB/s':>9}")
    for step, seconds in (("build", build_s), ("verify (no key)", verify_s), ("verify (with key)", verify_key_s),
                          ("open", open_s)):  # fmt: skip
        print(f"{step:<28}{seconds:>9.2f}{mb / seconds:>9.1f}")
    print(f"Peak RSS: {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
