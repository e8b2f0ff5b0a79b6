"""Linking findings into data subjects: which values in the store belong to one person.

The rules, in order:

1. **A record is one person.** Findings on the same record (a CSV/xlsx row, a JSON array element, a form, a
   paragraph: `findings.record`, else derived from the location) belong together. A record holding two
   different identity documents of one kind (two resident IDs) or more than `MAX_NAMES_PER_RECORD` names is a
   list, not a person: its findings are then grouped by their own location (line, cell) instead.
   Records holding nothing that identifies a person (only an address, a date, an IP) are no subject.
2. **A strong identifier shared across records merges them** (resident ID, passports, e-mail, phones; by keyed
   fingerprint, never the value), strongest first, with union-find. **A name alone never merges**: many
   people are called 王芳.
3. **Too common to link.** An identifier held by records carrying more than `TOO_COMMON_NAMES` different names
   (a company switchboard, a test ID typed into thousands of rows) links nothing; the evidence row says so
   (`too_common`, with how many records and names held it).
4. **Conflicts.** A merge that would give one person two different identity documents of one kind, or (for an
   e-mail or phone) join two named groups with no name in common, is refused (`conflict`): a family's shared
   landline does not make the family one person.

Every merge is recorded (`linked`: the identifier's type and fingerprint, and the two records). The subjects
tables are rebuilt whole on each run: read once, linked in memory, written in one batched transaction.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from operator import itemgetter

from scanner.record_keys import record_of_location
from scanner.states import LinkOutcome, SubjectCategory
from scanner.store.store import Store
from scanner.store.subjects import LinkableFinding, SubjectRows, SubjectStore
from scanner.subjects.categories import (
    CATEGORY_FLAGS,
    CATEGORY_OF_TYPE,
    CATEGORY_ORDER,
    DOCUMENT_TYPES,
    PERSON_TYPES,
    SENSITIVITY_RANK,
    STRONG_TYPES,
)

MAX_NAMES_PER_RECORD = 3
TOO_COMMON_NAMES = 5
_NAME = "PERSON"
_ALREADY, _JOINED, _REFUSED = object(), object(), object()
_STRONG = frozenset(STRONG_TYPES)
_FLAG_CATEGORIES = tuple((c, c.value) for c in CATEGORY_FLAGS)
_ORDERED_CATEGORIES = tuple((c, c.value) for c in CATEGORY_ORDER)
_MINOR = SubjectCategory.MINOR.value
_count = itemgetter(1)


@dataclass(frozen=True)
class LinkStats:
    """What one linking found: people, the records and findings they hold, and the evidence written."""

    subjects: int
    records: int
    findings: int
    linked: int  # records joined to another by a shared identifier
    too_common: int  # identifiers held by too many different names to link
    conflicts: int  # merges refused
    seconds: float


@dataclass
class _Group:
    """A union-find component's identity: its documents by type, and its names (fingerprints)."""

    documents: dict[str, set[str]] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)

    def absorb(self, other: _Group) -> None:
        for kind, values in other.documents.items():
            self.documents.setdefault(kind, set()).update(values)
        self.names |= other.names

    def conflicts_with(self, other: _Group, entity_type: str) -> bool:
        for kind, values in self.documents.items():
            theirs = other.documents.get(kind)
            if theirs and theirs != values:
                return True
        weak = entity_type not in DOCUMENT_TYPES
        return weak and bool(self.names) and bool(other.names) and not self.names & other.names


def link_subjects(store: Store) -> LinkStats:
    """Rebuild every subject of the store from its current findings (idempotent)."""
    began = time.perf_counter()
    subjects = SubjectStore(store)
    signature = subjects.findings_signature()  # before reading: a change while linking makes the next read relink
    findings = list(subjects.linkable_findings())
    record_of = _records(findings)
    keys = sorted(set(record_of.values()))
    index = {key: i for i, key in enumerate(keys)}
    members: list[list[LinkableFinding]] = [[] for _ in keys]
    for f in findings:
        if (key := record_of.get(f.id)) is not None:
            members[index[key]].append(f)
    linker = _Linker(members)
    links = linker.run()
    rows = _rows(keys, members, linker, links)
    subjects.replace_all(rows, signature)
    outcomes = Counter(link[0] for link in links)
    return LinkStats(
        subjects=len(rows.subjects),
        records=len(keys),
        findings=len(rows.findings),
        linked=outcomes[LinkOutcome.LINKED],
        too_common=outcomes[LinkOutcome.TOO_COMMON],
        conflicts=outcomes[LinkOutcome.CONFLICT],
        seconds=time.perf_counter() - began,
    )


