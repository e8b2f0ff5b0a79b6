"""The store's engine layer (scanner/store/engine.py, dialect.py, postgres.py) on real SQLite and PostgreSQL:
targets, SQL translation, rows, transactions, lossless text, and one schema rendered identically for both."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.states import Engine
from scanner.store.dialect import translate
from scanner.store.engine import DB_ERRORS, connect, parse_target
from scanner.store.lossless import stored_length
from scanner.store.migrations import columns
from scanner.store.schema import SCHEMA_VERSION
from scanner.store.store import Store, StoreError

UNDECODABLE = "客户\udcbf\udccd-\ufdd0.txt"  # lone surrogates (GBK bytes) and a literal U+FDD0


def test_a_url_is_postgresql_and_anything_else_a_sqlite_path(tmp_path):
    assert parse_target(tmp_path / "a.db").path == tmp_path / "a.db"
    assert parse_target("sqlite:///srv/custos.db") == parse_target(Path("/srv/custos.db"))
    assert parse_target("relative/custos.db").kind is Engine.SQLITE
    target = parse_target("postgresql://custos:s3cret@db.example:5432/custos?sslmode=verify-full")
    assert target.kind is Engine.POSTGRESQL and target.url.endswith("sslmode=verify-full")
    assert target.shown == "postgresql://custos:***@db.example:5432/custos?sslmode=verify-full"
    assert "s3cret" not in f"{target} {target!r} {target.shown}"
    assert parse_target("postgres://reviewer@db/custos").shown == "postgres://reviewer@db/custos"


def test_a_password_in_a_refused_connection_is_not_shown():
    url = "postgresql://custos:s3cret@127.0.0.1:1/custos?connect_timeout=1"
    with pytest.raises(StoreError) as refused:
        Store(url)
    assert "s3cret" not in str(refused.value) and "postgresql://custos:***@127.0.0.1:1/custos" in str(refused.value)


@pytest.mark.parametrize(
    ("sqlite", "postgresql"),
    [
        ("SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = %s AND c = %s"),
        ("UPDATE q SET x = :now + :lease WHERE id = :id", "UPDATE q SET x = %(now)s + %(lease)s WHERE id = %(id)s"),
        ("SELECT 1 WHERE v LIKE '% watch' AND w = '?:x'", "SELECT 1 WHERE v LIKE '%% watch' AND w = '?:x'"),
        ("INSERT OR IGNORE INTO s(a) VALUES (?)", "INSERT INTO s(a) VALUES (%s) ON CONFLICT DO NOTHING"),
        ("SELECT instr(',' || f || ',', ',minor,')", "SELECT strpos(',' || f || ',', ',minor,')"),
        ("SELECT group_concat(DISTINCT t) FROM f", "SELECT string_agg(DISTINCT t, ',') FROM f"),
        ("SET n = max(q.n, excluded.n), m = MAX(x)", "SET n = GREATEST(q.n, excluded.n), m = MAX(x)"),
        ("SELECT ifnull(min(a, b), 0) FROM t", "SELECT COALESCE(LEAST(a, b), 0) FROM t"),
        ("SELECT id FROM t -- it's a comment\n LIMIT ?", "SELECT id FROM t \n LIMIT NULLIF(%s, -1)"),
        ("SELECT x::text FROM t", "SELECT x::text FROM t"),
    ],
)
def test_sqlite_dialect_is_translated_for_postgresql(sqlite, postgresql):
    assert translate(sqlite) == postgresql


def test_rows_read_by_index_by_name_and_as_dicts(db_url):
    with Store(db_url) as store:
        db = store.connection
        db.execute("INSERT INTO meta(key, value) VALUES (?, ?)", ("colour", "blue"))
        row = db.execute("SELECT key, value AS shade FROM meta WHERE key = ?", ("colour",)).fetchone()
        assert (row[0], row[1], row["key"], row["shade"]) == ("colour", "blue", "colour", "blue")
        assert dict(row) == {"key": "colour", "shade": "blue"} and tuple(row) == ("colour", "blue")
        count = db.execute("SELECT COUNT(*) AS n, SUM(scan_count) AS total FROM files").fetchone()
        assert (count["n"], count["total"]) == (0, None)
        assert db.execute("DELETE FROM meta WHERE key = 'colour'").rowcount == 1


def test_a_transaction_rolled_back_leaves_nothing(db_url):
    with Store(db_url) as store:
        run = store.begin_run("/srv/share", "p@1", "t")
        with pytest.raises(RuntimeError, match="cut short"), store.transaction():
            store.connection.execute("INSERT INTO meta(key, value) VALUES ('half', 'done')")
            store.connection.execute("UPDATE scan_runs SET files_seen = 9 WHERE id = ?", (run,))
            raise RuntimeError("cut short")
        assert store.connection.execute("SELECT value FROM meta WHERE key = 'half'").fetchone() is None
        assert store.run(run)["files_seen"] == 0


def test_names_that_are_not_utf8_round_trip_and_the_sql_sees_the_stored_form(db_url):
    with Store(db_url) as store:
        run = store.begin_run("/srv/share", "p@1", "t")
        file_id = store.record_scan(root="/srv/share", rel_path=UNDECODABLE, run_id=run, status="scanned")
        assert store.file("/srv/share", UNDECODABLE).id == file_id
        stored = store.connection.execute("SELECT rel_path, length(rel_path) AS n FROM files").fetchone()
        assert stored["rel_path"] == UNDECODABLE and stored["n"] == stored_length(UNDECODABLE) == 15


def test_a_nul_in_text_is_refused_on_postgresql_not_cut(pg_url):
    with Store(pg_url) as store:
        run = store.begin_run("/srv/share", "p@1", "t")
        with pytest.raises(DB_ERRORS, match="NUL character"):
            store.record_scan(root="/srv/share", rel_path="a\0b.txt", run_id=run, status="scanned")
        assert store.connection.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 0


def test_the_schema_has_the_same_tables_and_columns_on_both_engines(tmp_path, pg_url):
    with Store(tmp_path / "custos.db") as lite, Store(pg_url) as pg:
        tables = [
            r[0]
            for r in lite.connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        pg_tables = [
            r[0]
            for r in pg.connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                " ORDER BY table_name"
            )
        ]
        assert tables == pg_tables and {"files", "findings", "hosts", "host_workers"} <= set(tables)
        for table in tables:
            assert columns(lite.connection, table) == columns(pg.connection, table), table
        for store in (lite, pg):
            version = store.connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            assert int(version[0]) == SCHEMA_VERSION


def test_sqlite_is_sqlite3_itself_and_postgresql_is_reached_through_psycopg(tmp_path, pg_url):
    import sqlite3

    lite = connect(parse_target(tmp_path / "x.db"))
    pg = connect(parse_target(pg_url))
    try:
        assert isinstance(lite, sqlite3.Connection) and lite.dialect == Engine.SQLITE
        assert pg.dialect == Engine.POSTGRESQL and pg.execute("SELECT 1 AS one").fetchone()["one"] == 1
    finally:
        lite.close()
        pg.close()


def test_sqlite_commands_do_not_load_psycopg(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys\nfrom pathlib import Path\nimport scanner.cli\nfrom scanner.store.store import Store\n"
        f"Store(Path({str(tmp_path / 'c.db')!r})).close()\nprint('psycopg' in sys.modules)\n"
    )
    repo = str(Path(__file__).resolve().parents[1])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": repo})
    assert done.stdout.strip() == "False", done.stderr


def test_an_older_postgresql_schema_is_refused_until_custos_db_upgrade(pg_url):
    from scanner.store.migrations import upgrade

    Store(pg_url).close()
    db = connect(parse_target(pg_url))
    db.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match=r"schema 7 is older than this Custos \(8\): run `custos db upgrade --db "):
        Store(pg_url)
    upgrade(db)
    Store(pg_url).close()
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema 99 is newer than this Custos"):
        Store(pg_url)
    db.close()


def test_a_url_given_as_db_names_the_database_by_its_masked_url(tmp_path, monkeypatch):
    from scanner.store.engine import database_argument

    monkeypatch.setenv("CUSTOS_HOME", str(tmp_path / "state"))
    db = database_argument("postgresql://custos:s3cret@db.example/custos")
    assert f"{db}" == "postgresql://custos:***@db.example/custos" and db.exists()
    assert str(db) == str(tmp_path / "state" / "custos.db") and parse_target(db).url.endswith("/custos")
    assert not db.with_name("custos.key").exists()  # the files beside it are real paths in the state folder
    assert database_argument(str(tmp_path / "x.db")) == tmp_path / "x.db"


def test_a_url_given_as_db_keeps_its_url_when_pickled_for_a_worker_process(tmp_path, monkeypatch):
    """The daemon's workers are spawned: a pickled DatabaseUrlPath that lost its URL opened a SQLite file."""
    import pickle

    from scanner.store.engine import database_argument

    monkeypatch.setenv("CUSTOS_HOME", str(tmp_path / "state"))
    db = pickle.loads(pickle.dumps(database_argument("postgresql://custos@db.example/custos")))
    assert parse_target(db).is_postgresql and parse_target(db).url == "postgresql://custos@db.example/custos"
    assert str(db) == str(tmp_path / "state" / "custos.db")
