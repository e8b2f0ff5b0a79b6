"""`ReviewService`: opened once per review app, and safe from many threads at once (real SQLite, real threads)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

import scanner.actions.workspace as workspace_module
import scanner.review.service as service_module
from scanner.actions.audit import Actor
from scanner.paths import policy_path_for
from scanner.review.records import FindingFilter
from scanner.review.service import Refused, ReviewService
from tests.engines import (
    BOTH_ENGINES_SLOW_ON_POSTGRESQL,
    as_path,
    db_url_sqlite_unless_parametrized,  # noqa: F401 - db_url: SQLite unless marked both
)
from tests.tui_fixtures import build_share, scan_into, tables_measured
from tui.app import ReviewApp
from tui.modals.propose import ProposeScreen
from tui.screens.apply import ConfirmApplyScreen
from tui.screens.detail import DetailScreen

pytestmark = pytest.mark.anyio
ALICE, BOB = Actor("alice", "alice"), Actor("bob", "bob")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def db(tmp_path: Path, packs, detector, db_url: str) -> Path:
    path = as_path(db_url)
    scan_into(path, build_share(tmp_path), packs, detector)
    return path


@pytest.fixture
def workspace_opens(monkeypatch) -> list[Path]:
    """Every workspace opened from here on, by any module that looks `open_workspace` up (the real one runs)."""
    opened: list[Path] = []
    real = workspace_module.open_workspace

    def counting(db, *args, **kwargs):
        opened.append(db)
        return real(db, *args, **kwargs)

    monkeypatch.setattr(workspace_module, "open_workspace", counting)
    monkeypatch.setattr(service_module, "open_workspace", counting)
    return opened


async def settle(pilot) -> None:
    for _ in range(50):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.state.name in ("PENDING", "RUNNING") for w in pilot.app.workers):
            await tables_measured(pilot)
            return
    raise AssertionError("workers did not settle")


@pytest.mark.slow
async def test_the_app_opens_the_workspace_once_through_every_screen_and_action(db, detector, workspace_opens):
    app = ReviewApp(db, reviewer="alice", detector=detector)
    assert workspace_opens == [db]
    async with app.run_test(size=(120, 40)) as pilot:
        for mode in ("d", "f", "p", "u", "d"):
            await pilot.press(mode)
            await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("v", "enter")  # the findings view, then the detail of the first finding
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.detail is not None
        await pilot.press("n")  # propose it as a false positive, with a reason
        await settle(pilot)
        assert isinstance(app.screen, ProposeScreen)
        await pilot.press(*"test data", "enter")
        await settle(pilot)
        [action] = app.review.actions()
        await pilot.press("escape", "p")
        await settle(pilot)
        await pilot.press("a")  # approve (one person may, for a false positive)
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmApplyScreen)
        await pilot.press("a")
        await settle(pilot)
        assert app.review.action(action.id).state == "executed"
        await pilot.press("escape", "u")
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
    assert workspace_opens == [db], "a screen or worker opened a workspace of its own"


@BOTH_ENGINES_SLOW_ON_POSTGRESQL
def test_reads_and_commands_race_from_many_threads(db):
    """Readers page, count and read details while writers propose and cancel: no thread ever touches another
    thread's connection (SQLite would raise), and every command lands exactly once."""
    errors: list[BaseException] = []
    proposed: list[int] = []
    with ReviewService(db) as review:
        ids = review.finding_ids(FindingFilter(), 100)
        start = threading.Barrier(6)

        def guarded(work):
            def run():
                start.wait()
                try:
                    work()
                except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                    errors.append(exc)

            return run

        def read():
            for _ in range(15):
                review.page("files", FindingFilter(), "findings", 0, 50)
                review.page("findings", FindingFilter(), "path", None, 7)
                review.dashboard()
                review.detail(ids[0])
                review.actions(("proposed", "cancelled"))

        def write(finding_ids: list[int]):
            for finding_id in finding_ids:
                plan = review.plan("false_positive", [finding_id], [])
                done = review.propose(plan.targets, "test data", None, ALICE)
                assert not done.errors, done.errors
                proposed.extend(done.created)
                review.cancel(done.created[0], ALICE, "changed my mind")

        threads = [threading.Thread(target=guarded(read)) for _ in range(4)]
        threads += [threading.Thread(target=guarded(lambda part=part: write(ids[part::2][:6]))) for part in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        assert len(proposed) == len(set(proposed)) == 12
        assert {a.id: a.state for a in review.actions()} == dict.fromkeys(proposed, "cancelled")
        assert review.verify_audit().ok


@BOTH_ENGINES_SLOW_ON_POSTGRESQL
def test_refusals_come_back_as_one_error_with_the_reason(db):
    with ReviewService(db) as review:
        ids = review.finding_ids(FindingFilter(), 1)
        plan = review.plan("delete", ids, [])
        [action_id] = review.propose(plan.targets, None, None, ALICE).created
        with pytest.raises(Refused, match="second person"):
            review.approve(action_id, ALICE)
        review.approve(action_id, BOB)
        with pytest.raises(Refused, match="approved"):
            review.approve(action_id, BOB)
        with pytest.raises(Refused, match="no action 999"):
            review.action(999)


@BOTH_ENGINES_SLOW_ON_POSTGRESQL
def test_closing_releases_the_command_thread(db):
    before = {t.name for t in threading.enumerate()}
    review = ReviewService(db)
    assert any(t.name.startswith("custos-review-commands") for t in threading.enumerate())
    review.close()
    assert {t.name for t in threading.enumerate()} <= before


@BOTH_ENGINES_SLOW_ON_POSTGRESQL
def test_a_site_policy_tightened_while_the_app_is_open_applies_to_the_next_command(db):
    """The service opens the workspace once, yet follows the policy file as each CLI command does: an
    administrator who adds a kind to the two-person rule mid-session is obeyed from the next command on."""
    policy_file = policy_path_for(db)
    with ReviewService(db) as review:
        [first, second] = review.finding_ids(FindingFilter(), 2)
        plan = review.plan("false_positive", [first], [])
        assert not plan.needs_second_person
        [one_person] = review.propose(plan.targets, "test data", None, ALICE).created

        policy_file.write_text('[actions]\nsecond_person = ["false_positive"]\n', encoding="utf-8")
        os.chmod(policy_file, 0o644)
        with pytest.raises(Refused, match="second|another|two"):
            review.approve(one_person, ALICE)  # the proposer alone, now that the file says two people
        assert review.action(one_person).state == "proposed"
        assert review.plan("false_positive", [second], []).needs_second_person
        assert review.policy.needs_second_person("false_positive"), "the help and approvals screens follow it too"
        review.approve(one_person, BOB)
        assert review.action(one_person).state == "approved"

        policy_file.write_text("[actions]\nsecond_person = 3\n", encoding="utf-8")
        with pytest.raises(Refused, match="policy.toml"):  # a broken file stops the command, in one line
            review.plan("false_positive", [second], [])