def _records(findings: list[LinkableFinding]) -> dict[int, tuple[int, str]]:
    """Each finding's record (file id, key); lists posing as one record split by location; non-persons dropped."""
    grouped: dict[tuple[int, str], list[LinkableFinding]] = defaultdict(list)
    for f in findings:
        grouped[(f.file_id, f.record or record_of_location(f.location))].append(f)
    record_of: dict[int, tuple[int, str]] = {}
    for (file_id, record), group in grouped.items():
        if _is_list(group):
            parts: dict[str, list[LinkableFinding]] = defaultdict(list)
            for f in group:
                parts[f.location if f.location == record else f"{record} / {f.location}"].append(f)
        else:
            parts = {record: group}
        for key, part in parts.items():
            if any(f.entity_type in PERSON_TYPES for f in part):
                record_of.update((f.id, (file_id, key)) for f in part)
    return record_of


def _is_list(group: list[LinkableFinding]) -> bool:
    documents: dict[str, set[str]] = defaultdict(set)
    names: set[str] = set()
    for f in group:
        if f.entity_type in DOCUMENT_TYPES:
            documents[f.entity_type].add(f.fingerprint)
        elif f.entity_type == _NAME:
            names.add(f.fingerprint)
    return len(names) > MAX_NAMES_PER_RECORD or any(len(v) > 1 for v in documents.values())


class _Linker:
    """Union-find over records, joined by shared strong identifiers under the rules of the module."""

    def __init__(self, members: list[list[LinkableFinding]]) -> None:
        self.parent = list(range(len(members)))
        self.groups = [_group(m) for m in members]
        self.holders: dict[tuple[str, str], list[int]] = defaultdict(list)
        for record, found in enumerate(members):
            for key in {(f.entity_type, f.fingerprint) for f in found if f.entity_type in _STRONG}:
                self.holders[key].append(record)

    def root(self, record: int) -> int:
        parent = self.parent
        while parent[record] != record:
            parent[record] = parent[parent[record]]
            record = parent[record]
        return record

    def run(self) -> list[tuple]:
        """Join records; the evidence rows (outcome, None, type, fingerprint, record a, record b, records, names)."""
        strength = {kind: rank for rank, kind in enumerate(STRONG_TYPES)}
        shared = sorted((k for k, v in self.holders.items() if len(v) > 1), key=lambda k: (strength[k[0]], k[1]))
        links: list[tuple] = []
        for entity_type, fp in shared:
            holders = self.holders[(entity_type, fp)]
            names = set().union(*(self.groups[r].names for r in holders))
            people = max(len(names), len({d for r in holders for v in self.groups[r].documents.values() for d in v}))
            if people > TOO_COMMON_NAMES:
                links.append((LinkOutcome.TOO_COMMON, None, entity_type, fp, None, None, len(holders), people))
                continue
            anchors: list[int] = []  # one record of each group this identifier could not join together
            for record in holders:
                for anchor in anchors:
                    joined = self._join(anchor, record, entity_type)
                    if joined is _JOINED:
                        links.append((LinkOutcome.LINKED, None, entity_type, fp, anchor, record, 2, 0))
                    if joined is not _REFUSED:
                        break
                else:
                    anchors.append(record)
            if len(anchors) > 1:
                links.append((LinkOutcome.CONFLICT, None, entity_type, fp, None, None, len(holders), len(anchors)))
        return links

    def _join(self, anchor: int, record: int, entity_type: str) -> object:
        """Make ``record`` one person with ``anchor``: _ALREADY, _JOINED now, or _REFUSED (a conflict)."""
        a, b = self.root(anchor), self.root(record)
        if a == b:
            return _ALREADY
        if self.groups[a].conflicts_with(self.groups[b], entity_type):
            return _REFUSED
        self._union(a, b)
        return _JOINED

    def _union(self, a: int, b: int) -> None:
        big, small = (a, b) if len(self.groups[a].names) >= len(self.groups[b].names) else (b, a)
        self.parent[small] = big
        self.groups[big].absorb(self.groups[small])
        self.groups[small] = _Group()


