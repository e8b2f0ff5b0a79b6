"""Shared fixtures: one Detector for the session (loading Presidio and jieba takes about a second)."""

from __future__ import annotations

from datetime import date

import pytest

from scanner.detect.engine import Detector
from scanner.detect.rulepack import load_default_packs

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="session")
def packs():
    return load_default_packs()


@pytest.fixture(scope="session")
def detector(packs) -> Detector:
    return Detector(packs, today=TODAY)
