"""The review's totals, kept up to date by the transactions that write findings or change a file's status.

At 10 million findings, counting them for every dashboard read or findings page takes seconds (bench/pg_scale.py),
so the writes keep the counts instead, in the same transaction, on both engines:

- `file_summaries`: one row per file that has or had findings: its current findings (active, dismissed, retained)
  by (state, type, sensitivity) (`current_counts`), its other findings by state (`closed_counts`, and `superseded`
  apart: scans add to it), its active and active-sensitive totals and active types (the files page), and the top
  folder it was counted under. A file that never had a finding has no row;
- `review_counts`: (metric, key, detail) → n, the sum of every file's contribution (`FileSummary.contributions`):
  findings by state, active findings by type and sensitivity, files with active findings (of each type), active
  findings per top folder. Files by status are not kept: every scanned file would write for them.

The scan's hot path (`record_rescan`, from `Store.record_scan`) costs nothing for a file that had and has no current
findings, and otherwise works the change out from what it writes and what it superseded, without a count query: at
most one summary read (only when the scan superseded findings), one summary upsert and one counter statement per
file transaction, never a statement per finding. Every other writer (actions, moves, files gone) calls `refresh`
with the files it touched, which counts those files again from their findings. `recount` rebuilds everything from
the findings (`custos db recount`) and says how much was wrong; the tests compare the kept totals with it after
every kind of write.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from scanner.states import CURRENT_FINDING_STATES, FindingState, SummaryMetric

Breakdown = dict[tuple[str, str, str], int]  # (state, entity type, sensitivity) → findings
Contributions = Counter  # (metric, key, detail) → n

_ACTIVE, _SUPERSEDED, _SENSITIVE = FindingState.ACTIVE.value, FindingState.SUPERSEDED.value, "sensitive"
_CURRENT = frozenset(s.value for s in CURRENT_FINDING_STATES)  # what a re-scan supersedes (Store.record_scan)
# plain strings: the hot path builds its counter keys without enum lookups
_STATE, _TYPE, _TYPE_FILES = SummaryMetric.STATE.value, SummaryMetric.TYPE.value, SummaryMetric.TYPE_FILES.value
_FOLDER, _FILES_WITH = SummaryMetric.FOLDER.value, SummaryMetric.FILES_WITH_FINDINGS.value
_CHUNK = 500  # file ids per IN (...) list
_RECOUNT_IDS = 20_000  # file ids per recount step: bounded memory however big the store
_ROWS = 200  # counter rows per statement

_COLUMNS = "file_id, active, sensitive, types, current_counts, closed_counts, superseded, folder"
_UPSERT_SUMMARY = (
    f"INSERT INTO file_summaries({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(file_id) DO UPDATE SET"
    " active = excluded.active, sensitive = excluded.sensitive, types = excluded.types,"
    " current_counts = excluded.current_counts, closed_counts = excluded.closed_counts,"
    " superseded = excluded.superseded, folder = excluded.folder"
)
# A scan: the file's current findings replaced by the new ones, those they replace added to its superseded ones;
# its closed ones (masked, gone …) as they were.
_RESCAN_SUMMARY = (
    "INSERT INTO file_summaries(file_id, active, sensitive, types, current_counts, superseded, folder)"
    " VALUES (?,?,?,?,?,?,?) ON CONFLICT(file_id) DO UPDATE SET active = excluded.active,"
    " sensitive = excluded.sensitive, types = excluded.types, current_counts = excluded.current_counts,"
    " superseded = file_summaries.superseded + excluded.superseded, folder = excluded.folder"
)
_ADD_COUNTS = (
    "INSERT INTO review_counts(metric, key, detail, n, sample) VALUES {values}"
    " ON CONFLICT(metric, key, detail) DO UPDATE SET n = review_counts.n + excluded.n,"
    " sample = COALESCE(excluded.sample, review_counts.sample)"
)
_ADD_COUNTS_SQL: dict[int, str] = {}  # rows → the statement adding that many counters at once


def top_folder(rel_path: str) -> str:
    """The dashboard's folder of a file: the first component of its path, "." for a file at the root."""
    return rel_path.split("/", 1)[0] if "/" in rel_path else "."


