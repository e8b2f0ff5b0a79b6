"""What the dashboard shows: the database's counts, the watch daemon's heartbeat and work queue, and every host
writing to the store (on PostgreSQL, many file servers: each one's daemon alive, queue, files/s, errors)."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.store.daemon_status import DaemonStatus, DaemonStatusStore, is_alive
from scanner.store.hosts import HostStatus, HostStatusStore
from scanner.store.review import Dashboard, ReviewQueries
from scanner.store.store import Store
from scanner.store.work_queue import QueueDepth, WorkQueue

HEARTBEAT_SECONDS = 5.0  # as `custos status` judges it: alive while the heartbeat is under 15 s old
HOST_ALIVE_SECONDS = 3 * HEARTBEAT_SECONDS  # a host is alive while one of its heartbeats is this recent
PROBLEM_LIMIT = 200


@dataclass(frozen=True)
class DaemonView:
    """The daemon's own status row (None if none ever ran), whether it is alive, and the work queue."""

    status: DaemonStatus | None
    alive: bool
    depth: QueueDepth
    now: float


@dataclass(frozen=True)
class DashboardView:
    """One read of everything the dashboard shows."""

    counts: Dashboard
    daemon: DaemonView
    hosts: list[HostStatus]


def read_dashboard(store: Store, now: float) -> DashboardView:
    status = DaemonStatusStore(store).read()
    depth = WorkQueue(store).depth(now)
    daemon = DaemonView(status, is_alive(status, now, HEARTBEAT_SECONDS), depth, now)
    counts = ReviewQueries(store).dashboard(problem_limit=PROBLEM_LIMIT)
    return DashboardView(counts, daemon, read_hosts(store, now))


def read_hosts(store: Store, now: float) -> list[HostStatus]:
    """Every host writing to the store, by id."""
    return HostStatusStore(store).hosts(now, HOST_ALIVE_SECONDS)
