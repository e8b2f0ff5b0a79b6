"""Text by content: whether a file whose name names no known format is text, judged from its first bytes.

A share holds `.sql` dumps, `.env` files, `README`, `.bak` copies and exports under any name; the suffix says
nothing reliable about them. The first 8 KiB decide: a byte-order mark, or a clean decode as UTF-8, BOM-less
UTF-16 or GB18030 with almost no control characters, is text; known binary magic or NUL bytes is not.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

from scanner.extract.decode import binary_kind, guess_bomless_utf16, sniff

SNIFF_BYTES = 8 << 10
# Text holds tabs, line ends, form feeds and terminal colour escapes; a few other control characters are
# tolerated (a stray ^Z at the end of an old DOS file), many are what binary data decoded by chance looks like.
_TEXT_CONTROLS = frozenset("\t\n\r\f\v\x1b\x1a")
MAX_CONTROL_RATIO = 0.01


def read_head(path: Path, size: int = SNIFF_BYTES) -> bytes:
    """The first `size` bytes of `path` (fewer for a shorter file); OSError as raised."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        return os.read(fd, size)
    finally:
        os.close(fd)


def not_text_reason(head: bytes) -> str | None:
    """None when `head` (a file's first bytes, cut anywhere) reads as text; otherwise why it does not."""
    bom = sniff(head)
    if bom is not None:
        return _controls_reason(_decode(head, bom))
    encoding = guess_bomless_utf16(head)
    if encoding is not None:
        return None  # guess_bomless_utf16 already demands printable text
    kind = binary_kind(head)
    if kind is not None:
        return f"binary content: {kind}"
    for encoding in ("utf-8", "gb18030"):
        text = _decode(head, encoding)
        if text is not None:
            return _controls_reason(text)
    return "binary content: neither UTF-8, UTF-16 nor GB18030 text"


def _decode(head: bytes, encoding: str) -> str | None:
    """`head` decoded strictly, a character cut off at its end forgiven; None if it does not decode."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        return decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return None


def _controls_reason(text: str | None) -> str | None:
    if text is None:
        return "binary content: does not decode as its byte-order mark says"
    controls = sum(1 for ch in text if (ch < " " and ch not in _TEXT_CONTROLS) or ch == "\x7f")
    if controls > MAX_CONTROL_RATIO * max(len(text), 1):
        return f"binary content: {controls} control characters in its first {len(text)} characters"
    return None
