"""The work queue drained by several workers at once on PostgreSQL (bench/pg_scale.py's queue half).

`queue_drain(url, workers=4, jobs=20_000)`: jobs are queued for one host (and a quarter as many for a second host,
which must stay untouched), then `workers` processes of the first host claim (FOR UPDATE SKIP LOCKED, with a
lease) and complete until the queue is empty. Twice: the queue alone (claim, complete: no store-wide lock taken),
then with each job's result recorded in the same write transaction as its completion, as a worker records a
scan (every write transaction holds the store's write lock on PostgreSQL, so this is the ceiling a daemon's
recording sets). Prints jobs/s, the claims made, duplicates (a job claimed by two workers) and jobs lost; any
duplicate, loss or cross-host claim is printed as FAILED.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scanner.store.store import Store  # noqa: E402
from scanner.store.work_queue import WorkQueue  # noqa: E402

HOST, OTHER_HOST = "bench-host-1", "bench-host-2"
ROOT = "/srv/share"
SPAWN = multiprocessing.get_context("spawn")


def queue_drain(url: str, *, workers: int, jobs: int) -> list[dict[str, float]]:
    """The queue alone, then with results recorded (see the module's docstring); returns both runs' numbers."""
    return [_drain(url, workers, jobs, record=False), _drain(url, workers, jobs, record=True)]


def _drain(url: str, workers: int, jobs: int, *, record: bool) -> dict[str, float]:
    """Fill, drain with ``workers`` processes, check, print; returns the numbers."""
    enqueued = _fill(url, jobs)
    start = SPAWN.Barrier(workers + 1)
    results = SPAWN.Queue()
    procs = [SPAWN.Process(target=_worker, args=(url, f"worker-{n + 1}", record, start, results))
             for n in range(workers)]  # fmt: skip
    for p in procs:
        p.start()
    start.wait()  # every worker connected and ready: the clock starts
    began = time.perf_counter()
    claimed = [results.get(timeout=3600) for _ in procs]
    seconds = time.perf_counter() - began
    for p in procs:
        p.join(60)
    flat = [job_id for ids in claimed for job_id in ids]
    left, other_left, recorded = _left(url)
    numbers = {"jobs": jobs, "seconds": seconds, "jobs_per_s": jobs / seconds, "claims": len(flat),
               "duplicates": len(flat) - len(set(flat)), "lost": jobs - len(set(flat)) + left,
               "foreign": len(set(flat) - enqueued)}  # fmt: skip
    per_worker = ", ".join(f"{len(ids):,}" for ids in claimed)
    how = "each result recorded under the write lock" if record else "claim + complete"
    rate = numbers["jobs_per_s"]
    print(f"\nqueue drain ({workers} workers, {how}): {jobs:,} jobs in {seconds:.2f} s = {rate:,.0f} jobs/s;"
          f" claims {len(flat):,} ({per_worker}), duplicates {numbers['duplicates']}, lost {numbers['lost']},"
          f" other host's jobs claimed {numbers['foreign']} ({other_left:,} of {jobs // 4:,} left queued)")  # fmt: skip
    trouble = numbers["duplicates"] or numbers["lost"] or numbers["foreign"] or recorded != (jobs if record else 0)
    trouble = trouble or other_left != jobs // 4 or any(p.exitcode != 0 for p in procs)
    if trouble:
        print(f"  FAILED: recorded {recorded:,} of {jobs:,}; worker exit codes {[p.exitcode for p in procs]}")
    return numbers


def _fill(url: str, jobs: int) -> set[int]:
    """Queue ``jobs`` paths of HOST and a quarter as many of OTHER_HOST (both queues emptied first); the ids of
    HOST's jobs."""
    with Store(url, host=OTHER_HOST) as other:
        other.connection.execute("DELETE FROM work_queue WHERE host IN (?, ?)", (HOST, OTHER_HOST))
        WorkQueue(other).enqueue_many(((ROOT, f"d{i % 100}/f{i}", "created") for i in range(jobs // 4)), 0, 0)
    with Store(url, host=HOST) as store:
        store.connection.execute("DROP TABLE IF EXISTS bench_done")
        store.connection.execute("CREATE TABLE bench_done(job_id BIGINT, worker TEXT)")
        WorkQueue(store).enqueue_many(((ROOT, f"d{i % 100}/f{i}", "created") for i in range(jobs)), 0, 0)
        store.connection.execute("ANALYZE work_queue")
        rows = store.connection.execute("SELECT id FROM work_queue WHERE host = ?", (HOST,))
        return {r[0] for r in rows}


def _worker(url: str, name: str, record: bool, start, results) -> None:  # noqa: ANN001 - a Barrier and a Queue
    claimed = []
    with Store(url, host=HOST) as store:
        queue = WorkQueue(store)
        start.wait()
        while (job := queue.claim(name, now=time.time(), lease_seconds=120)) is not None:
            claimed.append(job.id)
            if not record:
                if not queue.complete(job.id, name):
                    raise RuntimeError(f"{name} lost job {job.id}")
                continue
            with store.transaction():  # the job's result and its completion, as a worker records a scan
                store.connection.execute("INSERT INTO bench_done(job_id, worker) VALUES (?, ?)", (job.id, name))
                if not queue.complete(job.id, name):
                    raise RuntimeError(f"{name} lost job {job.id}")
    results.put(claimed)


def _left(url: str) -> tuple[int, int, int]:
    """(HOST's rows left, OTHER_HOST's queued rows left, completions recorded)."""
    with Store(url, host=HOST) as store:
        db = store.connection
        left = db.execute("SELECT COUNT(*) FROM work_queue WHERE host = ?", (HOST,)).fetchone()[0]
        other = db.execute(
            "SELECT COUNT(*) FROM work_queue WHERE host = ? AND state = 'queued'", (OTHER_HOST,)
        ).fetchone()[0]
        recorded = db.execute("SELECT COUNT(DISTINCT job_id) FROM bench_done").fetchone()[0]
        return left, other, recorded


if __name__ == "__main__":  # on its own, on a throwaway server: python bench/pg_queue.py [workers [jobs]]
    from tests.postgres_server import PostgresServer

    server = PostgresServer.start()
    try:
        args = [int(a) for a in sys.argv[1:3]]
        queue_drain(server.new_database(), workers=(args + [4])[0], jobs=(args[1:] + [20_000])[0])
    finally:
        server.stop()
