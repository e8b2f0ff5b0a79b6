"""The Subjects screen on a real scanned and linked share: people listed masked, one drilled into the files
holding them, and a deletion request (Art. 47) proposed for all of one person's findings, at 80x24 and 160x45."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from scanner.states import ActionKind, ActionState
from scanner.store.store import Store
from scanner.subjects.link import link_subjects
from tests.tui_fixtures import CSV_ROWS, ID, NAME, PHONE, build_share, scan_into, screen_text, settle
from tui.app import ReviewApp
from tui.modals.propose import ProposeScreen
from tui.screens.subjects import SubjectsScreen

pytestmark = pytest.mark.anyio
PLAIN = [NAME, PHONE, ID, *(value for row in CSV_ROWS for value in row)]


@pytest.fixture
def db(tmp_path: Path, packs, detector) -> Path:
    path = tmp_path / "state" / "custos.db"
    scan_into(path, build_share(tmp_path), packs, detector)
    with Store(path) as store:
        link_subjects(store)
    return path


def cells(app: ReviewApp, selector: str) -> list[list[str]]:
    table = app.screen.query_one(selector, DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def open_subjects(pilot) -> SubjectsScreen:
    await settle(pilot)
    await pilot.press("w")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SubjectsScreen)
    return pilot.app.screen


async def highlight_person_in_two_files(pilot) -> list[list[str]]:
    """Move the cursor to the person seen in two files (张伟: the note and the JSON export share his mobile)."""
    people = cells(pilot.app, "#subjects-people")
    row = next(i for i, person in enumerate(people) if person[4] == "2")
    for _ in range(row):
        await pilot.press("down")
    await settle(pilot)
    return people


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_people_are_listed_masked_and_drill_into_their_files(db: Path, detector, size) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=size) as pilot:
        await open_subjects(pilot)
        people = await highlight_person_in_two_files(pilot)
        assert len(people) == app.review.subjects().total >= 3
        places = cells(app, "#subjects-places")
        assert len({place[0] for place in places}) == 2
        assert any("export.json" in place[0] for place in places)
        shown = screen_text(app)
        assert "139****5678" in shown or "139****5678" in str(app.screen.query_one("#subjects-person").content)
        for value in PLAIN:
            assert value not in shown


@pytest.mark.slow  # over 1.5 s: the default run keeps to its five minutes
async def test_minors_and_category_filters(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_subjects(pilot)
        everyone = len(cells(app, "#subjects-people"))
        await pilot.press("k")
        await settle(pilot)
        assert cells(app, "#subjects-people") == []  # no minor in this share
        await pilot.press("k", "c")  # minors off; first category: identity
        await settle(pilot)
        assert len(cells(app, "#subjects-people")) == everyone
        await pilot.press("c", "c")  # financial: nobody here holds a card
        await settle(pilot)
        assert cells(app, "#subjects-people") == []


@pytest.mark.slow  # over 2 s: the default run keeps to its five minutes
async def test_a_deletion_request_proposes_on_all_of_one_persons_findings(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    posted = []
    async with app.run_test(size=(160, 45), message_hook=posted.append) as pilot:
        screen = await open_subjects(pilot)
        await highlight_person_in_two_files(pilot)
        wanted = set(app.review.subject_finding_ids(screen.subject_id))
        assert wanted and set(screen.finding_ids) == wanted
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, ProposeScreen)
        await pilot.click("#propose-reason")
        await pilot.press(*"Art. 47 request", "enter")
        await settle(pilot)
        assert app.screen is screen
        actions = app.review.actions()
        assert {a.kind for a in actions} == {ActionKind.MASK}
        assert {a.state for a in actions} == {ActionState.PROPOSED}
        assert len(actions) == 2  # one per file holding the person
        assert {f for a in actions for f in a.finding_ids} == wanted
        assert any(isinstance(m, SubjectsScreen.SubjectLoaded) for m in posted)
