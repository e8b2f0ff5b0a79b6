"""Paths shown with the personal data found in them masked: "客户/张*_138****5678.txt", never the plain name.

A scan detects personal data in each file's path (findings with location "name", whose start/end index the
path as exported). Everything that shows or records a path — CLI listings, the review UI, exports, reports,
audit records, vault metadata — passes it through `mask_path` with those spans, so a name like
"张三_13812345678.txt" is only ever on disk, in the database row that acts on it, and inside the vault item;
what no rule found but looks like personal data is starred too (`scanner.display_mask`).
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
    """``path`` with each detected value replaced by its masked preview; spans that do not fit the path or
    overlap one taken further right are skipped. Then, as for any text from the share, whatever else looks
    like personal data is starred (`scanner.display_mask`), the previews left as they are: 简历_张三丰.txt is
    shown as 简历_张**.txt although no rule reported the name."""
    taken, limit = [], len(path)
    for start, end, preview in sorted(set(spans), key=lambda s: (s[0], s[1]), reverse=True):
        if 0 <= start < end <= limit:
            taken.append((start, end, preview))
            limit = start
    pieces, previews, pos, at = [], [], 0, 0
    for start, end, preview in reversed(taken):
        pieces += [path[pos:start], preview]
        at += start - pos
        previews.append((at, at + len(preview)))
        at += len(preview)
        pos = end
    pieces.append(path[pos:])
    return _mask_components("".join(pieces), previews)


def _mask_components(masked: str, previews: list[tuple[int, int]]) -> str:
    """Each path component through the display mask (folders repeat: cached), previews kept."""
    from scanner.display_mask import mask_keeping

    shown, offset = [], 0
    for part in masked.split("/"):
        end = offset + len(part)
        kept = [(max(s, offset) - offset, min(e, end) - offset) for s, e in previews if s < end and e > offset]
        shown.append(mask_keeping(part, kept))
        offset = end + 1
    return "/".join(shown)


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
