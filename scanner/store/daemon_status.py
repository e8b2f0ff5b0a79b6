"""What the running `custos watch` daemon reports about itself, for `custos status` and the TUI.

One row per daemon instance; the daemon upserts it on every heartbeat, readers judge liveness by its age.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields

from scanner.states import DAEMON_STATES, LIVE_DAEMON_STATES, Engine
from scanner.store.store import Store


@dataclass(frozen=True)
class DaemonStatus:
    id: str
    pid: int | None
    host: str | None
    started_at: float | None
    heartbeat_at: float | None
    state: str | None
    roots: tuple[str, ...]
    workers: int | None
    last_event_at: float | None
    queue_depth: int | None
    files_scanned: int
    files_per_s: float | None
    errors: int
    last_error: str | None
    version: str | None
    watch: dict[str, str]  # root → "inotify", "polling (inotify unavailable: …)", "inotify; 2 folders polled (…)"


COLUMNS = tuple(f.name for f in fields(DaemonStatus) if f.name != "id")


class DaemonStatusStore:
    """Upsert and read one daemon instance's status row; shares the store's connection."""

    def __init__(self, store: Store, instance_id: str | None = None) -> None:
        self._db = store.connection  # its table is created with the rest of the schema (scanner.store.schema)
        # one daemon per SQLite file ('main'); on PostgreSQL one per host: this host's row
        self.instance_id = instance_id or ("main" if store.dialect is Engine.SQLITE else store.host)

    def update(self, **values: object) -> None:
        """Set the given columns (others keep their value), creating the row if needed; one statement."""
        unknown = set(values) - set(COLUMNS)
        if unknown:
            raise ValueError(f"unknown daemon status field(s): {', '.join(sorted(unknown))}")
        if "state" in values and values["state"] not in DAEMON_STATES:
            raise ValueError(f"daemon state must be one of {', '.join(DAEMON_STATES)}, not {values['state']!r}")
        if "roots" in values:
            values["roots"] = json.dumps([str(r) for r in values["roots"]])  # type: ignore[union-attr]
        if "watch" in values:
            values["watch"] = json.dumps(values["watch"], ensure_ascii=False)
        names = list(values)
        sets = ", ".join(f"{n} = excluded.{n}" for n in names)
        self._db.execute(
            f"INSERT INTO daemon_status(id{''.join(', ' + n for n in names)}) VALUES (?{', ?' * len(names)})"
            f" ON CONFLICT(id) DO {f'UPDATE SET {sets}' if sets else 'NOTHING'}",
            (self.instance_id, *values.values()),
        )

    def read(self) -> DaemonStatus | None:
        row = self._db.execute("SELECT * FROM daemon_status WHERE id = ?", (self.instance_id,)).fetchone()
        if row is None:
            return None
        data = {name: row[name] for name in ("id", *COLUMNS)}
        data["roots"] = tuple(json.loads(data["roots"]))
        data["watch"] = json.loads(data["watch"])
        return DaemonStatus(**data)


def is_alive(status: DaemonStatus | None, now: float, heartbeat_seconds: float) -> bool:
    """A daemon in a live state whose last heartbeat is no older than three heartbeat intervals."""
    return (
        status is not None
        and status.state in LIVE_DAEMON_STATES
        and status.heartbeat_at is not None
        and now - status.heartbeat_at <= 3 * heartbeat_seconds
    )
