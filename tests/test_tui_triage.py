"""Propose → approve → apply through the review UI, on a real share, database, vault and audit log.

Each flow is driven with key presses and clicks; the assertions are on what the store and the signed audit log
recorded and on the files on disk. One snapshot pins the layout of the apply confirmation with a delete pending.
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from textual.notifications import Notify
from textual.widgets import Button, DataTable, Input, ProgressBar

from scanner.actions.audit import Actor
from scanner.actions.service import Proposal
from scanner.actions.workspace import open_workspace
from tests.action_fixtures import scanned_db
from tests.engines import (
    BOTH_ENGINES_SLOW_ON_POSTGRESQL,
    as_path,
    db_url_sqlite_unless_parametrized,  # noqa: F401 - db_url: SQLite unless marked both
)
from tests.tui_fixtures import PHONE, build_share, scan_into, settle
from tui.app import ReviewApp
from tui.modals.cancel_action import CancelActionScreen
from tui.modals.propose import ProposeScreen
from tui.screens.apply import ConfirmApplyScreen
from tui.screens.approvals import ApprovalsScreen

SIZE = (120, 40)
NOTE = "客户资料/张伟.txt"
SHOWN_NOTE = "客户资料/张*.txt"  # the name in the path is masked on screen (scanner.display_mask)
CSV = "客户资料/客户名单.csv"
EXPORT = "导出/export.json"


@pytest.fixture
def share(tmp_path: Path) -> Path:
    return build_share(tmp_path)


@pytest.fixture
def db(tmp_path: Path, share: Path, packs, detector, db_url: str) -> Path:
    """The share scanned into SQLite, or into PostgreSQL for the tests marked to run on both engines."""
    return as_path(scanned_db(tmp_path / "state", share, packs, detector, target=db_url))


class Session:
    """One running ReviewApp and the messages it handled (for notifications and domain messages)."""

    def __init__(self, db: Path, detector, reviewer: str | None = None) -> None:
        self.messages: list = []
        self.app = ReviewApp(db, reviewer=reviewer, detector=detector)

    def run(self, scenario) -> None:
        async def main() -> None:
            async with self.app.run_test(size=SIZE, message_hook=self.messages.append) as pilot:
                await settle(pilot)
                await scenario(pilot)

        asyncio.run(main())

    def errors(self) -> list[str]:
        return [str(m.notification.message) for m in self.messages if isinstance(m, Notify)
                and m.notification.severity == "error"]  # fmt: skip


def findings_of(app: ReviewApp, share: Path, rel_path: str) -> list:
    with open_workspace(app.db) as ws:  # the test's own connection: the app's stays on the app's command thread
        return ws.actions.active_findings_of(ws.store.file_at(share / rel_path).id)


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def propose(pilot, kind: str, finding_ids=(), file_ids=(), reason: str = "", until: str | None = None):
    """Open ProposeScreen as the findings screen does, fill it in and press enter.

    Returns the screen, the list its dismissal result lands in, and the plan it showed before submitting."""
    results: list = []
    pilot.app.push_screen(ProposeScreen(kind, list(finding_ids), list(file_ids)), results.append)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ProposeScreen)
    plan = text_of(screen, "#propose-plan")
    if reason:
        await pilot.press(*reason)
    if until is not None:
        await pilot.click("#propose-until")
        await pilot.press(*until)
    await pilot.press("enter")
    await settle(pilot)
    return screen, results, plan


async def open_approvals(pilot, action_id: int | None = None) -> ApprovalsScreen:
    await pilot.press("p")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ApprovalsScreen)
    if action_id is not None:
        table = screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(str(action_id)))
        await pilot.pause()
    return screen


async def apply_all(pilot, typed: str | None = None) -> ConfirmApplyScreen:
    await pilot.press("e")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ConfirmApplyScreen)
    if typed is not None:
        await pilot.press(*typed)
    await pilot.click("#apply-go")
    await settle(pilot)
    return screen


def result_rows(screen: ConfirmApplyScreen) -> list[list[str]]:
    table = screen.query_one("#apply-results", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def audit_events(app: ReviewApp, action_id: int) -> list[str]:
    return [r["event"] for r in app.review.audit_records() if r.get("action_id") == action_id]


@BOTH_ENGINES_SLOW_ON_POSTGRESQL
def test_mask_proposed_approved_and_applied_through_the_ui(db, share, detector):
    session = Session(db, detector)
    note = share / NOTE

    async def scenario(pilot):
        app = pilot.app
        ids = [f.id for f in findings_of(app, share, NOTE)]
        _, results, plan = await propose(pilot, "mask", ids)
        assert f"{len(ids)} findings in 1 file" in plan and SHOWN_NOTE in plan and "approve it yourself" in plan
        [[action_id]] = results
        assert app.review.action(action_id).finding_ids == tuple(sorted(ids))
        await open_approvals(pilot, action_id)
        await pilot.press("a")
        await settle(pilot)
        assert app.review.action(action_id).state == "approved"
        confirm = await apply_all(pilot)
        [[shown_id, path, state, _]] = result_rows(confirm)
        assert (shown_id, path, state) == (str(action_id), SHOWN_NOTE, "executed")
        assert confirm.query_one("#apply-close", Button).display
        assert confirm.query_one(ProgressBar).percentage == 1
        await pilot.click("#apply-close")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen)
        assert app.review.action(action_id).state == "executed"
        assert audit_events(app, action_id) == ["proposed", "approved", "executed"]
        assert app.review.verify_audit().ok

    session.run(scenario)
    text = note.read_text(encoding="utf-8")
    assert "139****5678" in text and PHONE not in text
    assert not session.errors()


@pytest.mark.slow  # seconds each; the default run stays under 5 min
@BOTH_ENGINES_SLOW_ON_POSTGRESQL
def test_delete_needs_a_second_person_and_a_typed_confirmation(db, share, detector):
    alice, bob = Session(db, detector, "alice"), Session(db, detector, "bob")
    export = share / EXPORT
    created: list[int] = []

    async def as_alice(pilot):
        ids = [f.id for f in findings_of(pilot.app, share, EXPORT)]
        _, results, plan = await propose(pilot, "delete", ids[:1])
        assert "1 file as a whole" in plan and "Needs a second person" in plan
        created.extend(results[0])
        await open_approvals(pilot, created[0])
        await pilot.press("a")
        await settle(pilot)
        assert pilot.app.review.action(created[0]).state == "proposed"

    async def as_bob(pilot):
        app = pilot.app
        await open_approvals(pilot, created[0])
        await pilot.press("a")
        await settle(pilot)
        assert app.review.action(created[0]).approved_by == "bob"
        await pilot.press("e")
        await settle(pilot)
        confirm = app.screen
        assert confirm.query_one("#apply-typed", Input).display
        go = confirm.query_one("#apply-go", Button)
        assert go.disabled
        await pilot.press(*"DELET")
        assert go.disabled
        await pilot.press("E")
        assert not go.disabled
        await pilot.click("#apply-go")
        await settle(pilot)
        assert [row[2] for row in result_rows(confirm)] == ["executed"]
        action = app.review.action(created[0])
        assert action.state == "executed"
        with open_workspace(app.db) as ws:
            assert ws.vault.item(action.vault_id).original_path == str(export)
            assert ws.vault.verify(action.vault_id)
        assert audit_events(app, created[0]) == ["proposed", "approved", "executed"]

    alice.run(as_alice)
    assert any("needs a second person" in error for error in alice.errors())
    assert export.exists()
    bob.run(as_bob)
    assert not export.exists()


@pytest.mark.slow  # seconds each; the default run stays under 5 min
def test_false_positive_needs_a_reason_then_dismisses_the_finding(db, share, detector):
    session = Session(db, detector)

    async def scenario(pilot):
        app = pilot.app
        finding = findings_of(app, share, CSV)[0]
        screen, results, _ = await propose(pilot, "false_positive", [finding.id])
        assert app.screen is screen and not results
        assert "needs a reason" in text_of(screen, "#propose-errors")
        assert not app.review.actions()
        await pilot.click("#propose-reason")
        await pilot.press(*"test data", "enter")
        await settle(pilot)
        [[action_id]] = results
        assert app.review.action(action_id).reason == "test data"
        await open_approvals(pilot, action_id)
        await pilot.press("a")
        await settle(pilot)
        await apply_all(pilot)
        assert app.review.finding(finding.id).state == "dismissed"

    session.run(scenario)


@pytest.mark.slow  # seconds each; the default run stays under 5 min
def test_retain_needs_a_valid_future_date(db, share, detector):
    session = Session(db, detector)

    async def scenario(pilot):
        app = pilot.app
        ids = [f.id for f in findings_of(app, share, NOTE)]
        screen, results, _ = await propose(pilot, "retain", ids, reason="会计档案", until="2056-13-01")
        assert "YYYY-MM-DD" in text_of(screen, "#propose-errors")
        for _ in range(10):
            await pilot.press("backspace")
        await pilot.press(*"2001-01-01", "enter")
        await settle(pilot)
        assert "not in the future" in text_of(screen, "#propose-errors")
        assert not results and not app.review.actions()
        for _ in range(10):
            await pilot.press("backspace")
        await pilot.press(*"2056-12-31", "enter")
        await settle(pilot)
        [[action_id]] = results
        action = app.review.action(action_id)
        assert (action.kind, action.retain_until, action.reason) == ("retain", "2056-12-31", "会计档案")

    session.run(scenario)


@pytest.mark.slow  # seconds each; the default run stays under 5 min
def test_cancel_from_approvals_records_the_reason(db, share, detector):
    session = Session(db, detector)

    async def scenario(pilot):
        app = pilot.app
        _, results, _ = await propose(pilot, "quarantine", file_ids=[findings_of(app, share, CSV)[0].file_id])
        [[action_id]] = results
        await open_approvals(pilot, action_id)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CancelActionScreen)
        await pilot.press(*"wrong file", "enter")
        await settle(pilot)
        action = app.review.action(action_id)
        assert (action.state, action.error) == ("cancelled", "wrong file")
        assert audit_events(app, action_id) == ["proposed", "cancelled"]
        assert app.review.verify_audit().ok

    session.run(scenario)
    assert (share / CSV).exists()


def test_a_file_changed_after_the_scan_is_stale_and_untouched(db, share, detector):
    session = Session(db, detector)
    note = share / NOTE

    async def scenario(pilot):
        app = pilot.app
        _, results, _ = await propose(pilot, "mask", [f.id for f in findings_of(app, share, NOTE)])
        [[action_id]] = results
        await open_approvals(pilot, action_id)
        await pilot.press("a")
        await settle(pilot)
        note.write_text(note.read_text(encoding="utf-8") + "新增一行\n", encoding="utf-8")
        confirm = await apply_all(pilot)
        [[_, path, state, message]] = result_rows(confirm)
        assert (path, state) == (SHOWN_NOTE, "stale")
        assert "changed since it was scanned" in message
        assert app.review.action(action_id).state == "stale"
        assert audit_events(app, action_id) == ["proposed", "approved", "stale"]

    session.run(scenario)
    assert PHONE in note.read_text(encoding="utf-8") and "新增一行" in note.read_text(encoding="utf-8")


@BOTH_ENGINES_SLOW_ON_POSTGRESQL
def test_refusals_are_shown_inline_and_escape_proposes_nothing(db, share, detector):
    session = Session(db, detector)

    async def scenario(pilot):
        app = pilot.app
        ids = [f.id for f in findings_of(app, share, NOTE)]
        _, first, _ = await propose(pilot, "mask", ids)
        [[action_id]] = first
        screen, again, _ = await propose(pilot, "mask", ids)
        assert app.screen is screen and not again
        assert f"action {action_id} already covers these findings" in text_of(screen, "#propose-errors")
        await pilot.press("escape")
        await settle(pilot)
        assert again == [None] and [a.id for a in app.review.actions()] == [action_id]

    session.run(scenario)


@BOTH_ENGINES_SLOW_ON_POSTGRESQL
def test_space_selects_which_approved_actions_to_apply(db, share, detector):
    with open_workspace(db, detector=detector) as ws:
        me = Actor("alice", "alice")
        mask = ws.service.propose(Proposal("mask", path=share / NOTE), me)
        until = date(2056, 12, 31)
        retain = ws.service.propose(Proposal("retain", path=share / CSV, reason="会计档案", retain_until=until), me)
        for action_id in (mask, retain):
            ws.service.approve(action_id, me)
    session = Session(db, detector, "alice")

    async def scenario(pilot):
        app = pilot.app
        await open_approvals(pilot, retain)
        await pilot.press("space")
        assert app.screen.selected == {retain}
        await pilot.press("e")
        await settle(pilot)
        plan = app.screen.query_one("#apply-plan", DataTable)
        assert [str(plan.get_row_at(i)[0]) for i in range(plan.row_count)] == [str(retain)]
        assert "record retention until 2056-12-31" in str(plan.get_row_at(0)[4])
        await pilot.click("#apply-go")
        await settle(pilot)
        assert app.review.action(retain).state == "executed"
        assert app.review.action(mask).state == "approved"
        assert {app.review.finding(i).state for i in app.review.action(retain).finding_ids} == {"retained"}

    session.run(scenario)
    assert PHONE in (share / NOTE).read_text(encoding="utf-8")


def test_confirm_apply_layout_with_a_delete_pending(snap_compare, tmp_path, packs, detector, monkeypatch):
    monkeypatch.chdir(tmp_path)
    share = build_share(tmp_path)
    db = tmp_path / "state" / "custos.db"
    scan_into(db, share, packs, detector)
    with open_workspace(db, detector=detector) as ws:
        alice, bob = Actor("alice", "alice"), Actor("bob", "bob")
        for kind, path in (("mask", NOTE), ("delete", EXPORT)):
            action_id = ws.service.propose(Proposal(kind, path=share / path), alice)
            ws.service.approve(action_id, bob)

    async def open_confirmation(pilot):
        pilot.app.switch_mode("approvals")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        for widget in pilot.app.screen.query(Input):
            widget.cursor_blink = False

    assert snap_compare(ReviewApp(db, reviewer="bob", detector=detector), terminal_size=SIZE,
                        run_before=open_confirmation)  # fmt: skip
