"""The review UI shows who can read each file (the "readable by" column) and filters by it, through the
ReviewService's pages: the filter reaches the store as `FindingFilter.exposure`."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Select

from scanner.review.records import FindingFilter
from scanner.states import ExposureLevel
from tests.tui_fixtures import build_share, settle
from tui.app import ReviewApp
from tui.screens.findings import FindingsScreen, PageLoaded
from tui.widgets.paged_table import PagedTable

pytestmark = pytest.mark.anyio
SIZE = (160, 45)
NOTE_FILE, CSV_FILE = "客户资料/张*.txt", "客户资料/客户名单.csv"  # both hold resident IDs (sensitive)


@pytest.fixture
def share(tmp_path: Path) -> Path:
    root = build_share(tmp_path)
    (root / "客户资料" / "张伟.txt").chmod(0o600)
    (root / "客户资料" / "客户名单.csv").chmod(0o644)
    return root


def _column(app: ReviewApp, key: str) -> list[str]:
    t = app.screen.query_one("#findings-table", PagedTable)
    return [str(t.get_cell_at((row, t.get_column_index(key)))) for row in range(t.row_count)]


async def test_exposure_column_and_filter(db: Path, detector) -> None:
    filters: list[FindingFilter] = []

    def hook(message) -> None:
        if isinstance(message, PageLoaded):
            filters.append(message.query.filter)

    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await pilot.press("f")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FindingsScreen) and screen.view == "files"
        shown = dict(zip(_column(app, "path"), _column(app, "exposure"), strict=True))
        assert shown[NOTE_FILE] == ExposureLevel.OWNER and shown[CSV_FILE] == ExposureLevel.ALL
        assert shown["导出/export.json"] == "-"  # no sensitive findings: not looked at

        screen.query_one("#exposure", Select).value = ExposureLevel.ALL
        await settle(pilot)
        assert _column(app, "path") == [CSV_FILE]
        assert filters[-1].exposure == ExposureLevel.ALL

        screen.query_one("#exposure", Select).value = ExposureLevel.GROUP  # group or wider: still the CSV only
        await settle(pilot)
        assert _column(app, "path") == [CSV_FILE]
        await pilot.press("v")  # the findings view: each finding shows its file's exposure
        await settle(pilot)
        assert set(_column(app, "exposure")) == {ExposureLevel.ALL} and len(_column(app, "path")) > 1


@pytest.fixture
def db(tmp_path: Path, share: Path, packs, detector) -> Path:
    from tests.tui_fixtures import scan_into

    db = tmp_path / "state" / "custos.db"
    scan_into(db, share, packs, detector)
    return db
