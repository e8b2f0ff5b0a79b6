"""Moving a SQLite store into PostgreSQL (`custos db migrate`): every table copied with its ids, in one
transaction, identity sequences moved past the copied ids, row counts compared; only into an empty database.

The audit log of a SQLite store is a file beside it; in PostgreSQL the company's chain lives in `audit_chain`
itself. The caller (scanner.cli_db_migrate) verifies the log and hands its records over as `AuditHistory`; they
become the first records of the chain, signed as they were, with the SQLite host's public key registered so
`custos audit verify` checks them as every later host's records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from scanner.i18n import _
from scanner.store.dialect import ddl_statements
from scanner.store.engine import DatabaseTarget, connect
from scanner.store.migrations import columns, has_table, stored_version, upgrade
from scanner.store.postgres import WRITE_LOCK_KEY
from scanner.store.schema import DDL, SCHEMA_VERSION
from scanner.store.store import utc_now

BATCH = 5000  # rows read from SQLite at a time


class CopyError(RuntimeError):
    """The store cannot be moved; the target was left as it was (empty)."""


@dataclass(frozen=True)
class AuditHistory:
    """The SQLite store's verified audit log: its host, that host's public key, and its records with their text."""

    host: str
    signing_key_id: str | None
    public_key_pem: str | None
    records: Iterable[tuple[dict[str, Any], str]]


def table_order() -> list[str]:
    """The schema's tables in definition order: a table is defined after the tables it references."""
    names = []
    for statement in ddl_statements(DDL):
        if statement.startswith("CREATE TABLE"):
            names.append(statement.split("(")[0].split()[-1])
    return names


def copy_sqlite_to_postgresql(source: DatabaseTarget, target: DatabaseTarget, audit: AuditHistory) -> dict[str, int]:
    """Copy every row of ``source`` (a SQLite store at this Custos's schema) into ``target`` (an empty PostgreSQL
    database); the rows copied per table. Raises CopyError, leaving the target without rows."""
    src = connect(source)
    try:
        dst = connect(target)
    except BaseException:
        src.close()
        raise
    try:
        if stored_version(src) != SCHEMA_VERSION:
            raise CopyError(
                _("{db} is not at schema {version}: open it with this Custos first").format(
                    db=source.shown, version=SCHEMA_VERSION
                )
            )
        _refuse_non_empty(dst, target)
        upgrade(dst)  # the tables, committed: a failed copy leaves an empty database that can be migrated into again
        src.execute("BEGIN")  # one snapshot of the source, however long the copy takes
        dst.execute("BEGIN")
        dst.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK_KEY,))
        try:
            _refuse_non_empty(dst, target)  # another migration may have filled it meanwhile
            copied = _copy_tables(src, dst)
            copied["audit_chain"] = _copy_audit(src, dst, audit)
            _advance_identities(dst)
            _compare_counts(src, dst)
        except BaseException:
            dst.execute("ROLLBACK")
            raise
        dst.execute("COMMIT")
        src.execute("ROLLBACK")  # only read
        return copied
    finally:
        src.close()
        dst.close()


def _refuse_non_empty(dst: Any, target: DatabaseTarget) -> None:
    version = stored_version(dst)
    if version is not None and version != SCHEMA_VERSION:
        raise CopyError(
            _("{db} already holds a Custos database (schema {version}): migrate into an empty one").format(
                db=target.shown, version=version
            )
        )
    filled = [t for t in table_order() if t != "meta" and has_table(dst, t) and _count(dst, t)]
    if filled:
        raise CopyError(
            _(
                "{db} is not empty (rows in {tables}): migrate only into a new, empty database; nothing was copied"
            ).format(db=target.shown, tables=", ".join(filled))
        )


def _copy_tables(src: Any, dst: Any) -> dict[str, int]:
    copied = {}
    for table in table_order():
        if table == "audit_chain":
            continue  # from the log (its records), below
        names = [c for c in columns(src, table) if c in set(columns(dst, table))]
        where = " WHERE key <> 'schema_version'" if table == "meta" else ""
        rows = src.execute(f"SELECT {', '.join(_quoted(names))} FROM {table}{where}")
        with dst.raw.cursor().copy(f"COPY {table} ({', '.join(_quoted(names))}) FROM STDIN") as copy:
            count = 0
            while batch := rows.fetchmany(BATCH):
                for row in batch:
                    copy.write_row(tuple(row))
                count += len(batch)
        copied[table] = count
    return copied


def _copy_audit(src: Any, dst: Any, audit: AuditHistory) -> int:
    """The log's records become the chain's first rows, as the SQLite host's; its key is registered for it."""
    recorded = {int(r[0]): str(r[1]) for r in src.execute("SELECT seq, recorded_at FROM audit_chain")}
    rows = (
        (record["seq"], record["hash"], record["event"], _action_id(record),
         recorded.get(record["seq"], record["time"]), audit.host, text)
        for record, text in audit.records
    )  # fmt: skip
    dst.executemany(
        "INSERT INTO audit_chain(seq, hash, event, action_id, recorded_at, host, record) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    count = int(dst.execute("SELECT count(*) FROM audit_chain").fetchone()[0])
    if count and audit.public_key_pem is None:
        raise CopyError(_("the audit log has records but its public key was not found: nothing was copied"))
    if audit.public_key_pem is not None:
        now = utc_now()
        dst.execute("INSERT OR IGNORE INTO hosts(id, first_seen, last_seen) VALUES (?, ?, ?)", (audit.host, now, now))
        dst.execute(
            "UPDATE hosts SET signing_key_id = ?, public_key = ? WHERE id = ?",
            (audit.signing_key_id, audit.public_key_pem, audit.host),
        )
    return count


def _action_id(record: dict[str, Any]) -> int | None:
    value = record.get("action_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _advance_identities(dst: Any) -> None:
    """Each identity column's sequence moved past the largest copied id: new rows never collide with old ones."""
    identities = dst.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES'"
    ).fetchall()
    for table, column in identities:
        top = dst.execute(f"SELECT max({column}) FROM {table}").fetchone()[0]
        if top is not None:
            dst.execute("SELECT setval(pg_get_serial_sequence(?, ?), ?)", (table, column, int(top)))


def _compare_counts(src: Any, dst: Any) -> None:
    """Every table holds as many rows as the source's (meta: but the schema version each has of its own), and the
    chain holds every seal the source's database remembered."""
    for table in table_order():
        if table == "audit_chain":
            remembered = {(int(r[0]), str(r[1])) for r in src.execute("SELECT seq, hash FROM audit_chain")}
            chain = {(int(r[0]), str(r[1])) for r in dst.execute("SELECT seq, hash FROM audit_chain")}
            if not remembered <= chain:
                raise CopyError(_("the audit chain lacks records the SQLite database remembers; nothing was copied"))
            continue
        expected, found = _count(src, table), _count(dst, table)
        if found != expected:
            raise CopyError(
                _("{table}: {expected} rows in the source but {found} in the target; nothing was copied").format(
                    table=table, expected=expected, found=found
                )
            )


def _count(db: Any, table: str) -> int:
    return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _quoted(names: list[str]) -> list[str]:
    return [f'"{n}"' for n in names]
