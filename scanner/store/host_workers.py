"""Heartbeats per host and worker (`host_workers`): what each host's daemon and scan workers last reported.

Every process of a `custos watch` beats its own row, keyed by (host, worker): the daemon's main process as
"daemon", its scan workers by name ("worker-1", ...). A reader judges liveness by the age of `heartbeat_at`
(`alive`); a worker that died keeps its last row, so the dashboard can say which one stopped beating and when,
until `prune` removes rows older than a given age. Times are `time.time()` floats.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from scanner.states import ScanWorkerState
from scanner.store.store import Store

_COLUMNS = "host, worker, pid, state, started_at, heartbeat_at, files_done, errors, queue_depth"
_UPSERT_SQL = (
    f"INSERT INTO host_workers({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(host, worker) DO UPDATE SET pid = excluded.pid, state = excluded.state,"
    " started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at,"
    " files_done = excluded.files_done, errors = excluded.errors, queue_depth = excluded.queue_depth"
)


def upsert_beat(db, host: str, worker: str, pid: int, state: str, started_at: float, now: float,  # noqa: ANN001
                files_done: int, errors: int, queue_depth: int | None) -> None:  # fmt: skip
    """One row of host_workers as of this beat: the scan workers' (HostWorkers.beat) and the daemon's
    (scanner/store/hosts.py) alike."""
    db.execute(_UPSERT_SQL, (host, worker, pid, state, started_at, now, files_done, errors, queue_depth))


@dataclass(frozen=True)
class WorkerBeat:
    """One worker's last heartbeat."""

    host: str
    worker: str
    pid: int | None
    state: str | None
    started_at: float | None
    heartbeat_at: float | None
    files_done: int
    errors: int
    queue_depth: int | None

    @property
    def files_per_s(self) -> float | None:
        """Files done per second over the worker's life so far."""
        if self.started_at is None or self.heartbeat_at is None:
            return None
        return round(self.files_done / max(self.heartbeat_at - self.started_at, 1e-6), 2)


class HostWorkers:
    """Beat this host's worker rows and read every host's; shares the store's connection (one statement each)."""

    def __init__(self, store: Store) -> None:
        self._db = store.connection  # its table is created with the rest of the schema (scanner.store.schema)
        self.host = store.host

    def beat(self, worker: str, *, state: ScanWorkerState, pid: int, files_done: int, errors: int,
             queue_depth: int | None, started_at: float, now: float | None = None) -> None:  # fmt: skip
        """Upsert this host's row of ``worker`` with its counters and the time of this beat; the host is seen now."""
        if state not in tuple(ScanWorkerState):
            raise ValueError(f"worker state must be one of {', '.join(ScanWorkerState)}, not {state!r}")
        now = time.time() if now is None else now
        upsert_beat(self._db, self.host, worker, pid, str(state), started_at, now, files_done, errors, queue_depth)
        seen = datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        self._db.execute("UPDATE hosts SET last_seen = ? WHERE id = ? AND last_seen < ?", (seen, self.host, seen))

    def alive(self, within_s: float, now: float | None = None, *, host: str | None = None) -> list[WorkerBeat]:
        """Workers (of every host, or of ``host``) that beat in the last ``within_s`` seconds and did not stop."""
        now = time.time() if now is None else now
        where = "heartbeat_at >= ? AND state <> ?"
        return self._read(where, (now - within_s, str(ScanWorkerState.STOPPED)), host)

    def all(self, *, host: str | None = None) -> list[WorkerBeat]:
        """Every row kept, dead workers' included, by host and worker."""
        return self._read("1 = 1", (), host)

    def prune(self, older_than_s: float, now: float | None = None) -> int:
        """Forget rows (of any host) whose last beat is older than ``older_than_s``; returns how many."""
        now = time.time() if now is None else now
        cur = self._db.execute("DELETE FROM host_workers WHERE heartbeat_at < ?", (now - older_than_s,))
        return cur.rowcount

    def _read(self, where: str, params: tuple[object, ...], host: str | None) -> list[WorkerBeat]:
        if host is not None:
            where, params = f"{where} AND host = ?", (*params, host)
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM host_workers WHERE {where} ORDER BY host, worker", params)
        return [WorkerBeat(*row) for row in rows]
