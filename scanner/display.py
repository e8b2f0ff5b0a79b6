"""The one escaping function for everything shown that may come from a file: names, paths, locations, context.

A file name can hold ESC/OSC sequences (terminal title, clipboard via OSC 52, screen clears), CR and LF (a
line that overwrites or forges another), bidi overrides and zero-width characters (a name that reads as
something else), and bytes that are not UTF-8. ``safe`` turns every such character into a visible,
unambiguous escape, so what a reviewer reads is exactly what is on disk:

- ``\\n`` ``\\r`` ``\\t``, other C0 controls and DEL as ``\\x1b``; a backslash as ``\\\\``;
- a byte that is not UTF-8 (a surrogate-escaped name from ``os.fsdecode``) as ``\\xbf``;
- anything else Python does not call printable (C1 controls, format characters such as U+202E or U+200B,
  line separators, spaces other than " ", unassigned code points) and a few invisible letters (Hangul fillers,
  variation selectors) as ``\\u202e`` / ``\\U000e0001``.

``\\xNN`` below 0x80 is a control character, at or above 0x80 a raw byte; a Unicode character is never shown
as ``\\xNN``. Escape at the moment of showing (terminal, TUI, log line, report, export), never before storing.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.text import Text

# Printable by Python's rules, yet blank or joining on screen: shown escaped so two names never look alike.
_INVISIBLE = frozenset(
    [0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F, 0x2800, 0x3164, 0xFFA0]
    + list(range(0xFE00, 0xFE10))
    + list(range(0xE0100, 0xE01F0))
)
_NAMED = {0x5C: "\\\\", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}
_CACHE_LIMIT = 1 << 16


def _escape(code: int) -> str:
    if code in _NAMED:
        return _NAMED[code]
    if code < 0x80:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for the undecodable byte code - 0xDC00
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


class _Escapes(dict):
    """str.translate table filled on first sight of each character (bounded: a file may use many)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        shown = _escape(code) if code in _NAMED or code in _INVISIBLE or not char.isprintable() else char
        if len(self) < _CACHE_LIMIT:
            self[code] = shown
        return shown


_TABLE = _Escapes()


def safe(value: object) -> str:
    """``value`` as text that cannot change the terminal or pass for other text (see the module docstring).

    Accepts str, bytes (a name as the OS gives it), any os.PathLike, None (shown as "") or anything else
    (its str()).
    """
    if value is None:
        return ""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, bytes | bytearray):
        value = os.fsdecode(bytes(value))
    text = value if isinstance(value, str) else str(value)
    if text.isascii() and text.isprintable() and "\\" not in text:
        return text
    return text.translate(_TABLE)


def safe_text(value: object, style: str = "", **options: object) -> Text:
    """``safe(value)`` as a Rich/Textual ``Text``: never parsed as markup, never a control sequence."""
    from rich.text import Text

    return Text(safe(value), style=style, **options)


def safe_record(value: Any) -> Any:
    """A record read back from signed JSON (audit log, vault metadata) with every string shown safely: first
    turned back from its stored form (see `scanner.store.lossless`), then escaped."""
    from scanner.store.lossless import unstored

    if isinstance(value, str):
        return safe(unstored(value))
    if isinstance(value, dict):
        return {safe_record(k): safe_record(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [safe_record(v) for v in value]
    return value
