"""Zone violations: which files break which zone rule, since when, and whether they still do (`zone_violations`).

`sync` records one file's violations as its latest scan found them: a repeat updates `last_seen` (one row per
open violation, enforced by a unique index), a new one is inserted open, and one the file no longer has is
resolved. Files taken off the share (gone, quarantined, deleted) resolve theirs in `resolve_retired`. Previews
are masked; no column holds a value.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scanner.i18n import N_, _
from scanner.name_mask import mask_path
from scanner.record_keys import record_of_location
from scanner.states import (
    CURRENT_FINDING_STATES,
    RETIRED_FILE_STATUSES,
    ZONE_SEVERITIES,
    FindingState,
    ViolationState,
    ZoneSeverity,
    sql_list,
)
from scanner.store.exposure import ExposureStore
from scanner.store.store import Store, utc_now
from scanner.subjects.categories import PERSON_TYPES
from scanner.zones.evaluate import still_broken
from scanner.zones.model import Violation

# Findings that are data still in the file: a false positive (dismissed) is not.
_HELD = tuple(s for s in CURRENT_FINDING_STATES if s != FindingState.DISMISSED)


@dataclass(frozen=True)
class HeldFinding:
    """What a zone judges of a stored finding (masked preview only)."""

    entity_type: str
    sensitivity: str
    preview: str


@dataclass(frozen=True)
class FileFacts:
    """A walked file's findings (its archive members' included) and how many people they describe."""

    file_id: int
    findings: tuple[HeldFinding, ...]
    people: int


@dataclass(frozen=True)
class ViolationRow:
    """A stored violation with its file's current path: `rel_path` exact (to act on), `path` masked (to show)."""

    id: int
    file_id: int
    root: str
    rel_path: str
    path: str  # rel_path with personal data in it masked (scanner.name_mask)
    zone: str
    rule: str
    severity: ZoneSeverity
    state: ViolationState
    first_seen: str
    last_seen: str
    resolved_at: str | None
    previews: tuple[str, ...]
    findings: int
    action_id: int | None
    host: str = ""  # the host the file is on (paths are per host)


_SELECT = """SELECT v.id, v.file_id, f.host, f.root, f.rel_path, v.zone, v.rule, v.severity, v.state, v.first_seen,
    v.last_seen, v.resolved_at, v.previews, v.findings, v.action_id
    FROM zone_violations v JOIN files f ON f.id = v.file_id"""


