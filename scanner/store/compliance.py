"""Read queries for the compliance report: counts straight from the database, never a plain value.

Everything returned is a count, a status, a category, a masked preview or a path as stored; paths go through
`scanner.name_mask` before they are shown (`ComplianceQueries.shown_paths`). ``since`` (an ISO UTC timestamp,
"2026-01-01T00:00:00Z") limits what happened in the period — scan runs, actions, disclosures — while the data
held is counted as it is now.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.name_mask import mask_path
from scanner.states import (
    CURRENT_FINDING_STATES,
    FILE_KINDS,
    RETIRED_FILE_STATUSES,
    ActionKind,
    ActionState,
    FileStatus,
    FindingState,
    sql_list,
)
from scanner.store.file_status import NOT_INSPECTED_SQL
from scanner.store.migrations import has_table
from scanner.store.store import Store, joined_path

_ON_SHARE = f"fi.status NOT IN {sql_list(RETIRED_FILE_STATUSES)}"
_ACTIVE = f"FROM findings f JOIN files fi ON fi.id = f.file_id WHERE f.state = '{FindingState.ACTIVE}'"
HELD_STATES = (FindingState.ACTIVE, FindingState.RETAINED)  # in the file on purpose, or not yet decided
_FOLDER = "CASE WHEN instr(fi.rel_path, '/') > 0 THEN substr(fi.rel_path, 1, instr(fi.rel_path, '/') - 1) ELSE '.' END"


@dataclass(frozen=True)
class RunRow:
    """One scan run: when, which root, how it ended, with which rule packs, and its counts."""

    id: int
    root: str
    started_at: str
    finished_at: str | None
    status: str
    packs: str
    tool_version: str
    files_seen: int
    files_scanned: int
    files_unchanged: int
    findings: int


@dataclass(frozen=True)
class ActionLine:
    """An action on a file: its id, kind, state, the file's shown (masked) path, its note and retention date."""

    id: int
    kind: str
    state: str
    path: str
    note: str | None
    until: str | None
    at: str


