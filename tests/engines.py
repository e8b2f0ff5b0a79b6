"""Running a test on both engines: `db_url` (tests/conftest.py) is SQLite and PostgreSQL.

``BOTH_ENGINES_SLOW_ON_POSTGRESQL``: for a test that takes seconds on PostgreSQL (processes, thousands of rows),
its PostgreSQL half joins the slow set while its SQLite half stays in the default run.
"""

from __future__ import annotations

import pytest

from scanner.states import Engine
from scanner.store.store import Store

BOTH_ENGINES_SLOW_ON_POSTGRESQL = pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.slow])], indirect=True
)


def rows(db: str, sql: str, params: tuple = ()) -> list[dict]:
    """What another connection reads from the database, each row as a dict."""
    with Store(db) as store:
        return [dict(r) for r in store.connection.execute(sql, params)]


def is_postgresql(db: str) -> bool:
    return str(db).startswith("postgresql://")


__all__ = ["BOTH_ENGINES_SLOW_ON_POSTGRESQL", "Engine", "is_postgresql", "rows"]
