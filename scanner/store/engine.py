"""Which database the store uses, and one connection API over both engines: SQLite (embedded) and PostgreSQL.

The store's SQL is written once, in SQLite's dialect with `?` (or `:name`) placeholders. On SQLite it runs as
written, on sqlite3's own connection (a subclass with `dialect`): the scan's hot path pays nothing for the second
engine. On PostgreSQL each statement is translated once (`translate`, cached per SQL string) and run through
psycopg 3 in autocommit mode, as the sqlite3 connection is used. `BEGIN IMMEDIATE` takes the Custos write lock
(a transaction-scoped advisory lock), so write transactions are serialized there as they are on SQLite.

SQL translation and the schema's PostgreSQL rendering: `scanner.store.dialect`; the psycopg side:
`scanner.store.postgres` (imported only for PostgreSQL: SQLite commands do not load psycopg).

Text crosses the boundary through `scanner.store.lossless` on both engines: names that are not UTF-8 come back
byte for byte. PostgreSQL cannot store a NUL character in text, so such text is refused, never truncated.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from scanner.states import Engine
from scanner.store import lossless

if TYPE_CHECKING:
    from scanner.store.postgres import PostgresConnection

_URL_SCHEMES = ("postgresql://", "postgres://")


def db_errors() -> tuple[type[Exception], ...]:
    """The database errors that can have been raised so far: `except db_errors():` is evaluated only when an
    exception arrives, so SQLite commands (which never load psycopg) do not pay for importing it."""
    psycopg = sys.modules.get("psycopg")
    return (sqlite3.Error,) if psycopg is None else (sqlite3.Error, psycopg.Error)


def __getattr__(name: str) -> Any:
    """`DB_ERRORS`: (sqlite3.Error, psycopg.Error), the tuple to catch where sqlite3.Error was caught. Importing it
    loads psycopg; code on the startup path uses `db_errors()` instead."""
    if name == "DB_ERRORS":
        import psycopg

        return (sqlite3.Error, psycopg.Error)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class DatabaseTarget:
    """Where the store lives: a SQLite file or a PostgreSQL URL. Print `shown`, never `url` (it may hold a
    password)."""

    kind: Engine
    path: Path | None = None
    url: str | None = field(default=None, repr=False)
    password_file: Path | None = field(default=None, repr=False)  # read at connect time, never put in the URL

    @property
    def shown(self) -> str:
        return str(self.path) if self.kind is Engine.SQLITE else _masked(self.url or "")

    @property
    def is_postgresql(self) -> bool:
        return self.kind is Engine.POSTGRESQL

    @property
    def local_path(self) -> Path:
        """Where the files kept beside the database live (fingerprint key, vault, audit log, locks): beside the
        SQLite file, or in the state folder for PostgreSQL (as if the database were its custos.db)."""
        if self.path is not None:
            return self.path
        from scanner.paths import state_dir

        return state_dir() / "custos.db"

    def __str__(self) -> str:
        return self.shown


class DatabaseUrlPath(type(Path())):
    """A PostgreSQL store where the commands pass a database path (`--db`, `default_db()`): the path is the state
    folder's custos.db, so the files kept beside a database (key, vault, audit log, locks) are found from it as for
    SQLite; `target` is the URL. It "exists": the server creates an empty database on first open."""

    target: DatabaseTarget

    def exists(self, *args: Any, **kwargs: Any) -> bool:
        return True if getattr(self, "target", None) is not None else super().exists(*args, **kwargs)

    def __format__(self, spec: str) -> str:
        """Messages (f-strings) name the database by its masked URL; str() and os.fspath() stay the path."""
        target = getattr(self, "target", None)
        return format(target.shown if target is not None else str(self), spec)

    def __reduce__(self):  # noqa: ANN204
        """Keep the URL when pickled (the daemon's spawned workers): a plain Path would open the state folder's
        SQLite file instead, silently."""
        target = getattr(self, "target", None)
        return (url_path, (target,)) if target is not None else super().__reduce__()


def database_argument(text: str) -> Path:
    """`--db` and `CUSTOS_DB`: a SQLite path, or a PostgreSQL URL (as a `DatabaseUrlPath`)."""
    target = parse_target(text)
    if target.kind is Engine.SQLITE:
        return Path(target.path)
    return url_path(target)


def url_path(target: DatabaseTarget) -> DatabaseUrlPath:
    location = DatabaseUrlPath(target.local_path)
    location.target = target
    return location


def parse_target(text_or_path: str | os.PathLike[str] | DatabaseTarget) -> DatabaseTarget:
    """A `postgresql://` (or `postgres://`) URL is PostgreSQL; anything else (a Path, `sqlite:///abs/path`, a plain
    path) is a SQLite file."""
    if isinstance(text_or_path, DatabaseTarget):
        return text_or_path
    if getattr(text_or_path, "target", None) is not None:
        return text_or_path.target
    if isinstance(text_or_path, str) and text_or_path.startswith(_URL_SCHEMES):
        return DatabaseTarget(Engine.POSTGRESQL, url=text_or_path)
    text = os.fspath(text_or_path)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite://") :]
    return DatabaseTarget(Engine.SQLITE, path=Path(text))


def _masked(url: str) -> str:
    """The URL with its password, if any, replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.netloc.rsplit('@', 1)[1]}"
    return urlunsplit(parts._replace(netloc=netloc))


def is_locked_or_busy(exc: BaseException) -> bool:
    """A write that may succeed if tried again: SQLite busy/locked, PostgreSQL lock or serialization trouble."""
    if isinstance(exc, sqlite3.OperationalError):
        return "locked" in str(exc) or "busy" in str(exc)
    psycopg = sys.modules.get("psycopg")
    retry = (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)
    return psycopg is not None and isinstance(exc, retry)


def connect(target: DatabaseTarget, *, timeout_s: float = 30) -> SqliteConnection | PostgresConnection:
    """An open connection in autocommit mode, rows readable by index and by column name."""
    if target.kind is Engine.SQLITE:
        db = sqlite3.connect(target.path, timeout=timeout_s, isolation_level=None, factory=SqliteConnection)
        db.row_factory = sqlite3.Row
        lossless.register(db)  # names that are not UTF-8 are stored and read back byte for byte
        return db
    from scanner.store.postgres import open_connection

    password = target.password_file.read_text().strip() if target.password_file else None
    return open_connection(target.url or "", password, timeout_s)


# --- SQLite ------------------------------------------------------------------------------------------------
class SqliteConnection(sqlite3.Connection):
    """sqlite3's connection itself, so the SQLite path runs exactly as before."""

    dialect = Engine.SQLITE
