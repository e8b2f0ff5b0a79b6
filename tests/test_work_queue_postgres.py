"""The work queue shared by many hosts on one PostgreSQL: claims that lock only their own rows (FOR UPDATE SKIP
LOCKED), leases renewed while working and taken over when they expire, each host's jobs kept to its own workers;
and the per-(host, worker) heartbeats in host_workers, on both engines.

Real PostgreSQL (tests/postgres_server.py), real worker processes, real SIGKILL. Tests that move time pass `now`;
the take-over test runs on the wall clock with a one-second lease, renewed by the daemon's own `LeaseKeeper`.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from scanner.daemon.lease import LeaseKeeper
from scanner.states import ScanWorkerState
from scanner.store.host_workers import HostWorkers
from scanner.store.store import Store
from scanner.store.work_queue import QueueDepth, WorkQueue
from tests.engines import rows

ROOT = "/srv/share"
SPAWN = multiprocessing.get_context("spawn")
postgres = pytest.mark.postgres


def _queue_of(url: str, host: str, jobs: int, *, done_table: bool = False) -> None:
    with Store(url, host=host) as store:
        if done_table:
            store.connection.execute("CREATE TABLE IF NOT EXISTS done(job_id BIGINT, worker TEXT, host TEXT)")
        paths = ((ROOT, f"{host}/f{i}", "created") for i in range(jobs))
        WorkQueue(store).enqueue_many(paths, not_before=0, now=0)


# --- no store-wide lock on the claim path -----------------------------------------------------------------------
@postgres
def test_a_claim_does_not_wait_for_the_store_write_lock(pg_url):
    _queue_of(pg_url, "files01", 2)
    with Store(pg_url, host="files01") as writer, Store(pg_url, host="files01") as worker:
        queue = WorkQueue(worker)
        writer.connection.execute("BEGIN IMMEDIATE")  # another process's write transaction: holds the write lock
        try:
            began = time.monotonic()
            job = queue.claim("worker-1", now=1, lease_seconds=60)
            renewed = queue.renew(job.id, "worker-1", now=2, lease_seconds=60)
            done = queue.complete(job.id, "worker-1")
            took = time.monotonic() - began
        finally:
            writer.connection.execute("ROLLBACK")
    assert (job.rel_path, renewed, done) == ("files01/f0", True, True)
    assert took < 2.0  # the write lock was held throughout: claim, renew and complete did not wait for it


@postgres
def test_claims_in_open_transactions_skip_each_others_rows(pg_url):
    """Two claims whose transactions are still open take different jobs, and a third finds nothing left."""
    _queue_of(pg_url, "files01", 2)
    stores = [Store(pg_url, host="files01") for _ in range(3)]
    try:
        for store in stores:
            store.connection.execute("BEGIN")  # held open: the row locks stay until COMMIT
        jobs = [WorkQueue(store).claim(f"worker-{n}", now=1, lease_seconds=60) for n, store in enumerate(stores)]
        for store in stores:
            store.connection.execute("COMMIT")
    finally:
        for store in stores:
            store.close()
    assert sorted(j.rel_path for j in jobs[:2]) == ["files01/f0", "files01/f1"] and jobs[2] is None
    assert sorted(r["owner"] for r in rows(pg_url, "SELECT owner FROM work_queue")) == [
        "files01/worker-0",
        "files01/worker-1",
    ]


# --- hosts apart ------------------------------------------------------------------------------------------------
@postgres
def test_each_host_queues_claims_and_puts_back_only_its_own_jobs(pg_url):
    with Store(pg_url, host="files01") as a_store, Store(pg_url, host="files02") as b_store:
        a, b = WorkQueue(a_store), WorkQueue(b_store)
        for queue in (a, b):  # the same root and path on both hosts: two jobs
            queue.enqueue(ROOT, "same.txt", "created", not_before=0, now=0)
            queue.enqueue(ROOT, "same.txt", "modified", not_before=5, now=1)  # collapses into its host's row
        b.enqueue(ROOT, "b-only.txt", "created", not_before=0, now=0)
        b.enqueue_many([(ROOT, "gone1", "deleted"), (ROOT, "gone2", "deleted")], not_before=0, now=0)
        assert a.depth(now=10) == QueueDepth(queued=1, ready=1, running=0, failed=0, oldest_enqueued_at=0)
        assert b.depth(now=10).queued == 4

        mine = a.claim("worker-1", now=10, lease_seconds=60)
        assert (mine.rel_path, mine.reason) == ("same.txt", "modified")
        assert a.claim("worker-2", now=10, lease_seconds=60) is None  # b's ready jobs are not a's
        assert a.claim_deletions("worker-2", ROOT, now=10, lease_seconds=60, limit=10) == []
        assert a.next_ready_in(now=10) == 60  # its own lease, not b's ready jobs

        theirs = b.claim("worker-1", now=10, lease_seconds=60)  # same worker name, other host
        assert theirs.rel_path == "b-only.txt"
        assert not a.complete(theirs.id, "worker-1") and not a.renew(theirs.id, "worker-1", 11, 60)

        # Expired leases are taken over by the same host's workers only.
        again = a.claim("worker-9", now=1000, lease_seconds=60)
        assert (again.id, again.attempts) == (mine.id, 2)
        assert a.claim("worker-9", now=1000, lease_seconds=60) is None  # b's expired job stays b's
        taken = b.claim("worker-2", now=1000, lease_seconds=60)
        assert (taken.id, taken.attempts) == (theirs.id, 2)
        assert not b.complete(theirs.id, "worker-1") and b.complete(theirs.id, "worker-2")

        # Putting jobs back (a worker's clean stop, the daemon's start) touches only the host's own.
        held = b.claim("worker-9", now=1000, lease_seconds=60)
        assert a.release("worker-9") == 1 and b.depth(now=1000).running == 1
        assert a.requeue_orphans() == 0 and b.depth(now=1000).running == 1
        assert rows(pg_url, "SELECT owner FROM work_queue WHERE id = ?", (held.id,)) == [{"owner": "files02/worker-9"}]
        assert b.requeue_orphans() == 1

    hosts = {r["host"]: r["n"] for r in rows(pg_url, "SELECT host, COUNT(*) AS n FROM work_queue GROUP BY host")}
    assert hosts == {"files01": 1, "files02": 3}


@postgres
def test_failures_and_their_pruning_stay_with_their_host(pg_url):
    with Store(pg_url, host="files01") as a_store, Store(pg_url, host="files02") as b_store:
        a, b = WorkQueue(a_store), WorkQueue(b_store)
        for queue in (a, b):
            queue.enqueue(ROOT, "broken.xlsx", "created", not_before=0, now=0)
            job = queue.claim("w", now=0, lease_seconds=60)
            assert queue.fail(job.id, "w", "zip error", max_attempts=1, retry_at=10)
        assert [tuple(r) for r in a.failures()] == [(ROOT, "broken.xlsx", 1, "zip error")]
        a.enqueue(ROOT, "broken.xlsx", "modified", not_before=20, now=20)  # fixed on files01 only
        job = a.claim("w", now=20, lease_seconds=60)
        assert a.complete(job.id, "w")  # removes files01's failure of the path, not files02's
        assert a.failures() == [] and len(b.failures()) == 1
        # files02's workers keep dying on a file: failed there, files01's claims neither see nor fail it
        b.enqueue(ROOT, "bomb.zip", "created", not_before=0, now=30)
        for now in (30, 50, 70):
            assert b.claim("w", now=now, lease_seconds=10) is not None  # and the worker dies
        assert a.claim("w", now=90, lease_seconds=10) is None and a.failures() == []
        assert b.claim("w", now=90, lease_seconds=10) is None
        assert sorted(r["rel_path"] for r in b.failures()) == ["bomb.zip", "broken.xlsx"]


def _drain_as(url: str, host: str, worker: str, start) -> None:  # noqa: ANN001 - a multiprocessing Barrier
    """A worker process of ``host``: claim and complete until its host's queue is empty, recording each job in
    the completion's transaction."""
    with Store(url, host=host) as store:
        queue = WorkQueue(store)
        start.wait()
        while (job := queue.claim(worker, now=1000.0, lease_seconds=600)) is not None:
            with store.transaction():
                store.connection.execute("INSERT INTO done(job_id, worker, host) VALUES (?, ?, ?)",
                                         (job.id, worker, host))  # fmt: skip
                if not queue.complete(job.id, worker):
                    raise AssertionError(f"{host}/{worker} lost job {job.id}")


