"""The review's totals, kept up to date by the transactions that write findings or change a file's status.

At 10 million findings, counting them for every dashboard read or findings page takes seconds (bench/pg_scale.py),
so the writes keep the counts instead, in the same transaction, on both engines:

- `file_summaries`: one row per file: its findings by (state, type, sensitivity) (`counts`), its active and
  active-sensitive totals and active types (the files page), and the status and top folder it was counted under;
- `review_counts`: (metric, key, detail) → n, the sum of every file's contribution (`FileSummary.contributions`):
  findings by state, active findings by type and sensitivity, files with active findings (of each type), active
  findings per top folder, files by status.

The scan's hot path (`record_rescan`, from `Store.record_scan`) works the file's new counts out from what it
writes, without a count query: one summary read, one summary upsert and one batch of counter upserts per file
transaction (none when nothing changed), never a statement per finding. Every other writer (actions, moves, files
gone) calls `refresh` with the files it touched, which counts those files again from their findings. `recount`
rebuilds everything from the findings (`custos db recount`) and says how much was wrong; the tests compare the kept
totals with it after every kind of write.
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
_SUPERSEDABLE = frozenset(s.value for s in CURRENT_FINDING_STATES)  # what a re-scan supersedes (Store.record_scan)
_CHUNK = 500  # file ids per IN (...) list
_RECOUNT_IDS = 20_000  # file ids per recount step: bounded memory however big the store

_UPSERT_SUMMARY = (
    "INSERT INTO file_summaries(file_id, active, sensitive, types, counts, status, folder) VALUES (?,?,?,?,?,?,?)"
    " ON CONFLICT(file_id) DO UPDATE SET active = excluded.active, sensitive = excluded.sensitive,"
    " types = excluded.types, counts = excluded.counts, status = excluded.status, folder = excluded.folder"
)
_ADD_COUNT = (
    "INSERT INTO review_counts(metric, key, detail, n, sample) VALUES (?,?,?,?,?)"
    " ON CONFLICT(metric, key, detail) DO UPDATE SET n = review_counts.n + excluded.n,"
    " sample = COALESCE(excluded.sample, review_counts.sample)"
)


def top_folder(rel_path: str) -> str:
    """The dashboard's folder of a file: the first component of its path, "." for a file at the root."""
    return rel_path.split("/", 1)[0] if "/" in rel_path else "."


@dataclass(frozen=True, slots=True)
class FileSummary:
    counts: Breakdown
    status: str
    folder: str

    @property
    def active(self) -> int:
        return sum(n for (state, _, _), n in self.counts.items() if state == _ACTIVE)

    @property
    def sensitive(self) -> int:
        return sum(n for (state, _, s), n in self.counts.items() if state == _ACTIVE and s == _SENSITIVE)

    @property
    def types(self) -> str:
        return ",".join(sorted({t for (state, t, _), n in self.counts.items() if state == _ACTIVE and n}))

    def row(self, file_id: int) -> tuple:
        return (file_id, self.active, self.sensitive, self.types, _encode(self.counts), self.status, self.folder)

    def contributions(self) -> Contributions:
        """What this file adds to each of `review_counts`' totals."""
        c: Contributions = Counter()
        c[(SummaryMetric.FILE_STATUS.value, self.status, "")] += 1
        active, types = 0, set()
        for (state, entity_type, sensitivity), n in self.counts.items():
            c[(SummaryMetric.STATE.value, state, "")] += n
            if state == _ACTIVE and n:
                c[(SummaryMetric.TYPE.value, entity_type, sensitivity)] += n
                active += n
                types.add(entity_type)
        for entity_type in types:
            c[(SummaryMetric.TYPE_FILES.value, entity_type, "")] += 1
        if active:
            c[(SummaryMetric.FILES_WITH_FINDINGS.value, "", "")] += 1
            c[(SummaryMetric.FOLDER.value, self.folder, "")] += active
        return c


def _encode(counts: Breakdown) -> str:
    return json.dumps(sorted([*key, n] for key, n in counts.items() if n), ensure_ascii=False, separators=(",", ":"))


def _decode(text: str) -> Breakdown:
    return {(state, t, s): n for state, t, s, n in json.loads(text)}


def _stored(row: Any) -> FileSummary:
    return FileSummary(_decode(row[0]), row[1], row[2])


# --- keeping them ---------------------------------------------------------------------------------------------


def record_rescan(db: Any, file_id: int, rel_path: str, status: str, superseded: int, written: Counter) -> None:
    """The scan's hot path: the file's findings in `CURRENT_FINDING_STATES` were just superseded (``superseded``
    rows) and ``written`` ((state, type, sensitivity) → n) added; its status is ``status``. Call in that transaction,
    after the findings are written."""
    row = db.execute("SELECT counts, status, folder FROM file_summaries WHERE file_id = ?", (file_id,)).fetchone()
    old = _stored(row) if row else None
    counts: Breakdown = {}
    moved = 0
    for (state, entity_type, sensitivity), n in old.counts.items() if old else ():
        if state in _SUPERSEDABLE:
            state, moved = _SUPERSEDED, moved + n
        key = (state, entity_type, sensitivity)
        counts[key] = counts.get(key, 0) + n
    if moved != superseded:  # the kept summary disagrees with the findings (an old database): count the file
        refresh(db, [file_id])
        return
    for key, n in written.items():
        counts[key] = counts.get(key, 0) + n
    new = FileSummary(counts, status, top_folder(rel_path))
    if new != old:
        db.execute(_UPSERT_SUMMARY, new.row(file_id))
        _add(db, _delta(old, new), file_id)


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
                f"SELECT file_id, counts, status, folder FROM file_summaries WHERE file_id IN ({marks})", chunk
            )  # fmt: skip
        }
        changed = [(fid, new) for fid, new in fresh.items() if new != old.get(fid)]
        db.executemany(_UPSERT_SUMMARY, [new.row(fid) for fid, new in changed])
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
        file_id: FileSummary(counts.get(file_id, {}), status, top_folder(rel_path))
        for file_id, rel_path, status in db.execute(
            f"SELECT id, rel_path, status FROM files WHERE {files_where}", params
        )  # fmt: skip
    }


def _delta(old: FileSummary | None, new: FileSummary) -> Contributions:
    delta = new.contributions()
    if old is not None:
        delta.subtract(old.contributions())
    return delta


def _add(db: Any, delta: Contributions, file_id: int | None) -> None:
    """Add ``delta`` to the totals; a folder that ``file_id`` adds findings to takes it as its sample."""
    folder = SummaryMetric.FOLDER.value
    rows = [(*key, n, file_id if key[0] == folder and n > 0 else None) for key, n in sorted(delta.items()) if n]
    if rows:
        db.executemany(_ADD_COUNT, rows)


def _forget_sample(db: Any, file_id: int, delta: Contributions) -> None:
    """A file that left a folder (moved, its findings closed) is no longer that folder's sample."""
    for (metric, key, _), n in delta.items():
        if metric == SummaryMetric.FOLDER and n < 0:
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
                "SELECT file_id, active, sensitive, types, counts, status, folder FROM file_summaries"
                " WHERE file_id BETWEEN ? AND ?",
                span,
            )
        }
        files += len(fresh)
        bad = [
            (fid, new)
            for fid, new in fresh.items()
            if fid not in kept or kept[fid][0] != new or tuple(kept[fid][1]) != new.row(fid)[1:4]
        ]
        stale = [(fid,) for fid in kept if fid not in fresh]
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
