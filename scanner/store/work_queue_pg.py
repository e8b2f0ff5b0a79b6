"""Claiming work-queue jobs on PostgreSQL: many workers of many hosts side by side, no store-wide lock.

A claim is one autocommit statement: `UPDATE … WHERE id IN (SELECT id … FOR UPDATE SKIP LOCKED) RETURNING …`.
The inner select locks the rows it picks and passes over rows another claim is locking at that moment, so
concurrent workers take different jobs without waiting for each other or for the store's write lock (which
every other write transaction holds on PostgreSQL). A row that another claim took and committed meanwhile is
re-checked against the conditions before it is locked: a job is never taken twice. Only the host's own rows are
looked at (`work_queue_host_claim` index: host, state, not_before, id), so a host never claims another's jobs.

The SQL is the store's SQLite dialect (`:name` placeholders), translated by scanner.store.dialect.
"""

from __future__ import annotations

from typing import Any

# No other worker may hold a live lease on the same path of the same host (the row itself is excluded by its own
# expiry or state). Shared with SQLite's claim in scanner.store.work_queue.
PATH_FREE = (
    "NOT EXISTS (SELECT 1 FROM work_queue r WHERE r.state = 'running' AND r.root = q.root"
    " AND r.rel_path = q.rel_path AND r.host = q.host AND r.lease_until >= :now)"
)

# Which jobs a worker takes (its lane, a condition on q): every job; all but the OCR queue's (OcrMode.BACKGROUND's
# scan workers); only the OCR queue's, and only while none of the host's other jobs is ready (its OCR worker) —
# unless the picture has waited OCR_MAX_WAIT_S: a share that never stops changing must not starve the OCR queue
# (the OCR worker runs at the lowest CPU priority, so the text files still get the cores first).
OCR_MAX_WAIT_S = 600
ANY_JOB = "1 = 1"
SCAN_JOBS = "q.reason <> 'ocr_queue'"
OCR_JOBS = (
    f"q.reason = 'ocr_queue' AND (q.enqueued_at <= :now - {OCR_MAX_WAIT_S} OR NOT EXISTS (SELECT 1 FROM work_queue n"
    " WHERE n.state = 'queued' AND n.reason <> 'ocr_queue' AND n.not_before <= :now AND n.host = q.host))"
)

# Which rows a claim may take, and in which order: (condition on q, ORDER BY).
EXPIRED = ("q.state = 'running' AND q.lease_until < :now AND q.attempts < :max_attempts", "q.lease_until, q.id")
READY = ("q.state = 'queued' AND q.not_before <= :now", "q.not_before, q.id")
READY_DELETIONS = (f"{READY[0]} AND q.reason = 'deleted' AND q.root = :root", READY[1])

_TAKE = (
    "UPDATE work_queue SET state = 'running', owner = :owner, lease_until = :now + :lease, attempts = attempts + 1"
    " WHERE id IN (SELECT q.id FROM work_queue q WHERE q.host = :host AND {which} AND {lane} AND {path_free}"
    " ORDER BY {order} LIMIT :limit FOR UPDATE SKIP LOCKED)"
    " RETURNING id, root, rel_path, reason, attempts, enqueued_at"
)
_POISONED = (
    "UPDATE work_queue SET state = 'failed', owner = NULL, lease_until = NULL,"
    " error = 'the worker scanning this file died ' || attempts || ' times (lease expired)'"
    " WHERE id IN (SELECT id FROM work_queue WHERE host = :host AND state = 'running' AND lease_until < :now"
    " AND attempts >= :max_attempts FOR UPDATE SKIP LOCKED)"
)


def take(db: Any, which: tuple[str, str], lane: str = ANY_JOB, **params: Any) -> list[Any]:
    """Lease up to ``params['limit']`` of the host's jobs matching ``which`` (EXPIRED, READY, READY_DELETIONS) in
    ``lane`` to ``params['owner']`` until now + lease; the taken rows (id, root, rel_path, reason, attempts,
    enqueued_at)."""
    sql = _TAKE.format(which=which[0], order=which[1], lane=lane, path_free=PATH_FREE)
    return db.execute(sql, {"max_attempts": 0, "root": None, **params}).fetchall()


def fail_poisoned(db: Any, host: str, now: float, max_attempts: int) -> int:
    """Fail the host's expired jobs whose workers died ``max_attempts`` times; returns how many."""
    return db.execute(_POISONED, {"host": host, "now": now, "max_attempts": max_attempts}).rowcount