@postgres
@pytest.mark.slow
def test_workers_of_two_hosts_drain_their_own_queues_side_by_side(pg_url):
    """Four worker processes, two per host, at once: every job done exactly once, by a worker of its own host."""
    jobs = 300
    for host in ("files01", "files02"):
        _queue_of(pg_url, host, jobs, done_table=True)
    with Store(pg_url, host="files01") as store:  # job id → host, before the queue empties
        owner_of = {r[0]: r[1] for r in store.connection.execute("SELECT id, host FROM work_queue")}
    start = SPAWN.Barrier(4)
    workers = [("files01", "worker-1"), ("files01", "worker-2"), ("files02", "worker-1"), ("files02", "worker-2")]
    procs = [SPAWN.Process(target=_drain_as, args=(pg_url, host, name, start)) for host, name in workers]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * 4
    done = rows(pg_url, "SELECT job_id, worker, host FROM done")
    assert len(done) == 2 * jobs == len({d["job_id"] for d in done})
    assert all(owner_of[d["job_id"]] == d["host"] for d in done)  # no cross-host claim
    assert {(d["host"], d["worker"]) for d in done} == set(workers)  # all four worked
    assert rows(pg_url, "SELECT COUNT(*) AS n FROM work_queue") == [{"n": 0}]


# --- take-over after SIGKILL, on the wall clock ------------------------------------------------------------------
LEASE = 1.5  # seconds; each job takes longer than this, so only renewal keeps it (renewed every LEASE / 5)


