"""The review UI in Simplified Chinese: the language chosen before the app is built reaches the class-level text
(bindings in the footer and the help, screen titles, column labels, palette commands); entity types and states by
their Chinese names; every line within the terminal at 80×24 and 160×45 and no cell cut inside a wide character;
snapshots of the dashboard and the findings screen pinned in Chinese.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widgets import Input

from scanner.i18n.entity_names import entity_name
from tests.tui_fixtures import build_share, bulk_findings, scan_into, screen_text, settle
from tui.app import ReviewApp
from tui.commands import ReviewCommands
from tui.screens.dashboard import DashboardScreen
from tui.screens.findings import FindingsScreen
from tui.widgets.fitted_table import FittedTable

pytestmark = pytest.mark.anyio
SMALL, LARGE = (80, 24), (160, 45)


@pytest.fixture(scope="module")
def db(tmp_path_factory, packs, detector) -> Path:
    """The small share (Chinese names, three files) and bulk rows in Chinese folders: 120 active findings."""
    tmp = tmp_path_factory.mktemp("chinese")
    path = tmp / "state" / "custos.db"
    scan_into(path, build_share(tmp), packs, detector)
    bulk_findings(path, 100, per_file=40)
    return path


async def test_language_set_before_the_app_gives_chinese_bindings_and_titles(db: Path, detector, chinese) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        shown = screen_text(app)
        assert "Custos 复核" in shown and "仪表盘" in shown  # the header: the app's title, the screen's sub title
        footer = shown.splitlines()[-1]
        assert footer.startswith("? 帮助") and "r 刷新" in footer and "q 退出" in footer, footer
        descriptions = {b.binding.description for b in app.screen.active_bindings.values()}
        assert {"帮助", "仪表盘", "发现项", "审批", "退出", "刷新"} <= descriptions
        assert {b.description for b in DashboardScreen.BINDINGS} == {"Help", "Refresh"}  # defined once, in English

        await pilot.press("f")
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "m x D r n 提议" in footer and "/ 搜索" in footer, footer  # the binding group, translated too
        assert app.screen.sub_title == "发现项"

        await pilot.press("question_mark")
        await settle(pilot)
        help_text = screen_text(app)
        assert "分拣处置流程" in help_text and "由谁审批" in help_text and "两人：必须由另一人批准" in help_text

        commands = [text for text, _run, _help in ReviewCommands(app.screen).commands()]
        assert "转到：审计" in commands and "主题：切换深色/浅色" in commands


def test_every_screen_of_the_app_shows_its_bindings_translated() -> None:
    """A new screen that forgot the mixin would keep an English footer and title in Chinese: caught here."""
    import importlib
    import pkgutil

    from textual.screen import Screen

    import tui
    from tui.translated import TranslatedScreen

    for module in pkgutil.walk_packages(tui.__path__, "tui."):
        importlib.import_module(module.name)
    screens = [cls for cls in _subclasses(Screen) if cls.__module__.startswith("tui.")]
    assert len(screens) >= 10
    assert [cls.__name__ for cls in screens if not issubclass(cls, TranslatedScreen)] == []


def _subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]


async def test_english_stays_the_default(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        assert screen_text(app).splitlines()[-1].startswith("? Help")
        assert app.title == "Custos review"


async def test_findings_show_entity_types_states_and_columns_in_chinese(db: Path, detector, chinese) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=LARGE) as pilot:
        await pilot.press("f", "v")
        await settle(pilot)
        shown = screen_text(app)
        assert entity_name("CN_RESIDENT_ID") in shown and "CN_RESIDENT_ID" not in shown
        assert "路径" in shown and "预览" in shown and "位置" in shown  # column labels
        status = str(app.screen.query_one("#findings-status").content)
        assert status.startswith("发现项视图 · 第 1–") and "排序：路径" in status, status


def _lines_fit(app, width: int) -> None:
    for line in screen_text(app).splitlines():
        assert cell_len(line) <= width, line


def _cells_whole(app) -> None:
    """Every shown cell of every fitted table within its column, cut only between characters."""
    for table in app.screen.query(FittedTable):
        for _key, cells in table._rows:  # noqa: SLF001 (the whole cells: what each shown one was cut from)
            for key, width in table._widths.items():  # noqa: SLF001
                whole, shown = cells[key].plain, table._shortened(cells, key).plain  # noqa: SLF001
                assert cell_len(shown) <= width or next(c for c in table.fit_columns if c.key == key).wrap, shown
                if shown != whole:  # shortened: what is left of the value is whole characters of it
                    kept = shown.replace("…", "")
                    assert all(ch in whole for ch in kept), (whole, shown)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x45"])
async def test_every_line_fits_the_terminal_in_chinese(db: Path, detector, chinese, size) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        _lines_fit(app, size[0])
        _cells_whole(app)
        for keys in (("f",), ("v",)):  # the files view, then the findings view
            await pilot.press(*keys)
            await settle(pilot)
            assert isinstance(app.screen, FindingsScreen)
            _lines_fit(app, size[0])
            _cells_whole(app)


# --- snapshots: the Chinese layouts, pinned ----------------------------------------------------------
@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x45"])
def test_dashboard_layout_in_chinese(db: Path, detector, snap_compare, chinese, size) -> None:
    assert snap_compare(ReviewApp(db, detector=detector), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x45"])
def test_findings_layout_in_chinese(db: Path, detector, snap_compare, chinese, size) -> None:
    async def run_before(pilot) -> None:
        await pilot.press("f")
        await settle(pilot)
        pilot.app.screen.query_one("#search", Input).cursor_blink = False

    assert snap_compare(ReviewApp(db, detector=detector), terminal_size=size, run_before=run_before)
