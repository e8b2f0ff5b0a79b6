"""The daemon's persistent work queue: paths waiting to be scanned, claimed by worker processes under a lease.

Every process opens its own `Store` on the same database. On SQLite a claim is one BEGIN IMMEDIATE transaction,
so two workers never take the same job; on PostgreSQL it is one statement that locks the row it takes with
`FOR UPDATE SKIP LOCKED` (`scanner.store.work_queue_pg`), so workers claim side by side without the store's write
lock. A claim takes a lease: `lease_until`, and `owner`, the lease owner "host/worker". A job whose worker died
(kill -9, OOM) is taken over by a worker of the same host once its lease expires; completing, failing or
postponing a job checks the lease is still the caller's, so a job taken over is not recorded twice.
A path is queued at most once per host (later events only push its settle deadline), and it is never claimed
while another worker holds a live lease on it, so a file that changed mid-scan is scanned again afterwards, not
concurrently. Each host's workers claim only the host's own jobs. Times are `time.time()` floats supplied by the
caller; leases are compared only between workers of one host, so hosts' clocks need not agree.

The OCR queue is the same table: jobs with reason 'ocr_queue' (`enqueue_ocr`), files whose pictures or scanned pages a
scan with OCR off left unread. A claim names its lane (`ANY_JOB`, `SCAN_JOBS`, `OCR_JOBS`): the daemon's OCR worker
takes OCR jobs only while no other job is ready, so pictures never hold up the text files queued with them. Any
later event for a path queued for OCR turns its row into an ordinary job (the file changed: scan it afresh).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass

from scanner.states import Engine, JobReason
from scanner.store import work_queue_pg
from scanner.store.store import Store
from scanner.store.work_queue_pg import ANY_JOB, OCR_JOBS, SCAN_JOBS
from scanner.store.work_queue_pg import PATH_FREE as _PATH_FREE

__all__ = ["ANY_JOB", "OCR_JOBS", "SCAN_JOBS", "Job", "QueueDepth", "WorkQueue"]

_UPSERT = (
    "INSERT INTO work_queue(root, rel_path, reason, enqueued_at, not_before, host) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(root, rel_path, host) WHERE state = 'queued' DO UPDATE"
    " SET not_before = max(work_queue.not_before, excluded.not_before), reason = excluded.reason"
)
# Queued for OCR unless the path is queued already: a pending scan of it reads it afresh and queues OCR again.
_UPSERT_OCR = (
    "INSERT INTO work_queue(root, rel_path, reason, enqueued_at, not_before, host) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(root, rel_path, host) WHERE state = 'queued' DO NOTHING"
)
_CLAIM = (
    "UPDATE work_queue SET state = 'running', owner = :owner, lease_until = :now + :lease, attempts = attempts + 1"
    " WHERE id = coalesce("
    f"(SELECT id FROM work_queue q WHERE state = 'running' AND lease_until < :now AND {{lane}} AND {_PATH_FREE}"
    "  ORDER BY lease_until LIMIT 1),"
    f"(SELECT id FROM work_queue q WHERE state = 'queued' AND not_before <= :now AND {{lane}} AND {_PATH_FREE}"
    "  ORDER BY not_before, id LIMIT 1))"
    " RETURNING id, root, rel_path, reason, attempts, enqueued_at"
)
_CLAIMS = {lane: _CLAIM.format(lane=lane) for lane in (ANY_JOB, SCAN_JOBS, OCR_JOBS)}
_MINE = "id = :id AND owner = :owner AND state = 'running'"
_OWNED = f"SELECT id, root, rel_path, reason, attempts, enqueued_at FROM work_queue WHERE {_MINE}"


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
    ocr_queued: int = 0  # of `queued`: files waiting for OCR (the OCR queue)


class WorkQueue:
    """Commands and queries over this host's work queue; shares the store's connection.

    ``owner`` arguments name the worker ("worker-1"); the lease is held as "host/worker", so workers of
    different hosts sharing a PostgreSQL store never hold each other's leases.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._db = store.connection  # its table is created with the rest of the schema (scanner.store.schema)
        self.host = store.host
        self._shared = store.dialect == Engine.POSTGRESQL
        # Queries keep to this host's rows on PostgreSQL; a SQLite store's rows are all one host's.
        self._on_host = " AND host = :host" if self._shared else ""

    # --- producers -------------------------------------------------------------------------------------
    def enqueue(self, root: str, rel_path: str, reason: str, not_before: float, now: float) -> None:
        """Queue a path; if it is already queued, push its deadline to the later one and keep the latest reason."""
        self._db.execute(_UPSERT, (root, rel_path, reason, now, not_before, self.host))

    def enqueue_many(self, items: Iterable[tuple[str, str, str]], not_before: float, now: float) -> int:
        """Queue (root, rel_path, reason) items in one transaction; returns how many were not queued before."""
        with self._store.transaction():
            before = self._queued()
            rows = ((root, path, why, now, not_before, self.host) for root, path, why in items)
            self._db.executemany(_UPSERT, rows)
            return self._queued() - before

    def enqueue_ocr(self, root: str, rel_path: str, now: float) -> bool:
        """Queue a path for OCR, ready now; False if it is queued already (that job reads it afresh)."""
        cur = self._db.execute(_UPSERT_OCR, (root, rel_path, JobReason.OCR, now, now, self.host))
        return cur.rowcount == 1

    # --- workers ---------------------------------------------------------------------------------------
    def claim(
        self, owner: str, now: float, lease_seconds: float, *, max_attempts: int = 3, lane: str = ANY_JOB
    ) -> Job | None:
        """Take the next ready job of ``lane``: first a dead worker's (lease expired), else the queued one due
        soonest. A job whose workers died ``max_attempts`` times is failed instead: the file probably kills the
        scanner.
        """
        owner = self.lease_owner(owner)
        if self._shared:
            return self._claim_skip_locked(owner, now, lease_seconds, max_attempts, lane)
        with self._store.transaction():
            poisoned = self._db.execute(
                "UPDATE work_queue SET state = 'failed', owner = NULL, lease_until = NULL,"
                " error = 'the worker scanning this file died ' || attempts || ' times (lease expired)'"
                " WHERE state = 'running' AND lease_until < ? AND attempts >= ?",
                (now, max_attempts),
            )
            if poisoned.rowcount:
                self._prune_failed()
            rows = self._db.execute(_CLAIMS[lane], {"owner": owner, "now": now, "lease": lease_seconds}).fetchall()
        return Job(**dict(rows[0])) if rows else None

    def claim_deletions(self, owner: str, root: str, now: float, lease_seconds: float, limit: int) -> list[Job]:
        """Take up to ``limit`` ready 'deleted' jobs of one root at once: a mass deletion is checked in batches."""
        owner = self.lease_owner(owner)
        if self._shared:
            rows = work_queue_pg.take(self._db, work_queue_pg.READY_DELETIONS, owner=owner, host=self.host, now=now,
                                      lease=lease_seconds, limit=limit, root=root)  # fmt: skip
            return [Job(**dict(r)) for r in rows]
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
            (now + lease_seconds, job_id, self.lease_owner(owner)),
        )
        return cur.rowcount == 1

    def complete(self, job_id: int, owner: str) -> bool:
        """Remove a finished job (and earlier failures of its path); False if it is no longer this owner's.

        One statement, so a caller may wrap it with its own writes in one `Store.transaction()`.
        """
        rows = self._db.execute(
            f"WITH job AS (SELECT root, rel_path, host FROM work_queue WHERE {_MINE})"
            f" DELETE FROM work_queue WHERE ({_MINE})"
            " OR (state = 'failed' AND root = (SELECT root FROM job) AND rel_path = (SELECT rel_path FROM job)"
            " AND host = (SELECT host FROM job)) RETURNING id",
            {"id": job_id, "owner": self.lease_owner(owner)},
        ).fetchall()
        return any(r[0] == job_id for r in rows)

    def complete_many(self, job_ids: Iterable[int], owner: str) -> int:
        """`complete` for a batch, in one transaction; returns how many were still this owner's."""
        with self._store.transaction():
            return sum(self.complete(job_id, owner) for job_id in job_ids)

    def postpone(self, job_id: int, owner: str, not_before: float) -> bool:
        """The file has not settled: queue it again for later (not counted as an attempt)."""
        with self._store.transaction():
            row = self._db.execute(_OWNED, {"id": job_id, "owner": self.lease_owner(owner)}).fetchone()
            if row is not None:
                self._requeue(row, not_before, attempts_delta=-1)
        return row is not None

    def fail(self, job_id: int, owner: str, error: str, *, max_attempts: int = 3, retry_at: float) -> bool:
        """Retry at ``retry_at`` while attempts remain, else keep the job as failed with its error."""
        with self._store.transaction():
            row = self._db.execute(_OWNED, {"id": job_id, "owner": self.lease_owner(owner)}).fetchone()
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
        return self._put_back("owner = ? AND state = 'running'", (self.lease_owner(owner),), attempts_delta=-1)

    def requeue_orphans(self) -> int:
        """At daemon start, before any worker runs: every running job of this host is a dead worker's (one daemon
        per host); put them all back. Other hosts' jobs are theirs.

        Their attempt stays counted, so a file that brought the daemon down is still given up on eventually.
        """
        mine, params = self._store.on_this_host()
        return self._put_back(f"state = 'running'{mine}", params, attempts_delta=0)

    def lease_owner(self, worker: str) -> str:
        """The lease owner stored for this host's ``worker``: "host/worker"."""
        return f"{self.host}/{worker}"

    # --- queries ---------------------------------------------------------------------------------------
    def depth(self, now: float | None = None) -> QueueDepth:
        """Counts by state; `ready` counts queued jobs due at ``now`` (default: the current time)."""
        now = time.time() if now is None else now
        h = self._on_host
        row = self._db.execute(
            "SELECT"
            f" (SELECT COUNT(*) FROM work_queue WHERE state = 'queued'{h}),"
            f" (SELECT COUNT(*) FROM work_queue WHERE state = 'queued' AND not_before <= :now{h}),"
            f" (SELECT COUNT(*) FROM work_queue WHERE state = 'running'{h}),"
            f" (SELECT COUNT(*) FROM work_queue WHERE state = 'failed'{h}),"
            f" (SELECT MIN(enqueued_at) FROM work_queue WHERE state = 'queued'{h}),"
            f" (SELECT COUNT(*) FROM work_queue WHERE state = 'queued' AND reason = :ocr{h})",
            {"now": now, "host": self.host, "ocr": JobReason.OCR},
        ).fetchone()
        return QueueDepth(*row)

    def has_ocr_jobs(self) -> bool:
        """Whether the OCR queue holds a job of this host (queued or running)."""
        sql = f"SELECT 1 FROM work_queue WHERE reason = :ocr AND state IN ('queued', 'running'){self._on_host} LIMIT 1"
        return self._db.execute(sql, {"ocr": JobReason.OCR, "host": self.host}).fetchone() is not None

    def next_ready_in(self, now: float, lane: str = ANY_JOB) -> float | None:
        """Seconds until a claim of ``lane`` could succeed (0 if now), None if nothing is queued or running.

        Counts running leases too: when one expires, a dead worker's job becomes claimable.
        """
        h = self._on_host
        row = self._db.execute(
            "SELECT min("
            f" coalesce((SELECT not_before FROM work_queue q WHERE state = 'queued'{h} AND {lane} AND {_PATH_FREE}"
            "  ORDER BY not_before LIMIT 1), 1e308),"
            f" coalesce((SELECT MIN(lease_until) FROM work_queue WHERE state = 'running'{h}), 1e308))",
            {"now": now, "host": self.host},
        ).fetchone()
        return None if row[0] >= 1e308 else max(0.0, row[0] - now)

    def failures(self, limit: int = 20) -> list[sqlite3.Row]:
        """Paths given up on (root, rel_path, attempts, error), for `custos status`."""
        return self._db.execute(
            f"SELECT root, rel_path, attempts, error FROM work_queue WHERE state = 'failed'{self._on_host}"
            " ORDER BY id DESC LIMIT :limit",
            {"limit": limit, "host": self.host},
        ).fetchall()

    # --- internals -------------------------------------------------------------------------------------
    def _queued(self) -> int:
        sql = f"SELECT COUNT(*) FROM work_queue WHERE state = 'queued'{self._on_host}"
        return self._db.execute(sql, {"host": self.host}).fetchone()[0]

    def _put_back(self, where: str, params: tuple[object, ...], *, attempts_delta: int) -> int:
        with self._store.transaction():
            rows = self._db.execute(
                f"SELECT id, root, rel_path, reason, enqueued_at, not_before FROM work_queue WHERE {where}", params
            ).fetchall()
            for row in rows:
                self._requeue(row, row["not_before"], attempts_delta=attempts_delta)
        return len(rows)

    def _requeue(self, row: sqlite3.Row, not_before: float, *, attempts_delta: int, error: str | None = None) -> None:
        """Back to queued; if the path was queued again meanwhile, merge into that row (one queued row per path),
        which stays an OCR job only if both were."""
        mine, params = self._store.on_this_host()
        other = self._db.execute(
            f"SELECT id FROM work_queue WHERE state = 'queued' AND root = ? AND rel_path = ?{mine}",
            (row["root"], row["rel_path"], *params),
        ).fetchone()
        if other is not None:
            self._db.execute(
                "UPDATE work_queue SET not_before = max(not_before, ?), enqueued_at = min(enqueued_at, ?),"
                " reason = CASE WHEN reason = ? THEN ? ELSE reason END WHERE id = ?",
                (not_before, row["enqueued_at"], JobReason.OCR, row["reason"], other[0]),
            )
            self._db.execute("DELETE FROM work_queue WHERE id = ?", (row["id"],))
        else:
            self._db.execute(
                "UPDATE work_queue SET state = 'queued', owner = NULL, lease_until = NULL, not_before = ?,"
                " attempts = max(0, attempts + ?), error = coalesce(?, error) WHERE id = ?",
                (not_before, attempts_delta, error, row["id"]),
            )

    def _prune_failed(self) -> None:
        """Keep only the latest failure of each of this host's paths."""
        h = self._on_host
        self._db.execute(
            f"DELETE FROM work_queue WHERE state = 'failed'{h} AND id NOT IN"
            f" (SELECT MAX(id) FROM work_queue WHERE state = 'failed'{h} GROUP BY root, rel_path)",
            {"host": self.host},
        )

    def _claim_skip_locked(
        self, owner: str, now: float, lease_seconds: float, max_attempts: int, lane: str
    ) -> Job | None:
        """PostgreSQL: fail this host's jobs whose workers kept dying, then take a dead worker's job, else the
        queued one due soonest; each a statement locking only the rows it takes (FOR UPDATE SKIP LOCKED)."""
        if work_queue_pg.fail_poisoned(self._db, self.host, now, max_attempts):
            with self._store.transaction():
                self._prune_failed()
        for which in (work_queue_pg.EXPIRED, work_queue_pg.READY):
            rows = work_queue_pg.take(self._db, which, lane, owner=owner, host=self.host, now=now,
                                      lease=lease_seconds, limit=1, max_attempts=max_attempts)  # fmt: skip
            if rows:
                return Job(**dict(rows[0]))
        return None
