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

if TYPE_CHECKING:
    from scanner.subjects.queries import SubjectQueries

MINOR = "minor"  # the flag a subject carries, shown as a category on the list


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
        raise NotifySelectionError("choose the people to notify with one of --subject ID, --category C or --all")
    if subjects:
        return {"subjects": sorted(set(subjects))}
    if category is not None:
        return {"category": category}
    return {"all": True}


def choose(queries: SubjectQueries, chosen_by: Mapping[str, object]) -> ChosenPeople:
    """The people ``chosen_by`` (recorded criteria) selects now, with their findings and categories."""
    if "subjects" in chosen_by:
        ids = [int(i) for i in chosen_by["subjects"]]  # type: ignore[union-attr]
    elif "category" in chosen_by:
        category = str(chosen_by["category"])
        ids = queries.subject_ids(minor=True) if category == MINOR else queries.subject_ids(category=category)
    else:
        ids = queries.subject_ids()
    findings: dict[int, list[int]] = {}
    categories: dict[int, tuple[str, ...]] = {}
    for subject_id in ids:
        summary = queries.summary(subject_id)
        findings[subject_id] = sorted(queries.finding_ids(subject_id))
        categories[subject_id] = (*summary.categories, *((MINOR,) if summary.minor else ()))
    return ChosenPeople(findings, categories)


def people_digest(findings: Mapping[int, Sequence[int]]) -> str:
    """SHA-256 of the people as sets of finding ids (not their subject ids, which change on relinking)."""
    people = sorted(sorted(ids) for ids in findings.values())
    return hashlib.sha256(json.dumps(people, separators=(",", ":")).encode()).hexdigest()