def _count_in(delta: Contributions, current: Breakdown, folder: str, sign: int) -> tuple[int, int, str]:
    """Add (``sign`` 1) or take away (-1) what findings in current states count in the totals; returns their
    active and active-sensitive findings and active types."""
    active = sensitive = 0
    types: set[str] = set()
    for (state, entity_type, sensitivity), n in current.items():
        delta[(_STATE, state, "")] += sign * n
        if state == _ACTIVE:
            delta[(_TYPE, entity_type, sensitivity)] += sign * n
            active += n
            sensitive += n if sensitivity == _SENSITIVE else 0
            types.add(entity_type)
    for entity_type in types:
        delta[(_TYPE_FILES, entity_type, "")] += sign
    if active:
        delta[(_FILES_WITH, "", "")] += sign
        delta[(_FOLDER, folder, "")] += sign * active
    return active, sensitive, ",".join(sorted(types))


@dataclass(frozen=True, slots=True)
class FileSummary:
    current: Breakdown  # findings in CURRENT_FINDING_STATES
    closed: dict[str, int]  # the others by state, superseded ones apart
    superseded: int
    folder: str

    @classmethod
    def of(cls, counts: Breakdown, folder: str) -> FileSummary:
        """The summary of a file whose findings are ``counts`` (every state)."""
        current: Breakdown = {}
        closed: dict[str, int] = {}
        superseded = 0
        for key, n in counts.items():
            state = key[0]
            if state in _CURRENT:
                current[key] = n
            elif state == _SUPERSEDED:
                superseded += n
            else:
                closed[state] = closed.get(state, 0) + n
        return cls(current, closed, superseded, folder)

    @property
    def empty(self) -> bool:
        return not self.current and not self.closed and not self.superseded

    def row(self, file_id: int) -> tuple:
        active, sensitive, types = _count_in(Counter(), self.current, self.folder, 1)
        return (file_id, active, sensitive, types, _encode(self.current), json.dumps(self.closed, sort_keys=True),
                self.superseded, self.folder)  # fmt: skip

    def contributions(self) -> Contributions:
        """What this file adds to each of `review_counts`' totals."""
        c: Contributions = Counter()
        _count_in(c, self.current, self.folder, 1)
        for state, n in self.closed.items():
            c[(_STATE, state, "")] += n
        if self.superseded:
            c[(_STATE, _SUPERSEDED, "")] += self.superseded
        return c


def _encode(counts: Breakdown) -> str:
    return json.dumps([[*key, n] for key, n in counts.items()], ensure_ascii=False, separators=(",", ":"))


def _decode(text: str) -> Breakdown:
    return {(state, t, s): n for state, t, s, n in json.loads(text)}


def _stored(row: Any) -> FileSummary:
    """(current_counts, closed_counts, superseded, folder) read back."""
    return FileSummary(_decode(row[0]), json.loads(row[1]), row[2], row[3])


# --- keeping them ---------------------------------------------------------------------------------------------


def record_rescan(db: Any, file_id: int, rel_path: str, superseded: int, written: Breakdown) -> None:
    """The scan's hot path: the file's findings in `CURRENT_FINDING_STATES` were just superseded (``superseded``
    rows) and ``written`` ((state, type, sensitivity) → n) added. Call in that transaction, after the findings are
    written."""
    if not superseded and not written:
        return  # it had no current findings and has none: nothing it counts in changed
    delta: Contributions = Counter()
    if superseded:
        row = db.execute("SELECT current_counts, folder FROM file_summaries WHERE file_id = ?", (file_id,)).fetchone()
        old = _decode(row[0]) if row else {}
        if sum(old.values()) != superseded:  # the kept summary disagrees with the findings (an old database)
            refresh(db, [file_id])
            return
        _count_in(delta, old, row[1], -1)
        delta[(_STATE, _SUPERSEDED, "")] += superseded
    folder = top_folder(rel_path)
    active, sensitive, types = _count_in(delta, written, folder, 1)
    db.execute(_RESCAN_SUMMARY, (file_id, active, sensitive, types, _encode(written), superseded, folder))
    _add(db, delta, file_id)


