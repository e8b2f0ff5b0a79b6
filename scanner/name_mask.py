"""Paths shown with the personal data found in them masked: "客户/张*_138****5678.txt", never the plain name.

A scan detects personal data in each file's path (findings with location "name", whose start/end index the
path as exported). Everything that shows or records a path — CLI listings, the review UI, exports, reports,
audit records, vault metadata — passes it through `mask_path` with those spans, so a name like
"张三_13812345678.txt" is only ever on disk, in the database row that acts on it, and inside the vault item.
Pure functions; `scrub` also masks the same values wherever else a message repeats them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# (start, end, masked preview): a value found in a path, as `Store.name_spans` returns it
NameSpan = tuple[int, int, str]

NAME_LOCATION = "name"


def is_name_finding(location: str) -> bool:
    """Findings in names (the path, a sheet title, an attachment's name): no in-place masking reaches them."""
    return location == NAME_LOCATION or location.startswith("sheet title ") or location.endswith(" name")


def mask_path(path: str, spans: Iterable[NameSpan]) -> str:
    """``path`` with each detected value replaced by its masked preview (right to left, so offsets hold);
    spans that do not fit the path or overlap one already applied are skipped."""
    masked, limit = path, len(path)
    for start, end, preview in sorted(set(spans), key=lambda s: (s[0], s[1]), reverse=True):
        if 0 <= start < end <= limit:
            masked = masked[:start] + preview + masked[end:]
            limit = start
    return masked


def masked_values(path: str, spans: Iterable[NameSpan]) -> list[tuple[str, str]]:
    """(plain value, preview) pairs of the values found in ``path``, longest first."""
    pairs = {(path[start:end], preview) for start, end, preview in spans if 0 <= start < end <= len(path)}
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def scrub(text: str, values: Sequence[tuple[str, str]]) -> str:
    """``text`` (an error message, a full path) with every occurrence of those plain values masked."""
    for plain, preview in values:
        if plain:
            text = text.replace(plain, preview)
    return text
