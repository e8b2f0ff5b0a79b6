"""Which extractor reads which file, by suffix. Adding a format = one extractor module + one line here."""

from __future__ import annotations

from pathlib import Path

from scanner.extract.base import Extractor
from scanner.extract.plaintext import PLAIN_TEXT_SUFFIXES, PlainTextExtractor


def extractor_for(path: Path, block_chars: int = 1 << 20) -> Extractor | None:
    """A fresh extractor for ``path``, or None when its format is not supported (yet)."""
    if path.suffix.lower() in PLAIN_TEXT_SUFFIXES:
        return PlainTextExtractor(block_chars)
    return None


def format_label(path: Path) -> str:
    """The extension used to group unsupported files in summaries ('(none)' without one)."""
    return path.suffix.lower() or "(none)"
