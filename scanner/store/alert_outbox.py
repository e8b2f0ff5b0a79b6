"""The alert outbox: zone-violation alerts waiting for a channel, so none is lost to an outage or a restart.

One row per (violation, channel): submitting the same violation again changes nothing. Any process may add rows
(a daemon worker records violations, the daemon's main process delivers them); a deliverer claims a row by
moving its `next_at` past a short lease in one statement, so two deliverers never send the same row at once.
Payloads hold masked values only. Times are `time.time()` floats supplied by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scanner.states import OutboxState
from scanner.store.store import Store

CLAIM_LEASE_SECONDS = 120.0  # a claimed row whose deliverer died is tried again after this


@dataclass(frozen=True)
class OutboxEntry:
    """One alert for one channel. `payload` is the JSON of an `AlertMessage` (masked)."""

    id: int
    violation_id: int
    channel: str
    state: str
    payload: str
    created_at: float
    next_at: float
    attempts: int
    last_error: str | None
    sent_at: float | None


_COLUMNS = "id, violation_id, channel, state, payload, created_at, next_at, attempts, last_error, sent_at"


class AlertOutbox:
    """Commands and queries over `alert_outbox`; shares the store's connection (one per thread)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._db = store.connection  # its table is created with the rest of the schema (scanner.store.schema)

    def add(self, violation_id: int, channels: Iterable[str], payload: str, now: float) -> int:
        """Queue the alert for each channel it has not been queued for yet; how many rows were added."""
        with self._store.transaction():
            added = 0
            for channel in channels:
                cursor = self._db.execute(
                    "INSERT INTO alert_outbox(violation_id, channel, payload, created_at, next_at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT(violation_id, channel) DO NOTHING",
                    (violation_id, str(channel), payload, now, now),
                )
                added += cursor.rowcount
            return added

    def due(self, now: float, channels: Iterable[str], limit: int = 50) -> list[OutboxEntry]:
        """Pending rows of these channels whose time has come, oldest first (not claimed: see `claim`)."""
        names = [str(c) for c in channels]
        if not names:
            return []
        marks = ", ".join("?" * len(names))
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM alert_outbox WHERE state = ? AND next_at <= ? AND channel IN ({marks})"
            " ORDER BY next_at, id LIMIT ?",
            (OutboxState.PENDING, now, *names, limit),
        ).fetchall()
        return [_entry(r) for r in rows]

    def next_due_at(self, channels: Iterable[str]) -> float | None:
        """When the earliest pending row of these channels is due; None when none is pending."""
        names = [str(c) for c in channels]
        if not names:
            return None
        marks = ", ".join("?" * len(names))
        row = self._db.execute(
            f"SELECT min(next_at) FROM alert_outbox WHERE state = ? AND channel IN ({marks})",
            (OutboxState.PENDING, *names),
        ).fetchone()
        return row[0]

    def claim(self, entry: OutboxEntry, now: float) -> bool:
        """Take the row for one delivery attempt; False if another deliverer took it first."""
        cursor = self._db.execute(
            "UPDATE alert_outbox SET next_at = ? WHERE id = ? AND state = ? AND next_at = ?",
            (now + CLAIM_LEASE_SECONDS, entry.id, OutboxState.PENDING, entry.next_at),
        )
        return cursor.rowcount == 1

    def mark_sent(self, entry_id: int, now: float) -> None:
        self._db.execute(
            "UPDATE alert_outbox SET state = ?, sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
            (OutboxState.SENT, now, entry_id),
        )

    def retry_at(self, entry_id: int, when: float, error: str) -> None:
        """An attempt failed: try again at `when`; `error` must already be masked."""
        self._db.execute(
            "UPDATE alert_outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?",
            (when, error, entry_id),
        )

    def give_up(self, entry_id: int, error: str) -> None:
        """Retried for retry_max_s without success (or the channel is gone): kept as failed, for the operator."""
        self._db.execute(
            "UPDATE alert_outbox SET state = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
            (OutboxState.FAILED, error, entry_id),
        )

    def requeue_failed(self, now: float) -> int:
        """Put every failed row back in the queue (`custos alerts outbox --retry`); how many."""
        cursor = self._db.execute(
            "UPDATE alert_outbox SET state = ?, next_at = ?, created_at = ? WHERE state = ?",
            (OutboxState.PENDING, now, now, OutboxState.FAILED),
        )
        return cursor.rowcount

    def entries(self, states: Iterable[str] = (OutboxState.PENDING, OutboxState.FAILED)) -> list[OutboxEntry]:
        """Rows in these states, oldest first."""
        names = [str(s) for s in states]
        marks = ", ".join("?" * len(names))
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM alert_outbox WHERE state IN ({marks}) ORDER BY created_at, id", names
        ).fetchall()
        return [_entry(r) for r in rows]

    def counts(self) -> dict[str, int]:
        """Rows by state."""
        return dict(self._db.execute("SELECT state, count(*) FROM alert_outbox GROUP BY state").fetchall())


def _entry(row) -> OutboxEntry:
    return OutboxEntry(*tuple(row))