class ViolationStore:
    """Records and reads `zone_violations`; shares the store's connection (the table is in the schema)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._db = store.connection

    # --- what a file holds (read) -------------------------------------------------------------------
    def facts(self, root: str, rel_path: str) -> FileFacts | None:
        """The walked file at `rel_path` as last recorded; None if it is not recorded (or not a scanned file).

        People: the subjects its findings were linked to (as last linked: scanner/subjects/fresh.py)
        when they are linked; else the distinct records (rows, objects, paragraphs) holding a person identifier
        (PERSON_TYPES: IDs, phones, e-mail, names, cards, QQ/WeChat)."""
        on, host = self._store.on_this_host("f")
        row = self._db.execute(
            f"SELECT id FROM files f WHERE root = ? AND rel_path = ? AND member = ''{on}", (root, rel_path, *host)
        ).fetchone()
        if row is None:
            return None
        rows = self._db.execute(
            f"""SELECT fi.id, fi.entity_type, fi.sensitivity, fi.preview, fi.record, fi.location, f.member,
                       sf.subject_id
                FROM files f JOIN findings fi ON fi.file_id = f.id
                LEFT JOIN subject_findings sf ON sf.finding_id = fi.id
                WHERE f.root = ? AND f.rel_path = ? AND f.status NOT IN {sql_list(RETIRED_FILE_STATUSES)}
                  AND fi.state IN {sql_list(_HELD)}{on}
                ORDER BY f.member, fi.start""",
            (root, rel_path, *host),
        ).fetchall()
        findings = tuple(HeldFinding(r["entity_type"], r["sensitivity"], r["preview"]) for r in rows)
        subjects = {r["subject_id"] for r in rows if r["subject_id"] is not None}
        records = {
            (r["member"], r["record"] or record_of_location(r["location"]))
            for r in rows
            if r["entity_type"] in PERSON_TYPES
        }
        return FileFacts(row["id"], findings, len(subjects) if subjects else len(records))

    # --- recording ----------------------------------------------------------------------------------
    def has_open(self, root: str, rel_path: str) -> bool:
        on, host = self._store.on_this_host("f")
        return (
            self._db.execute(
                f"""SELECT 1 FROM zone_violations v JOIN files f ON f.id = v.file_id
                    WHERE f.root = ? AND f.rel_path = ? AND f.member = '' AND v.state = ?{on} LIMIT 1""",
                (root, rel_path, ViolationState.OPEN, *host),
            ).fetchone()
            is not None
        )

    def sync(
        self, file_id: int, violations: Sequence[Violation], now: str | None = None
    ) -> list[tuple[int, Violation]]:
        """Record what the file's latest scan found; returns the violations that are NEW (not repeats), with ids."""
        now = now or utc_now()
        new: list[tuple[int, Violation]] = []
        with self._store.transaction():
            open_ = {
                (r["zone"], r["rule"]): r["id"]
                for r in self._db.execute(
                    "SELECT id, zone, rule FROM zone_violations WHERE file_id = ? AND state = ?",
                    (file_id, ViolationState.OPEN),
                )
            }
            for v in violations:
                previews = json.dumps(list(v.previews), ensure_ascii=False)
                if (vid := open_.pop((v.zone, v.rule), None)) is not None:
                    self._db.execute(
                        "UPDATE zone_violations SET last_seen = ?, severity = ?, previews = ?, findings = ?"
                        " WHERE id = ?",
                        (now, v.severity, previews, v.count, vid),
                    )
                    continue
                cur = self._db.execute(
                    """INSERT INTO zone_violations(file_id, zone, rule, severity, state, first_seen, last_seen,
                           previews, findings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                    (file_id, v.zone, v.rule, v.severity, ViolationState.OPEN, now, now, previews, v.count),
                )
                new.append((int(cur.fetchone()[0]), v))
            self._resolve(open_.values(), now)
        return new

    def resolve_path(self, root: str, rel_path: str, now: str | None = None) -> int:
        """Resolve the open violations of the walked file at `rel_path` (no longer in any zone)."""
        on, host = self._store.on_this_host("f")
        with self._store.transaction():
            ids = [
                r[0]
                for r in self._db.execute(
                    f"""SELECT v.id FROM zone_violations v JOIN files f ON f.id = v.file_id
                        WHERE f.root = ? AND f.rel_path = ? AND f.member = '' AND v.state = ?{on}""",
                    (root, rel_path, ViolationState.OPEN, *host),
                )
            ]
            self._resolve(ids, now or utc_now())
        return len(ids)

    def resolve_file(self, file_id: int, now: str | None = None) -> int:
        """Resolve the open violations of one file (an action took it off the share)."""
        with self._store.transaction():
            ids = [r[0] for r in self._db.execute(
                "SELECT id FROM zone_violations WHERE file_id = ? AND state = ?", (file_id, ViolationState.OPEN)
            )]  # fmt: skip
            self._resolve(ids, now or utc_now())
        return len(ids)

    def recheck_file(self, file_id: int, now: str | None = None) -> int:
        """Resolve the open violations of a file that an action changed in place (masked, access tightened) and
        that no longer hold, judged from their recorded rules and what the file holds now; returns how many were
        resolved."""
        row = self._db.execute("SELECT root, rel_path FROM files WHERE id = ?", (file_id,)).fetchone()
        facts = self.facts(row["root"], row["rel_path"]) if row else None
        if facts is None:
            return 0
        exposure = ExposureStore(self._store).level_of(facts.file_id)
        with self._store.transaction():
            open_ones = self._db.execute(
                "SELECT id, rule FROM zone_violations WHERE file_id = ? AND state = ?",
                (facts.file_id, ViolationState.OPEN),
            ).fetchall()
            fixed = [r["id"] for r in open_ones if not still_broken(r["rule"], facts.findings, facts.people, exposure)]
            self._resolve(fixed, now or utc_now())
        return len(fixed)

    def resolve_retired(self, root: str | None = None, now: str | None = None) -> int:
        """Resolve the open violations of files no longer on the share (gone, quarantined, deleted)."""
        on, host = self._store.on_this_host("f")  # a root is a path on one host
        where = "" if root is None else f" AND f.root = ?{on}"
        with self._store.transaction():
            ids = [
                r[0]
                for r in self._db.execute(
                    f"""SELECT v.id FROM zone_violations v JOIN files f ON f.id = v.file_id
                        WHERE v.state = ? AND f.status IN {sql_list(RETIRED_FILE_STATUSES)}{where}""",
                    (ViolationState.OPEN, *(() if root is None else (root, *host))),
                )
            ]
            self._resolve(ids, now or utc_now())
        return len(ids)

    def set_action(self, violation_id: int, action_id: int) -> None:
        """The quarantine proposed for a violation (auto_quarantine)."""
        self._db.execute("UPDATE zone_violations SET action_id = ? WHERE id = ?", (action_id, violation_id))

    def _resolve(self, ids: Iterable[int], now: str) -> None:
        self._db.executemany(
            "UPDATE zone_violations SET state = ?, resolved_at = ? WHERE id = ? AND state = ?",
            [(ViolationState.RESOLVED, now, i, ViolationState.OPEN) for i in ids],
        )

    # --- reading ------------------------------------------------------------------------------------
    def violation(self, violation_id: int) -> ViolationRow | None:
        rows = self._db.execute(f"{_SELECT} WHERE v.id = ?", (violation_id,)).fetchall()
        return next(iter(self._rows(rows)), None)

    def violations(
        self, *, state: str | None = None, zone: str | None = None, severity: str | None = None
    ) -> list[ViolationRow]:
        """Newest first (last seen), filtered by state, zone and severity when given."""
        where, params = [], []
        for column, value in (("v.state", state), ("v.zone", zone), ("v.severity", severity)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._db.execute(f"{_SELECT}{clause} ORDER BY v.last_seen DESC, v.id DESC", params).fetchall()
        return self._rows(rows)

    def _rows(self, rows: list) -> list[ViolationRow]:
        spans = self._store.name_spans({r["file_id"] for r in rows}) if rows else {}
        return [_row(r, mask_path(r["rel_path"], spans.get(r["file_id"], ()))) for r in rows]

    def open_counts(self) -> dict[str, int]:
        """Open violations by severity."""
        rows = self._db.execute(
            "SELECT severity, COUNT(*) FROM zone_violations WHERE state = ? GROUP BY severity",
            (ViolationState.OPEN,),
        )
        return {r[0]: r[1] for r in rows}

    def zones(self) -> list[str]:
        """The zone names any violation was recorded under."""
        return [r[0] for r in self._db.execute("SELECT DISTINCT zone FROM zone_violations ORDER BY zone")]


def open_violations(store: Store) -> list[tuple[str, int]]:
    """Open violations by severity, the most severe first (the dashboard's and `custos status`'s line)."""
    counts = ViolationStore(store).open_counts()
    return [(s.value, counts[s]) for s in reversed(ZONE_SEVERITIES) if counts.get(s)]


def open_violations_line(counts: list[tuple[str, int]]) -> str:
    """ "3 (critical 1, high 2)", or "none"."""
    total = sum(n for _severity, n in counts)
    if not total:
        return _("none")
    by_severity = _(", ").join(
        _("{severity} {count}").format(severity=_(_SEVERITY_NAMES.get(s, s)), count=n) for s, n in counts
    )
    return _("{total} ({by_severity})").format(total=total, by_severity=by_severity)


_SEVERITY_NAMES = {
    ZoneSeverity.LOW: N_("low"),
    ZoneSeverity.MEDIUM: N_("medium"),
    ZoneSeverity.HIGH: N_("high"),
    ZoneSeverity.CRITICAL: N_("critical"),
}


def _row(r, path: str) -> ViolationRow:  # noqa: ANN001 - a sqlite3.Row
    return ViolationRow(
        r["id"], r["file_id"], r["root"], r["rel_path"], path, r["zone"], r["rule"], ZoneSeverity(r["severity"]),
        ViolationState(r["state"]), r["first_seen"], r["last_seen"], r["resolved_at"],
        tuple(json.loads(r["previews"])), r["findings"], r["action_id"], r["host"],
    )  # fmt: skip
