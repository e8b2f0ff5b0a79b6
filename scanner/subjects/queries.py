"""`SubjectQueries`: what the CLI, the review UI and the handover read about data subjects.

Everything returned is a masked preview, a category, a count or an id; file paths are returned as stored (they
are shown through scanner/display.py, which masks personal data in them).
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.i18n import _
from scanner.store.store import Store
from scanner.store.subjects import SubjectStore


class UnknownSubject(LookupError):
    """No subject has this id (subjects are renumbered each time they are linked)."""


@dataclass(frozen=True)
class SubjectPlace:
    """A record a subject was seen in: its file, the file's path as stored, the record and its findings."""

    file_id: int
    path: str
    record: str
    findings: int


@dataclass(frozen=True)
class SubjectLink:
    """Evidence that two of a subject's records are one person: the shared identifier's type, the records."""

    outcome: str
    entity_type: str
    record_a: str
    record_b: str


@dataclass(frozen=True)
class SubjectSummary:
    """One person as the store knows them: masked previews, categories and counts, never a plain value."""

    id: int
    name_preview: str | None
    categories: tuple[str, ...]
    minor: bool
    sensitivity: str
    records: int
    files: int
    findings: int
    identifiers: tuple[tuple[str, str, int], ...]  # (entity type, masked preview, records holding it)
    places: tuple[SubjectPlace, ...]
    links: tuple[SubjectLink, ...]


@dataclass(frozen=True)
class SubjectStats:
    """Distinct people, by category and sensitivity, minors, and how linking went."""

    people: int
    minors: int
    by_category: dict[str, int]
    by_sensitivity: dict[str, int]
    links: dict[str, int]


class SubjectQueries:
    """Read-only questions about the linked subjects of one store."""

    def __init__(self, store: Store, *, relink: bool = True) -> None:
        """``relink``: link the subjects first if the findings changed since they were last linked (the default;
        scanner/subjects/fresh.py)."""
        if relink:
            from scanner.subjects.fresh import ensure_linked

            ensure_linked(store)
        self._subjects = SubjectStore(store)

    def subject_ids(
        self, *, category: str | None = None, minor: bool | None = None, folder: str | None = None
    ) -> list[int]:
        return self._subjects.subject_ids(category=category, minor=minor, folder=folder)

    def finding_ids(self, subject_id: int) -> list[int]:
        """The person's current findings in every file."""
        return self._subjects.finding_ids(subject_id)

    def file_ids(self, subject_id: int) -> list[int]:
        return self._subjects.file_ids(subject_id)

    def summary(self, subject_id: int) -> SubjectSummary:
        row = self._subjects.subject(subject_id)
        if row is None:
            raise UnknownSubject(
                _("no subject {id}; run 'custos subjects list' to see their ids").format(id=subject_id)
            )
        return SubjectSummary(
            id=row.id,
            name_preview=row.name_preview,
            categories=row.categories,
            minor=row.minor,
            sensitivity=row.sensitivity,
            records=row.records,
            files=row.files,
            findings=row.findings,
            identifiers=tuple(self._subjects.identifiers(subject_id)),
            places=tuple(SubjectPlace(*p) for p in self._subjects.places(subject_id)),
            links=tuple(SubjectLink(*link) for link in self._subjects.links(subject_id)),
        )

    def rows(self, ids: list[int]) -> list:
        """The list view of many subjects at once (no identifiers or places): `SubjectRow`s, in ``ids`` order."""
        return self._subjects.subjects(ids)

    def stats(self) -> SubjectStats:
        counts = self._subjects.counts()
        return SubjectStats(
            people=counts["people"],
            minors=counts["minors"],
            by_category={k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("category:")},
            by_sensitivity={k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("sensitivity:")},
            links={k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("links:")},
        )
