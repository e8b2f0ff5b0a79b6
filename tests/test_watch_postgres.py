"""`custos watch` on PostgreSQL: a real daemon (a subprocess) scans a file dropped into its root into the shared
store, under its host id; its lock and keys stay in the state folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.engines import rows

REPO = Path(__file__).resolve().parent.parent
PHONE = "13912345678"
pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # a daemon and its workers: seconds


def _wait(predicate, timeout: float, what: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            raise AssertionError(f"daemon exited ({proc.returncode}) waiting for {what}:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}:\n{log.read_text()[-3000:]}")


def _findings(url: str, rel_path: str) -> list[dict]:
    return rows(
        url,
        "SELECT f.preview, fi.host FROM findings f JOIN files fi ON fi.id = f.file_id"
        " WHERE fi.rel_path = ? AND f.state = 'active'",
        (rel_path,),
    )


def _daemon(share: Path, state: Path, pg_url: str, log: Path, *, workers: int, host: str) -> subprocess.Popen:
    """`custos watch SHARE --db PG_URL` as host ``host``, its state folder ``state``, its output in ``log``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOS_")}
    env.update(PYTHONPATH=str(REPO), CUSTOS_HOME=str(state), CUSTOS_HOST_ID=host)
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "scanner.cli", "watch", str(share), "--db", pg_url, "--workers", str(workers),
             "--settle", "0.3", "--reconcile-interval", "0", "--log-level", "debug"],
            stdout=out, stderr=out, start_new_session=True, env=env,
        )  # fmt: skip


def test_a_daemon_scans_a_dropped_file_into_postgresql(tmp_path: Path, pg_url: str) -> None:
    share, state = tmp_path / "share", tmp_path / "state"
    share.mkdir()
    log = tmp_path / "daemon.log"
    proc = _daemon(share, state, pg_url, log, workers=1, host="branch-office")
    try:
        _wait(lambda: b"worker_ready" in log.read_bytes(), 90, "the daemon's worker", proc, log)
        (share / "客户.txt").write_text(f"客户：张伟\n手机：{PHONE}\n", encoding="utf-8")
        _wait(lambda: _findings(pg_url, "客户.txt"), 60, "the dropped file's findings", proc, log)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    found = _findings(pg_url, "客户.txt")
    assert {r["host"] for r in found} == {"branch-office"}
    assert all(PHONE not in r["preview"] for r in found)
    assert code == 0, log.read_text()[-3000:]
    assert not list(state.glob("*.db")), "nothing is written to a SQLite file in the state folder"
    assert (state / "custos.db.watch.lock").exists()  # one daemon per state folder: its lock is there


def _scanned(url: str) -> int:
    return len(rows(url, "SELECT 1 FROM files WHERE status = 'scanned'"))


def test_a_daemon_killed_mid_queue_has_its_jobs_taken_over_and_none_done_twice(tmp_path: Path, pg_url: str) -> None:
    share, state = tmp_path / "share", tmp_path / "state"
    share.mkdir()
    for i in range(40):
        (share / f"f{i:02d}.txt").write_text(f"客户：张伟\n手机：1391234{i:04d}\n" * 200, encoding="utf-8")
    old = time.time() - 60
    for p in share.iterdir():
        os.utime(p, (old, old))  # settled already
    log = tmp_path / "daemon.log"
    proc = _daemon(share, state, pg_url, log, workers=2, host="head-office")
    try:
        _wait(lambda: _scanned(pg_url) >= 3, 90, "some scans", proc, log)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the daemon and its workers, mid-queue
        proc.wait(timeout=30)
    before = _scanned(pg_url)
    assert before < 40, "the daemon finished before it could be killed mid-queue"
    proc = _daemon(share, state, pg_url, log, workers=2, host="head-office")
    try:
        _wait(lambda: _scanned(pg_url) == 40, 180, "every file scanned after the restart", proc, log)
        time.sleep(1.0)  # no file scanned twice after the last one: an absence needs a window to be seen in
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    counts = rows(pg_url, "SELECT rel_path, scan_count FROM files")
    assert len(counts) == 40 and all(r["scan_count"] == 1 for r in counts), counts
    duplicates = rows(
        pg_url,
        "SELECT file_id, start, count(*) AS n FROM findings WHERE state = 'active' GROUP BY file_id, start"
        " HAVING count(*) > 1",
    )
    assert duplicates == []
    assert rows(pg_url, "SELECT count(*) AS n FROM work_queue WHERE state IN ('running', 'queued')")[0]["n"] == 0
    assert code == 0, log.read_text()[-3000:]
