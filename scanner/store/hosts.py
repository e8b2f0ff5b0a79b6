"""Every host writing to this store and how it is doing: `hosts` (who) and `host_workers` (heartbeats).

The dashboard reads one `HostStatus` per host: alive (a heartbeat within the given time), its workers alive, its
queue depth (work_queue, this host's rows), files/s and errors (the daemon's own row) and when it was last seen.
The daemon's heartbeat thread writes the row of worker `DAEMON_WORKER` (`beat_daemon`); the scan workers' own
rows come from the work queue's `HostWorkers`. Host ids are not personal data; nothing here holds a path.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.states import DaemonState, Engine, JobState
from scanner.store.host_workers import upsert_beat
from scanner.store.store import Store, utc_now

_ENDED = (DaemonState.STOPPED, DaemonState.CRASHED)  # a last beat saying so: not alive, however recent
DAEMON_WORKER = "daemon"  # the main process's row in host_workers; the scan workers are worker-1, worker-2 …


@dataclass(frozen=True)
class HostStatus:
    """One host as the dashboard shows it."""

    host: str
    alive: bool
    state: str | None  # the daemon's state (running, stopped …); None if no daemon ever beat
    workers_alive: int  # scan workers with a heartbeat within the time
    queue_depth: int  # queued + running jobs of this host
    files_done: int  # files scanned since its daemon started
    files_per_s: float | None
    errors: int
    last_seen: float | None  # the newest heartbeat of any of its workers (epoch seconds)


_BEATS_SQL = (
    "SELECT host, MAX(heartbeat_at) AS last_seen,"
    " SUM(CASE WHEN worker <> ? AND heartbeat_at >= ? AND state <> ? THEN 1 ELSE 0 END) AS workers_alive,"
    " SUM(errors) AS errors FROM host_workers GROUP BY host"
)
_DAEMONS_SQL = "SELECT host, state, heartbeat_at, started_at, files_done FROM host_workers WHERE worker = ?"
_QUEUED_SQL = "SELECT host, COUNT(*) FROM work_queue WHERE state IN (?, ?) GROUP BY host"


class HostStatusStore:
    """Reads every host's status; writes the daemon's own heartbeat row. Shares the store's connection."""

    def __init__(self, store: Store) -> None:
        self._db = store.connection
        self.host = store.host

    def beat_daemon(self, *, pid: int, state: str, started_at: float, now: float, files_done: int, errors: int,
                    queue_depth: int) -> None:  # fmt: skip
        """This host's daemon is alive: its row in host_workers, and the host's last_seen."""
        upsert_beat(self._db, self.host, DAEMON_WORKER, pid, state, started_at, now, files_done, errors, queue_depth)
        self._db.execute("UPDATE hosts SET last_seen = ? WHERE id = ?", (utc_now(), self.host))

    def hosts(self, now: float, alive_within_s: float) -> list[HostStatus]:
        """Every host that scanned into the store or runs a daemon on it, by id (a reviewer's machine, which only
        reads and decides, is not listed)."""
        since = now - alive_within_s
        beats = {row["host"]: row for row in self._db.execute(_BEATS_SQL, (DAEMON_WORKER, since, DaemonState.STOPPED))}
        daemons = {row["host"]: row for row in self._db.execute(_DAEMONS_SQL, (DAEMON_WORKER,))}
        queued = dict(self._db.execute(_QUEUED_SQL, (JobState.QUEUED, JobState.RUNNING)).fetchall())
        if self._db.dialect is Engine.SQLITE:  # one host per SQLite file: every job is its own
            queued = {self.host: sum(queued.values())}
        scanned = [row[0] for row in self._db.execute("SELECT DISTINCT host FROM scan_runs")]
        return [self._status(h, beats.get(h), daemons.get(h), int(queued.get(h, 0)), since)
                for h in sorted({*scanned, *beats} - {''})]  # fmt: skip

    @staticmethod
    def _status(host: str, beat, daemon, queue_depth: int, since: float) -> HostStatus:  # noqa: ANN001
        last_seen = beat["last_seen"] if beat is not None else None
        rate, state = None, daemon["state"] if daemon is not None else None
        if daemon is not None and daemon["started_at"] is not None and daemon["heartbeat_at"] is not None:
            rate = round(daemon["files_done"] / max(daemon["heartbeat_at"] - daemon["started_at"], 1e-6), 2)
        return HostStatus(
            host=host,
            alive=last_seen is not None and last_seen >= since and state not in _ENDED,
            state=state,
            workers_alive=int(beat["workers_alive"] or 0) if beat is not None else 0,
            queue_depth=queue_depth,
            files_done=int(daemon["files_done"]) if daemon is not None else 0,
            files_per_s=rate,
            errors=int(beat["errors"] or 0) if beat is not None else 0,
            last_seen=last_seen,
        )
