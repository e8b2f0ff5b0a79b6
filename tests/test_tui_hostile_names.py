"""The review UI on a share whose file names (and a context line) carry terminal escapes, CR, bidi overrides and
zero-width characters: every screen shows them escaped, as plain Text, and nothing raw reaches the screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from scanner.actions.audit import Actor
from scanner.actions.service import Proposal
from scanner.actions.workspace import open_workspace
from scanner.display import safe
from scanner.identity import IdentityError
from tests.cli_output import FORBIDDEN
from tests.tui_fixtures import scan_into, screen_text, settle
from tui.app import ReviewApp
from tui.screens.apply import ConfirmApplyScreen
from tui.screens.approvals import ApprovalsScreen
from tui.screens.detail import DetailScreen
from tui.screens.findings import FindingsScreen
from tui.widgets.paged_table import PagedTable

pytestmark = pytest.mark.anyio
SIZE = (160, 48)
PHONE = "13912345678"
SPOOF = "a\rmask readme.txt"
BIDI = "invoice\u202etxt.exe.txt"
NAMES = ("\x1b]0;pwned\x07.txt", "\x1b]52;c;cm0gLXJmIH4K\x07.txt", "\x1b[2J.txt", SPOOF, BIDI, "read\u200bme\ufeff.txt")
LINK = "[red]\x1b[2J-link"  # markup and an escape in one name: a problem row on the dashboard
CONTEXT = "备注：\x1b]0;from the file\x07 [bold]x[/bold]"


@pytest.fixture
def db(tmp_path: Path, packs, detector) -> Path:
    share = tmp_path / "share"
    share.mkdir()
    for name in NAMES:
        (share / name).write_text(f"客户电话：{PHONE}\n{CONTEXT}\n", encoding="utf-8")
    (share / LINK).symlink_to(share / NAMES[0])
    path = tmp_path / "state" / "custos.db"
    scan_into(path, share, packs, detector)
    return path


def clean_screen_text(app: ReviewApp) -> str:
    """Everything on screen as text, checked for raw characters from the share."""
    text = screen_text(app)
    leaked = sorted({repr(c) for c in text if c in FORBIDDEN and c != "\n"})
    assert not leaked, f"raw characters on screen: {leaked}"
    return text


def cells(table: DataTable, key: str | int) -> list[str]:
    index = key if isinstance(key, int) else table.get_column_index(key)
    return [str(table.get_row_at(i)[index]) for i in range(table.row_count)]


async def test_findings_detail_and_dashboard_show_names_escaped(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        problems = app.screen.query_one("#problems", DataTable)
        assert cells(problems, 0) == [safe(LINK)]
        clean_screen_text(app)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FindingsScreen)
        files = app.screen.query_one("#findings-table", PagedTable)
        assert set(cells(files, "path")) == {safe(n) for n in NAMES}
        clean_screen_text(app)
        files.move_cursor(row=cells(files, "path").index(safe(BIDI)))
        await pilot.press("enter")  # the file's findings
        await settle(pilot)
        assert "file: " + safe(BIDI) in str(app.screen.query_one("#findings-status").content)
        await pilot.press("enter")  # its finding: the detail
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        shown = clean_screen_text(app)
        assert safe(BIDI) in shown and "Findings in " + safe(BIDI) in shown
        assert "2 │ " + safe(CONTEXT) in shown and PHONE not in shown


@pytest.mark.slow  # over 2 s: the default run keeps to its five minutes
async def test_approvals_apply_confirmation_and_audit_name_the_escaped_path_and_true_kind(db: Path, detector) -> None:
    app = ReviewApp(db, reviewer="bob", detector=detector)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        with open_workspace(db, detector=detector) as ws:  # the test's own, beside the app's
            spoof = Path(ws.store.findings().__next__().root) / SPOOF
            action_id = ws.service.propose(Proposal("delete", path=spoof), Actor("alice", "alice"))
            ws.service.approve(action_id, app.actor)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen)
        assert safe(SPOOF) in cells(app.screen.query_one(DataTable), -1)
        clean_screen_text(app)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmApplyScreen)
        plan = app.screen.query_one("#apply-plan", DataTable)
        assert [str(c) for c in plan.get_row_at(0)[:3]] == [str(action_id), "delete", safe(SPOOF)]
        shown = clean_screen_text(app)
        assert "will be overwritten and deleted" in shown
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        targets = cells(app.screen.query_one("#audit-log", DataTable), 5)
        assert targets == [safe(spoof)] * 2
        clean_screen_text(app)
    assert spoof.exists()  # only looked at, never applied


def test_the_review_app_refuses_an_invisible_identity(db: Path, detector) -> None:
    with pytest.raises(IdentityError):
        ReviewApp(db, reviewer="bob\u200b", detector=detector)
