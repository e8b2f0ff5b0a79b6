"""The review UI at the keyboard, driven with Pilot on a real scan: the Apply screen confirms with Enter or `a`
and goes back with Escape; the DELETE field says what was typed; a selection the filter hides is counted and
named before anything is proposed; help and approvals state who may approve each kind, from the loaded policy.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import Button, Input, Static

from scanner.actions.audit import Actor
from scanner.actions.service import Proposal
from scanner.actions.workspace import open_workspace
from scanner.paths import policy_path_for
from tests.tui_fixtures import build_share, screen_text, settle
from tui.app import ReviewApp
from tui.modals.help import HelpScreen
from tui.modals.propose import ProposeScreen
from tui.screens.apply import ConfirmApplyScreen
from tui.screens.approvals import ApprovalsScreen
from tui.screens.findings import FindingsScreen
from tui.widgets.paged_table import PagedTable

pytestmark = pytest.mark.anyio
SMALL = (80, 24)
ALICE, BOB = Actor("alice", "alice"), Actor("bob", "bob")
NOTE, CSV, EXPORT = "客户资料/张伟.txt", "客户资料/客户名单.csv", "导出/export.json"


@pytest.fixture
def share(tmp_path: Path) -> Path:
    return build_share(tmp_path)


def approved(db: Path, share: Path, kind: str, rel_path: str, detector) -> int:
    """An action proposed by alice and approved by bob, ready to apply."""
    with open_workspace(db, detector=detector) as ws:
        action_id = ws.service.propose(Proposal(kind, path=share / rel_path), ALICE)
        ws.service.approve(action_id, BOB)
    return action_id


async def open_apply(pilot) -> ConfirmApplyScreen:
    await pilot.press("p")
    await settle(pilot)
    await pilot.press("e")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ConfirmApplyScreen)
    return pilot.app.screen


def state_of(app: ReviewApp, action_id: int) -> str:
    return app.review.action(action_id).state


# --- the Apply screen --------------------------------------------------------------------------------
async def test_apply_starts_focused_on_apply_and_enter_applies(db: Path, share: Path, detector) -> None:
    action_id = approved(db, share, "mask", NOTE, detector)
    app = ReviewApp(db, reviewer="bob", detector=detector)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_apply(pilot)
        assert app.focused is screen.query_one("#apply-go", Button)
        shown = screen_text(app)
        assert "Apply (a)" in shown and "a Apply" in shown.splitlines()[-1] and "esc Back" in shown.splitlines()[-1]
        await pilot.press("enter")
        await settle(pilot)
        assert state_of(app, action_id) == "executed"
        await pilot.press("a")  # done: `a` does not apply the list a second time
        await settle(pilot)
        events = [r["event"] for r in app.review.audit_records() if r.get("action_id") == action_id]
        assert events.count("executed") == 1


@pytest.mark.slow  # seconds each; the default run stays under 5 min
async def test_a_applies_from_anywhere_on_the_screen_and_escape_goes_back(db: Path, share: Path, detector) -> None:
    action_id = approved(db, share, "mask", NOTE, detector)
    app = ReviewApp(db, reviewer="bob", detector=detector)
    async with app.run_test(size=SMALL) as pilot:
        await open_apply(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen) and state_of(app, action_id) == "approved"
        screen = await open_apply(pilot)
        await pilot.press("shift+tab", "shift+tab")  # away from the button, onto the plan
        assert app.focused is screen.query_one("#apply-plan")
        await pilot.press("enter")  # Enter on the plan moves to the confirmation, never applies from the list
        assert app.focused is screen.query_one("#apply-go") and state_of(app, action_id) == "approved"
        await pilot.press("shift+tab", "a")
        await settle(pilot)
        assert state_of(app, action_id) == "executed"


@pytest.mark.slow  # the typed confirmation is also covered by test_tui_triage
async def test_the_delete_field_shows_what_was_typed_and_what_it_needs(db: Path, share: Path, detector) -> None:
    action_id = approved(db, share, "delete", EXPORT, detector)
    app = ReviewApp(db, reviewer="bob", detector=detector)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_apply(pilot)
        field, hint = screen.query_one("#apply-typed", Input), screen.query_one("#apply-typed-hint", Static)
        assert app.focused is field and "Type DELETE exactly, in capital letters" in str(hint.content)
        await pilot.press("escape")  # Escape in the field cancels too
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen)
        screen = await open_apply(pilot)
        field, hint = screen.query_one("#apply-typed", Input), screen.query_one("#apply-typed-hint", Static)
        await pilot.press(*"delete")
        assert field.value == "delete"  # every letter kept, lower case included
        assert str(hint.content) == "You typed “delete”: it must be exactly DELETE, in capital letters."
        assert "You typed “delete”" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert state_of(app, action_id) == "approved" and hint.has_class("-refused")
        await pilot.press(*["backspace"] * 6, *"DELETE")
        assert str(hint.content).startswith("✓ DELETE typed") and not hint.has_class("-refused")
        await pilot.press("enter")
        await settle(pilot)
        assert state_of(app, action_id) == "executed" and not (share / EXPORT).exists()


# --- selections and filters --------------------------------------------------------------------------
@pytest.mark.slow  # over 2 s: the default run keeps to its five minutes
async def test_a_selection_hidden_by_the_filter_is_counted_and_listed_before_proposing(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FindingsScreen)
        await pilot.press("A")  # every finding of the first row's file: the CSV's 8
        await settle(pilot)
        selection = screen.query_one("#findings-selection", Static)
        assert str(selection.content) == "selected: 8 findings" and not selection.has_class("-hidden-by-filter")
        await pilot.press("slash", *"export", "enter")
        await settle(pilot, typing=True)
        table = screen.query_one("#findings-table", PagedTable)
        assert table.row_count == 3
        await pilot.press("space")  # one of export.json's
        await settle(pilot)
        assert str(selection.content).startswith("selected: 9 findings (8 findings of them hidden by the filter")
        assert selection.has_class("-hidden-by-filter") and "8 findings of them hidden" in screen_text(app)

        await pilot.press("m")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ProposeScreen)
        hidden = str(dialog.query_one("#propose-hidden", Static).content)
        assert hidden.startswith("⚠ 8 of the selected findings are hidden by the current filter")
        assert f"{CSV}: 8 hidden" in hidden and EXPORT not in hidden
        assert "9 findings in 2 files" in str(dialog.query_one("#propose-plan").render())
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape", "escape")  # out of the search box, then clear the selection
        await settle(pilot)
        assert not screen.selection and not selection.display


@pytest.mark.slow  # over 2 s: the default run keeps to its five minutes
async def test_a_whole_file_hidden_by_the_filter_is_counted(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("space")  # the files view: the first file, whole
        await pilot.press("slash", *"export", "enter")
        await settle(pilot, typing=True)
        assert "(1 whole file of them hidden by the filter" in str(app.screen.query_one("#findings-selection").content)
        await pilot.press("x")
        await settle(pilot)
        assert "hidden by the current filter" in str(app.screen.query_one("#propose-hidden", Static).content)


# --- who approves: from the policy in force ----------------------------------------------------------
async def test_help_and_approvals_state_the_built_in_policy_per_kind(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rules = str(app.screen.query_one("#help-approvals", Static).content)
        assert "built-in policy (no site policy file)" in rules
        assert "mask            one person: the proposer may approve it" in rules
        assert "delete          two people: another person must approve it" in rules
        assert "nobody approves their own proposal" not in str(app.screen.query_one("#help-workflow").content)
        await pilot.press("escape", "p")
        await settle(pilot)
        summary = str(app.screen.query_one("#approvals-policy", Static).content)
        assert summary.startswith(
            "Second person needed: quarantine, delete, purge, handover, notify list · proposer may approve: mask,"
        )


async def test_a_site_policy_that_adds_mask_is_what_help_and_approvals_say(db: Path, detector) -> None:
    policy = policy_path_for(db)
    policy.write_text('[actions]\nsecond_person = ["mask"]\n', encoding="utf-8")
    os.chmod(policy, 0o644)
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        rules = str(app.screen.query_one("#help-approvals", Static).content)
        assert f"site policy {policy}" in rules
        assert "mask            two people: another person must approve it" in rules
        assert "retain          one person" in rules
        assert "restore         as the action it undoes: two people after mask, quarantine, delete" in rules
        await pilot.press("escape", "p")
        await settle(pilot)
        summary = str(app.screen.query_one("#approvals-policy", Static).content)
        assert summary.startswith("Second person needed: mask, quarantine, delete, purge, handover, notify list")
        assert summary.endswith(f"policy: {policy}")
