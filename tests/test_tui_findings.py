"""The findings and detail screens and masked context lines, on a real scanned database and the real app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import Select

from scanner.review.context import masked_context
from tests.action_fixtures import scanned_db
from tests.engines import (
    BOTH_ENGINES_SLOW_ON_POSTGRESQL,
    as_path,
    db_url_sqlite_unless_parametrized,  # noqa: F401 - db_url: SQLite unless marked both
)
from tests.tui_fixtures import EMAIL, ID, PHONE, build_share, bulk_findings, scan_into, screen_text, settle
from tui.app import ReviewApp
from tui.screens.detail import DetailScreen
from tui.screens.findings import FindingsScreen, PageLoaded
from tui.widgets.paged_table import PAGE_SIZE, PagedTable
from tui.widgets.selection import MARKED, PARTLY

pytestmark = pytest.mark.anyio  # async tests run on asyncio (anyio's pytest plugin), as Textual needs
SIZE = (120, 40)
# as shown: the name in 客户资料/张伟.txt is masked although no rule reported it (scanner.display_mask)
NOTE_FILE, CSV_FILE, JSON_FILE = "客户资料/张*.txt", "客户资料/客户名单.csv", "导出/export.json"


@pytest.fixture
def share(tmp_path: Path) -> Path:
    return build_share(tmp_path)


@pytest.fixture
def db(tmp_path: Path, share: Path, packs, detector, db_url: str) -> Path:
    """The share scanned into SQLite, or into PostgreSQL for the tests marked to run on both engines."""
    return as_path(scanned_db(tmp_path / "state", share, packs, detector, target=db_url))


async def open_findings(pilot) -> FindingsScreen:
    await pilot.press("f")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, FindingsScreen)
    return screen


def table(app: ReviewApp) -> PagedTable:
    return app.screen.query_one("#findings-table", PagedTable)


def column(app: ReviewApp, key: str) -> list[str]:
    t = table(app)
    return [str(t.get_cell_at((row, t.get_column_index(key)))) for row in range(t.row_count)]


def status(app: ReviewApp) -> str:
    return str(app.screen.query_one("#findings-status").content)


# --- files and findings views ------------------------------------------------------------------------
@BOTH_ENGINES_SLOW_ON_POSTGRESQL
async def test_f_opens_the_files_view_with_counts(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE) as pilot:
        await open_findings(pilot)
        assert table(app).row_count == 3
        counts = dict(zip(column(app, "path"), column(app, "findings"), strict=True))
        assert counts == {CSV_FILE: "8", NOTE_FILE: "4", JSON_FILE: "3"}
        assert dict(zip(column(app, "path"), column(app, "sensitive"), strict=True))[CSV_FILE] == "2"
        assert "files · rows 1–3 of 3 · sort: findings" in status(app)


@pytest.mark.slow  # over 1.5 s: the default run keeps to its five minutes
async def test_v_toggles_between_files_and_findings(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE) as pilot:
        await open_findings(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert table(app).row_count == 15
        assert "rows 1–15 of 15" in status(app)
        assert "139****5678" in column(app, "preview")
        await pilot.press("v")
        await settle(pilot)
        assert table(app).row_count == 3


@BOTH_ENGINES_SLOW_ON_POSTGRESQL
async def test_typing_in_search_filters_rows(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE) as pilot:
        await open_findings(pilot)
        await pilot.press("v", "slash")
        await pilot.press(*"CN_MOB")
        await settle(pilot, typing=True)
        assert column(app, "type") == ["CN_MOBILE"] * 4
        await pilot.press("enter", "v")  # back to the table, then the files view with the same search
        await settle(pilot)
        assert column(app, "path")[0] == CSV_FILE and column(app, "findings") == ["2", "1", "1"]


@BOTH_ENGINES_SLOW_ON_POSTGRESQL
async def test_entity_type_filter(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_findings(pilot)
        await pilot.press("v")
        await settle(pilot)
        screen.query_one("#type", Select).value = "CN_RESIDENT_ID"
        await settle(pilot)
        assert column(app, "type") == ["CN_RESIDENT_ID"] * 3
        screen.query_one("#state", Select).value = "dismissed"
        await settle(pilot)
        assert table(app).row_count == 0 and "no rows" in status(app)


@pytest.mark.slow  # over 1.5 s: the default run keeps to its five minutes
async def test_s_cycles_the_sort(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE) as pilot:
        await open_findings(pilot)
        await pilot.press("v")
        await settle(pilot)
        firsts = []
        for _ in range(4):
            firsts.append((status(app).split("sort: ")[1].split(" ")[0], column(app, "type")[0]))
            await pilot.press("s")
            await settle(pilot)
        assert firsts == [("path", "PERSON"), ("type", "CN_MOBILE"), ("sensitivity", "CN_RESIDENT_ID"),
                          ("score", "CN_RESIDENT_ID")]  # fmt: skip
        assert column(app, "path")[0] == CSV_FILE  # back to path order
        assert "sort: path" in status(app)


# --- selection ---------------------------------------------------------------------------------------
@pytest.mark.slow  # over 2 s: the default run keeps to its five minutes
async def test_space_and_a_select_rows_and_escape_clears(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_findings(pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("space")
        assert column(app, "mark")[:2] == [MARKED, ""] and table(app).cursor_row == 1
        await pilot.press("A")  # every finding of this row's file (the CSV: rows 0-7)
        await settle(pilot)
        assert column(app, "mark") == [MARKED] * 8 + [""] * 7
        assert screen.proposal_targets() == (list(range(1, 9)), [])
        await pilot.press("escape")
        assert set(column(app, "mark")) == {""}
        await pilot.press("v")  # files view: space marks the whole file
        await settle(pilot)
        await pilot.press("space")
        assert column(app, "mark")[0] == MARKED
        whole = column(app, "path")[0]
        await pilot.press("v")
        await settle(pilot)
        marks = dict(zip(column(app, "mark"), column(app, "path"), strict=False))
        assert marks[MARKED] == whole and screen.proposal_targets()[1] != []
        await pilot.press("escape", "down", "down", "space", "v")  # one finding: its file is partly selected
        await settle(pilot)
        assert PARTLY in column(app, "mark")


@pytest.mark.slow  # seconds each; the default run stays under 5 min
async def test_propose_key_opens_the_propose_dialog_on_the_selection(db: Path, detector) -> None:
    from tui.modals.propose import ProposeScreen

    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE) as pilot:
        await open_findings(pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("space", "space", "m")
        await settle(pilot)
        assert isinstance(app.screen, ProposeScreen)
        assert (app.screen.kind, app.screen.finding_ids, app.screen.file_ids) == ("mask", [1, 2], [])
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, FindingsScreen)
        await pilot.press("D")
        await settle(pilot)
        assert (app.screen.kind, app.screen.finding_ids) == ("delete", [1, 2])  # the selection is kept on cancel
        await pilot.press("escape", "escape", "down", "down", "m")  # no selection: the finding under the cursor
        await settle(pilot)
        assert app.screen.finding_ids == [5]
        await pilot.press("enter")  # propose, no reason needed for a mask
        await settle(pilot)
        assert isinstance(app.screen, FindingsScreen) and table(app).cursor_row == 4
        assert column(app, "action")[4] == "mask proposed" and app.review.finding(5).action == "mask proposed"


# --- detail ------------------------------------------------------------------------------------------
@BOTH_ENGINES_SLOW_ON_POSTGRESQL
async def test_enter_opens_the_detail_with_masked_context_only(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE) as pilot:
        await open_findings(pilot)
        row = column(app, "path").index(NOTE_FILE)
        table(app).move_cursor(row=row)
        await pilot.press("enter")  # a file: its findings
        await settle(pilot)
        assert set(column(app, "path")) == {NOTE_FILE} and f"file: {NOTE_FILE}" in status(app)
        await pilot.press("down", "enter")  # the mobile number
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        shown = screen_text(app)
        assert "2 │ 手机：139****5678" in shown
        assert "1 │ 客户：张*先生" in shown and "3 │ 身份证号：110105********1239" in shown
        assert "4 │ 邮箱：z***@example.com" in shown
        assert "“手机”" in shown and "cn_mobile" in shown and "utf-8" in shown
        for plain in (PHONE, ID, EMAIL, "张伟先生"):
            assert plain not in shown
        await pilot.press("down", "enter")  # siblings: move the detail to the resident ID
        await settle(pilot)
        assert "CN_RESIDENT_ID" in str(app.screen.query_one("#detail-finding").content)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, FindingsScreen)
        await pilot.press("escape")  # drops the file filter
        await settle(pilot)
        assert table(app).row_count == 15


async def test_detail_of_a_changed_file_shows_no_context(db: Path, detector, tmp_path: Path) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE) as pilot:
        csv = tmp_path / "share" / CSV_FILE
        csv.write_bytes(csv.read_bytes() + b"\r\n")  # changed since the scan
        await open_findings(pilot)
        await pilot.press("v", "enter")
        await settle(pilot)
        assert "changed since it was scanned" in screen_text(app)


@pytest.mark.slow  # over 1.5 s: the default run keeps to its five minutes
async def test_detail_of_a_spreadsheet_shows_location_and_preview_only(tmp_path: Path, packs, detector) -> None:
    import openpyxl

    share = build_share(tmp_path)
    book = openpyxl.Workbook()
    book.active.append(["姓名", "手机"])
    book.active.append(["王芳", PHONE])
    book.save(share / "名单.xlsx")
    db = tmp_path / "state" / "custos.db"
    scan_into(db, share, packs, detector)
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE) as pilot:
        await open_findings(pilot)
        await pilot.press("v", "slash", *"xlsx", "enter")
        await settle(pilot, typing=True)
        row = column(app, "type").index("CN_MOBILE")
        assert column(app, "location")[row] == "Sheet!B2"
        table(app).move_cursor(row=row)
        await pilot.press("enter")
        await settle(pilot)
        shown = screen_text(app)
        assert "No context lines for .xlsx files" in shown and "139****5678" in shown and PHONE not in shown


# --- 100,000 findings --------------------------------------------------------------------------------
@pytest.mark.slow
async def test_100k_findings_are_paged(tmp_path: Path, detector) -> None:
    db = tmp_path / "state" / "custos.db"
    bulk_findings(db, 100_000)
    app = ReviewApp(db, detector=detector)
    pages: list[PageLoaded] = []

    def hook(message) -> None:
        if isinstance(message, PageLoaded):
            pages.append(message)

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await open_findings(pilot)
        assert "rows 1–500 of 2,000" in status(app)
        await pilot.press("v")
        await settle(pilot)
        t = table(app)
        assert t.row_count == PAGE_SIZE and "rows 1–500 of 100,000" in status(app)
        for page in range(1, 4):
            await pilot.press("right_square_bracket")
            await settle(pilot)
            assert (t.page_offset, t.row_count) == (page * PAGE_SIZE, PAGE_SIZE)
        await pilot.press("G")
        await settle(pilot)
        assert "rows 99,501–100,000 of 100,000" in status(app) and t.cursor_row == PAGE_SIZE - 1
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert t.page_offset == 99_000 and t.cursor_row == PAGE_SIZE - 1
        await pilot.press("down")  # past the last row: the next page
        await settle(pilot)
        assert t.page_offset == 99_500 and t.cursor_row == 0
        await pilot.press("g")
        await settle(pilot)
        for _ in range(3):  # to the last row, then pagedown there: the next page
            await pilot.press("pagedown", "ctrl+end", "pagedown")
            await settle(pilot)
            assert t.cursor_row == 0
        await settle(pilot)
        assert t.page_offset == 3 * PAGE_SIZE and t.row_count <= PAGE_SIZE
        await pilot.press("s")  # sorting 100k rows happens in the worker too
        await settle(pilot)
        assert t.row_count == PAGE_SIZE and column(app, "type")[0] == "CN_MOBILE"
    assert len(pages) >= 12 and max(len(page.rows) for page in pages) == PAGE_SIZE


# --- snapshot ----------------------------------------------------------------------------------------
def test_findings_screen_snapshot(db: Path, detector, snap_compare) -> None:
    async def run_before(pilot) -> None:
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("space")  # a selection mark on the first row, the cursor on the second

    assert snap_compare(ReviewApp(db, detector=detector), terminal_size=SIZE, run_before=run_before)


# --- masked_context ----------------------------------------------------------------------------------
NOTE = (
    "客户：张伟先生\r\n手机：13912345678\r\n订单号 20240101，分机 12345678\r\n"
    "邮箱 li.na@example.com\r\n备注\r\n末行\r\n"
)


def _span(text: str, value: str, preview: str) -> tuple[int, int, str]:
    start = text.index(value)
    return start, start + len(value), preview


def test_masked_context_of_a_gbk_file_with_crlf(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(NOTE.encode("gbk"))
    phone = _span(NOTE, PHONE, "139****5678")
    lines = masked_context(str(tmp_path), "a.txt", "gb18030", [phone, _span(NOTE, "张伟", "张*")], phone[:2])
    assert lines == [
        (1, "客户：张*先生"),
        (2, "手机：139****5678"),
        (3, "订单号 20****01，分机 12****78"),  # undetected 8-digit runs are masked too (scanner.display_mask)
        (4, "邮箱 l***@example.com"),  # and an undetected e-mail address's local part
    ]
    assert masked_context(str(tmp_path), "a.txt", None, [phone], phone[:2], lines=0) == [(2, "手机：139****5678")]


def test_masked_context_caps_long_lines(tmp_path: Path) -> None:
    text = "a " * 2000 + PHONE + " b" * 2000 + "\n" + "c" * 1000 + "\n"
    (tmp_path / "long.log").write_text(text, encoding="utf-8")
    phone = _span(text, PHONE, "139****5678")
    [(first, line), (second, after)] = masked_context(str(tmp_path), "long.log", "utf-8", [phone], phone[:2])
    assert (first, second) == (1, 2)
    assert "139****5678" in line and PHONE not in line and len(line) <= 320
    assert after == "c" * 300


def test_masked_context_is_none_for_non_text_missing_or_changed_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(NOTE, encoding="utf-8")
    (tmp_path / "a.xlsx").write_bytes(b"PK\x03\x04")
    st = os.stat(tmp_path / "a.txt")
    meta = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
    assert masked_context(str(tmp_path), "a.txt", "utf-8", [], (3, 5), file_meta=meta) is not None
    assert masked_context(str(tmp_path), "a.xlsx", None, [], (0, 1)) is None
    assert masked_context(str(tmp_path), "gone.txt", "utf-8", [], (0, 1)) is None
    assert masked_context(str(tmp_path), "a.txt", "utf-8", [], (10_000, 10_001)) is None  # past the end
    (tmp_path / "a.txt").write_text(NOTE + "新的一行\n", encoding="utf-8")
    assert masked_context(str(tmp_path), "a.txt", "utf-8", [], (3, 5), file_meta=meta) is None
