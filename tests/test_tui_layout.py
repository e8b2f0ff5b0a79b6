"""The review UI at 80×24 and 160×45, on a real scan: columns measured in terminal cells (Chinese takes two),
numbers, previews and locations whole, paths cut in the middle keeping the file name and the ".zip:" member,
the footer and the search box usable. Assertions on what is on screen, then snapshots that pin each layout.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from rich.cells import cell_len
from textual.widgets import DataTable, Input

from scanner.display_mask import mask_for_display
from scanner.store.store import Store
from tests.tui_fixtures import build_share, bulk_findings, scan_into, screen_text, settle
from tui.app import ReviewApp
from tui.screens.findings import FindingsScreen
from tui.widgets.column_fit import Column, end_ellipsis, fit_columns, middle_ellipsis, natural_widths, path_ellipsis
from tui.widgets.paged_table import PagedTable

pytestmark = pytest.mark.anyio
SMALL, LARGE = (80, 24), (160, 45)
ACTIVE = 149
CARD = "6225881234567890120"  # 19 digits, Luhn valid: the preview keeps 4 + 4
CARD_PREVIEW = "6225***********0120"
LOCATION = "在职员工!B2"
ARCHIVE = "人力资源部/2024年度/离职档案/员工资料备份.zip"
MEMBER_PATH = f"{ARCHIVE}:内部/名单.txt"


@pytest.fixture(scope="module")
def db(tmp_path_factory, packs, detector) -> Path:
    """The small share, a workbook with a sheet named in Chinese, a zip deep in folders; bulk rows up to 149."""
    tmp = tmp_path_factory.mktemp("layout")
    share = build_share(tmp)
    book = openpyxl.Workbook()
    book.active.title = "在职员工"
    book.active.append(["姓名", "工资卡号", "手机"])
    book.active.append(["王芳", CARD, "13912345678"])
    book.save(share / "客户资料" / "员工.xlsx")
    (share / ARCHIVE).parent.mkdir(parents=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("内部/名单.txt", "客户：李娜\n手机：13800138000\n")
    (share / ARCHIVE).write_bytes(buffer.getvalue())
    path = tmp / "state" / "custos.db"
    scan_into(path, share, packs, detector)
    with Store(path) as store:
        scanned = store.connection.execute("SELECT COUNT(*) FROM findings WHERE state = 'active'").fetchone()[0]
    bulk_findings(path, ACTIVE - scanned, per_file=60)
    return path


async def findings_matching(pilot, search: str) -> FindingsScreen:
    """The findings view (one row per finding), filtered by ``search`` typed into the search box."""
    await pilot.press("f")
    await settle(pilot)
    await pilot.press("v", "slash", *search, "enter")
    await settle(pilot, typing=True)
    assert isinstance(pilot.app.screen, FindingsScreen)
    return pilot.app.screen


def row_with(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


# --- shortening and fitting (pure) -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("width", "shown"),
    [
        (60, MEMBER_PATH),
        (40, "人力资源…/员工资料备份.zip:内部/名单.txt"),
        (32, "…员工资料备份.zip:内部/名单.txt"),
        (24, "员工….zip:内部/名单.txt"),
        (20, "员工….zip:…/名单.txt"),
        (16, "….zip:…/名单.txt"),
        (12, "…名单.txt"),
        (6, "….txt"),
    ],
)
def test_a_member_path_keeps_its_file_name_then_the_archive(width: int, shown: str) -> None:
    assert path_ellipsis(MEMBER_PATH, width) == shown
    assert cell_len(shown) <= width


def test_a_plain_path_keeps_its_file_name_and_the_start() -> None:
    assert path_ellipsis("客户资料/2024/客户名单.csv", 20) == "客户资…/客户名单.csv"
    assert path_ellipsis("客户资料/2024/客户名单.csv", 14) == "…/客户名单.csv"
    assert path_ellipsis("a/b.txt", 7) == "a/b.txt"


def test_middle_and_end_ellipsis_count_cells_not_characters() -> None:
    assert middle_ellipsis(LOCATION, 11) == LOCATION  # 4 Chinese characters: 8 cells, then "!B2"
    assert middle_ellipsis(LOCATION, 8) == "在职…!B2"
    assert end_ellipsis("CN_MOBILE, CN_RESIDENT_ID", 12) == "CN_MOBILE, …"


def test_fit_columns_gives_numbers_their_width_and_drops_the_least_needed_first() -> None:
    columns = [
        Column("path", "path", flexible=True, min_width=10, shorten=path_ellipsis, outranks=5),
        Column("location", "location", drop=1),
        Column("findings", "findings"),
        Column("rule", "rule", drop=5),
    ]
    natural = natural_widths(columns, [{"path": "x" * 40, "location": LOCATION, "findings": "12,345", "rule": "r" * 9}])
    assert natural == {"path": 40, "location": 11, "findings": 8, "rule": 9}
    assert fit_columns(columns, natural, 200) == {"path": 40, "location": 11, "findings": 8, "rule": 9}
    # 60 cells: the path cannot be whole, so the rule gives way to it; numbers and the location stay whole
    assert fit_columns(columns, natural, 60) == {"path": 35, "location": 11, "findings": 8}
    assert fit_columns(columns, natural, 30) == {"path": 18, "findings": 8}  # the location goes before the path
    assert fit_columns(columns, natural, 10) == {"path": 10, "findings": 8}  # never below that: it scrolls


# --- on screen at 80×24 ------------------------------------------------------------------------------
async def test_findings_at_80x24_show_previews_locations_and_archive_members_whole(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SMALL) as pilot:
        screen = await findings_matching(pilot, "员工")
        assert screen.query_one("#search", Input).size.width >= 60
        shown = screen_text(app)
        card_row = row_with(shown, CARD_PREVIEW)
        assert LOCATION in card_row and "客户资料/员工.xlsx" in card_row
        member_row = row_with(shown, "名单.txt")
        assert ".zip:" in member_row and "员工" in member_row
        table = screen.query_one("#findings-table", PagedTable)
        status = str(screen.query_one("#findings-status").content)
        assert table.hidden_columns and f"not shown: {', '.join(table.hidden_columns)}" in status
        assert "preview" not in table.hidden_columns and "location" not in table.hidden_columns

        await pilot.resize_terminal(*LARGE)  # wider: laid out again, every column and the whole path
        await settle(pilot)
        assert set(table.hidden_columns) <= {"rule"}  # the whole path is worth more than the rule id
        assert MEMBER_PATH in screen_text(app)


async def test_files_view_at_80x24_keeps_counts_whole(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("f")
        await settle(pilot)
        shown = screen_text(app)
        assert "60" in row_with(shown, mask_for_display("客户000000.txt"))  # the bulk file of 60 findings: both digits
        assert " 2 " in row_with(shown, "名单.txt") and ".zip:" in row_with(shown, "名单.txt")


async def test_dashboard_at_80x24_shows_every_count(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        shown = screen_text(app)
        assert f"{ACTIVE} active findings" in shown
        by_state = next(line for line in shown.splitlines() if re.search(r"│\s+active\s+\d", line))
        assert by_state.split("│")[-2].split() == ["active", str(ACTIVE)]  # findings by state, whole
        by_type = app.screen.query_one("#by-type", DataTable)
        for row in range(by_type.row_count):
            name, findings, files = (str(cell) for cell in by_type.get_row_at(row))
            whole = next(r for r in app.review.dashboard().counts.by_type if r[0].startswith(name.rstrip("…")))
            assert (findings, files) == (f"{whole[1]:,}", f"{whole[2]:,}")
        top = str(by_type.get_row_at(0)[0])
        on_screen = row_with(shown, top).split("│")[-2].split()  # the type, its counts, a scrollbar perhaps
        assert on_screen[1:3] == [str(cell) for cell in by_type.get_row_at(0)[1:]]


@pytest.mark.slow  # over 1.5 s: the default run keeps to its five minutes
async def test_footer_fits_160_columns_and_starts_with_help_at_80(db: Path, detector) -> None:
    for size, wanted in ((LARGE, ("? Help", "m x D r n Propose", "u Audit", "q Quit")), (SMALL, ("? Help",))):
        app = ReviewApp(db, detector=detector)
        async with app.run_test(size=size) as pilot:
            await pilot.press("f")
            await settle(pilot)
            footer = screen_text(app).splitlines()[-1]
            assert footer.startswith("? Help v View / Search")
            assert all(key in footer for key in wanted), footer


# --- snapshots: the layouts, pinned ------------------------------------------------------------------
@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x45"])
def test_dashboard_layout(db: Path, detector, snap_compare, size) -> None:
    assert snap_compare(ReviewApp(db, detector=detector), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x45"])
def test_findings_layout(db: Path, detector, snap_compare, size) -> None:
    async def run_before(pilot) -> None:
        await findings_matching(pilot, "员工")
        pilot.app.screen.query_one("#search", Input).cursor_blink = False

    assert snap_compare(ReviewApp(db, detector=detector), terminal_size=size, run_before=run_before)