class ComplianceQueries:
    """Read-only questions the compliance report asks of one store."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._db = store.connection

    # --- scope ----------------------------------------------------------------------------------------
    def runs(self, since: str | None = None) -> list[RunRow]:
        """Scan runs started at or after ``since`` (all when None), oldest first."""
        rows = self._db.execute(
            "SELECT id, root, started_at, finished_at, status, packs, tool_version, files_seen, files_scanned,"
            " files_unchanged, findings FROM scan_runs WHERE started_at >= ? ORDER BY id",
            (since or "",),
        )
        return [RunRow(*r) for r in rows]

    def roots(self) -> list[str]:
        """Every root a scan run covered, or a file was recorded under."""
        rows = self._db.execute("SELECT root FROM scan_runs UNION SELECT root FROM files ORDER BY 1")
        return [r[0] for r in rows]

    def daemon_hosts(self) -> list[str]:
        """Hosts the watch daemon reported from."""
        return [r[0] for r in self._db.execute("SELECT DISTINCT host FROM daemon_status WHERE host IS NOT NULL")]

    def packs_in_findings(self) -> list[str]:
        """The rule packs (pack@version) the current findings were made with."""
        rows = self._db.execute(f"SELECT DISTINCT f.pack {_ACTIVE} ORDER BY 1")
        return [r[0] for r in rows]

    # --- coverage -------------------------------------------------------------------------------------
    def files_by_status(self) -> dict[str, int]:
        """Every recorded file (archive members included) by its status now."""
        rows = self._db.execute("SELECT status, COUNT(*) FROM files GROUP BY status ORDER BY 2 DESC, 1")
        return dict(rows.fetchall())

    def not_inspected_counts(self) -> dict[str, int]:
        """Files nobody could inspect, by status: the count every surface shows (`Store.not_inspected_counts`)."""
        return self._store.not_inspected_counts()

    def not_inspected(self, limit: int) -> list[tuple[str, str, str]]:
        """(shown path, status, reason) of files nobody could inspect, the first ``limit``; paths masked."""
        rows = self._db.execute(
            f"SELECT id, root, rel_path, member, status, COALESCE(error, '') FROM files WHERE {NOT_INSPECTED_SQL}"
            " ORDER BY status, root, rel_path, member LIMIT ?",
            (limit,),
        ).fetchall()
        shown = self.shown_paths([(r[0], r[1], r[2], r[3]) for r in rows])
        return [(shown[r[0]], r[4], r[5]) for r in rows]

    # --- data held ------------------------------------------------------------------------------------
    def findings_by_type(self) -> list[tuple[str, str, int, int]]:
        """(entity type, sensitivity, findings, files) of the active findings, most first."""
        rows = self._db.execute(
            f"SELECT f.entity_type, f.sensitivity, COUNT(*), COUNT(DISTINCT f.file_id) {_ACTIVE}"
            " GROUP BY 1, 2 ORDER BY 3 DESC, 1"
        )
        return [tuple(r) for r in rows]

    def minor_findings(self) -> tuple[int, int]:
        """(findings, files) of active findings flagged as a minor's."""
        row = self._db.execute(
            f"SELECT COUNT(*), COUNT(DISTINCT f.file_id) {_ACTIVE} AND instr(',' || f.flags || ',', ',minor,') > 0"
        ).fetchone()
        return int(row[0]), int(row[1])

    def files_with_findings(self, sensitivity: str | None = None) -> int:
        """Files on the share still holding personal data (of this sensitivity): undecided or retained findings."""
        extra, params = (" AND f.sensitivity = ?", (sensitivity,)) if sensitivity else ("", ())
        sql = (
            "SELECT COUNT(DISTINCT f.file_id) FROM findings f JOIN files fi ON fi.id = f.file_id"
            f" WHERE f.state IN {sql_list(HELD_STATES)} AND {_ON_SHARE}{extra}"
        )
        return int(self._db.execute(sql, params).fetchone()[0])

    def top_folders(self, limit: int) -> list[tuple[str, int, int]]:
        """(shown top-level folder, findings, files) with the most active findings; names masked."""
        rows = self._db.execute(
            f"SELECT {_FOLDER} AS folder, COUNT(*), COUNT(DISTINCT f.file_id), MIN(fi.id) {_ACTIVE}"
            " GROUP BY folder ORDER BY 2 DESC, 1 LIMIT ?",
            (limit,),
        ).fetchall()
        spans = self._store.name_spans([r[3] for r in rows])
        return [(mask_path(r[0], spans.get(r[3], ())), r[1], r[2]) for r in rows]

    def held_after(self, run_id: int) -> tuple[int, int]:
        """(findings, sensitive findings) held once run ``run_id`` ended: for every file, the findings of its
        latest scan up to that run (a re-scan replaces a file's findings; a file whose last scan found nothing
        holds none), less false positives and values an action had masked, quarantined or deleted by then."""
        row = self._db.execute(
            f"""WITH points AS (
                SELECT DISTINCT file_id, scan_id AS scan FROM findings
                UNION SELECT fi.id, fi.last_scan_id FROM files fi WHERE fi.last_scan_id IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.file_id = fi.id
                                  AND f.state IN {sql_list(CURRENT_FINDING_STATES)})),
              latest AS (SELECT file_id, MAX(scan) AS scan FROM points WHERE scan <= :run GROUP BY file_id),
              ended AS (SELECT COALESCE(finished_at, started_at) AS at FROM scan_runs WHERE id = :run)
            SELECT COUNT(*), COALESCE(SUM(CASE WHEN f.sensitivity = 'sensitive' THEN 1 ELSE 0 END), 0) FROM findings f
            JOIN latest ON latest.file_id = f.file_id AND latest.scan = f.scan_id
            WHERE f.state != :not_personal AND NOT EXISTS (
                SELECT 1 FROM action_findings af JOIN actions a ON a.id = af.action_id, ended
                WHERE af.finding_id = f.id AND a.kind IN {sql_list(FILE_KINDS)} AND a.state = :done
                  AND a.executed_at <= ended.at)""",
            {"run": run_id, "not_personal": FindingState.DISMISSED, "done": ActionState.EXECUTED},
        ).fetchone()
        return int(row[0]), int(row[1])

    # --- progress -------------------------------------------------------------------------------------
    def actions_by_kind(self, since: str | None = None) -> list[tuple[str, str, int]]:
        """(kind, state, count) of the actions proposed at or after ``since``."""
        rows = self._db.execute(
            "SELECT kind, state, COUNT(*) FROM actions WHERE proposed_at >= ? GROUP BY 1, 2 ORDER BY 1, 2",
            (since or "",),
        )
        return [tuple(r) for r in rows]

    def retentions(self) -> list[ActionLine]:
        """Executed retain actions whose findings are still kept: justification and the date they end."""
        return self._action_lines(
            "a.kind = ? AND a.state = ? AND EXISTS (SELECT 1 FROM action_findings af JOIN findings f"
            " ON f.id = af.finding_id WHERE af.action_id = a.id AND f.state = ?)",
            (ActionKind.RETAIN, ActionState.EXECUTED, FindingState.RETAINED),
            "a.retain_until, a.id",
        )

    def unsuccessful_actions(self, since: str | None = None) -> list[ActionLine]:
        """Actions that failed or went stale and were not retried since, with why (paths masked)."""
        return self._action_lines(
            f"a.state IN ('{ActionState.FAILED}', '{ActionState.STALE}') AND a.proposed_at >= ?"
            " AND NOT EXISTS (SELECT 1 FROM actions r WHERE r.retry_of = a.id)",
            (since or "",),
            "a.id",
        )

    def _action_lines(self, where: str, params: tuple, order: str) -> list[ActionLine]:
        rows = self._db.execute(
            "SELECT a.id, a.kind, a.state, fi.id, fi.root, fi.rel_path, fi.member, COALESCE(a.reason, a.error),"
            " a.retain_until, COALESCE(a.executed_at, a.proposed_at)"
            f" FROM actions a JOIN files fi ON fi.id = a.file_id WHERE {where} ORDER BY {order}",
            params,
        ).fetchall()
        shown = self.shown_paths([(r[3], r[4], r[5], r[6]) for r in rows])
        return [ActionLine(r[0], r[1], r[2], shown[r[3]], r[7], r[8], r[9]) for r in rows]

    # --- paths and optional tables --------------------------------------------------------------------
    def shown_paths(self, files: list[tuple[int, str, str, str]]) -> dict[int, str]:
        """Per file id, "root/path" with the personal data found in the path masked."""
        spans = self._store.name_spans([f[0] for f in files])
        return {f[0]: f"{f[1]}/{mask_path(joined_path(f[2], f[3]), spans.get(f[0], ()))}" for f in files}

    def has_table(self, name: str) -> bool:
        return has_table(self._db, name)


UNREAD_RISKS = (FileStatus.ENCRYPTED, FileStatus.NEEDS_OCR)
"""Statuses of files that hold text nobody could read: reported as open risks on their own."""
