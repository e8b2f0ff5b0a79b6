"""While a worker scans one file: its job's lease is renewed and its heartbeat written, from a thread.

A scan of a large mailbox can take longer than a lease. The keeper renews the lease every `every` seconds (well
within it), so the job is not taken over while its worker is alive, and beats the worker's row in host_workers
so the dashboard does not count a busy worker as dead. The thread opens its own connection, and only once the
first interval has passed: most scans end long before. If a renewal finds the job is no longer this worker's (it
stalled past its lease and another worker took the job over), `lost` is set; the worker's completion then finds
the same and records nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from scanner.daemon.log import event
from scanner.store.engine import db_errors
from scanner.store.host_workers import HostWorkers
from scanner.store.store import Store
from scanner.store.work_queue import Job, WorkQueue

Beat = Callable[[HostWorkers], None]  # writes the worker's heartbeat row through the keeper's connection


class LeaseKeeper:
    """Renews ``job``'s lease (held by ``host``'s ``worker``) every ``every`` seconds until `stop`."""

    def __init__(self, db: Path | str, job: Job, host: str, worker: str, *, lease_seconds: float, every: float,
                 beat: Beat | None = None) -> None:  # fmt: skip
        self.lost = False
        self._stop = threading.Event()
        self._args = (db, job.id, host, worker, lease_seconds, every, beat)
        self._thread = threading.Thread(target=self._run, name=f"lease-{job.id}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        db, job_id, host, worker, lease_seconds, every, beat = self._args
        if self._stop.wait(every):
            return  # the scan ended first: no connection opened
        with Store(db, host=host) as store:
            work, beats = WorkQueue(store), HostWorkers(store)
            while True:
                try:
                    if not work.renew(job_id, worker, time.time(), lease_seconds):
                        self.lost = True
                        event("lease_lost", "warning", worker=worker, job=job_id, action="left to its new worker")
                        return
                    if beat is not None:
                        beat(beats)
                except db_errors() as exc:  # a busy database: the next turn tries again, well within the lease
                    event("lease_renew_error", "warning", worker=worker, job=job_id, error=exc)
                if self._stop.wait(every):
                    return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
