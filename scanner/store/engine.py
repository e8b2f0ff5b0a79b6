"""Which database the store uses, and one connection API over both engines: SQLite (embedded) and PostgreSQL.

The store's SQL is written once, in SQLite's dialect with `?` (or `:name`) placeholders. On SQLite it runs as
written, on sqlite3's own connection (a subclass with `dialect`): the scan's hot path pays nothing for the second
engine. On PostgreSQL each statement is translated once (`translate`, cached per SQL string) and run through
psycopg 3 in autocommit mode, as the sqlite3 connection is used. `BEGIN IMMEDIATE` takes the Custos write lock
(a transaction-scoped advisory lock), so write transactions are serialized there as they are on SQLite.

Text crosses the boundary through `scanner.store.lossless` on both engines: names that are not UTF-8 come back
byte for byte. PostgreSQL cannot store a NUL character in text, so such text is refused, never truncated.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.adapt import Dumper, Loader
from psycopg.rows import RowMaker
from psycopg.types.string import StrDumperUnknown

from scanner.states import Engine
from scanner.store import lossless

WRITE_LOCK_KEY = 0x637573746F73  # "custos": the advisory lock every write transaction holds on PostgreSQL
DB_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, psycopg.Error)
_URL_SCHEMES = ("postgresql://", "postgres://")


class NulInText(psycopg.DataError):
    """A text value holds a NUL character, which PostgreSQL cannot store."""


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
        from scanner.paths import default_db

        return default_db()

    def __str__(self) -> str:
        return self.shown


def parse_target(text_or_path: str | os.PathLike[str] | DatabaseTarget) -> DatabaseTarget:
    """A `postgresql://` (or `postgres://`) URL is PostgreSQL; anything else (a Path, `sqlite:///abs/path`, a plain
    path) is a SQLite file."""
    if isinstance(text_or_path, DatabaseTarget):
        return text_or_path
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
    return isinstance(
        exc, psycopg.errors.LockNotAvailable | psycopg.errors.DeadlockDetected | psycopg.errors.SerializationFailure
    )


def connect(target: DatabaseTarget, *, timeout_s: float = 30) -> SqliteConnection | PostgresConnection:
    """An open connection in autocommit mode, rows readable by index and by column name."""
    if target.kind is Engine.SQLITE:
        db = sqlite3.connect(target.path, timeout=timeout_s, isolation_level=None, factory=SqliteConnection)
        db.row_factory = sqlite3.Row
        lossless.register(db)  # names that are not UTF-8 are stored and read back byte for byte
        return db
    password = target.password_file.read_text().strip() if target.password_file else None
    extra = {"password": password} if password else {}
    raw = psycopg.connect(target.url, autocommit=True, connect_timeout=max(1, int(timeout_s)), **extra)
    _adapt(raw.adapters)
    raw.row_factory = _rows
    return PostgresConnection(raw)


# --- SQLite ------------------------------------------------------------------------------------------------
class SqliteConnection(sqlite3.Connection):
    """sqlite3's connection itself, so the SQLite path runs exactly as before."""

    dialect = Engine.SQLITE


# --- PostgreSQL ------------------------------------------------------------------------------------------
class PostgresConnection:
    """psycopg's connection behind the sqlite3 API the store uses (execute, executemany, cursor, close)."""

    dialect = Engine.POSTGRESQL

    def __init__(self, raw: psycopg.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> PostgresCursor:
        return self.cursor().execute(sql, params)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> PostgresCursor:
        return self.cursor().executemany(sql, seq)

    def cursor(self) -> PostgresCursor:
        return PostgresCursor(self.raw.cursor())

    def close(self) -> None:
        self.raw.close()


class PostgresCursor:
    """A psycopg cursor taking the store's SQLite-dialect SQL; iterate it or fetch from it as from sqlite3's."""

    def __init__(self, raw: psycopg.Cursor) -> None:
        self.raw = raw

    @property
    def row_factory(self) -> object:
        return self.raw.row_factory

    @row_factory.setter
    def row_factory(self, factory: object) -> None:  # None: plain tuples, as on sqlite3
        self.raw.row_factory = psycopg.rows.tuple_row if factory is None else factory

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> PostgresCursor:
        head = sql.lstrip()[:16].upper()
        if head.startswith("BEGIN"):
            self.raw.execute("BEGIN")
            if head.startswith(("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE")):
                self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
            return self
        self.raw.execute(translate(sql), _params(params))
        return self

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> PostgresCursor:
        self.raw.executemany(translate(sql), [_params(p) for p in seq])
        return self

    def fetchone(self) -> Any:
        return self.raw.fetchone()

    def fetchall(self) -> list[Any]:
        return self.raw.fetchall()

    def fetchmany(self, size: int = 1) -> list[Any]:
        return self.raw.fetchmany(size)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.raw)

    @property
    def rowcount(self) -> int:
        return self.raw.rowcount

    @property
    def description(self) -> Any:
        return self.raw.description

    def close(self) -> None:
        self.raw.close()


def _params(params: Sequence[Any] | dict[str, Any] | None) -> Sequence[Any] | dict[str, Any]:
    if params is None:
        return ()
    return params if isinstance(params, dict) else tuple(params)


class _Row(tuple):
    """A result row read as sqlite3.Row is: row[0], row["column"], dict(row), keys()."""

    _index: dict[str, int] = {}
    _names: tuple[str, ...] = ()

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self._index[key])
            except KeyError:
                return tuple.__getitem__(self, self._index[key.lower()])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


@lru_cache(maxsize=512)
def _row_class(names: tuple[str, ...]) -> type[_Row]:
    index = {}
    for i, name in enumerate(names):
        index.setdefault(name, i)
        index.setdefault(name.lower(), i)
    return type("Row", (_Row,), {"_index": index, "_names": names})


