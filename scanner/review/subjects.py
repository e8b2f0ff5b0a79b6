"""The review UI's reads about data subjects: the list of people (filtered) and one person's files and findings."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.store.store import Store
from scanner.store.subjects import SubjectRow
from scanner.subjects.queries import SubjectQueries, SubjectSummary, UnknownSubject

__all__ = ["SubjectList", "SubjectRow", "SubjectSummary", "read_subject", "read_subject_findings", "read_subjects"]


@dataclass(frozen=True)
class SubjectList:
    """The first ``limit`` people matching a filter, and how many match in all."""

    rows: list[SubjectRow]
    total: int


def read_subjects(
    store: Store, *, category: str | None = None, minor: bool | None = None, limit: int = 2_000
) -> SubjectList:
    queries = SubjectQueries(store)
    ids = queries.subject_ids(category=category, minor=minor)
    return SubjectList(queries.rows(ids[:limit]), len(ids))


def read_subject(store: Store, subject_id: int) -> SubjectSummary | None:
    """One person: masked identifiers, categories, and every record (file, record key) they were seen in."""
    try:
        return SubjectQueries(store).summary(subject_id)
    except UnknownSubject:
        return None


def read_subject_findings(store: Store, subject_id: int) -> list[int]:
    """The person's current findings in every file: what an Art. 47 deletion request acts on."""
    return SubjectQueries(store).finding_ids(subject_id)
