"""Lossless text for names that are not UTF-8, where text must be valid Unicode (SQLite, signed JSON records).

A file name on Linux is bytes. ``os.fsdecode`` keeps an undecodable byte (a GBK name such as
b"\\xbf\\xcd\\xbb\\xa7.txt" on a share migrated from Windows) as a lone surrogate, U+DC80–U+DCFF; Python's
file functions turn it back into the same byte, but SQLite and UTF-8 encoders refuse it. ``stored`` writes each
lone surrogate as the noncharacter U+FDD0 followed by its byte in two upper-case hex digits (or "U" and four for
a surrogate that is not a byte), and a literal U+FDD0 as two of them; ``unstored`` is its exact inverse. Every
other character is itself, so text without surrogates is stored unchanged, and the encoding maps a prefix to a
prefix (SQL prefix and substring comparisons keep working).

Signed JSON records (the audit log, vault metadata) hold ``storable`` trees for the same reason.
``register`` makes this the database boundary in one place: every str bound to a query parameter goes through
``stored``, and the store's connections read TEXT through ``unstored``.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

MARK = "\ufdd0"  # a Unicode noncharacter: never in text meant for interchange, so almost never in a real name
_TO_STORE = re.compile(f"[{MARK}\ud800-\udfff]")
_FROM_STORE = re.compile(f"{MARK}(?:({MARK})|([89A-F][0-9A-F])|U(D[89A-F][0-9A-F]{{2}}))")


def _store_one(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == ord(MARK):
        return MARK + MARK
    if 0xDC80 <= code <= 0xDCFF:
        return f"{MARK}{code - 0xDC00:02X}"
    return f"{MARK}U{code:04X}"


def _unstore_one(match: re.Match[str]) -> str:
    literal, byte, other = match.groups()
    if literal:
        return MARK
    return chr(0xDC00 + int(byte, 16)) if byte else chr(int(other, 16))


def stored(text: str) -> str:
    """``text`` as valid Unicode: lone surrogates (undecodable name bytes) written out after U+FDD0."""
    if MARK not in text and text.isascii():
        return text
    return _TO_STORE.sub(_store_one, text)


def unstored(text: str) -> str:
    """The inverse of ``stored``: the str that Python's file functions map back to the original bytes."""
    return text if MARK not in text else _FROM_STORE.sub(_unstore_one, text)


def storable(value: Any) -> Any:
    """``value`` (a JSON-like tree: dicts, lists, str, numbers) with every str, key or value, ``stored``."""
    if isinstance(value, str):
        return stored(value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    return value


def unstorable(value: Any) -> Any:
    """The inverse of ``storable`` (tuples come back as lists, as from JSON)."""
    if isinstance(value, str):
        return unstored(value)
    if isinstance(value, dict):
        return {unstorable(k): unstorable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [unstorable(v) for v in value]
    return value


def stored_length(text: str) -> int:
    """How many characters SQL functions (substr, length) count in ``text`` once stored."""
    return len(stored(text))


def _read_text(raw: bytes) -> str:
    return unstored(raw.decode("utf-8"))


def register(connection: sqlite3.Connection) -> None:
    """Read this connection's TEXT through ``unstored``; bind every str parameter through ``stored``.

    sqlite3 adapters are per process: once a str adapter is registered, every str parameter of every
    connection is adapted. ``stored`` leaves valid text unchanged, so other connections see no difference."""
    sqlite3.register_adapter(str, stored)
    connection.text_factory = _read_text
