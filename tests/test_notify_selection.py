"""Who is on a notification list: chosen through the linked subjects, recorded as criteria and a digest."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.notify.selection import NotifySelectionError, choose, criteria
from scanner.states import SubjectCategory
from scanner.store.store import Store
from scanner.subjects.link import link_subjects
from scanner.subjects.queries import SubjectQueries
from tests.test_notify_readback import LI, WANG, _ids
from tests.test_notify_readback import db as db  # noqa: F401 - the scanned share's fixtures
from tests.test_notify_readback import share as share  # noqa: F401


def _chosen(db: Path, **kwargs):  # noqa: F811
    with Store(db) as store:
        link_subjects(store)
        return choose(SubjectQueries(store), criteria(**kwargs))


def test_everyone_is_chosen_with_their_findings_and_categories(db: Path):  # noqa: F811
    people = _chosen(db, everyone=True)
    by_findings = {tuple(ids): people.categories[sid] for sid, ids in people.findings.items()}
    wang, li = tuple(sorted(_ids(db, WANG))), tuple(sorted(_ids(db, LI)))
    assert wang in by_findings and li in by_findings  # Wang's csv row and txt note linked by phone and e-mail
    assert set(by_findings[wang]) == {SubjectCategory.IDENTITY, SubjectCategory.CONTACT}


def test_a_category_and_subject_ids_choose_fewer(db: Path):  # noqa: F811
    everyone = _chosen(db, everyone=True)
    financial = _chosen(db, category=SubjectCategory.FINANCIAL)
    assert financial.findings == {}
    one = next(iter(everyone.findings))
    assert _chosen(db, subjects=[one]).findings == {one: everyone.findings[one]}


def test_the_digest_survives_relinking_but_not_a_changed_set(db: Path):  # noqa: F811
    first = _chosen(db, everyone=True)
    assert _chosen(db, everyone=True).digest == first.digest
    one = next(iter(first.findings))
    assert _chosen(db, subjects=[one]).digest != first.digest


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({}, "one of --subject"), ({"subjects": [1], "everyone": True}, "one of --subject"),
     ({"category": "pets"}, "unknown category 'pets'")],
)  # fmt: skip
def test_criteria_are_checked(kwargs, message):
    with pytest.raises(NotifySelectionError, match=message):
        criteria(**kwargs)


def test_an_unknown_subject_is_refused(db: Path):  # noqa: F811
    with pytest.raises(NotifySelectionError, match="no subject 999"):
        _chosen(db, subjects=[999])