def _work_slowly(url: str, worker: str, holding_file: str, job_seconds: float) -> None:
    """A worker whose every job outlasts its lease: `LeaseKeeper` renews it while it works; the job is recorded in
    the completion's transaction. Writes the id of the job in hand to ``holding_file`` (the test kills it then)."""
    with Store(url, host="files01") as store:
        queue = WorkQueue(store)
        while (job := queue.claim(worker, now=time.time(), lease_seconds=LEASE)) is not None:
            keeper = LeaseKeeper(url, job, "files01", worker, lease_seconds=LEASE, every=LEASE / 5)
            Path(holding_file).write_text(str(job.id))
            time.sleep(job_seconds)
            keeper.stop()
            with store.transaction():
                store.connection.execute("INSERT INTO done(job_id, worker, host) VALUES (?, ?, 'files01')",
                                         (job.id, worker))  # fmt: skip
                if not queue.complete(job.id, worker):
                    raise AssertionError(f"{worker} lost job {job.id} while renewing its lease")


@postgres
@pytest.mark.slow
def test_a_killed_workers_job_is_taken_over_after_its_lease_and_recorded_once(pg_url, tmp_path):
    jobs = 6
    _queue_of(pg_url, "files01", jobs, done_table=True)
    holding = [tmp_path / f"holding{n}" for n in range(3)]
    doomed = SPAWN.Process(target=_work_slowly, args=(pg_url, "worker-1", str(holding[0]), 30.0))
    doomed.start()
    deadline = time.monotonic() + 60
    while not holding[0].exists() or not holding[0].read_text():
        assert time.monotonic() < deadline and doomed.is_alive()
        time.sleep(0.02)
    time.sleep(2 * LEASE)  # its lease has been renewed a few times by now: not taken over while it lives
    survivors = [SPAWN.Process(target=_work_slowly, args=(pg_url, f"worker-{n + 1}", str(holding[n]), 1.2 * LEASE))
                 for n in (1, 2)]  # fmt: skip
    for p in survivors:
        p.start()
    time.sleep(1.5 * LEASE)  # the survivors work on the other jobs
    lost = int(holding[0].read_text())
    assert rows(pg_url, "SELECT owner FROM work_queue WHERE id = ?", (lost,)) == [{"owner": "files01/worker-1"}]
    os.kill(doomed.pid, signal.SIGKILL)  # mid-job: nothing recorded, its lease left to expire
    doomed.join()
    for p in survivors:
        p.join(120)
    assert [p.exitcode for p in survivors] == [0, 0]
    done = rows(pg_url, "SELECT job_id, worker FROM done")
    assert len(done) == jobs == len({d["job_id"] for d in done})  # every job once, none twice
    [taken_over] = [d for d in done if d["job_id"] == lost]
    assert taken_over["worker"] in ("worker-2", "worker-3")
    assert rows(pg_url, "SELECT COUNT(*) AS n FROM work_queue") == [{"n": 0}]


# --- a job taken over: its first worker records nothing ------------------------------------------------------------
def test_a_worker_whose_job_was_taken_over_can_neither_finish_fail_nor_postpone_it(db_url):
    with Store(db_url) as store:
        queue = WorkQueue(store)
        queue.enqueue(ROOT, "big.pst", "created", not_before=0, now=0)
        slow = queue.claim("worker-1", now=0, lease_seconds=10)  # stalls past its lease without renewing
        taken = queue.claim("worker-2", now=11, lease_seconds=10)
        assert taken.id == slow.id
        assert not queue.renew(slow.id, "worker-1", now=12, lease_seconds=10)
        assert not queue.fail(slow.id, "worker-1", "timeout", retry_at=20)
        assert not queue.postpone(slow.id, "worker-1", not_before=20)
        assert not queue.complete(slow.id, "worker-1")
        assert queue.depth(now=12) == QueueDepth(queued=0, ready=0, running=1, failed=0, oldest_enqueued_at=None)
        assert queue.complete(taken.id, "worker-2")


