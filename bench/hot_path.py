"""CPU time of the scan's hot path on SQLite: `Store.record_scan` per file, with 0, 10 and 100 findings.

Each measurement runs in a child process of its own (`--pythonpath` picks the checkout it imports, so an older
commit can be compared on the same machine): a fresh SQLite store in a temporary folder, a few warm-up files, then
`--files` files recorded one transaction each (first scans, then the same files again: a changed file's rescan),
timed with `time.process_time` (user + system CPU: waits for the disk are left out). The checkouts are measured
in turn, `--rounds` times, and the best round of each is kept: the least disturbed by the other work on the
machine.

    python bench/hot_path.py --pythonpath /tmp/before --rounds 15
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
TYPES = (("CN_ID", "sensitive"), ("CN_MOBILE", "general"), ("EMAIL", "general"), ("BANK_CARD", "sensitive"),
         ("PERSON", "general"))  # fmt: skip


def _findings(n: int, seed: int) -> list:
    from scanner.store.store import NewFinding

    out = []
    for i in range(n):
        entity_type, sensitivity = TYPES[(i * 7 + seed) % (3 if n <= 10 else len(TYPES))]
        out.append(
            NewFinding(entity_type, i * 40, i * 40 + 18, f"line {i + 1}", 0.9, f"rule.{entity_type.lower()}",
                       "cn", sensitivity, (), "1101**********1234", f"fp{seed}-{i}", None)
        )  # fmt: skip
    return out


def child(findings: int, files: int) -> dict[str, float]:
    """Per-file CPU µs of first scans and of rescans, in this process."""
    from scanner.store.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "custos.db", host="bench")
        run = store.begin_run("/share", "cn", "bench")
        batch = [_findings(findings, seed) for seed in range(8)]

        def record(prefix: str, count: int) -> float:
            started = time.process_time()
            for i in range(count):
                store.record_scan(root="/share", rel_path=f"{prefix}/f{i}.csv", run_id=run, status="scanned",
                                  size=100, mtime_ns=i, sha256="0" * 64, encoding="utf-8",
                                  findings=batch[i % len(batch)])  # fmt: skip
            return (time.process_time() - started) / count * 1e6

        record("warm", 200)
        first = record("dept", files)
        again = record("dept", files)
        store.close()
    return {"first": first, "rescan": again}


def measure(pythonpath: str, findings: int, files: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": pythonpath}
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(findings), "--files", str(files)],
        env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pythonpath", action="append", default=[], help="another checkout to compare (repeatable)")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--findings", default="0,10,100")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child, args.files)))
        return
    checkouts = [str(HERE), *args.pythonpath]
    sizes = [int(x) for x in args.findings.split(",")]
    best: dict[tuple[str, int, str], float] = {}
    for _ in range(args.rounds):
        for n in sizes:
            for checkout in checkouts:
                for kind, us in measure(checkout, n, args.files).items():
                    key = (checkout, n, kind)
                    best[key] = min(best.get(key, float("inf")), us)
    print(f"record_scan CPU µs per file, best of {args.rounds} rounds of {args.files} files")
    print(f"{'findings':>8} {'scan':>7} " + " ".join(f"{c[-28:]:>28}" for c in checkouts))
    for n in sizes:
        for kind in ("first", "rescan"):
            cells = [best[(c, n, kind)] for c in checkouts]
            extra = "".join(f"  {cells[0] - v:+.1f} vs #{i + 2}" for i, v in enumerate(cells[1:]))
            print(f"{n:>8} {kind:>7} " + " ".join(f"{v:>28.1f}" for v in cells) + extra)


if __name__ == "__main__":
    main()
