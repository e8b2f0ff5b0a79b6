"""Upgrades of an older findings database to the current schema, run once when a `Store` opens it.

Schema 3 gives archive members a column of their own (`member`): before, a member was the row
"a.zip:inner/b.csv", which a real file of that name (legal on Linux shares) would overwrite. SQLite cannot change
a UNIQUE constraint in place, so `files` and `suppressions` are rebuilt (the documented 12-step procedure: foreign
keys off, new table, copy, drop, rename, check), in one transaction.
"""

from __future__ import annotations

import re
import sqlite3

from scanner.store.schema import DDL


class MigrationError(RuntimeError):
    """The database could not be upgraded; it is left as it was."""


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
