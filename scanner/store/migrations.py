"""Creating the database and upgrading an older one to the current schema, run when a `Store` opens it.

`bring_up_to_date` is the one place that writes the schema. A database already at SCHEMA_VERSION is only read
(one query), so opening it writes nothing: read-only commands and the TUI's periodic re-reads leave it as it was.
To add a table, add it to `schema.DDL`; to add a column to a table, add it to `DDL` and to `ADDED_COLUMNS` under
a new SCHEMA_VERSION. Anything else (a rebuilt table, converted rows) is a function here, called below.

Schema 3 gives archive members a column of their own (`member`): before, a member was the row
"a.zip:inner/b.csv", which a real file of that name (legal on Linux shares) would overwrite. SQLite cannot change
a UNIQUE constraint in place, so `files` and `suppressions` are rebuilt (the documented 12-step procedure: foreign
keys off, new table, copy, drop, rename, check), in one transaction.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from scanner.store.schema import ADDED_COLUMNS, DDL, SCHEMA_VERSION


class MigrationError(RuntimeError):
    """The database could not be upgraded; it is left as it was."""


class SchemaTooNew(MigrationError):
    """The database was written by a newer Custos; nothing was changed."""

    def __init__(self, version: int) -> None:
        super().__init__(f"database schema {version} is newer than this Custos ({SCHEMA_VERSION}); upgrade")
        self.version = version


def stored_version(db: sqlite3.Connection) -> int | None:
    """The schema version recorded in the database; None for a new (or foreign, table-less) one."""
    if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone() is None:
        return None
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return None if row is None else int(row[0])


def bring_up_to_date(db: sqlite3.Connection) -> None:
    """Create every table of a new database, or upgrade an older one; a current one is only read.

    Under one write lock (BEGIN IMMEDIATE), so processes opening a new database together (the daemon and its
    workers) create it once. The version is recorded last: an upgrade cut short is run again on the next open.
    """
    version = stored_version(db)
    if version == SCHEMA_VERSION:
        return
    if version is not None and version > SCHEMA_VERSION:
        raise SchemaTooNew(version)
    with _write_lock(db):
        version = stored_version(db)  # another process may have done it while this one waited
        if version == SCHEMA_VERSION:
            return
        if version is not None and version > SCHEMA_VERSION:
            raise SchemaTooNew(version)
        for statement in _statements(DDL):
            db.execute(statement)
        _add_columns(db, version or 0)
        rebuild = needs_member_column(db)
        if not rebuild:
            _record_version(db)
    if rebuild:
        add_member_column(db)  # its own transaction, with foreign keys off
        db.executescript(DDL)  # the rebuilt tables' indexes
        _record_version(db)


def _add_columns(db: sqlite3.Connection, version: int) -> None:
    """The columns versions after `version` added to tables that already existed (a new table has them)."""
    for added_in in sorted(v for v in ADDED_COLUMNS if v > version):
        for table, column in ADDED_COLUMNS[added_in]:
            if column.split()[0] not in _columns(db, table):
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


def _record_version(db: sqlite3.Connection) -> None:
    db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))


@contextmanager
def _write_lock(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _statements(script: str) -> Iterator[str]:
    """The statements of an SQL script one by one (`executescript` would commit the transaction they are in)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""


def needs_member_column(db: sqlite3.Connection) -> bool:
    return "member" not in _columns(db, "files")


def add_member_column(db: sqlite3.Connection) -> None:
    """Schema 2 → 3: split each "archive:member" rel_path whose archive is a recorded file into (rel_path,
    member); any other name with a colon is a real file and stays whole."""
    db.execute("PRAGMA foreign_keys=OFF")  # a no-op inside a transaction: set before BEGIN
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            walked = {(r[0], r[1]) for r in db.execute("SELECT root, rel_path FROM files")}
            _rebuild(db, "files", walked)
            _rebuild(db, "suppressions", walked)
            broken = db.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise MigrationError(f"upgrading to schema 3 would break {len(broken)} references; nothing changed")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    finally:
        db.execute("PRAGMA foreign_keys=ON")


def split_member(root: str, rel_path: str, walked: set[tuple[str, str]]) -> tuple[str, str]:
    """(file, member) for an old-style row: the member starts after the first colon whose prefix is a file."""
    for match in re.finditer(":", rel_path):
        prefix = rel_path[: match.start()]
        if (root, prefix) in walked:
            return prefix, rel_path[match.end() :]
    return rel_path, ""


def _rebuild(db: sqlite3.Connection, table: str, walked: set[tuple[str, str]]) -> None:
    old = [c for c in _columns(db, table)]
    db.execute(_create_statement(table).replace(f"CREATE TABLE IF NOT EXISTS {table} (", f"CREATE TABLE {table}_v3 ("))
    rows = db.execute(f"SELECT {', '.join(old)} FROM {table}").fetchall()
    at = old.index("rel_path")
    converted = []
    for row in rows:
        values = list(row)
        values[at], member = split_member(values[old.index("root")], values[at], walked)
        converted.append((*values, member))
    marks = ",".join("?" * (len(old) + 1))
    db.executemany(f"INSERT INTO {table}_v3({', '.join(old)}, member) VALUES ({marks})", converted)
    db.execute(f"DROP TABLE {table}")
    db.execute(f"ALTER TABLE {table}_v3 RENAME TO {table}")


def _create_statement(table: str) -> str:
    match = re.search(rf"CREATE TABLE IF NOT EXISTS {table} \(.*?\n\);", DDL, re.S)
    if match is None:
        raise MigrationError(f"no definition of table {table} in the schema")
    return match.group(0)


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