# --- heartbeats per (host, worker) --------------------------------------------------------------------------------
def test_workers_beat_their_rows_and_a_dead_one_is_kept_until_pruned(db_url):
    with Store(db_url) as store:
        beats = HostWorkers(store)
        for name, pid in (("worker-1", 101), ("worker-2", 102)):
            beats.beat(name, state=ScanWorkerState.RUNNING, pid=pid, files_done=0, errors=0, queue_depth=None,
                       started_at=100.0, now=100.0)  # fmt: skip
        beats.beat("worker-1", state=ScanWorkerState.SCANNING, pid=101, files_done=40, errors=2, queue_depth=None,
                   started_at=100.0, now=120.0)  # fmt: skip
        with Store(db_url) as other:  # the dashboard's process
            alive = HostWorkers(other).alive(within_s=15, now=125.0)
        assert [(b.worker, b.state, b.files_done, b.errors, b.files_per_s) for b in alive] == [
            ("worker-1", "scanning", 40, 2, 2.0)
        ]
        assert alive[0].host == store.host and alive[0].pid == 101
        assert [b.worker for b in beats.all()] == ["worker-1", "worker-2"]  # worker-2 stopped beating: kept
        beats.beat("worker-1", state=ScanWorkerState.STOPPED, pid=101, files_done=41, errors=2, queue_depth=None,
                   started_at=100.0, now=126.0)  # fmt: skip
        assert beats.alive(within_s=15, now=127.0) == []  # stopped cleanly: not alive, however recent
        assert beats.prune(older_than_s=60, now=170.0) == 1  # worker-2's last beat was at 100
        assert [(b.worker, b.state) for b in beats.all()] == [("worker-1", "stopped")]
        with pytest.raises(ValueError, match="worker state must be one of"):
            beats.beat("worker-1", state="sleeping", pid=1, files_done=0, errors=0, queue_depth=None, started_at=0)


@postgres
def test_heartbeats_of_hosts_are_apart_and_read_together(pg_url):
    with Store(pg_url, host="files01") as a_store, Store(pg_url, host="files02") as b_store:
        for store, done in ((a_store, 10), (b_store, 20)):
            HostWorkers(store).beat("worker-1", state=ScanWorkerState.RUNNING, pid=7, files_done=done, errors=0,
                                    queue_depth=None, started_at=0.0, now=10.0)  # fmt: skip
        reader = HostWorkers(a_store)
        assert [(b.host, b.worker, b.files_done) for b in reader.alive(within_s=5, now=12.0)] == [
            ("files01", "worker-1", 10),
            ("files02", "worker-1", 20),
        ]
        assert [b.host for b in reader.alive(within_s=5, now=12.0, host="files02")] == ["files02"]
        last_seen = {r["id"]: r["last_seen"] for r in rows(pg_url, "SELECT id, last_seen FROM hosts")}
        assert {"files01", "files02"} <= set(last_seen)  # both hosts registered (and any the fixtures opened as)


# --- an older SQLite database ---------------------------------------------------------------------------------------
def test_an_older_sqlite_queue_gets_its_per_host_path_index_on_upgrade(tmp_path):
    db = tmp_path / "state" / "custos.db"
    db.parent.mkdir()
    with Store(db) as store:
        WorkQueue(store).enqueue(ROOT, "a.txt", "created", not_before=0, now=0)
    con = sqlite3.connect(db)  # as schema 7 left it: one queued row per path, whatever the host
    con.execute("DROP INDEX work_queue_queued_per_host")
    con.execute("CREATE UNIQUE INDEX work_queue_queued_path ON work_queue(root, rel_path) WHERE state = 'queued'")
    con.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    with Store(db) as store:
        queue = WorkQueue(store)
        queue.enqueue(ROOT, "a.txt", "modified", not_before=5, now=1)
        assert queue.depth(now=5).queued == 1 and queue.claim("w", now=5, lease_seconds=60).reason == "modified"
    indexes = {r["name"] for r in rows(str(db), "SELECT name FROM sqlite_master WHERE tbl_name = 'work_queue'")}
    assert "work_queue_queued_per_host" in indexes and "work_queue_queued_path" not in indexes
