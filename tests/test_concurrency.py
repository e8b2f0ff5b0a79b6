"""Issue 12 item 6: concurrent commands cannot corrupt state. One process applies at a time, and `custos scan`
refuses to run while `custos watch` owns the database. Real CLI subprocesses, racing for real."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from scanner.actions.service import Proposal
from scanner.actions.workspace import open_workspace
from scanner.locks import exclusive
from scanner.paths import apply_lock_path_for, watch_lock_path_for
from tests.action_fixtures import ALICE, BOB, cli_env, custos, scanned_db, write_share

FILES = 16


@pytest.fixture
def share(tmp_path: Path) -> Path:
    return write_share(tmp_path / "share", count=FILES)


@pytest.fixture
def db(tmp_path: Path, share: Path, packs, detector) -> Path:
    """Every file of the share has an approved delete."""
    path = scanned_db(tmp_path / "state", share, packs, detector)
    with open_workspace(path, detector=detector) as ws:
        for i in range(FILES):
            action_id = ws.service.propose(Proposal("delete", path=share / f"客户{i}.txt"), ALICE)
            ws.service.approve(action_id, BOB)
    return path


def _apply(db: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "scanner.cli", "apply", "--yes", "--as", "bob", "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(), stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_apply_is_refused_in_one_line_while_another_applier_holds_the_database(db, share):
    with exclusive(apply_lock_path_for(db), "pid 4242 (custos apply)"):
        result = custos("apply", "--yes", "--as", "bob", "--db", db)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "another process is applying actions" in result.stderr
    assert "pid 4242" in result.stderr
    assert all((share / f"客户{i}.txt").exists() for i in range(FILES))
    with sqlite3.connect(db) as conn:
        assert {r[0] for r in conn.execute("SELECT state FROM actions")} == {"approved"}


@pytest.mark.slow
def test_two_applies_at_once_leave_database_and_log_agreeing(db, share):
    first, second = _apply(db), _apply(db)
    results = [(p.wait(timeout=180), *p.communicate()) for p in (first, second)]
    codes = sorted(code for code, _, _ in results)
    assert codes in ([0, 0], [0, 2]), results  # the other was refused, or came after and found nothing to do
    for code, _out, err in results:
        assert "Traceback" not in err
        if code == 2:
            assert "another process is applying actions" in err
    with sqlite3.connect(db) as conn:
        states = dict(conn.execute("SELECT id, state FROM actions").fetchall())
    assert set(states.values()) == {"executed"}
    with open_workspace(db) as ws:
        executed = Counter(r["action_id"] for r in ws.audit.records(event="executed"))
        assert not list(ws.audit.records(event="failed"))
        assert ws.audit.verify().ok
    assert executed == Counter({action_id: 1 for action_id in states})  # each once, as the database says
    assert not any((share / f"客户{i}.txt").exists() for i in range(FILES))


def _daemon_config(tmp: Path, db: Path, share: Path) -> Path:
    config = tmp / "custos.toml"
    config.write_text(
        f'[daemon]\ndatabase = "{db}"\nworkers = 1\nsettle_seconds = 0.5\nreconcile_interval = 0\n'
        f'heartbeat_seconds = 0.5\n[[roots]]\npath = "{share}"\n',
        encoding="utf-8",
    )
    return config


@pytest.mark.slow
def test_scan_refuses_while_watch_owns_the_database(tmp_path, share, packs, detector):
    db = scanned_db(tmp_path / "state", share, packs, detector)
    log = open(tmp_path / "daemon.log", "wb")  # noqa: SIM115
    daemon = subprocess.Popen(
        [sys.executable, "-m", "scanner.cli", "watch", "--config", str(_daemon_config(tmp_path, db, share))],
        stdout=log, stderr=log, env=cli_env(), start_new_session=True,
    )  # fmt: skip
    try:
        lock = watch_lock_path_for(db)
        deadline = time.monotonic() + 60
        while not (lock.exists() and lock.read_text().strip() == str(daemon.pid)):
            assert time.monotonic() < deadline and daemon.poll() is None, (tmp_path / "daemon.log").read_text()
            time.sleep(0.1)
        result = custos("scan", share, "--db", db, "--jobs", "1", "--no-progress")
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1 and f"custos watch (pid {daemon.pid}) owns {db}" in result.stderr
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT COUNT(*) FROM files WHERE status = 'gone'").fetchone()[0] == 0
            assert (
                conn.execute("SELECT COUNT(*) FROM scan_runs WHERE tool_version NOT LIKE '% watch'").fetchone()[0] == 1
            )  # only the fixture's scan: the refused one never began
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=120)
        log.close()
    after = custos("scan", share, "--db", db, "--jobs", "1", "--no-progress")  # the daemon gone, scans run again
    assert after.returncode == 0, after.stderr


def test_watch_refuses_while_a_scan_holds_the_database_and_says_it_is_a_scan(tmp_path, share, packs, detector):
    from scanner.locks import shared

    db = scanned_db(tmp_path / "state", share, packs, detector)
    with shared(watch_lock_path_for(db)):  # what `custos scan` holds for its whole run
        result = subprocess.run(
            [sys.executable, "-m", "scanner.cli", "watch", "--config", str(_daemon_config(tmp_path, db, share))],
            capture_output=True, text=True, env=cli_env(), timeout=120,
        )  # fmt: skip
    assert result.returncode != 0
    assert "a custos scan is writing to" in result.stderr and "another custos watch" not in result.stderr
