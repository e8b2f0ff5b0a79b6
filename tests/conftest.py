"""Shared fixtures and helpers for the whole suite.

- ``packs``, ``detector``: the built-in rule packs and one Detector for the session (Presidio and jieba load once).
- ``share``: a small share of three text files, each with a phone number; a module overrides it for other files.
- ``db``: ``share`` scanned with the real scanner into ``tmp_path/state/custos.db`` (its key beside it).
- ``anyio_backend``: the TUI tests run on asyncio.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from scanner.detect.engine import Detector
from scanner.detect.rulepack import load_default_packs
from tests.action_fixtures import scanned_db, write_share

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
def anyio_backend() -> str:
    return "asyncio"
