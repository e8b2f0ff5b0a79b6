"""The company's one audit chain in a shared (PostgreSQL) store: every host's signed records kept whole in
`audit_chain`, appended one at a time under an advisory lock, and every host's audit public key in `hosts`.

On SQLite the records live in the log file and `audit_chain` only remembers their seals (`AuditChain`); on
PostgreSQL there is no file every host could append to, so the table holds the records themselves (`record`,
the canonical JSON the signature covers, and `host`, whose registered key signed it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from scanner.store.engine import connect
from scanner.store.store import Store, utc_now

AUDIT_LOCK_KEY = 0x637573746F7361  # "custosa": held while a record is appended, so the chain never forks
PAGE = 2000  # rows read per query when streaming the chain: memory stays flat for any length


@dataclass(frozen=True)
class ChainRow:
    """One stored record and the columns kept beside it for queries (they must agree with the record)."""

    seq: int
    hash: str
    event: str
    host: str | None
    record: str | None


class SharedAuditChain:
    """The `audit_chain` table as the audit chain itself. Appends use the store's connection; reads open their own,
    so a verify can run in the review UI's worker thread."""

    def __init__(self, store: Store) -> None:
        self._db = store.connection
        self.target = store.target
        self.host = store.host

    def append(self, build: Callable[[tuple[int, str] | None], tuple[dict[str, Any], str]]) -> dict[str, Any]:
        """Add the record ``build`` makes from the newest (seq, hash), both under the chain's lock: appends from
        every host are serialized, and each follows the one before it. ``build`` gives the record and its text
        (the canonical JSON its hash covers), which is stored as it is."""
        self._db.execute("BEGIN")
        try:
            self._db.execute("SELECT pg_advisory_xact_lock(?)", (AUDIT_LOCK_KEY,))
            record, text = build(self._head(self._db))
            action_id = record.get("action_id")
            self._db.execute(
                "INSERT INTO audit_chain(seq, hash, event, action_id, recorded_at, host, record)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (record["seq"], record["hash"], record["event"], action_id if isinstance(action_id, int) else None,
                 utc_now(), self.host, text),
            )  # fmt: skip
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return record

    def head(self) -> tuple[int, str] | None:
        """(seq, hash) of the newest record."""
        with self._reader() as db:
            return self._head(db)

    # The three checks an appender makes first run on the store's connection: no new connection per append.
    def hash_at(self, seq: int) -> str | None:
        row = self._db.execute("SELECT hash FROM audit_chain WHERE seq = ?", (seq,)).fetchone()
        return None if row is None else str(row[0])

    def has_records_of(self, host: str) -> bool:
        return self._db.execute("SELECT 1 FROM audit_chain WHERE host = ? LIMIT 1", (host,)).fetchone() is not None

    def key_of(self, host: str) -> tuple[str | None, str] | None:
        """``host``'s registered (signing_key_id, public key PEM), or None."""
        row = self._db.execute("SELECT signing_key_id, public_key FROM hosts WHERE id = ?", (host,)).fetchone()
        return None if row is None or row[1] is None else (row[0], str(row[1]))

    def rows(self) -> Iterator[ChainRow]:
        """Every record in seq order, read a page at a time."""
        after = None
        with self._reader() as db:
            while True:
                where = "" if after is None else "WHERE seq > ? "
                page = db.execute(
                    f"SELECT seq, hash, event, host, record FROM audit_chain {where}ORDER BY seq LIMIT ?",
                    (PAGE,) if after is None else (after, PAGE),
                ).fetchall()
                for row in page:
                    yield ChainRow(int(row[0]), str(row[1]), str(row[2]), row[3], row[4])
                if len(page) < PAGE:
                    return
                after = int(page[-1][0])

    def registered_keys(self) -> dict[str, tuple[str | None, str]]:
        """Each host's registered audit key: host -> (signing_key_id, public key PEM)."""
        with self._reader() as db:
            rows = db.execute("SELECT id, signing_key_id, public_key FROM hosts WHERE public_key IS NOT NULL")
            return {str(r[0]): (r[1], str(r[2])) for r in rows}

    def register_key(self, host: str, signing_key_id: str, public_key_pem: str) -> tuple[str | None, str]:
        """Register ``host``'s audit public key unless one already is; the key registered afterwards."""
        now = utc_now()
        self._db.execute("INSERT OR IGNORE INTO hosts(id, first_seen, last_seen) VALUES (?, ?, ?)", (host, now, now))
        self._db.execute(
            "UPDATE hosts SET signing_key_id = ?, public_key = ? WHERE id = ? AND public_key IS NULL",
            (signing_key_id, public_key_pem, host),
        )
        row = self._db.execute("SELECT signing_key_id, public_key FROM hosts WHERE id = ?", (host,)).fetchone()
        return row[0], str(row[1])

    def executed_action_ids(self) -> set[int]:
        """Actions the database says were executed: each must have its ``executed`` record in the chain."""
        with self._reader() as db:
            return {int(r[0]) for r in db.execute("SELECT id FROM actions WHERE state = 'executed'")}

    @staticmethod
    def _head(db: Any) -> tuple[int, str] | None:
        row = db.execute("SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1").fetchone()
        return (int(row[0]), str(row[1])) if row else None

    @contextlib.contextmanager
    def _reader(self) -> Iterator[Any]:
        db = connect(self.target)
        try:
            yield db
        finally:
            db.close()
