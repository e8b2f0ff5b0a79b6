"""Creating the database and upgrading an older one to the current schema, on SQLite and on PostgreSQL.

SQLite (embedded, one machine) is upgraded when a `Store` opens it. PostgreSQL is shared by many hosts running
Custos versions that change at different times, so it is only created on open (a new, empty database); an older
schema is upgraded by `custos db upgrade` (`upgrade`), and opening it before is refused (`SchemaTooOld`).

`bring_up_to_date` is the one place that writes the schema. A database already at SCHEMA_VERSION is only read
(one query), so opening it writes nothing: read-only commands and the TUI's periodic re-reads leave it as it was.
To add a table, add it to `schema.DDL`; to add a column to a table, add it to `DDL` and to `ADDED_COLUMNS` under
a new SCHEMA_VERSION; an index only PostgreSQL needs, to `POSTGRES_INDEXES`. Anything else (a rebuilt
table, converted rows) is a function here, called below.

Schema 3 gives archive members a column of their own (`member`): before, a member was the row
"a.zip:inner/b.csv", which a real file of that name (legal on Linux shares) would overwrite. SQLite cannot change
a UNIQUE constraint in place, so `files` and `suppressions` are rebuilt (the documented 12-step procedure: foreign
keys off, new table, copy, drop, rename, check), in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scanner.i18n import _
from scanner.states import Engine
from scanner.store.dialect import ddl_statements, postgres_column, postgres_statement
from scanner.store.schema import ADDED_COLUMNS, DDL, DROPPED_INDEXES, POSTGRES_INDEXES, SCHEMA_VERSION


class MigrationError(RuntimeError):
    """The database could not be upgraded; it is left as it was."""


class SchemaTooNew(MigrationError):
    """The database was written by a newer Custos; nothing was changed."""

    def __init__(self, version: int) -> None:
        super().__init__(
            _("database schema {version} is newer than this Custos ({supported}); upgrade").format(
                version=version, supported=SCHEMA_VERSION
            )
        )
        self.version = version


class SchemaTooOld(MigrationError):
    """A shared (PostgreSQL) database of an older schema: `custos db upgrade` brings it up to date."""

    def __init__(self, version: int) -> None:
        super().__init__(
            _("database schema {version} is older than this Custos ({supported})").format(
                version=version, supported=SCHEMA_VERSION
            )
        )
        self.version = version


def has_table(db: Any, name: str) -> bool:
    if db.dialect == Engine.POSTGRESQL:
        sql = "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?"
    else:
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return db.execute(sql, (name,)).fetchone() is not None


def stored_version(db: Any) -> int | None:
    """The schema version recorded in the database; None for a new (or foreign, table-less) one."""
    if not has_table(db, "meta"):
        return None
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return None if row is None else int(row[0])


def bring_up_to_date(db: Any) -> None:
    """On opening: create a new database; upgrade an older SQLite one (PostgreSQL: `SchemaTooOld`)."""
    version = stored_version(db)
    if db.dialect == Engine.POSTGRESQL and version is not None and version < SCHEMA_VERSION:
        raise SchemaTooOld(version)
    upgrade(db)


def upgrade(db: Any) -> None:
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
        tables = [s for s in _schema(db) if s.startswith("CREATE TABLE")]
        for statement in tables:  # tables first: an index may be on a column added below
            db.execute(statement)
        _add_columns(db, version or 0)
        _drop_replaced_indexes(db, version or 0)
        rebuild = db.dialect == Engine.SQLITE and needs_member_column(db)
        if not rebuild:
            _create_indexes(db)
            _count_summaries(db, version)
            _record_version(db)
    if rebuild:
        add_member_column(db)  # its own transaction, with foreign keys off
        _create_indexes(db)  # the rebuilt tables' indexes
        with _write_lock(db):
            _count_summaries(db, version)
            _record_version(db)


def _schema(db: Any) -> list[str]:
    statements = list(ddl_statements(DDL))
    return [postgres_statement(s) for s in statements] if db.dialect == Engine.POSTGRESQL else statements


def _create_indexes(db: Any) -> None:
    for statement in _schema(db):
        if not statement.startswith("CREATE TABLE"):
            db.execute(statement)
    if db.dialect == Engine.POSTGRESQL:
        for statement in ddl_statements(POSTGRES_INDEXES):
            db.execute(postgres_statement(statement))


def _count_summaries(db: Any, version: int | None) -> None:
    """An existing database gets the review's kept totals (scanner/store/summaries.py) counted once, as it is
    upgraded; a new one starts with none, as it has no findings."""
    if version is not None:
        from scanner.store.summaries import recount

        recount(db)


def _add_columns(db: Any, version: int) -> None:
    """The columns versions after `version` added to tables that already existed (a new table has them)."""
    for added_in in sorted(v for v in ADDED_COLUMNS if v > version):
        for table, column in ADDED_COLUMNS[added_in]:
            if column.split()[0] not in columns(db, table):
                rendered = postgres_column(column) if db.dialect == Engine.POSTGRESQL else column
                db.execute(f"ALTER TABLE {table} ADD COLUMN {rendered}")


def _drop_replaced_indexes(db: Any, version: int) -> None:
    """Indexes that versions after `version` replaced (their successors are created with the other indexes)."""
    for replaced_in in sorted(v for v in DROPPED_INDEXES if v > version):
        for index in DROPPED_INDEXES[replaced_in]:
            db.execute(f"DROP INDEX IF EXISTS {index}")


def _record_version(db: Any) -> None:
    db.execute(
        "INSERT INTO meta(key, value) VALUES ('schema_version', ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (str(SCHEMA_VERSION),),
    )


def files_key(db: Any) -> str:
    """The files table's unique key, for its upserts: with `host` since schema 8; a SQLite database created before
    keeps (root, rel_path, member), equivalent there (one host per SQLite file)."""
    if db.dialect == Engine.SQLITE:
        row = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'files'").fetchone()
        if row is not None and "UNIQUE (root, rel_path, member, host)" not in row[0]:
            return "root, rel_path, member"
    return "host, root, rel_path, member"


@contextmanager
def _write_lock(db: Any) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def needs_member_column(db: Any) -> bool:
    return "member" not in columns(db, "files")


def add_member_column(db: Any) -> None:
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
                raise MigrationError(
                    _("upgrading to schema 3 would break {count} references; nothing changed").format(count=len(broken))
                )
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


def _rebuild(db: Any, table: str, walked: set[tuple[str, str]]) -> None:
    old = [c for c in columns(db, table)]
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


def columns(db: Any, table: str) -> list[str]:
    """The table's column names, in order."""
    if db.dialect == Engine.POSTGRESQL:
        sql = (
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = ? ORDER BY ordinal_position"
        )
        return [r[0] for r in db.execute(sql, (table,))]
    return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