def refresh(db: Any, file_ids: Iterable[int]) -> None:
    """Count these files again from their findings and correct the totals by the difference (call in the
    transaction that changed them)."""
    ids = sorted(set(file_ids))
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        fresh = _count_files(db, f"file_id IN ({marks})", f"id IN ({marks})", chunk)
        old = {
            r[0]: _stored(r[1:])
            for r in db.execute(
                "SELECT file_id, current_counts, closed_counts, superseded, folder FROM file_summaries"
                f" WHERE file_id IN ({marks})",
                chunk,
            )
        }
        changed = [
            (fid, new) for fid, new in fresh.items() if new != old.get(fid) and not (new.empty and fid not in old)
        ]
        db.executemany(_UPSERT_SUMMARY, [new.row(fid) for fid, new in changed if not new.empty])
        db.executemany("DELETE FROM file_summaries WHERE file_id = ?", [(fid,) for fid, new in changed if new.empty])
        total: Contributions = Counter()
        for fid, new in changed:
            delta = _delta(old.get(fid), new)
            total.update(delta)
            _forget_sample(db, fid, delta)
        _add(db, total, None)


def _count_files(db: Any, findings_where: str, files_where: str, params: list) -> dict[int, FileSummary]:
    """Fresh summaries of the files ``files_where`` selects (their findings selected by ``findings_where``)."""
    counts: dict[int, Breakdown] = {}
    for file_id, state, entity_type, sensitivity, n in db.execute(
        f"SELECT file_id, state, entity_type, sensitivity, COUNT(*) FROM findings WHERE {findings_where}"
        " GROUP BY file_id, state, entity_type, sensitivity",
        params,
    ):
        counts.setdefault(file_id, {})[(state, entity_type, sensitivity)] = n
    return {
        file_id: FileSummary.of(counts.get(file_id, {}), top_folder(rel_path))
        for file_id, rel_path in db.execute(f"SELECT id, rel_path FROM files WHERE {files_where}", params)
    }


def _delta(old: FileSummary | None, new: FileSummary) -> Contributions:
    delta = new.contributions()
    if old is not None:
        delta.subtract(old.contributions())
    return delta


def _add(db: Any, delta: Contributions, file_id: int | None) -> None:
    """Add ``delta`` to the totals, in one statement (up to `_ROWS` counters); a folder that ``file_id`` adds
    findings to takes it as its sample."""
    rows = [(*key, n, file_id if key[0] == _FOLDER and n > 0 else None) for key, n in sorted(delta.items()) if n]
    for i in range(0, len(rows), _ROWS):
        chunk = rows[i : i + _ROWS]
        sql = _ADD_COUNTS_SQL.get(len(chunk))
        if sql is None:
            sql = _ADD_COUNTS_SQL[len(chunk)] = _ADD_COUNTS.format(values=",".join(["(?,?,?,?,?)"] * len(chunk)))
        db.execute(sql, [value for row in chunk for value in row])


def _forget_sample(db: Any, file_id: int, delta: Contributions) -> None:
    """A file that left a folder (moved, its findings closed) is no longer that folder's sample."""
    for (metric, key, _), n in delta.items():
        if metric == _FOLDER and n < 0:
            db.execute(
                "UPDATE review_counts SET sample = NULL WHERE metric = ? AND key = ? AND sample = ?",
                (metric, key, file_id),
            )


# --- recounting -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recount:
    files: int  # files counted
    files_wrong: int  # file summaries that were missing or wrong
    totals_wrong: int  # totals (review_counts rows) that were wrong


