"""The real daemon under stress: inotify limits, a root replaced under it, and a mass deletion.

Kernel limits are hit for real. Each daemon runs in its own user namespace (``unshare --user``), where
/proc/sys/user/max_inotify_instances and max_inotify_watches can be lowered for it alone: the host's limits
and every other process on the machine are untouched, nothing needs restoring.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.test_daemon import CLI_ENV, ID, PHONE, Daemon, _config, previews, query, status_text, wait_for


def _userns_works() -> bool:
    probe = ["unshare", "--user", "--map-root-user", "sh", "-c", "echo 1 > /proc/sys/user/max_inotify_instances"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


USERNS = _userns_works()
needs_userns = pytest.mark.skipif(not USERNS, reason="unshare --user is not permitted here (no user namespaces)")


def inotify_limited(*, instances: int | None = None, watches: int | None = None) -> tuple[str, ...]:
    """A command prefix running the daemon in a user namespace with these inotify limits."""
    sets = [f"echo {n} > /proc/sys/user/max_inotify_{what}" for what, n in
            (("instances", instances), ("watches", watches)) if n is not None]  # fmt: skip
    return ("unshare", "--user", "--map-root-user", "sh", "-c", " && ".join([*sets, 'exec "$@"']), "sh")


def log_lines(daemon: Daemon, name: str) -> list[str]:
    return [line for line in daemon.logs_all().splitlines() if f" event={name} " in line + " "]


@pytest.fixture
def share(tmp_path: Path) -> Path:
    path = tmp_path / "share"
    path.mkdir()
    return path


def _exhaust_inotify_instances() -> list[int]:
    """Without user namespaces: hold every inotify instance this user may open (until EMFILE)."""
    libc = ctypes.CDLL(None, use_errno=True)
    fds = []
    while (fd := libc.inotify_init1(os.O_CLOEXEC)) >= 0:
        fds.append(fd)
    return fds


@pytest.mark.slow
def test_out_of_inotify_instances_polls_logs_once_and_says_so_in_status(tmp_path, share):
    config = _config(tmp_path, share, poll_interval=0.5)
    held: list[int] = []
    if USERNS:
        daemon = Daemon(tmp_path, config, wrapper=inotify_limited(instances=0))
    else:
        held = _exhaust_inotify_instances()
        try:
            daemon = Daemon(tmp_path, config)
        finally:
            for fd in held:
                os.close(fd)
    try:
        (share / "a.txt").write_text(f"手机：{PHONE}\n", encoding="utf-8")
        wait_for(lambda: "139****5678" in previews(daemon.db, "a.txt"), 30, "finding from the polling root", daemon)
        fallback = log_lines(daemon, "inotify_unavailable")
        assert len(fallback) == 1, fallback
        assert "fallback=polling" in fallback[0] and "reason=" in fallback[0]
        expected = f"{share}: polling (inotify unavailable: inotify instance limit reached)"
        wait_for(lambda: expected in status_text(daemon.db), 30, "the fallback in custos status", daemon)
    finally:
        assert daemon.stop() == 0


@needs_userns
@pytest.mark.slow
def test_a_folder_past_the_watch_limit_is_logged_polled_and_watched_once_watches_free_up(tmp_path, share):
    (share / "old").mkdir()
    # share and share/old take both watches: the next folder is past the limit.
    daemon = Daemon(tmp_path, _config(tmp_path, share, poll_interval=0.5), wrapper=inotify_limited(watches=2))
    try:
        (share / "new").mkdir()
        (share / "new" / "a.txt").write_text(f"手机：{PHONE}\n", encoding="utf-8")
        wait_for(lambda: "139****5678" in previews(daemon.db, "new/a.txt"), 30, "finding in the unwatched folder",
                 daemon)  # fmt: skip
        limit = log_lines(daemon, "watch_limit_reached")
        assert len(limit) == 1 and "path=new" in limit[0] and "action=polling" in limit[0], limit
        wait_for(lambda: "1 folder polled (inotify watch limit)" in status_text(daemon.db), 30, "status", daemon)
        (share / "new" / "b.txt").write_text(f"身份证：{ID}\n", encoding="utf-8")  # still polled
        wait_for(lambda: previews(daemon.db, "new/b.txt"), 30, "second finding in the unwatched folder", daemon)
        os.rmdir(share / "old")  # frees a watch
        wait_for(lambda: log_lines(daemon, "watch_restored"), 30, "the folder watched again", daemon)
        wait_for(lambda: "folder polled" not in status_text(daemon.db), 30, "status without polled folders", daemon)
        (share / "new" / "c.txt").write_text(f"手机：{PHONE}\n", encoding="utf-8")
        wait_for(lambda: previews(daemon.db, "new/c.txt"), 30, "finding after the watch came back", daemon)
    finally:
        assert daemon.stop() == 0


@pytest.mark.slow
def test_a_root_moved_away_and_replaced_is_watched_again(tmp_path, share):
    (share / "a.txt").write_text(f"手机：{PHONE}\n", encoding="utf-8")
    daemon = Daemon(tmp_path, _config(tmp_path, share))
    try:
        wait_for(lambda: previews(daemon.db, "a.txt"), 30, "finding before the move", daemon)
        share.rename(tmp_path / "share.old")
        fresh = tmp_path / "share.new"
        fresh.mkdir()
        (fresh / "b.txt").write_text(f"手机：{PHONE}\n", encoding="utf-8")
        fresh.rename(share)
        wait_for(lambda: previews(daemon.db, "b.txt"), 30, "finding in the replacing root", daemon)
        wait_for(lambda: previews(daemon.db, "a.txt") == set(), 30, "the old root's file gone", daemon)
        replaced = log_lines(daemon, "root_replaced")
        assert len(replaced) == 1 and "action=rewatching" in replaced[0], replaced
        (share / "c.txt").write_text(f"身份证：{ID}\n", encoding="utf-8")  # an event from the new watch
        wait_for(lambda: previews(daemon.db, "c.txt"), 30, "finding from the new watch", daemon)
        (tmp_path / "share.old" / "d.txt").write_text(f"手机：{PHONE}\n", encoding="utf-8")
        time.sleep(2)  # the moved-away tree is no longer the root: nothing from it is recorded
        assert query(daemon.db, "SELECT 1 FROM files WHERE rel_path = 'd.txt'") == []
    finally:
        assert daemon.stop() == 0


BULK = 20_000


def _heartbeat_age(db: Path) -> float:
    return time.time() - query(db, "SELECT heartbeat_at FROM daemon_status")[0][0]


def _gone(db: Path) -> int:
    return query(db, "SELECT COUNT(*) FROM files WHERE status = 'gone'")[0][0]


def _stop_like_systemd(daemon: Daemon) -> tuple[int, float]:
    """SIGTERM to the whole group, as systemd does; returns the exit code and the seconds it took."""
    stopping = time.monotonic()
    os.killpg(daemon.proc.pid, signal.SIGTERM)
    code = daemon.proc.wait(timeout=120)
    daemon.log.close()
    return code, time.monotonic() - stopping


@pytest.mark.slow
def test_a_mass_deletion_keeps_the_heartbeat_fresh_and_sigterm_mid_flood_loses_nothing(tmp_path, share):
    (share / "keep.txt").write_text(f"手机：{PHONE}\n", encoding="utf-8")  # the root stays present
    folders = [share / "bulk" / f"d{d:03d}" for d in range(BULK // 100)]
    for folder in folders:
        folder.mkdir(parents=True)
        for i in range(100):
            os.close(os.open(folder / f"f{i:02d}.txt", os.O_CREAT | os.O_WRONLY, 0o600))
    config = _config(tmp_path, share)
    db = tmp_path / "state" / "custos.db"
    # `custos scan` records the files as the daemon would, faster; the daemon's start-up walk finds them known.
    subprocess.run([sys.executable, "-m", "scanner.cli", "scan", "--db", str(db), "--no-progress", str(share)],
                   check=True, capture_output=True, timeout=600, env=CLI_ENV)  # fmt: skip
    assert query(db, "SELECT COUNT(*) FROM files WHERE status = 'scanned'")[0][0] == BULK + 1
    daemon = Daemon(tmp_path, config)

    # Half the files deleted: the heartbeat stays fresh all the while the daemon marks them gone.
    first, second = folders[: len(folders) // 2], folders[len(folders) // 2 :]
    deleting = threading.Thread(target=lambda: [shutil.rmtree(f) for f in first])
    deleting.start()
    ages = []
    while deleting.is_alive() or _gone(db) < BULK // 2:
        ages.append(_heartbeat_age(db))
        assert len(ages) < 600, f"the deletions were not handled in 60 s: {_gone(db)} of {BULK // 2} gone"
        time.sleep(0.1)
    assert max(ages) < 2.0, f"heartbeat went {max(ages):.1f} s stale (it beats every 0.5 s)"

    # SIGTERM while the other half is being deleted: the daemon stops at once, a restart finishes the work.
    deleting = threading.Thread(target=lambda: [shutil.rmtree(f) for f in second])
    deleting.start()
    wait_for(lambda: sum(not f.exists() for f in second) >= len(second) // 4, 60, "a quarter of the rest deleted")
    code, took = _stop_like_systemd(daemon)
    deleting.join()
    assert code == 0 and took < 10, f"SIGTERM took {took:.1f} s (exit {code})"
    assert _gone(db) < BULK, "nothing was left to do after SIGTERM"
    daemon = Daemon(tmp_path, config)
    try:
        wait_for(lambda: _gone(db) == BULK, 120, "every deleted file gone after the restart", daemon)
        assert previews(db, "keep.txt") == {"139****5678"}
    finally:
        assert daemon.stop() == 0


@pytest.mark.slow
def test_sigterm_while_a_large_file_is_scanned_stops_within_seconds_and_the_restart_scans_it(tmp_path, share):
    with open(share / "big.txt", "w", encoding="utf-8") as fh:  # about 10 s to scan, more than the stop grace
        for i in range(150_000):
            fh.write(f"客户{i} 手机：1391234{i % 10_000:04d} 备注\n")
    config = _config(tmp_path, share)
    daemon = Daemon(tmp_path, config)
    running = "SELECT 1 FROM work_queue WHERE rel_path = 'big.txt' AND state = 'running'"
    wait_for(lambda: query(daemon.db, running), 60, "the worker scanning big.txt", daemon)
    code, took = _stop_like_systemd(daemon)
    assert code == 0 and took < 10, f"SIGTERM took {took:.1f} s (exit {code})"
    assert query(daemon.db, "SELECT 1 FROM files WHERE rel_path = 'big.txt'") == []  # abandoned, not half-recorded
    assert log_lines(daemon, "worker_abandoned")
    daemon = Daemon(tmp_path, config)
    try:
        wait_for(lambda: query(daemon.db, "SELECT scan_count FROM files WHERE rel_path = 'big.txt'") == [(1,)], 180,
                 "big.txt scanned after the restart", daemon)  # fmt: skip
    finally:
        assert daemon.stop() == 0
