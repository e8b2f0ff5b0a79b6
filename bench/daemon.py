"""Daemon benchmarks: `python bench/daemon.py [--quick]` prints

- new file → finding latency, p50/p95, with the daemon idle and a 1 s settle time (target p95 < 2 s);
- a reconciliation walk over 100,000 unchanged files (target < 5 s);
- idle CPU of the daemon and its worker over 60 s (target < 1 %), and RSS per process.

The daemon runs as `custos watch` in a subprocess on a temporary share, exactly as in production.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanner.daemon.config import config_from_args  # noqa: E402
from scanner.daemon.reconcile import reconcile  # noqa: E402
from scanner.store.moves import FileMoves  # noqa: E402
from scanner.store.store import Store, utc_now  # noqa: E402
from scanner.store.work_queue import WorkQueue  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 files, 10,000-file walk, 10 s idle")
    parser.add_argument("--files", type=int, help="files for the latency test (default 30)")
    parser.add_argument("--walk-files", type=int, help="unchanged files for the walk (default 100,000)")
    parser.add_argument("--idle-seconds", type=float, help="idle CPU window (default 60)")
    args = parser.parse_args(argv)
    files = args.files or (10 if args.quick else 30)
    walk_files = args.walk_files or (10_000 if args.quick else 100_000)
    idle = args.idle_seconds or (10.0 if args.quick else 60.0)
    with tempfile.TemporaryDirectory(prefix="custos-daemon-bench-") as tmp:
        latencies, cpu, rss = _daemon_numbers(Path(tmp), files, idle)
        walk_s, queued = _walk_numbers(Path(tmp), walk_files)
    p50 = statistics.median(latencies)
    p95 = sorted(latencies)[max(0, int(round(0.95 * len(latencies))) - 1)]
    print(f"new file → finding, {files} files, settle 1.0 s: p50 {p50:.2f} s, p95 {p95:.2f} s (target p95 < 2 s)")
    print(f"reconciliation walk, {walk_files:,} unchanged files: {walk_s:.2f} s, {queued} queued (target < 5 s "
          "for 100,000)")  # fmt: skip
    print(f"idle CPU over {idle:.0f} s: {cpu:.2f} % of one core, daemon and worker together (target < 1 %)")
    print("RSS: " + ", ".join(f"{name} {mb:.0f} MB" for name, mb in rss))
    return 0


def _daemon_numbers(tmp: Path, files: int, idle: float) -> tuple[list[float], float, list[tuple[str, float]]]:
    share, db = tmp / "share", tmp / "state" / "custos.db"
    share.mkdir()
    log = open(tmp / "daemon.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "scanner.cli", "watch", str(share), "--db", str(db), "--settle", "1.0",
         "--reconcile-interval", "0", "--workers", "1", "--log-level", "warning"],
        stdout=log, stderr=log, start_new_session=True, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    try:
        _wait(lambda: _one(db, "SELECT state FROM daemon_status") == "running", 120)
        _wait(lambda: len(_children(proc.pid)) >= 1, 60)
        time.sleep(5)  # the worker loads the detector
        latencies = []
        for i in range(files):
            name = f"new{i:03d}.txt"
            started = time.monotonic()
            (share / name).write_text(f"客户 {i} 手机：1391234{i:04d}\n", encoding="utf-8")
            _wait(lambda n=name: _one(db, "SELECT COUNT(*) FROM findings f JOIN files fi ON fi.id = f.file_id"
                                          " WHERE fi.rel_path = ?", n) or 0, 60)  # fmt: skip
            latencies.append(time.monotonic() - started)
            time.sleep(0.2)
        time.sleep(2)
        pids = [proc.pid, *(p for p in _children(proc.pid) if b"resource_tracker" not in _cmdline(p))]
        before, wall = _cpu(pids), time.monotonic()
        time.sleep(idle)
        cpu = (_cpu(pids) - before) / (time.monotonic() - wall) * 100
        rss = [("daemon", _rss(proc.pid))] + [(f"worker {n}", _rss(p)) for n, p in enumerate(pids[1:], 1)]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=90)
        log.close()
    return latencies, cpu, rss


def _walk_numbers(tmp: Path, count: int) -> tuple[float, int]:
    """Record ``count`` files as scanned (bulk insert: this measures the walk, not scanning), then walk."""
    share, db = tmp / "walk", tmp / "walk.db"
    rows = []
    for i in range(count):
        folder = share / f"d{i // 1000:03d}"
        if i % 1000 == 0:
            folder.mkdir(parents=True)
        path = folder / f"f{i:06d}.txt"
        path.write_bytes(b"x")
        st = path.stat()
        rows.append((str(share), path.relative_to(share).as_posix(), st.st_size, st.st_mtime_ns, "scanned", utc_now()))
    with Store(db) as store:
        with store.transaction():
            store.connection.executemany(
                "INSERT INTO files(root, rel_path, size, mtime_ns, status, scanned_at, scan_count)"
                " VALUES (?, ?, ?, ?, ?, ?, 1)",
                rows,
            )
        root = config_from_args([share]).roots[0]
        work = WorkQueue(store)
        started = time.monotonic()
        reconcile(root, FileMoves(store), work, settle=1.0)
        seconds = time.monotonic() - started
        return seconds, work.depth(time.time()).queued


def _wait(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise SystemExit("bench: timed out waiting for the daemon (see its log)")


def _one(db: Path, sql: str, *params):
    if not db.exists():
        return None
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        row = con.execute(sql, params).fetchone()
        return row[0] if row else None
    except sqlite3.OperationalError:
        return None
    finally:
        con.close()


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _cpu(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            pass
    return total / TICKS


def _rss(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    sys.exit(main())
