"""`SubjectStore`: the data subjects tables (subjects, subject_records, subject_findings, subject_identifiers,
subject_links). They hold fingerprints, masked previews, categories and counts: never a plain value.

The linker (scanner/subjects/link.py) reads the current findings once and rewrites the tables whole, in one
transaction, with batched inserts; the queries read them with a few set-based statements.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from scanner.states import CURRENT_FINDING_STATES, RETIRED_FILE_STATUSES, FindingState
from scanner.store import findings_generation
from scanner.store.store import Store

_LINKED_STATES = tuple(s.value for s in CURRENT_FINDING_STATES if s != FindingState.DISMISSED)
_RETIRED = tuple(s.value for s in RETIRED_FILE_STATUSES)


class LinkableFinding(NamedTuple):
    """A current finding as the linker reads it: where it is, and its type, fingerprint and masked preview.
    (A named tuple: the linker reads every current finding, and a tuple is built from a row at C speed.)"""

    id: int
    file_id: int
    record: str | None
    location: str
    entity_type: str
    fingerprint: str
    preview: str
    flags: str
    sensitivity: str


@dataclass(frozen=True)
class SubjectRows:
    """Everything one linking produced, ready to be written: tuples in the tables' column order."""

    subjects: Sequence[tuple]  # id, name_preview, categories, minor, sensitivity, records, files, findings
    records: Sequence[tuple]  # id, subject_id, file_id, record, findings
    findings: Sequence[tuple]  # finding_id, subject_id, record_id
    identifiers: Sequence[tuple]  # subject_id, entity_type, fingerprint, preview, records
    links: Sequence[tuple]  # outcome, subject_id, entity_type, fingerprint, record_a, record_b, records, names


@dataclass(frozen=True)
class SubjectRow:
    id: int
    name_preview: str | None
    categories: tuple[str, ...]
    minor: bool
    sensitivity: str
    records: int
    files: int
    findings: int


