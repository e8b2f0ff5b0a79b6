"""The daemon's work queue and status row, on real SQLite files and PostgreSQL, with real worker processes and
SIGKILL crashes.

Time is passed in explicitly, so lease expiry is tested by moving `now`, never by sleeping.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from scanner.store.daemon_status import DaemonStatusStore, is_alive
from scanner.store.store import Store
from scanner.store.work_queue import QueueDepth, WorkQueue
from tests.engines import BOTH_ENGINES_SLOW_ON_POSTGRESQL, is_postgresql, rows

ROOT = "/srv/share"
SPAWN = multiprocessing.get_context("spawn")


@pytest.fixture
def db(db_url: str) -> str:
    return db_url


@pytest.fixture
def store(db: Path):
    with Store(db) as store:
        yield store


@pytest.fixture
def queue(store: Store) -> WorkQueue:
    return WorkQueue(store)


def _rows(db: str) -> list[dict]:
    """The queue as another connection sees it."""
    return rows(db, "SELECT * FROM work_queue ORDER BY id")


# --- enqueue ---------------------------------------------------------------------------------------------
def test_enqueue_collapses_a_burst_into_one_row_with_the_latest_deadline_and_reason(queue, db):
    queue.enqueue(ROOT, "a.txt", "created", not_before=10, now=0)
    queue.enqueue(ROOT, "a.txt", "modified", not_before=15, now=5)
    queue.enqueue(ROOT, "a.txt", "reconcile", not_before=12, now=6)
    queue.enqueue(ROOT, "b.txt", "created", not_before=10, now=6)
    a, b = _rows(db)
    assert (a["rel_path"], a["state"], a["not_before"], a["reason"], a["enqueued_at"]) == (
        "a.txt",
        "queued",
        15,
        "reconcile",
        0,
    )
    assert b["rel_path"] == "b.txt"


def test_a_path_changed_while_running_is_queued_again_and_scanned_after_not_alongside(queue, db):
    queue.enqueue(ROOT, "a.txt", "created", not_before=0, now=0)
    job = queue.claim("w1", now=1, lease_seconds=60)
    queue.enqueue(ROOT, "a.txt", "modified", not_before=5, now=2)
    assert sorted(r["state"] for r in _rows(db)) == ["queued", "running"]
    assert queue.claim("w2", now=10, lease_seconds=60) is None  # w1 still scans it
    assert queue.next_ready_in(now=10) == 51  # w1's lease, not a busy loop on the blocked row
    assert queue.complete(job.id, "w1")
    again = queue.claim("w2", now=10, lease_seconds=60)
    assert (again.rel_path, again.reason, again.attempts) == ("a.txt", "modified", 1)


@BOTH_ENGINES_SLOW_ON_POSTGRESQL
def test_enqueue_many_reports_new_paths_and_re_enqueueing_adds_none(queue, db):
    n = 100_000
    items = ((ROOT, f"dir{i % 100}/file{i}.txt", "reconcile") for i in range(n))
    assert queue.enqueue_many(items, not_before=10, now=0) == n
    assert queue.enqueue_many(((ROOT, f"dir{i % 100}/file{i}.txt", "reconcile") for i in range(n)), 20, 1) == 0
    assert queue.depth(now=15) == QueueDepth(queued=n, ready=0, running=0, failed=0, oldest_enqueued_at=0)
    mixed = [(ROOT, "dir0/file0.txt", "modified"), (ROOT, "new.txt", "created"), (ROOT, "new.txt", "modified")]
    assert queue.enqueue_many(mixed, not_before=5, now=2) == 1
    assert queue.depth(now=20).ready == n + 1


# --- claim, lease, complete ------------------------------------------------------------------------------
def test_claim_honours_not_before_in_deadline_order(queue):
    for name, due in (("c", 30), ("a", 10), ("b", 20)):
        queue.enqueue(ROOT, name, "created", not_before=due, now=0)
    assert queue.claim("w", now=5, lease_seconds=60) is None
    assert queue.next_ready_in(now=5) == 5
    assert [queue.claim("w", now=25, lease_seconds=60).rel_path for _ in range(2)] == ["a", "b"]
    assert queue.claim("w", now=25, lease_seconds=60) is None
    assert queue.claim("w", now=30, lease_seconds=60).rel_path == "c"


def test_an_expired_lease_is_reclaimed_first_and_the_dead_owner_can_no_longer_finish(queue, db):
    queue.enqueue(ROOT, "a", "created", not_before=0, now=0)
    queue.enqueue(ROOT, "b", "created", not_before=0, now=0)
    dead = queue.claim("w1", now=0, lease_seconds=10)
    assert (dead.rel_path, dead.attempts) == ("a", 1)
    assert queue.next_ready_in(now=5) == 0  # b is ready
    taken = queue.claim("w2", now=11, lease_seconds=10)
    assert (taken.id, taken.attempts) == (dead.id, 2)
    assert not queue.complete(dead.id, "w1")
    assert not queue.renew(dead.id, "w1", now=12, lease_seconds=10)
    assert len(_rows(db)) == 2
    assert queue.complete(taken.id, "w2")
    assert [r["rel_path"] for r in _rows(db)] == ["b"]


def test_renew_keeps_a_long_scan_from_being_taken_over(queue):
    queue.enqueue(ROOT, "big.pst", "created", not_before=0, now=0)
    job = queue.claim("w1", now=0, lease_seconds=10)
    assert queue.renew(job.id, "w1", now=8, lease_seconds=10)
    assert queue.claim("w2", now=15, lease_seconds=10) is None
    assert queue.claim("w2", now=19, lease_seconds=10).id == job.id


def test_complete_by_another_owner_keeps_the_row(queue, db):
    queue.enqueue(ROOT, "a", "created", not_before=0, now=0)
    job = queue.claim("w1", now=0, lease_seconds=60)
    assert not queue.complete(job.id, "intruder")
    assert [r["state"] for r in _rows(db)] == ["running"]
    assert queue.complete(job.id, "w1")
    assert not queue.complete(job.id, "w1")
    assert _rows(db) == []


# --- postpone, fail, release -----------------------------------------------------------------------------
def test_postpone_requeues_without_counting_an_attempt(queue):
    queue.enqueue(ROOT, "growing.log", "modified", not_before=0, now=0)
    job = queue.claim("w", now=1, lease_seconds=60)
    assert queue.postpone(job.id, "w", not_before=50)
    assert queue.claim("w", now=40, lease_seconds=60) is None
    assert queue.claim("w", now=50, lease_seconds=60).attempts == 1
    assert not queue.postpone(job.id, "other", not_before=60)


def test_postpone_merges_into_a_row_queued_meanwhile(queue, db):
    queue.enqueue(ROOT, "a", "created", not_before=0, now=0)
    job = queue.claim("w", now=1, lease_seconds=60)
    queue.enqueue(ROOT, "a", "modified", not_before=20, now=5)
    queue.postpone(job.id, "w", not_before=10)
    [row] = _rows(db)
    assert (row["state"], row["not_before"], row["enqueued_at"], row["reason"]) == ("queued", 20, 0, "modified")


def test_fail_retries_until_max_attempts_then_keeps_the_error_until_a_later_scan_succeeds(queue, db):
    queue.enqueue(ROOT, "broken.xlsx", "created", not_before=0, now=0)
    for attempt, now in ((1, 0), (2, 10)):
        job = queue.claim("w", now=now, lease_seconds=60)
        assert job.attempts == attempt
        assert queue.fail(job.id, "w", f"zip error {attempt}", retry_at=now + 10)
        assert queue.claim("w", now=now + 9, lease_seconds=60) is None
    job = queue.claim("w", now=20, lease_seconds=60)
    assert queue.fail(job.id, "w", "zip error 3", retry_at=30)
    assert queue.claim("w", now=99, lease_seconds=60) is None
    assert queue.depth(now=99) == QueueDepth(queued=0, ready=0, running=0, failed=1, oldest_enqueued_at=None)
    assert [tuple(r) for r in queue.failures()] == [(ROOT, "broken.xlsx", 3, "zip error 3")]
    queue.enqueue(ROOT, "broken.xlsx", "modified", not_before=100, now=100)  # fixed by its owner
    job = queue.claim("w", now=100, lease_seconds=60)
    assert job.attempts == 1
    assert queue.complete(job.id, "w")
    assert _rows(db) == []


def test_a_file_whose_workers_keep_dying_is_failed_not_retried_forever(queue):
    queue.enqueue(ROOT, "bomb.zip", "created", not_before=0, now=0)
    for now in (0, 20, 40):
        assert queue.claim("w", now=now, lease_seconds=10) is not None  # and the worker dies
    assert queue.claim("w", now=60, lease_seconds=10) is None
    [failure] = queue.failures()
    assert failure["attempts"] == 3 and "died 3 times" in failure["error"]


def test_release_puts_a_clean_shutdowns_jobs_back(queue):
    for name in "abc":
        queue.enqueue(ROOT, name, "created", not_before=0, now=0)
    mine = {queue.claim("w1", now=1, lease_seconds=600).id for _ in range(2)}
    other = queue.claim("w2", now=1, lease_seconds=600)
    assert queue.release("w1") == 2
    assert queue.release("w1") == 0
    assert queue.depth(now=1) == QueueDepth(queued=2, ready=2, running=1, failed=0, oldest_enqueued_at=0)
    again = [queue.claim("w3", now=2, lease_seconds=600) for _ in range(2)]
    assert {j.id for j in again} == mine and all(j.attempts == 1 for j in again)
    assert queue.complete(other.id, "w2")


def test_requeue_orphans_at_daemon_start_puts_every_running_job_back(queue, db):
    queue.enqueue(ROOT, "a", "created", not_before=0, now=0)
    queue.enqueue(ROOT, "b", "created", not_before=0, now=0)
    queue.claim("old-worker-1", now=1, lease_seconds=600)
    queue.claim("old-worker-2", now=1, lease_seconds=600)
    queue.enqueue(ROOT, "a", "modified", not_before=5, now=2)  # changed while the old daemon scanned it
    assert queue.requeue_orphans() == 2
    rows = {r["rel_path"]: r for r in _rows(db)}
    assert [(rows[p]["state"], rows[p]["owner"], rows[p]["attempts"]) for p in "ab"] == [
        ("queued", None, 0),  # the new row, into which the orphan merged
        ("queued", None, 1),  # the old daemon's claim still counts
    ]
    assert (rows["a"]["not_before"], rows["a"]["enqueued_at"]) == (5, 0)  # merged into the newer row
    assert queue.claim("new-worker", now=3, lease_seconds=600).rel_path == "b"  # at once, not after the lease


def test_depth_and_next_ready_in(queue):
    assert queue.depth(now=0) == QueueDepth(0, 0, 0, 0, None)
    assert queue.next_ready_in(now=0) is None
    queue.enqueue(ROOT, "a", "created", not_before=10, now=1)
    queue.enqueue(ROOT, "b", "created", not_before=20, now=2)
    assert queue.depth(now=15) == QueueDepth(queued=2, ready=1, running=0, failed=0, oldest_enqueued_at=1)
    queue.claim("w", now=15, lease_seconds=60)
    assert queue.depth(now=15) == QueueDepth(queued=1, ready=0, running=1, failed=0, oldest_enqueued_at=2)
    assert queue.next_ready_in(now=15) == 5
    assert queue.next_ready_in(now=25) == 0


# --- many processes, and crashes ---------------------------------------------------------------------------
def _drain(db: str, owner: str, claims_file: str, start: multiprocessing.synchronize.Barrier) -> None:
    """Claim and complete until the queue is empty; each completion is recorded in the same transaction."""
    with Store(db) as store:
        queue, claimed = WorkQueue(store), []
        start.wait()
        while (job := queue.claim(owner, now=1000.0, lease_seconds=600)) is not None:
            claimed.append(job.id)
            with store.transaction():
                store.connection.execute("INSERT INTO done(job_id, owner) VALUES (?, ?)", (job.id, owner))
                if not queue.complete(job.id, owner):
                    raise AssertionError(f"{owner} lost job {job.id}")
    Path(claims_file).write_text(" ".join(map(str, claimed)))


def _work(db: str, owner: str, now: float) -> None:
    with Store(db) as store:
        queue = WorkQueue(store)
        while (job := queue.claim(owner, now=now, lease_seconds=100)) is not None:
            with store.transaction():
                store.connection.execute("INSERT INTO done(job_id, owner) VALUES (?, ?)", (job.id, owner))
                if not queue.complete(job.id, owner):
                    raise AssertionError(f"{owner} lost job {job.id}")


def _claim_and_hang(db: str, owner: str, ready_file: str) -> None:
    with Store(db) as store:
        job = WorkQueue(store).claim(owner, now=100, lease_seconds=30)
        Path(ready_file).write_text(str(job.id))
        time.sleep(600)


def _queue_with_done_table(db: Path, jobs: int) -> None:
    with Store(db) as store:
        store.connection.execute("CREATE TABLE done(job_id INTEGER, owner TEXT)")
        WorkQueue(store).enqueue_many(((ROOT, f"f{i}", "created") for i in range(jobs)), not_before=0, now=0)


def _counts(db: str) -> tuple[int, int, int]:
    """(queue rows, completions, distinct completed jobs) in one consistent read."""
    sql = (
        "SELECT (SELECT COUNT(*) FROM work_queue) AS queued, (SELECT COUNT(*) FROM done) AS done,"
        " (SELECT COUNT(DISTINCT job_id) FROM done) AS distinct_done"
    )
    return tuple(rows(db, sql)[0].values())


@BOTH_ENGINES_SLOW_ON_POSTGRESQL
def test_four_processes_complete_every_job_exactly_once(db, tmp_path):
    jobs = 2000
    _queue_with_done_table(db, jobs)
    start = SPAWN.Barrier(4)
    files = [tmp_path / f"claims{i}" for i in range(4)]
    procs = [SPAWN.Process(target=_drain, args=(str(db), f"w{i}", str(files[i]), start)) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * 4
    claims = [[int(x) for x in f.read_text().split()] for f in files]
    assert sum(len(c) for c in claims) == jobs == len(set().union(*map(set, claims)))
    assert sum(1 for c in claims if c) >= 2  # they really ran side by side
    assert _counts(db) == (0, jobs, jobs)


@BOTH_ENGINES_SLOW_ON_POSTGRESQL
def test_a_job_claimed_by_a_killed_process_is_reclaimed_after_its_lease(db, tmp_path):
    _queue_with_done_table(db, 3)
    ready = tmp_path / "claimed"
    child = SPAWN.Process(target=_claim_and_hang, args=(str(db), "doomed", str(ready)))
    child.start()
    deadline = time.monotonic() + 60
    while not ready.exists() or not ready.read_text():
        assert time.monotonic() < deadline and child.is_alive()
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    assert child.exitcode == -signal.SIGKILL
    lost = int(ready.read_text())
    with Store(db) as store:
        queue = WorkQueue(store)
        assert len(_rows(db)) == 3
        assert queue.depth(now=120) == QueueDepth(queued=2, ready=2, running=1, failed=0, oldest_enqueued_at=0)
        other = queue.claim("survivor", now=120, lease_seconds=30)  # lease runs to 130: not yet
        assert other.id != lost and queue.complete(other.id, "survivor")
        taken = queue.claim("survivor", now=131, lease_seconds=30)
        assert (taken.id, taken.attempts) == (lost, 2)
        assert queue.complete(taken.id, "survivor")
        assert len(_rows(db)) == 1


@BOTH_ENGINES_SLOW_ON_POSTGRESQL
def test_workers_killed_at_random_moments_lose_and_duplicate_nothing(db):
    jobs, rng = 400, random.Random(20261123)
    _queue_with_done_table(db, jobs)
    for round_ in range(6):
        queued, done, _ = _counts(db)
        kill_after = done + rng.randint(1, max(1, queued // 5))
        child = SPAWN.Process(target=_work, args=(str(db), f"w{round_}", 1000.0 * (round_ + 1)))
        child.start()
        while child.is_alive() and _counts(db)[1] < kill_after:
            rows, done, distinct = _counts(db)
            assert rows + done == jobs and done == distinct
        time.sleep(rng.random() / 200)
        if child.is_alive():
            os.kill(child.pid, signal.SIGKILL)
        child.join()
        rows, done, distinct = _counts(db)
        assert rows + done == jobs and done == distinct  # every unfinished job still has its row
    _work(str(db), "final", now=10_000.0)  # past every dead worker's lease
    assert _counts(db) == (0, jobs, jobs)
    if not is_postgresql(db):
        con = sqlite3.connect(db)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()


# --- daemon status -----------------------------------------------------------------------------------------
def test_daemon_status_upserts_one_row_and_judges_liveness_by_heartbeat(store, db):
    status = DaemonStatusStore(store)
    assert status.read() is None and not is_alive(None, now=0, heartbeat_seconds=5)
    status.update(state="starting", pid=4242, host="files01", started_at=100.0, heartbeat_at=100.0, version="0.4")
    status.update(state="running", roots=[ROOT, "/srv/hr"], workers=4, heartbeat_at=110.0, files_scanned=12)
    with Store(db) as other:  # as `custos status` sees it from another process
        seen = DaemonStatusStore(other).read()
    assert (seen.id, seen.state, seen.pid, seen.host, seen.started_at, seen.version) == (
        store.host if is_postgresql(db) else "main",  # one daemon per host on PostgreSQL, per file on SQLite
        "running",
        4242,
        "files01",
        100.0,
        "0.4",
    )
    assert (seen.roots, seen.workers, seen.files_scanned, seen.errors, seen.last_error) == (
        (ROOT, "/srv/hr"),
        4,
        12,
        0,
        None,
    )
    assert is_alive(seen, now=125, heartbeat_seconds=5)
    assert not is_alive(seen, now=126, heartbeat_seconds=5)
    status.update(state="stopped", heartbeat_at=125.0)
    assert not is_alive(status.read(), now=125, heartbeat_seconds=5)
    assert rows(db, "SELECT COUNT(*) AS n FROM daemon_status") == [{"n": 1}]
    with pytest.raises(ValueError, match="unknown daemon status field"):
        status.update(colour="red")
    with pytest.raises(ValueError, match="daemon state must be one of"):
        status.update(state="sleeping")


def test_deletions_are_claimed_in_a_batch_of_one_root_skipping_other_reasons_and_busy_paths(queue, db):
    queue.enqueue_many([(ROOT, f"d/{i}.txt", "deleted") for i in range(5)], not_before=0, now=0)
    queue.enqueue(ROOT, "changed.txt", "event", not_before=0, now=0)
    queue.enqueue("/srv/other", "x.txt", "deleted", not_before=0, now=0)
    queue.enqueue(ROOT, "later.txt", "deleted", not_before=100, now=0)
    busy = queue.claim_deletions("w1", ROOT, now=1, lease_seconds=60, limit=1)
    queue.enqueue(ROOT, busy[0].rel_path, "deleted", not_before=0, now=1)  # deleted again while w1 holds it
    jobs = queue.claim_deletions("w2", ROOT, now=1, lease_seconds=60, limit=10)
    assert sorted(j.rel_path for j in jobs) == [f"d/{i}.txt" for i in range(1, 5)]
    assert queue.complete_many([j.id for j in jobs], "w2") == 4
    assert queue.complete_many([busy[0].id], "w2") == 0  # not w2's
    left = {(r["rel_path"], r["state"]) for r in _rows(db)}
    assert left == {("d/0.txt", "running"), ("d/0.txt", "queued"), ("changed.txt", "queued"),
                    ("x.txt", "queued"), ("later.txt", "queued")}  # fmt: skip


def test_a_status_table_from_before_the_watch_column_gains_it(tmp_path):  # SQLite: upgraded on open
    db = tmp_path / "state" / "custos.db"
    db.parent.mkdir(parents=True)
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE daemon_status (id TEXT PRIMARY KEY, pid INTEGER, host TEXT, started_at REAL,"
                " heartbeat_at REAL, state TEXT, roots TEXT NOT NULL DEFAULT '[]', workers INTEGER,"
                " last_event_at REAL, queue_depth INTEGER, files_scanned INTEGER NOT NULL DEFAULT 0,"
                " files_per_s REAL, errors INTEGER NOT NULL DEFAULT 0, last_error TEXT, version TEXT)")  # fmt: skip
    con.execute("INSERT INTO daemon_status(id, state) VALUES ('main', 'stopped')")
    con.commit()
    con.close()
    with Store(db) as store:
        status = DaemonStatusStore(store)
        assert status.read().watch == {}
        status.update(watch={"/srv/share": "polling (inotify unavailable: inotify instance limit reached)"})
        assert status.read().watch["/srv/share"].startswith("polling")