def _rows(cursor: psycopg.Cursor) -> RowMaker[Any]:
    if cursor.description is None:
        return tuple
    row_class = _row_class(tuple(c.name for c in cursor.description))
    return row_class


class _LosslessText(StrDumperUnknown):
    """Binds every str as the store writes text on SQLite (`lossless.stored`), refusing a NUL."""

    def dump(self, obj: str) -> bytes:
        if "\0" in obj:
            raise NulInText("text holding a NUL character cannot be stored in PostgreSQL; it was refused, not cut")
        return lossless.stored(obj).encode()


class _BoolAsInteger(Dumper):
    """True/False stored as 1/0 in the schema's INTEGER columns, as sqlite3 stores them."""

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


class _TextLoader(Loader):
    def load(self, data: Any) -> str:
        return lossless.unstored(bytes(data).decode())


class _NumberLoader(Loader):
    """numeric (what SUM and AVG of integers give) as int when whole, else float: what SQLite gives."""

    def load(self, data: Any) -> int | float:
        value = Decimal(bytes(data).decode())
        return int(value) if value == value.to_integral_value() else float(value)


def _adapt(adapters: psycopg.adapt.AdaptersMap) -> None:
    adapters.register_dumper(str, _LosslessText)
    _BoolAsInteger.oid = adapters.types["int8"].oid
    adapters.register_dumper(bool, _BoolAsInteger)
    for name in ("text", "varchar", "bpchar", "name"):
        adapters.register_loader(name, _TextLoader)
    adapters.register_loader("numeric", _NumberLoader)


# --- translation ---------------------------------------------------------------------------------------------
_TOKENS = re.compile(r"'(?:[^']|'')*'|--[^\n]*|\?|(?<![:\w]):([A-Za-z_]\w*)|%")
_INSERT_OR_IGNORE = re.compile(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\b", re.I)
_FUNCTION = re.compile(r"\b(instr|ifnull|group_concat|max|min)\s*\(", re.I)


@lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """The store's SQLite-dialect statement in PostgreSQL's: placeholders, `%`, INSERT OR IGNORE, and the few
    SQLite functions the store uses (instr, ifnull, group_concat, two-argument max/min)."""
    literals: list[str] = []

    def token(match: re.Match[str]) -> str:
        text = match.group()
        if text.startswith("'"):
            literals.append(text.replace("%", "%%"))
            return f"\x00{len(literals) - 1}\x00"
        if text.startswith("--"):
            return ""
        if text == "?":
            return "%s"
        if text == "%":
            return "%%"
        return f"%({match.group(1)})s"

    code = _TOKENS.sub(token, sql)
    code = _functions(code)
    if _INSERT_OR_IGNORE.match(code):
        code = _INSERT_OR_IGNORE.sub("INSERT INTO", code, count=1)
        head, returning, tail = code.partition(" RETURNING ")
        code = f"{head.rstrip()} ON CONFLICT DO NOTHING{returning}{tail}"
    return re.sub("\x00(\\d+)\x00", lambda m: literals[int(m.group(1))], code)


def _functions(code: str) -> str:
    """Rewrite SQLite-only function calls, innermost arguments included."""
    out, at = [], 0
    for match in _FUNCTION.finditer(code):
        if match.start() < at:
            continue
        close = _closing(code, match.end())
        args = _functions(code[match.end() : close])
        name = match.group(1).lower()
        top_level_comma = _has_top_level_comma(args)
        if name == "instr":
            call = f"strpos({args})"
        elif name == "ifnull":
            call = f"COALESCE({args})"
        elif name == "group_concat":
            call = f"string_agg({args}, ',')" if not top_level_comma else f"string_agg({args})"
        elif top_level_comma:
            call = f"{'GREATEST' if name == 'max' else 'LEAST'}({args})"
        else:
            call = f"{match.group(1)}({args})"
        out.append(code[at : match.start()] + call)
        at = close + 1
    out.append(code[at:])
    return "".join(out)


def _closing(code: str, start: int) -> int:
    depth = 1
    for i in range(start, len(code)):
        if code[i] == "(":
            depth += 1
        elif code[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError(f"unbalanced parentheses in SQL: {code!r}")


def _has_top_level_comma(args: str) -> bool:
    depth = 0
    for char in args:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            return True
    return False


# --- the schema, rendered for PostgreSQL -------------------------------------------------------------------------
_COLUMN_TYPES = [
    (re.compile(r"\bINTEGER PRIMARY KEY\b"), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
]
_INDEX_ON_EXPRESSION = re.compile(r"(\bON\s+\w+)\((.*\|\|.*)\)(\s*(?:WHERE\b.*)?;?\s*)$", re.S)


def postgres_column(definition: str) -> str:
    """A column definition (`name TYPE ...`) in PostgreSQL's types; `end` quoted."""
    for pattern, replacement in _COLUMN_TYPES:
        definition = pattern.sub(replacement, definition)
    return re.sub(r'^(\s*)end\b', r'\1"end"', definition)


def postgres_statement(statement: str) -> str:
    """One DDL statement of `schema.DDL` (comments already removed) for PostgreSQL."""
    if re.match(r"\s*CREATE TABLE", statement):
        head, _, body = statement.partition("(")
        lines = [postgres_column(line) for line in body.split("\n")]
        return head + "(" + "\n".join(lines)
    return _INDEX_ON_EXPRESSION.sub(r"\1((\2))\3", statement)


def ddl_statements(script: str) -> Iterator[str]:
    """The statements of an SQL script one by one, comments removed."""
    text = re.sub(r"--[^\n]*", "", script)
    pending = ""
    for line in text.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                yield pending.strip()
            pending = ""
