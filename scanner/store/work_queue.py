"""The daemon's persistent work queue: paths waiting to be scanned, claimed by worker processes under a lease.

Every process opens its own `Store` on the same database. A claim is one BEGIN IMMEDIATE transaction, so two
workers never take the same job; a job whose worker died (kill -9, OOM) is taken again once its lease expires.
A path is queued at most once (later events only push its settle deadline), and it is never claimed while
another worker holds a live lease on it, so a file that changed mid-scan is scanned again afterwards, not
concurrently. Times are `time.time()` floats supplied by the caller.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass

from scanner.store.store import Store

_UPSERT = (
    "INSERT INTO work_queue(root, rel_path, reason, enqueued_at, not_before) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT(root, rel_path) WHERE state = 'queued' DO UPDATE"
    " SET not_before = max(work_queue.not_before, excluded.not_before), reason = excluded.reason"
)
# No other worker may hold a live lease on the same path (the row itself is excluded by its own expiry/state).
_PATH_FREE = (
    "NOT EXISTS (SELECT 1 FROM work_queue r WHERE r.state = 'running' AND r.root = q.root"
    " AND r.rel_path = q.rel_path AND r.lease_until >= :now)"
)
_CLAIM = (
    "UPDATE work_queue SET state = 'running', owner = :owner, lease_until = :now + :lease, attempts = attempts + 1"
    " WHERE id = coalesce("
    f"(SELECT id FROM work_queue q WHERE state = 'running' AND lease_until < :now AND {_PATH_FREE}"
    "  ORDER BY lease_until LIMIT 1),"
    f"(SELECT id FROM work_queue q WHERE state = 'queued' AND not_before <= :now AND {_PATH_FREE}"
    "  ORDER BY not_before, id LIMIT 1))"
    " RETURNING id, root, rel_path, reason, attempts, enqueued_at"
)
_MINE = "id = :id AND owner = :owner AND state = 'running'"
_OWNED = f"SELECT id, root, rel_path, attempts, enqueued_at FROM work_queue WHERE {_MINE}"


@dataclass(frozen=True)
class Job:
    """One claimed path; `attempts` counts this claim."""

    id: int
    root: str
    rel_path: str
    reason: str
    attempts: int
    enqueued_at: float


@dataclass(frozen=True)
class QueueDepth:
    queued: int
    ready: int
    running: int
    failed: int
    oldest_enqueued_at: float | None


class WorkQueue:
    """Commands and queries over the work queue; shares the store's connection."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._db = store.connection  # its table is created with the rest of the schema (scanner.store.schema)

    # --- producers -------------------------------------------------------------------------------------
    def enqueue(self, root: str, rel_path: str, reason: str, not_before: float, now: float) -> None:
        """Queue a path; if it is already queued, push its deadline to the later one and keep the latest reason."""
        self._db.execute(_UPSERT, (root, rel_path, reason, now, not_before))

    def enqueue_many(self, items: Iterable[tuple[str, str, str]], not_before: float, now: float) -> int:
        """Queue (root, rel_path, reason) items in one transaction; returns how many were not queued before."""
        with self._store.transaction():
            before = self._queued()
            self._db.executemany(_UPSERT, ((root, path, why, now, not_before) for root, path, why in items))
            return self._queued() - before

    # --- workers ---------------------------------------------------------------------------------------
    def claim(self, owner: str, now: float, lease_seconds: float, *, max_attempts: int = 3) -> Job | None:
        """Take the next ready job: first a dead worker's (lease expired), else the queued one due soonest.

        A job whose workers died ``max_attempts`` times is failed instead: the file probably kills the scanner.
        """
        with self._store.transaction():
            poisoned = self._db.execute(
                "UPDATE work_queue SET state = 'failed', owner = NULL, lease_until = NULL,"
                " error = 'the worker scanning this file died ' || attempts || ' times (lease expired)'"
                " WHERE state = 'running' AND lease_until < ? AND attempts >= ?",
                (now, max_attempts),
            )
            if poisoned.rowcount:
                self._prune_failed()
            rows = self._db.execute(_CLAIM, {"owner": owner, "now": now, "lease": lease_seconds}).fetchall()
        return Job(**dict(rows[0])) if rows else None

    def claim_deletions(self, owner: str, root: str, now: float, lease_seconds: float, limit: int) -> list[Job]:
        """Take up to ``limit`` ready 'deleted' jobs of one root at once: a mass deletion is checked in batches."""
        with self._store.transaction():
            rows = self._db.execute(
                "UPDATE work_queue SET state = 'running', owner = :owner, lease_until = :now + :lease,"
                " attempts = attempts + 1 WHERE id IN (SELECT id FROM work_queue q WHERE state = 'queued'"
                f" AND reason = 'deleted' AND root = :root AND not_before <= :now AND {_PATH_FREE}"
                " ORDER BY not_before, id LIMIT :limit) RETURNING id, root, rel_path, reason, attempts, enqueued_at",
                {"owner": owner, "root": root, "now": now, "lease": lease_seconds, "limit": limit},
            ).fetchall()
        return [Job(**dict(r)) for r in rows]

    def renew(self, job_id: int, owner: str, now: float, lease_seconds: float) -> bool:
        """Extend the lease of a long scan; False if another worker has taken the job over."""
        cur = self._db.execute(
            "UPDATE work_queue SET lease_until = ? WHERE id = ? AND owner = ? AND state = 'running'",
            (now + lease_seconds, job_id, owner),
        )
        return cur.rowcount == 1

    def complete(self, job_id: int, owner: str) -> bool:
        """Remove a finished job (and earlier failures of its path); False if it is no longer this owner's.

        One statement, so a caller may wrap it with its own writes in one `Store.transaction()`.
        """
        rows = self._db.execute(
            f"WITH job AS (SELECT root, rel_path FROM work_queue WHERE {_MINE})"
            f" DELETE FROM work_queue WHERE ({_MINE})"
            " OR (state = 'failed' AND root = (SELECT root FROM job) AND rel_path = (SELECT rel_path FROM job))"
            " RETURNING id",
            {"id": job_id, "owner": owner},
        ).fetchall()
        return any(r[0] == job_id for r in rows)

    def complete_many(self, job_ids: Iterable[int], owner: str) -> int:
        """`complete` for a batch, in one transaction; returns how many were still this owner's."""
        with self._store.transaction():
            return sum(self.complete(job_id, owner) for job_id in job_ids)

    def postpone(self, job_id: int, owner: str, not_before: float) -> bool:
        """The file has not settled: queue it again for later (not counted as an attempt)."""
        with self._store.transaction():
            row = self._db.execute(_OWNED, {"id": job_id, "owner": owner}).fetchone()
            if row is not None:
                self._requeue(row, not_before, attempts_delta=-1)
        return row is not None

    def fail(self, job_id: int, owner: str, error: str, *, max_attempts: int = 3, retry_at: float) -> bool:
        """Retry at ``retry_at`` while attempts remain, else keep the job as failed with its error."""
        with self._store.transaction():
            row = self._db.execute(_OWNED, {"id": job_id, "owner": owner}).fetchone()
            if row is None:
                return False
            if row["attempts"] < max_attempts:
                self._requeue(row, retry_at, attempts_delta=0, error=error)
            else:
                self._db.execute(
                    "UPDATE work_queue SET state = 'failed', owner = NULL, lease_until = NULL, error = ? WHERE id = ?",
                    (error, job_id),
                )
                self._prune_failed()
        return True

    def release(self, owner: str) -> int:
        """Clean shutdown: put this owner's running jobs back, ready at once; returns how many."""
        return self._put_back("owner = ? AND state = 'running'", (owner,), attempts_delta=-1)

    def requeue_orphans(self) -> int:
        """At daemon start, before any worker runs: every running job is a dead worker's; put them all back.

        Their attempt stays counted, so a file that brought the daemon down is still given up on eventually.
        """
        return self._put_back("state = 'running'", (), attempts_delta=0)

    # --- queries ---------------------------------------------------------------------------------------
    def depth(self, now: float | None = None) -> QueueDepth:
        """Counts by state; `ready` counts queued jobs due at ``now`` (default: the current time)."""
        now = time.time() if now is None else now
        row = self._db.execute(
            "SELECT"
            " (SELECT COUNT(*) FROM work_queue WHERE state = 'queued'),"
            " (SELECT COUNT(*) FROM work_queue WHERE state = 'queued' AND not_before <= ?),"
            " (SELECT COUNT(*) FROM work_queue WHERE state = 'running'),"
            " (SELECT COUNT(*) FROM work_queue WHERE state = 'failed'),"
            " (SELECT MIN(enqueued_at) FROM work_queue WHERE state = 'queued')",
            (now,),
        ).fetchone()
        return QueueDepth(*row)

    def next_ready_in(self, now: float) -> float | None:
        """Seconds until a claim could succeed (0 if now), None if nothing is queued or running.

        Counts running leases too: when one expires, a dead worker's job becomes claimable.
        """
        row = self._db.execute(
            "SELECT min("
            f" coalesce((SELECT not_before FROM work_queue q WHERE state = 'queued' AND {_PATH_FREE}"
            "  ORDER BY not_before LIMIT 1), 1e308),"
            " coalesce((SELECT MIN(lease_until) FROM work_queue WHERE state = 'running'), 1e308))",
            {"now": now},
        ).fetchone()
        return None if row[0] >= 1e308 else max(0.0, row[0] - now)

    def failures(self, limit: int = 20) -> list[sqlite3.Row]:
        """Paths given up on (root, rel_path, attempts, error), for `custos status`."""
        return self._db.execute(
            "SELECT root, rel_path, attempts, error FROM work_queue WHERE state = 'failed' ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()

    # --- internals -------------------------------------------------------------------------------------
    def _queued(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM work_queue WHERE state = 'queued'").fetchone()[0]

    def _put_back(self, where: str, params: tuple[object, ...], *, attempts_delta: int) -> int:
        with self._store.transaction():
            rows = self._db.execute(
                f"SELECT id, root, rel_path, enqueued_at, not_before FROM work_queue WHERE {where}", params
            ).fetchall()
            for row in rows:
                self._requeue(row, row["not_before"], attempts_delta=attempts_delta)
        return len(rows)

    def _requeue(self, row: sqlite3.Row, not_before: float, *, attempts_delta: int, error: str | None = None) -> None:
        """Back to queued; if the path was queued again meanwhile, merge into that row (one queued row per path)."""
        other = self._db.execute(
            "SELECT id FROM work_queue WHERE state = 'queued' AND root = ? AND rel_path = ?",
            (row["root"], row["rel_path"]),
        ).fetchone()
        if other is not None:
            self._db.execute(
                "UPDATE work_queue SET not_before = max(not_before, ?), enqueued_at = min(enqueued_at, ?) WHERE id = ?",
                (not_before, row["enqueued_at"], other[0]),
            )
            self._db.execute("DELETE FROM work_queue WHERE id = ?", (row["id"],))
        else:
            self._db.execute(
                "UPDATE work_queue SET state = 'queued', owner = NULL, lease_until = NULL, not_before = ?,"
                " attempts = max(0, attempts + ?), error = coalesce(?, error) WHERE id = ?",
                (not_before, attempts_delta, error, row["id"]),
            )

    def _prune_failed(self) -> None:
        """Keep only the latest failure of each path."""
        self._db.execute(
            "DELETE FROM work_queue WHERE state = 'failed' AND id NOT IN"
            " (SELECT MAX(id) FROM work_queue WHERE state = 'failed' GROUP BY root, rel_path)"
        )
