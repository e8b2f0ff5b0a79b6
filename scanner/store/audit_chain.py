"""What the database remembers of the audit log: each record's seq and hash, written as the record is appended.

A log cut short, emptied, deleted or rewritten (even re-signed with the right key) no longer holds what the
database remembers, so ``custos audit verify`` can tell.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any

from scanner.store.store import Store, utc_now


class AuditChain:
    """The ``audit_chain`` table. Writes share the store's connection; reads open their own, so a verify can
    run in a worker thread (the review UI's) while the store's connection stays with its thread."""

    def __init__(self, store: Store) -> None:
        self._db = store.connection
        self._path = store.path

    def remember(self, record: dict[str, Any]) -> None:
        """Note a record just appended to the log. A seq already known keeps its first hash: a rewritten log
        must not be able to overwrite what the database remembers."""
        action_id = record.get("action_id")
        self._db.execute(
            "INSERT INTO audit_chain(seq, hash, event, action_id, recorded_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(seq) DO NOTHING",
            (record["seq"], record["hash"], record["event"], action_id if isinstance(action_id, int) else None,
             utc_now()),
        )  # fmt: skip

    def head(self) -> tuple[int, str] | None:
        """(seq, hash) of the newest record the database knows of."""
        with self._reader() as db:
            row = db.execute("SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1").fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def known(self) -> Iterator[tuple[int, str]]:
        with self._reader() as db:
            for row in db.execute("SELECT seq, hash FROM audit_chain ORDER BY seq"):
                yield int(row[0]), str(row[1])

    def executed_action_ids(self) -> set[int]:
        """Actions the database says were executed: each must have its ``executed`` record in the log."""
        with self._reader() as db:
            return {int(r[0]) for r in db.execute("SELECT id FROM actions WHERE state = 'executed'")}

    @contextlib.contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self._path, timeout=30)
        try:
            yield db
        finally:
            db.close()