def recount(db: Any, *, repair: bool = True) -> Recount:
    """Count every file's findings again and compare with the kept summaries and totals; with ``repair``, correct
    what differs (call in a write transaction). Reads the store a range of file ids at a time."""
    summed: Contributions = Counter()
    files = wrong = 0
    highest = db.execute("SELECT COALESCE(MAX(id), 0) FROM files").fetchone()[0]
    for low in range(0, highest + 1, _RECOUNT_IDS):
        span = [low, low + _RECOUNT_IDS - 1]
        fresh = _count_files(db, "file_id BETWEEN ? AND ?", "id BETWEEN ? AND ?", span)
        kept = {
            r[0]: (_stored(r[4:]), r[1:4])
            for r in db.execute(
                "SELECT file_id, active, sensitive, types, current_counts, closed_counts, superseded, folder"
                " FROM file_summaries WHERE file_id BETWEEN ? AND ?",
                span,
            )
        }
        files += len(fresh)
        bad = [
            (fid, new)
            for fid, new in fresh.items()
            if not new.empty and (fid not in kept or kept[fid][0] != new or tuple(kept[fid][1]) != new.row(fid)[1:4])
        ]
        stale = [(fid,) for fid in kept if fid not in fresh or fresh[fid].empty]  # a file without findings: no row
        wrong += len(bad) + len(stale)
        if repair:
            db.executemany(_UPSERT_SUMMARY, [new.row(fid) for fid, new in bad])
            db.executemany("DELETE FROM file_summaries WHERE file_id = ?", stale)
        for new in fresh.values():
            summed.update(new.contributions())
    stored = {(r[0], r[1], r[2]): r[3] for r in db.execute("SELECT metric, key, detail, n FROM review_counts")}
    keys = {k for k, n in summed.items() if n} | {k for k, n in stored.items() if n}
    totals_wrong = sum(1 for k in keys if summed.get(k, 0) != stored.get(k, 0))
    if repair and totals_wrong:
        samples = _folder_samples(db)
        db.execute("DELETE FROM review_counts")
        db.executemany(
            "INSERT INTO review_counts(metric, key, detail, n, sample) VALUES (?,?,?,?,?)",
            [(*k, n, samples.get(k[1]) if k[0] == SummaryMetric.FOLDER else None) for k, n in sorted(summed.items())
             if n],
        )  # fmt: skip
    return Recount(files, wrong, totals_wrong)


def _folder_samples(db: Any) -> dict[str, int]:
    """A file with active findings in each folder (the lowest id), as the dashboard's masking needs one."""
    rows = db.execute("SELECT folder, MIN(file_id) FROM file_summaries WHERE active > 0 GROUP BY folder")
    return {r[0]: r[1] for r in rows}


# --- reading them -----------------------------------------------------------------------------------------------


def totals(db: Any, metric: SummaryMetric) -> list[tuple[str, str, int, int | None]]:
    """(key, detail, n, sample) of one metric's non-zero totals."""
    return [
        (r[0], r[1], r[2], r[3])
        for r in db.execute("SELECT key, detail, n, sample FROM review_counts WHERE metric = ? AND n != 0", (metric,))
    ]


def total(db: Any, metric: SummaryMetric, key: str = "", detail: str | None = None) -> int:
    """One total (summed over details when ``detail`` is None)."""
    sql, params = "SELECT COALESCE(SUM(n), 0) FROM review_counts WHERE metric = ? AND key = ?", [metric, key]
    if detail is not None:
        sql, params = sql + " AND detail = ?", [*params, detail]
    return int(db.execute(sql, params).fetchone()[0])


def folder_sample(db: Any, folder: str) -> int | None:
    """A file with active findings in ``folder``, when the kept sample was forgotten (a rare, slower read)."""
    row = db.execute(
        "SELECT file_id FROM file_summaries WHERE folder = ? AND active > 0 ORDER BY file_id LIMIT 1", (folder,)
    ).fetchone()
    return row[0] if row else None
