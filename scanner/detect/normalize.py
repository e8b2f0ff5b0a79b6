"""Same-length text normalisation: detection runs on a view whose offsets equal the original's.

Full-width digits, letters and the punctuation that appears inside numbers (＋－（）　) map to their ASCII
forms one code point for one code point, so a span found in the normalised view indexes the original text.
"""

from __future__ import annotations

import re
from functools import cache

_FULLWIDTH_START = 0xFF01  # '！'
_FULLWIDTH_END = 0xFF5E  # '～'
_ASCII_OFFSET = 0xFF01 - 0x21

_TABLE: dict[int, int] = {cp: cp - _ASCII_OFFSET for cp in range(_FULLWIDTH_START, _FULLWIDTH_END + 1)}
_TABLE[0x3000] = 0x20  # ideographic space
_TABLE[0x2010] = 0x2D  # hyphen
_TABLE[0x2011] = 0x2D  # non-breaking hyphen
_TABLE[0x2012] = 0x2D  # figure dash
_TABLE[0x2013] = 0x2D  # en dash
_TABLE[0x2212] = 0x2D  # minus sign
_TABLE[0x00A0] = 0x20  # no-break space
# Keep full-width colon and comma: context words and table parsing look at them as they are.
del _TABLE[ord("：")]
del _TABLE[ord("，")]


_SINGLES = tuple(cp for cp in _TABLE if not (_FULLWIDTH_START <= cp <= _FULLWIDTH_END or 0x2010 <= cp <= 0x2013))
_NUMPY_FROM = 4096  # characters; below this str.translate is as fast


def to_ascii_view(text: str) -> str:
    """Return ``text`` with full-width forms folded to ASCII; ``len`` and every offset are unchanged."""
    if text.isascii():
        return text
    if len(text) < _NUMPY_FROM:
        return text.translate(_TABLE)
    return _translate_numpy(text)


@cache
def _lookup():
    import numpy

    table = numpy.arange(0x10000, dtype=numpy.uint32)
    for source, target in _TABLE.items():
        table[source] = target
    return numpy, table


def _translate_numpy(text: str) -> str:
    """str.translate for long texts: one vectorised table look-up over the code points (4× faster)."""
    numpy, table = _lookup()
    points = numpy.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=numpy.uint32)
    foldable = (points >= _FULLWIDTH_START) & (points <= _FULLWIDTH_END)  # only the code points _TABLE maps
    for single in _SINGLES:
        foldable |= points == single
    foldable |= (points >= 0x2010) & (points <= 0x2013)
    candidates = numpy.flatnonzero(foldable)
    if not len(candidates):
        return text
    mapped = table[points[candidates]]
    changed = mapped != points[candidates]
    if not changed.any():
        return text
    out = points.copy()
    out[candidates[changed]] = mapped[changed]
    return out.tobytes().decode("utf-32-le", "surrogatepass")


def compact(value: str) -> str:
    """Drop the separators people put inside numbers (spaces, dashes, dots, parentheses, newlines)."""
    if value.isascii() and value.isalnum():
        return value  # the common case: a plain run of digits and letters
    return "".join(ch for ch in to_ascii_view(value) if ch.isalnum() or ch == "+")


# Start/end tags and comments; an e-mail in angle brackets (<a@b.com>) is not a tag and stays.
_MARKUP = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]{0,2000})?/?|!--.{0,2000}?--)>", re.S)


def blank_markup(text: str) -> str:
    """Replace HTML/XML tags with spaces of the same length: labels and values in separate elements
    then read as neighbours, and offsets stay those of the original text."""
    if "<" not in text:
        return text
    return _MARKUP.sub(lambda m: " " * len(m.group(0)), text)
