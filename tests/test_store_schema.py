"""One owner for the schema: `Store` creates and migrates every table (the daemon's too), opening a current
database writes nothing (no DDL, no version update, no chmod), and `Store.file_at` is an index lookup."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from scanner.store.daemon_status import DaemonStatusStore
from scanner.store.schema import DDL, SCHEMA_VERSION
from scanner.store.store import FILE_AT_SQL, Store, StoreError
from scanner.store.work_queue import WorkQueue

DAEMON_TABLES = {"work_queue", "daemon_status"}


def _v4_ddl() -> str:
    """The schema as Custos wrote it at version 4: the daemon's tables came from their classes, no path index."""
    old = re.sub(r"CREATE TABLE IF NOT EXISTS (work_queue|daemon_status) \(.*?\n\);\n", "", DDL, flags=re.S)
    old = re.sub(r"CREATE (UNIQUE )?INDEX IF NOT EXISTS (work_queue_\w+|files_by_path) .*?\n", "", old)
    assert "work_queue" not in old and "daemon_status" not in old and "files_by_path" not in old
    return old


# The daemon_status table of the release before its `watch` column, as DaemonStatusStore created it.
OLD_DAEMON_STATUS = (
    "CREATE TABLE daemon_status (id TEXT PRIMARY KEY, pid INTEGER, host TEXT, started_at REAL, heartbeat_at REAL,"
    " state TEXT, roots TEXT NOT NULL DEFAULT '[]', workers INTEGER, last_event_at REAL, queue_depth INTEGER,"
    " files_scanned INTEGER NOT NULL DEFAULT 0, files_per_s REAL, errors INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT, version TEXT)"
)


def _old_database(path: Path, *, daemon_ran: bool) -> None:
    with sqlite3.connect(path) as con:
        con.executescript(_v4_ddl())
        con.execute("INSERT INTO meta VALUES ('schema_version', '4')")
        con.execute("INSERT INTO scan_runs(root, started_at, packs, tool_version) VALUES ('/srv', 'x', 'p', 'v')")
        con.executemany(
            "INSERT INTO files(root, rel_path, member, status, size) VALUES (?, ?, ?, 'scanned', 1)",
            [("/srv", "a/b.txt", ""), ("/srv/a", "b.txt", ""), ("/srv", "z.zip", "in/c.csv")],
        )
        if daemon_ran:
            con.execute(OLD_DAEMON_STATUS)
            con.execute("INSERT INTO daemon_status(id, state, pid) VALUES ('main', 'stopped', 4242)")
    con.close()


def _tables(con: sqlite3.Connection) -> set[str]:
    return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _indexes(con: sqlite3.Connection) -> set[str]:
    return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


@pytest.mark.parametrize("daemon_ran", [False, True], ids=["scanned only", "daemon ran"])
def test_a_version_4_database_opens_and_gains_the_daemon_tables_and_the_path_index(tmp_path, daemon_ran):
    db = tmp_path / "old.db"
    _old_database(db, daemon_ran=daemon_ran)
    with Store(db) as store:
        con = store.connection
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
        assert _tables(con) >= DAEMON_TABLES and "files_by_path" in _indexes(con)
        assert "watch" in {r[1] for r in con.execute("PRAGMA table_info(daemon_status)")}
        assert store.file_at(Path("/srv/a/b.txt")).root == "/srv/a"  # the deepest root wins, as before
        seen = DaemonStatusStore(store).read()  # the constructors no longer create anything: the tables must be there
        assert (seen.pid, seen.watch) == (4242, {}) if daemon_ran else seen is None
        WorkQueue(store).enqueue("/srv", "a/b.txt", "event", not_before=0, now=0)
        assert WorkQueue(store).depth(1).ready == 1
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 3
    con.close()


def test_a_new_database_has_every_table_before_any_class_asks(tmp_path):
    db = tmp_path / "state" / "custos.db"
    Store(db).close()
    con = sqlite3.connect(db)
    assert {"meta", "files", "findings", "actions", "audit_chain", *DAEMON_TABLES} <= _tables(con)
    con.close()


def test_file_at_is_an_index_lookup_not_a_scan_of_files(tmp_path):
    with Store(tmp_path / "custos.db") as store:
        con = store.connection
        con.executemany(
            "INSERT INTO files(root, rel_path, status) VALUES (?, ?, 'scanned')",
            [("/srv/share", f"d{i % 50}/f{i}.txt") for i in range(2_000)],
        )
        con.execute("ANALYZE")
        plan = " | ".join(row[3] for row in con.execute(f"EXPLAIN QUERY PLAN {FILE_AT_SQL}", ("/srv/share/x",)))
        assert "USING INDEX files_by_path" in plan, plan
        assert not re.search(r"\bSCAN files\b", plan), plan
        assert store.file_at(Path("/srv/share/d7/f7.txt")).rel_path == "d7/f7.txt"
        assert store.file_at(Path("/srv/share/d7/nope.txt")) is None


def _fingerprint(db: Path) -> tuple[str, int, int, int]:
    st = db.stat()  # ctime moves on a chmod even when the mode stays the same
    return hashlib.sha256(db.read_bytes()).hexdigest(), st.st_mtime_ns, st.st_ctime_ns, stat.S_IMODE(st.st_mode)


def test_opening_a_current_database_writes_nothing_even_while_another_process_holds_the_write_lock(tmp_path):
    db = tmp_path / "custos.db"
    with Store(db) as store:
        store.begin_run("/srv/share", "p", "v")
    before = _fingerprint(db)
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a scan mid-transaction: any write on open would wait, then fail
    try:
        for _ in range(3):  # the dashboard re-opens every few seconds
            with Store(db) as store:
                assert DaemonStatusStore(store).read() is None
                assert WorkQueue(store).depth(0).queued == 0
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert _fingerprint(db) == before


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_the_database_is_created_private_and_a_wrong_mode_is_fixed_once(tmp_path):
    db = tmp_path / "custos.db"
    Store(db).close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    db.chmod(0o644)
    Store(db).close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    ctime = db.stat().st_ctime_ns
    Store(db).close()
    assert db.stat().st_ctime_ns == ctime  # right already: not chmod-ed again


def test_processes_opening_a_new_database_together_create_it_once(tmp_path):
    db = tmp_path / "custos.db"
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def open_it() -> None:
        start.wait()
        try:
            Store(db).close()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    con = sqlite3.connect(db)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [(str(SCHEMA_VERSION),)]
    con.close()


def test_a_database_from_a_newer_custos_is_refused_and_left_alone(tmp_path):
    db = tmp_path / "custos.db"
    Store(db).close()
    with sqlite3.connect(db) as con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    con.close()
    with pytest.raises(StoreError, match=f"schema {SCHEMA_VERSION + 1} is newer than this Custos"):
        Store(db)
