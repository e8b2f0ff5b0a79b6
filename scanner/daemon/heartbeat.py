"""The daemon's heartbeat: its status row, written every few seconds from a thread of its own.

The main loop may be busy for a while (a burst of 49,000 deletions, a walk of a large share); the heartbeat
does not wait for it, so a busy daemon never looks dead. It is not blind either: the main loop reports
progress as it works, and a loop that makes none for `stall_after` seconds stops the heartbeat (logged as
`event=stalled`), so a wedged daemon does not look alive in `custos status`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from scanner.daemon.log import event
from scanner.store.daemon_status import DaemonStatusStore
from scanner.store.engine import db_errors
from scanner.store.hosts import HostStatusStore
from scanner.store.store import Store
from scanner.store.work_queue import WorkQueue

Snapshot = Callable[[], dict[str, object]]  # what the main loop knows: state, last event, errors, watch modes


def status_values(store: Store, work: WorkQueue, started: float, known: dict[str, object]) -> dict[str, object]:
    """The status row's columns now: the main loop's `known` fields and what the database says."""
    now = time.time()
    depth = work.depth(now)
    scanned = store.scanned_since(started)
    return {**known, "heartbeat_at": now, "queue_depth": depth.queued + depth.running, "files_scanned": scanned,
            "files_per_s": round(scanned / max(now - started, 1e-6), 2)}  # fmt: skip


def beat_host(hosts: HostStatusStore, values: dict[str, object], started: float) -> None:
    """The daemon's row among its host's workers (the dashboard's list of hosts), from the status row's values."""
    hosts.beat_daemon(pid=os.getpid(), state=str(values["state"]), started_at=started,
                      now=float(values["heartbeat_at"]), files_done=int(values["files_scanned"]),
                      errors=int(values.get("errors") or 0), queue_depth=int(values["queue_depth"]))  # fmt: skip


def publish_progress(status: DaemonStatusStore, store: Store, work: WorkQueue) -> None:
    """Bring the running daemon's counters (files scanned, rate, queue) up to date now: a worker calls it after
    each file, so a scan's end shows at once and not up to a heartbeat later. Liveness stays the heartbeat's."""
    current = status.read()
    if current is None or current.started_at is None:
        return
    counters = status_values(store, work, current.started_at, {})
    del counters["heartbeat_at"]
    try:
        status.update(**counters)
    except db_errors() as exc:  # busy: the next heartbeat writes them
        event("status_error", "warning", error=exc)


class Heartbeat:
    """Writes the status row every `interval` seconds with its own connection while the main loop progresses."""

    def __init__(self, db: Path, interval: float, started: float, snapshot: Snapshot,
                 progress_at: Callable[[], float], stall_after: float) -> None:  # fmt: skip
        self.db, self.interval, self.started = db, interval, started
        self.snapshot, self.progress_at, self.stall_after = snapshot, progress_at, stall_after
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop beating; the caller writes the final state itself."""
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        with Store(self.db) as store:
            status, work, hosts = DaemonStatusStore(store), WorkQueue(store), HostStatusStore(store)
            stalled = False
            while not self._stop.wait(self.interval):
                idle = time.monotonic() - self.progress_at()
                if idle > self.stall_after:
                    if not stalled:
                        event("stalled", "error", seconds=round(idle), action="heartbeat withheld until it moves")
                    stalled = True
                    continue
                if stalled:
                    event("resumed", "warning", action="heartbeat resumed")
                    stalled = False
                try:
                    values = status_values(store, work, self.started, self.snapshot())
                    status.update(**values)
                    beat_host(hosts, values, self.started)
                except db_errors() as exc:  # a busy or full database: try again next beat
                    event("heartbeat_error", "warning", error=exc)
