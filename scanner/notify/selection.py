"""Who is on a notification list: the criteria a reviewer proposes, and the people (with their findings) they
select now.

The criteria (subject ids, a category, or everyone) go on the record; so does a digest of the people they chose
when proposed (each person as the set of their finding ids, since subjects are renumbered whenever they are
linked again). The list is built only if the same criteria still choose exactly those people: the approver
approved them, not whoever the ids mean after a later scan.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scanner.i18n import _
from scanner.states import SubjectCategory

if TYPE_CHECKING:
    from scanner.subjects.queries import SubjectQueries


class NotifySelectionError(ValueError):
    """The criteria choose nobody, or no longer the people approved."""


@dataclass(frozen=True)
class ChosenPeople:
    """The people a selection chooses now: subject id -> current finding ids, and their categories."""

    findings: dict[int, list[int]]
    categories: dict[int, tuple[str, ...]]

    @property
    def digest(self) -> str:
        return people_digest(self.findings)


def criteria(*, subjects: Sequence[int] = (), category: str | None = None, everyone: bool = False) -> dict:
    """The selection's criteria as the disclosure records them; exactly one of the three."""
    given = [bool(subjects), category is not None, everyone]
    if sum(given) != 1:
        raise NotifySelectionError(_("choose the people to notify with one of --subject ID, --category C or --all"))
    if subjects:
        return {"subjects": sorted(set(subjects))}
    if category is not None:
        if category not in set(SubjectCategory):
            raise NotifySelectionError(_("unknown category {category}; choose one of {categories}").format(
                category=repr(category), categories=", ".join(SubjectCategory)))  # fmt: skip
        return {"category": str(category)}
    return {"all": True}


def choose(queries: SubjectQueries, chosen_by: Mapping[str, object]) -> ChosenPeople:
    """The people ``chosen_by`` (recorded criteria) selects now, with their findings and categories."""
    if "subjects" in chosen_by:
        ids = [int(i) for i in chosen_by["subjects"]]  # type: ignore[union-attr]
    elif "category" in chosen_by:
        category = str(chosen_by["category"])
        if category == SubjectCategory.MINOR:  # a flag, not a kind held
            ids = queries.subject_ids(minor=True)
        else:
            ids = queries.subject_ids(category=category)
    else:
        ids = queries.subject_ids()
    rows = queries.rows(ids)
    missing = sorted(set(ids) - {row.id for row in rows})
    if missing:
        raise NotifySelectionError(
            _("no subject {subjects}; subjects are renumbered when linked again: see custos subjects list").format(
                subjects=", ".join(map(str, missing)))
        )  # fmt: skip
    findings = {row.id: sorted(queries.finding_ids(row.id)) for row in rows}
    categories = {row.id: (*row.categories, *((SubjectCategory.MINOR,) if row.minor else ())) for row in rows}
    return ChosenPeople(findings, categories)


def people_digest(findings: Mapping[int, Sequence[int]]) -> str:
    """SHA-256 of the people as sets of finding ids (not their subject ids, which change on relinking)."""
    people = sorted(sorted(ids) for ids in findings.values())
    return hashlib.sha256(json.dumps(people, separators=(",", ":")).encode()).hexdigest()