def _group(found: list[LinkableFinding]) -> _Group:
    group = _Group()
    for f in found:
        if f.entity_type in DOCUMENT_TYPES:
            group.documents.setdefault(f.entity_type, set()).add(f.fingerprint)
        elif f.entity_type == _NAME:
            group.names.add(f.fingerprint)
    return group


def _rows(
    keys: list[tuple[int, str]], members: list[list[LinkableFinding]], linker: _Linker, links: list[tuple]
) -> SubjectRows:
    """The tables' rows: subjects numbered from 1 in the order of their first record."""
    subject_of_root: dict[int, int] = {}
    subject_of = []
    for record in range(len(keys)):
        subject_of.append(subject_of_root.setdefault(linker.root(record), len(subject_of_root) + 1))
    records = [(r + 1, subject_of[r], keys[r][0], keys[r][1], len(members[r])) for r in range(len(keys))]
    findings = [(f.id, subject_of[r], r + 1) for r in range(len(keys)) for f in members[r]]
    by_subject: dict[int, list[int]] = defaultdict(list)
    for record in range(len(keys)):
        by_subject[subject_of[record]].append(record)
    subjects, identifiers = [], []
    for subject_id, held in by_subject.items():
        subjects.append(_subject(subject_id, [members[r] for r in held], {keys[r][0] for r in held}))
        identifiers += _identifiers(subject_id, [members[r] for r in held])
    evidence = [
        (o, subject_of[a] if a is not None else None, t, fp, None if a is None else a + 1,
         None if b is None else b + 1, n, names)
        for o, _, t, fp, a, b, n, names in links
    ]  # fmt: skip
    return SubjectRows(subjects, records, findings, identifiers, evidence)


def _subject(subject_id: int, held: list[list[LinkableFinding]], files: set[int]) -> tuple:
    # One pass over the subject's findings (this runs once per person at the end of every scan).
    categories: set[SubjectCategory] = set()
    flags: set[str] = set()
    names: dict[str, int] = {}  # masked name -> mentions, in the order first seen
    sensitivity, rank = None, -1
    found = 0
    for record in held:
        found += len(record)
        for f in record:
            if (category := CATEGORY_OF_TYPE.get(f.entity_type)) is not None:
                categories.add(category)
            if f.flags:
                flags.update(f.flags.split(","))
            if f.entity_type == _NAME:
                names[f.preview] = names.get(f.preview, 0) + 1
            if (level := SENSITIVITY_RANK.get(f.sensitivity, 0)) > rank:
                sensitivity, rank = f.sensitivity, level  # the first of the highest, as max() picks it
    flags.discard("")
    categories.update(c for c, value in _FLAG_CATEGORIES if value in flags)
    return (
        subject_id,
        max(names.items(), key=_count)[0] if names else None,  # the most frequent, the first seen on a tie
        ",".join(value for c, value in _ORDERED_CATEGORIES if c in categories),
        int(_MINOR in flags),
        sensitivity,
        len(held),
        len(files),
        found,
    )


def _identifiers(subject_id: int, held: list[list[LinkableFinding]]) -> list[tuple]:
    seen: dict[tuple[str, str], list] = {}
    for record in held:
        for key in {(f.entity_type, f.fingerprint): f for f in record if f.entity_type in _STRONG}.items():
            (kind, fp), f = key
            entry = seen.setdefault((kind, fp), [f.preview, 0])
            entry[1] += 1
    return [(subject_id, kind, fp, preview, n) for (kind, fp), (preview, n) in seen.items()]
