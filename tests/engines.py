"""Running a test on both engines: `db_url` (tests/conftest.py) is SQLite and PostgreSQL.

``BOTH_ENGINES_SLOW_ON_POSTGRESQL``: for a test that takes seconds on PostgreSQL (processes, thousands of rows),
its PostgreSQL half joins the slow set while its SQLite half stays in the default run; the fixture
``db_url_slow_on_postgresql`` does the same for every test of a module that imports it.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from scanner.states import Engine
from scanner.store.engine import database_argument, parse_target
from scanner.store.store import Store

BOTH_ENGINES_SLOW_ON_POSTGRESQL = pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.slow])], indirect=True
)


@pytest.fixture(
    name="db_url", params=["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.slow])]
)
def db_url_slow_on_postgresql(request, tmp_path: Path, monkeypatch) -> str:
    """`db_url` for a whole module whose tests each scan a share (a second or more on PostgreSQL): imported into
    the module (`from tests.engines import db_url_slow_on_postgresql  # noqa: F401`), it replaces conftest's
    `db_url` there, and every PostgreSQL half joins the slow set."""
    if request.param == "postgresql":
        return request.getfixturevalue("pg_url")
    monkeypatch.setenv("CUSTOS_HOME", str(tmp_path / "state"))
    (tmp_path / "state").mkdir(exist_ok=True)
    return str(tmp_path / "state" / "custos.db")


@pytest.fixture(name="db_url")
def db_url_sqlite_unless_parametrized(request, tmp_path: Path, monkeypatch) -> str:
    """`db_url` for a module whose tests run on SQLite only unless marked `@BOTH_ENGINES_SLOW_ON_POSTGRESQL`
    (snapshots, say, stay on one engine): imported into the module as `db_url_slow_on_postgresql` is."""
    if getattr(request, "param", "sqlite") == "postgresql":
        return request.getfixturevalue("pg_url")
    monkeypatch.setenv("CUSTOS_HOME", str(tmp_path / "state"))
    (tmp_path / "state").mkdir(exist_ok=True)
    return str(tmp_path / "state" / "custos.db")


def rows(db: str, sql: str, params: tuple = ()) -> list[dict]:
    """What another connection reads from the database, each row as a dict."""
    with Store(db) as store:
        return [dict(r) for r in store.connection.execute(sql, params)]


def tuples(db: str | Path, sql: str, params: tuple = ()) -> list[tuple]:
    """What another connection reads from the database, each row as a tuple (columns may share a name)."""
    with Store(db) as store:
        return [tuple(r) for r in store.connection.execute(sql, params)]


def is_postgresql(db: str | Path) -> bool:
    """A PostgreSQL URL, or the path the commands pass for one (`database_argument`)."""
    return parse_target(db).is_postgresql


def as_path(db_url: str) -> Path:
    """`db_url` as the commands and the review workspace take a database: a Path (SQLite) or the state folder's
    custos.db carrying the URL (PostgreSQL); `.parent` is where the key, vault and audit log live."""
    return database_argument(db_url)


def execute(db: str, sql: str, params: tuple = ()) -> None:
    """One statement run outside Custos's own code (a test changing rows behind its back)."""
    with Store(db) as store:
        store.connection.execute(sql, params)


def audit_text(db: str | Path) -> str:
    """Every audit record as JSON lines: the log file (SQLite) or the company's chain (PostgreSQL)."""
    from scanner.actions.audit_shared import audit_log_for

    path = as_path(str(db)) if isinstance(db, str) else db
    with Store(path) as store:
        return "\n".join(json.dumps(r, ensure_ascii=False) for r in audit_log_for(path, store).records())


def everything_stored(db: str) -> str:
    """Every row of every table as text: what a test searches for a plain value that must not be stored. SQLite:
    the file's bytes (WAL checkpointed) and its SQL dump; PostgreSQL: each table's rows as text."""
    if not is_postgresql(db):
        with sqlite3.connect(db) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            dump = "\n".join(conn.iterdump())
        raw = b"".join(p.read_bytes() for p in Path(db).parent.glob(Path(db).name + "*"))
        return dump + "\n" + raw.decode("utf-8", "replace")
    with Store(db) as store:
        tables = [r[0] for r in store.connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )]  # fmt: skip
        return "\n".join(
            str(r[0]) for table in tables for r in store.connection.execute(f"SELECT t::text FROM {table} t")
        )


__all__ = [
    "BOTH_ENGINES_SLOW_ON_POSTGRESQL",
    "Engine",
    "as_path",
    "audit_text",
    "everything_stored",
    "execute",
    "is_postgresql",
    "rows",
]


COMPANY_KEY = bytes(range(32))  # the tests' company fingerprint key: every host of a shared store holds it


def install_company_key(state: Path) -> None:
    """What the admin does before a host's first scan of a shared store (docs/postgresql.md): the company's
    fingerprint key in the host's state folder, mode 0600."""
    state.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = state / "custos.key"
    if not key.exists():
        key.write_bytes(COMPANY_KEY)
        key.chmod(0o600)