class SubjectStore:
    """Reads and writes the subjects tables of one findings database."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._db = store.connection

    def linkable_findings(self) -> Iterator[LinkableFinding]:
        """Current findings (active or retained) of files still on the share, organisations' values left out."""
        marks = ",".join("?" * len(_LINKED_STATES))
        retired = ",".join("?" * len(_RETIRED))
        cursor = self._db.cursor()
        cursor.row_factory = None  # plain tuples, straight into LinkableFinding
        rows = cursor.execute(
            "SELECT f.id, f.file_id, f.record, f.location, f.entity_type, f.fingerprint, f.preview, f.flags,"
            " f.sensitivity FROM findings f JOIN files fi ON fi.id = f.file_id"
            f" WHERE f.state IN ({marks}) AND fi.status NOT IN ({retired}) AND f.sensitivity != 'organization'"
            " ORDER BY f.file_id, f.id",
            (*_LINKED_STATES, *_RETIRED),
        )
        yield from map(LinkableFinding._make, rows)

    def findings_signature(self) -> str:
        """The current findings' signature (scanner/store/findings_generation.py), read before linking them."""
        return findings_generation.signature(self._db)

    def linked_signature(self) -> str | None:
        """The findings' signature when the subjects were last linked; None: never linked (or before signatures)."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'subjects_linked'").fetchone()
        return None if row is None else row[0]

    def replace_all(self, rows: SubjectRows, signature: str | None = None) -> None:
        """The subjects as linked now, in place of the previous ones, atomically; ``signature``: the findings'
        signature read before they were read for linking."""
        with self._store.transaction():
            if signature is not None:
                self._db.execute(
                    "INSERT INTO meta(key, value) VALUES ('subjects_linked', ?)"
                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (signature,),
                )
            for table in ("subject_links", "subject_identifiers", "subject_findings", "subject_records", "subjects"):
                self._db.execute(f"DELETE FROM {table}")
            self._db.executemany("INSERT INTO subjects VALUES (?,?,?,?,?,?,?,?)", rows.subjects)
            self._db.executemany("INSERT INTO subject_records VALUES (?,?,?,?,?)", rows.records)
            self._db.executemany("INSERT INTO subject_findings VALUES (?,?,?)", rows.findings)
            self._db.executemany("INSERT INTO subject_identifiers VALUES (?,?,?,?,?)", rows.identifiers)
            self._db.executemany(
                "INSERT INTO subject_links(outcome, subject_id, entity_type, fingerprint, record_a, record_b, records,"
                " names) VALUES (?,?,?,?,?,?,?,?)",
                rows.links,
            )

    def subject_ids(
        self, *, category: str | None = None, minor: bool | None = None, folder: str | None = None
    ) -> list[int]:
        """Subjects holding ``category``, flagged (or not) ``minor``, seen in a file under ``folder``."""
        where, params = [], []
        if category is not None:
            where.append("(',' || s.categories || ',') LIKE ?")
            params.append(f"%,{category},%")
        if minor is not None:
            where.append("s.minor = ?")
            params.append(int(minor))
        if folder is not None:
            prefix = folder.strip("/")
            where.append(
                "s.id IN (SELECT r.subject_id FROM subject_records r JOIN files fi ON fi.id = r.file_id"
                " WHERE fi.rel_path = ? OR substr(fi.rel_path, 1, ?) = ? OR (fi.root || '/' || fi.rel_path) = ?"
                " OR substr(fi.root || '/' || fi.rel_path, 1, ?) = ?)"
            )
            absolute = folder.rstrip("/")
            params += [prefix, len(prefix) + 1, prefix + "/", absolute, len(absolute) + 1, absolute + "/"]
        sql = "SELECT s.id FROM subjects s" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY s.id"
        return [r[0] for r in self._db.execute(sql, params)]

    def subject(self, subject_id: int) -> SubjectRow | None:
        row = self._db.execute(
            "SELECT id, name_preview, categories, minor, sensitivity, records, files, findings FROM subjects"
            " WHERE id = ?",
            (subject_id,),
        ).fetchone()
        return None if row is None else _subject_row(row)

    def subjects(self, ids: Iterable[int]) -> list[SubjectRow]:
        wanted = list(ids)
        found: dict[int, SubjectRow] = {}
        for at in range(0, len(wanted), 500):
            batch = wanted[at : at + 500]
            rows = self._db.execute(
                "SELECT id, name_preview, categories, minor, sensitivity, records, files, findings FROM subjects"
                f" WHERE id IN ({','.join('?' * len(batch))})",
                batch,
            )
            found.update((r[0], _subject_row(r)) for r in rows)
        return [found[i] for i in wanted if i in found]

    def finding_ids(self, subject_id: int) -> list[int]:
        marks = ",".join("?" * len(_LINKED_STATES))
        rows = self._db.execute(
            "SELECT sf.finding_id FROM subject_findings sf JOIN findings f ON f.id = sf.finding_id"
            f" WHERE sf.subject_id = ? AND f.state IN ({marks}) ORDER BY sf.finding_id",
            (subject_id, *_LINKED_STATES),
        )
        return [r[0] for r in rows]

    def file_ids(self, subject_id: int) -> list[int]:
        rows = self._db.execute(
            "SELECT DISTINCT file_id FROM subject_records WHERE subject_id = ? ORDER BY file_id", (subject_id,)
        )
        return [r[0] for r in rows]

    def identifiers(self, subject_id: int) -> list[tuple[str, str, int]]:
        """(entity type, masked preview, records) of a subject's strong identifiers."""
        rows = self._db.execute(
            "SELECT entity_type, preview, records FROM subject_identifiers WHERE subject_id = ?"
            " ORDER BY entity_type, preview",
            (subject_id,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def places(self, subject_id: int) -> list[tuple[int, str, str, int]]:
        """(file id, shown path, record, findings) of every record the subject was seen in."""
        rows = self._db.execute(
            "SELECT r.file_id, CASE WHEN fi.member = '' THEN fi.rel_path ELSE fi.rel_path || ':' || fi.member END,"
            " r.record, r.findings FROM subject_records r JOIN files fi ON fi.id = r.file_id"
            " WHERE r.subject_id = ? ORDER BY r.file_id, r.id",
            (subject_id,),
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def links(self, subject_id: int) -> list[tuple[str, str, str, str]]:
        """(outcome, identifier type, record a, record b) of the evidence joining a subject's records."""
        rows = self._db.execute(
            "SELECT l.outcome, l.entity_type, a.record, b.record FROM subject_links l"
            " JOIN subject_records a ON a.id = l.record_a JOIN subject_records b ON b.id = l.record_b"
            " WHERE l.subject_id = ? ORDER BY l.id",
            (subject_id,),
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def counts(self) -> dict[str, int]:
        """Distinct people, minors, and people by category and by sensitivity (keys "category:X", "sensitivity:X")."""
        total, minors = self._db.execute("SELECT count(*), coalesce(sum(minor), 0) FROM subjects").fetchone()
        counts = {"people": total, "minors": minors}
        for sensitivity, n in self._db.execute("SELECT sensitivity, count(*) FROM subjects GROUP BY sensitivity"):
            counts[f"sensitivity:{sensitivity}"] = n
        for categories, n in self._db.execute("SELECT categories, count(*) FROM subjects GROUP BY categories"):
            for category in filter(None, categories.split(",")):
                counts[f"category:{category}"] = counts.get(f"category:{category}", 0) + n
        for outcome, n in self._db.execute("SELECT outcome, count(*) FROM subject_links GROUP BY outcome"):
            counts[f"links:{outcome}"] = n
        return counts


def _subject_row(row: tuple) -> SubjectRow:
    return SubjectRow(
        row[0], row[1], tuple(filter(None, row[2].split(","))), bool(row[3]), row[4], row[5], row[6], row[7]
    )
