"""PostgreSQL behind the sqlite3 API the store uses: psycopg 3 in autocommit mode, statements translated by
`scanner.store.dialect`, rows readable by index and by name, text through `scanner.store.lossless`.

Imported only when a store is on PostgreSQL: SQLite commands do not pay for loading psycopg.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.adapt import Dumper, Loader
from psycopg.rows import RowMaker
from psycopg.types.string import StrDumperUnknown

from scanner.states import Engine
from scanner.store import lossless
from scanner.store.dialect import translate

WRITE_LOCK_KEY = 0x637573746F73  # "custos": the advisory lock every write transaction holds on PostgreSQL


class NulInText(psycopg.DataError):
    """A text value holds a NUL character, which PostgreSQL cannot store."""


def open_connection(url: str, password: str | None, timeout_s: float) -> PostgresConnection:
    extra = {"password": password} if password else {}
    raw = psycopg.connect(url, autocommit=True, connect_timeout=max(1, int(timeout_s)), **extra)
    _adapt(raw.adapters)
    raw.row_factory = _rows
    return PostgresConnection(raw)


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
