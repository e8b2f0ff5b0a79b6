"""The real daemon in a subprocess on tmp dirs: files appear, change, move and vanish; findings follow."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

PHONE, PHONE2 = "13912345678", "13800138000"
ID = "110105199003071239"


def _config(tmp: Path, share: Path, heartbeat: float = 0.5, **root_extra: object) -> Path:
    lines = [
        "[daemon]",
        f'database = "{tmp / "state" / "custos.db"}"',
        "workers = 1",
        "settle_seconds = 0.5",
        "reconcile_interval = 0",
        f"heartbeat_seconds = {heartbeat}",
        'log_level = "debug"',
        "[[roots]]",
        f'path = "{share}"',
    ]
    for key, value in root_extra.items():
        lines.append(f"{key} = {value}")
    path = tmp / "custos.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


REPO = Path(__file__).resolve().parent.parent
CLI_ENV = {**os.environ, "PYTHONPATH": str(REPO)}


class Daemon:
    def __init__(self, tmp: Path, config: Path, wrapper: tuple[str, ...] = ()) -> None:
        """`wrapper` runs the daemon through another command (a user namespace with lower inotify limits)."""
        self.db = tmp / "state" / "custos.db"
        self.log = open(tmp / "daemon.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [*wrapper, sys.executable, "-m", "scanner.cli", "watch", "--config", str(config)],
            stdout=self.log, stderr=self.log, start_new_session=True, env=CLI_ENV,
        )  # fmt: skip
        wait_for(
            lambda: self.state() == "running" and self.worker_ready(), timeout=90, what="daemon start", daemon=self
        )

    def state(self) -> str | None:
        row = query(self.db, "SELECT state FROM daemon_status LIMIT 1")
        return row[0][0] if row else None

    def worker_ready(self) -> bool:
        return b"worker_ready" in Path(self.log.name).read_bytes()

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=90)
        self.log.close()
        return code

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.log.close()

    def logs(self) -> str:
        return self.logs_all()[-3000:]

    def logs_all(self) -> str:
        return Path(self.log.name).read_text(encoding="utf-8", errors="replace")


def query(db: Path, sql: str, *params) -> list[tuple]:
    if not db.exists():
        return []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute(sql, params).fetchall()
    except sqlite3.OperationalError:
        return []  # tables not created yet
    finally:
        con.close()


def wait_for(predicate, timeout: float, what: str, daemon: Daemon | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if daemon is not None and daemon.proc.poll() is not None:
            raise AssertionError(f"daemon exited ({daemon.proc.returncode}) waiting for {what}:\n{daemon.logs()}")
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}" + (f":\n{daemon.logs()}" if daemon else ""))


def previews(db: Path, rel: str, state: str = "active") -> set[str]:
    rows = query(
        db, "SELECT f.preview FROM findings f JOIN files fi ON fi.id = f.file_id WHERE fi.rel_path = ? AND f.state = ?",
        rel, state,
    )  # fmt: skip
    return {r[0] for r in rows}


def status_text(db: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "scanner.cli", "status", "--db", str(db)],
                          capture_output=True, text=True, env=CLI_ENV, timeout=60)  # fmt: skip
    return done.stdout + done.stderr


def scan_count(db: Path, rel: str) -> int | None:
    rows = query(db, "SELECT scan_count FROM files WHERE rel_path = ?", rel)
    return rows[0][0] if rows else None


@pytest.fixture
def share(tmp_path: Path) -> Path:
    path = tmp_path / "share"
    path.mkdir()
    return path


@pytest.mark.slow  # seconds each; the default run stays under 5 min
def test_findings_follow_files_created_modified_moved_and_deleted(tmp_path, share):
    (share / "sub").mkdir()  # a folder made a moment before a move into it can miss its inotify watch
    daemon = Daemon(tmp_path, _config(tmp_path, share, heartbeat=5))  # the default: status must not lag behind it
    try:
        (share / "a.txt").write_text(f"手机：{PHONE}\n", encoding="utf-8")
        wait_for(lambda: "139****5678" in previews(daemon.db, "a.txt"), 30, "finding on create", daemon)
        wait_for(lambda: "event=scanned" in daemon.logs_all(), 30, "the scan's log line", daemon)
        assert "scanned:     1 files since start" in status_text(daemon.db)  # at once, not a heartbeat later
        (share / "a.txt").write_text(f"手机：{PHONE}\n手机：{PHONE2}\n", encoding="utf-8")
        wait_for(lambda: "138****8000" in previews(daemon.db, "a.txt"), 30, "finding on modify", daemon)
        count = scan_count(daemon.db, "a.txt")
        os.rename(share / "a.txt", share / "sub" / "b.txt")
        wait_for(lambda: "138****8000" in previews(daemon.db, "sub/b.txt"), 30, "findings moved", daemon)
        wait_for(lambda: "reason=moved" in daemon.logs_all(), 30, "the moved file's scan", daemon)
        assert scan_count(daemon.db, "sub/b.txt") == count  # carried over, not rescanned
        assert previews(daemon.db, "a.txt") == set()
        logged = daemon.logs_all()  # a moved file still holds its 2 findings, whatever this scan found anew
        assert [line for line in logged.splitlines() if "event=moved " in line and "findings=2" in line], logged
        [rescan] = [line for line in logged.splitlines() if "reason=moved" in line]
        assert "findings=2 " in rescan and "new=0 " in rescan, rescan
        (share / "sub" / "b.txt").unlink()
        wait_for(lambda: previews(daemon.db, "sub/b.txt") == set(), 30, "findings gone", daemon)
        assert "138****8000" in previews(daemon.db, "sub/b.txt", state="gone")
    finally:
        code = daemon.stop()
    assert code == 0
    assert query(daemon.db, "SELECT state FROM daemon_status")[0][0] == "stopped"
    [(state, done, errors, pid)] = query(
        daemon.db, "SELECT state, files_done, errors, pid FROM host_workers WHERE worker = 'worker-1'"
    )
    assert (state, errors) == ("stopped", 0) and done >= 2 and pid  # the worker's own heartbeat row


@pytest.mark.slow
def test_a_file_being_written_is_scanned_once_when_settled(tmp_path, share):
    daemon = Daemon(tmp_path, _config(tmp_path, share))
    try:
        with open(share / "export.csv", "w", encoding="utf-8") as fh:
            for i in range(8):
                fh.write(f"客户{i},{PHONE[:-1]}{i}\n")
                fh.flush()
                time.sleep(0.2)  # a slow writer: the file keeps changing for 1.6 s (the behaviour under test)
        wait_for(lambda: len(previews(daemon.db, "export.csv")) == 8, 30, "all rows found", daemon)
        time.sleep(1.5)  # no second scan follows: an absence needs a window to be seen in
        assert scan_count(daemon.db, "export.csv") == 1
    finally:
        daemon.stop()


@pytest.mark.slow
def test_excluded_globs_are_ignored_and_polling_roots_work(tmp_path, share):
    daemon = Daemon(tmp_path, _config(tmp_path, share, exclude='["*.bak"]', polling="true", poll_interval=0.5))
    try:
        (share / "old.bak").write_text(f"手机：{PHONE}\n", encoding="utf-8")
        (share / "new.txt").write_text(f"手机：{PHONE}\n", encoding="utf-8")
        wait_for(lambda: "139****5678" in previews(daemon.db, "new.txt"), 30, "polled finding", daemon)
        time.sleep(1.0)  # two more poll passes, still excluded: an absence needs a window to be seen in
        assert scan_count(daemon.db, "old.bak") is None
    finally:
        daemon.stop()


@pytest.mark.slow
def test_kill_9_mid_queue_then_restart_scans_each_file_exactly_once(tmp_path, share):
    for i in range(40):
        (share / f"f{i:02d}.txt").write_text(f"手机：1391234{i:04d}\n身份证：{ID}\n" * 50, encoding="utf-8")
    old = time.time() - 60
    for p in share.iterdir():
        os.utime(p, (old, old))  # settled already
    config = _config(tmp_path, share)
    daemon = Daemon(tmp_path, config)
    wait_for(lambda: len(query(daemon.db, "SELECT 1 FROM files WHERE status = 'scanned'")) >= 5, 60, "some scans",
             daemon)  # fmt: skip
    daemon.kill()
    scanned_before = len(query(daemon.db, "SELECT 1 FROM files WHERE status = 'scanned'"))
    assert scanned_before < 40, "the daemon finished before it could be killed mid-queue"
    [(state,)] = query(daemon.db, "SELECT state FROM host_workers WHERE worker = 'worker-1'")
    assert state != "stopped"  # a dead worker's last heartbeat stays, as it last said
    daemon = Daemon(tmp_path, config)
    try:
        wait_for(lambda: len(query(daemon.db, "SELECT 1 FROM files WHERE status = 'scanned'")) == 40, 120,
                 "all files scanned after restart", daemon)  # fmt: skip
        time.sleep(1.0)  # no file scanned twice after the last one: an absence needs a window to be seen in
        counts = query(daemon.db, "SELECT rel_path, scan_count FROM files")
        assert len(counts) == 40 and all(c == 1 for _, c in counts), counts
        duplicates = query(
            daemon.db, "SELECT file_id, start, COUNT(*) FROM findings WHERE state = 'active' GROUP BY 1, 2"
            " HAVING COUNT(*) > 1",
        )  # fmt: skip
        assert duplicates == []
    finally:
        assert daemon.stop() == 0


@pytest.mark.slow
def test_a_second_daemon_on_the_same_database_is_refused(tmp_path, share):
    config = _config(tmp_path, share)
    daemon = Daemon(tmp_path, config)
    try:
        second = subprocess.run(
            [sys.executable, "-m", "scanner.cli", "watch", "--config", str(config)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert second.returncode == 2
        assert "another custos watch is running" in second.stderr
        status = subprocess.run(
            [sys.executable, "-m", "scanner.cli", "status", "--db", str(daemon.db)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert status.returncode == 0 and "running" in status.stdout
    finally:
        daemon.stop()


def test_a_bad_config_gives_one_clear_error(tmp_path, share):
    bad = tmp_path / "bad.toml"
    bad.write_text(f'[daemon]\nwokers = 2\n[[roots]]\npath = "{share}"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "scanner.cli", "watch", "--config", str(bad)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "daemon.wokers" in lines[0]
    check = subprocess.run(
        [sys.executable, "-m", "scanner.cli", "config", "check", "--config", str(bad)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert check.returncode == 2 and "wokers" in check.stderr
