"""The Violations screen on a real share scanned with zones: violations listed masked with zone, severity,
rule and times; filtered by state, zone and severity; drilled into the file's findings; at 80x24 and 160x45.
The dashboard counts the open ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from scanner.states import ViolationState
from tests.tui_fixtures import screen_text, settle
from tests.zone_fixtures import RESIDENT_ID, write_config, write_zone_share, zone_scan
from tui.app import ReviewApp
from tui.screens.findings import FindingsScreen
from tui.screens.violations import ViolationsScreen

pytestmark = pytest.mark.anyio

TWO_ZONES = """
[[zones]]
name = "公共盘"
globs = ["公共/**"]
severity = "high"
forbid_entities = ["CN_RESIDENT_ID"]

[[zones]]
name = "人事"
globs = ["人事/**", "归档/**"]
severity = "low"
forbid_sensitivity = ["sensitive"]
"""


@pytest.fixture
def db(tmp_path: Path, packs, detector) -> Path:
    """Open: 公共/名单.txt (公共盘, high), 人事/档案.txt (人事, low); resolved: 归档/旧.txt, cleaned and rescanned."""
    share = write_zone_share(tmp_path / "share")
    (share / "归档").mkdir()
    (share / "归档" / "旧.txt").write_text(f"身份证：{RESIDENT_ID}\n", encoding="utf-8")
    config = write_config(tmp_path / "custos.toml", TWO_ZONES)
    path = tmp_path / "state" / "custos.db"
    zone_scan(path, share, config, packs, detector)
    (share / "归档" / "旧.txt").write_text("身份证：已销毁\n", encoding="utf-8")
    zone_scan(path, share, config, packs, detector)
    return path


def cells(app: ReviewApp) -> list[list[str]]:
    table = app.screen.query_one("#violations-table", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def open_violations(pilot) -> ViolationsScreen:
    await settle(pilot)
    await pilot.press("z")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ViolationsScreen)
    return pilot.app.screen


@pytest.mark.parametrize("size", [(80, 24), pytest.param((160, 45), marks=pytest.mark.slow)])  # ~4 s each
async def test_open_violations_are_listed_masked_and_drill_into_the_file(db: Path, detector, size) -> None:
    app = ReviewApp(db, detector=detector)
    posted = []
    async with app.run_test(size=size, message_hook=posted.append) as pilot:
        screen = await open_violations(pilot)
        rows = cells(app)
        assert sorted((r[0], r[1], r[2], r[4]) for r in rows) == [
            ("人事", "low", "open", "forbid_sensitivity:sensitive"),
            ("公共盘", "high", "open", "forbid_entities:CN_RESIDENT_ID"),
        ]  # fmt: skip
        assert any(isinstance(m, ViolationsScreen.ViolationsLoaded) for m in posted)
        detail = str(screen.query_one("#violations-detail", Static).content)
        assert "110105********1239" in detail and RESIDENT_ID not in detail + screen_text(app)
        public = next(i for i, r in enumerate(rows) if r[0] == "公共盘")
        for _ in range(public):
            await pilot.press("down")
        wanted = screen.rows[public].file_id
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FindingsScreen) and app.screen.file_filter[0] == wanted
        shown = app.screen.items  # the rows on screen: the file's findings only
        assert shown and {f.file_id for f in shown} == {wanted} and {f.entity_type for f in shown} >= {"CN_RESIDENT_ID"}


async def test_filters_by_state_zone_and_severity(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_violations(pilot)
        await pilot.press("o")  # resolved
        await settle(pilot)
        assert screen.state == ViolationState.RESOLVED
        assert [(r[0], r[2]) for r in cells(app)] == [("人事", "resolved")]
        await pilot.press("o")  # all
        await settle(pilot)
        assert len(cells(app)) == 3
        await pilot.press("n")  # the first zone by name
        await settle(pilot)
        assert {r[0] for r in cells(app)} == {screen.zone} and screen.zone in ("人事", "公共盘")
        await pilot.press("n", "n")  # second zone, then all zones again
        await settle(pilot)
        assert screen.zone is None and len(cells(app)) == 3
        await pilot.press("s")  # critical: none here
        await settle(pilot)
        assert cells(app) == []
        await pilot.press("s")  # high
        await settle(pilot)
        assert [r[0] for r in cells(app)] == ["公共盘"]


async def test_the_dashboard_counts_open_violations(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        totals = str(app.screen.query_one("#totals", Static).content)
        assert "zone violations: 2 open (high 1, low 1)" in totals
