"""Shared fixtures and helpers for the whole suite.

- ``packs``, ``detector``: the built-in rule packs and one Detector for the session (Presidio and jieba load once).
- ``share``: a small share of three text files, each with a phone number; a module overrides it for other files.
- ``db``: ``share`` scanned with the real scanner into ``tmp_path/state/custos.db`` (its key beside it).
- ``anyio_backend``: the TUI tests run on asyncio.
- ``postgres_server``: one throwaway PostgreSQL for the session (tests/postgres_server.py), started only when a
  test asks for it; ``pg_url``: a fresh database in it per test; ``db_url``: each test twice, on a SQLite file
  and on a fresh PostgreSQL database (that half carries the ``postgres`` marker: ``-m "not postgres"`` drops it).
  Both set ``CUSTOS_HOME`` to ``tmp_path/state``: a PostgreSQL store keeps its key and vault there.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from scanner.detect.engine import Detector
from scanner.detect.rulepack import load_default_packs
from tests.action_fixtures import scanned_db, write_share
from tests.postgres_server import PostgresServer, PostgresServerError

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="session")
def packs():
    return load_default_packs()


@pytest.fixture(scope="session")
def detector(packs) -> Detector:
    return Detector(packs, today=TODAY)


@pytest.fixture
def share(tmp_path: Path) -> Path:
    return write_share(tmp_path / "share")


@pytest.fixture
def db(tmp_path: Path, share: Path, packs, detector) -> Path:
    return scanned_db(tmp_path / "state", share, packs, detector)


@pytest.fixture
def chinese():
    """The interface in Chinese for one test, English again after it (whatever the test did)."""
    from scanner import i18n

    i18n.set_language(i18n.CHINESE)
    yield
    i18n.set_language(i18n.ENGLISH)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def postgres_server():
    try:
        server = PostgresServer.start()
    except PostgresServerError as exc:  # not a skip: CI installs the server (.ci/run), so its absence is a failure
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres_server: PostgresServer, tmp_path: Path, monkeypatch) -> str:
    monkeypatch.setenv("CUSTOS_HOME", str(tmp_path / "state"))
    return postgres_server.new_database()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path: Path, monkeypatch) -> str:
    """A store location for a test that runs on both engines: a SQLite path (as text) or a PostgreSQL URL."""
    if request.param == "postgresql":
        return request.getfixturevalue("pg_url")
    monkeypatch.setenv("CUSTOS_HOME", str(tmp_path / "state"))
    (tmp_path / "state").mkdir(exist_ok=True)
    return str(tmp_path / "state" / "custos.db")
