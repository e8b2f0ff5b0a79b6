"""How wide each table column is, given its content and the width there is; how a value too long is shortened.

Widths are terminal cells (`rich.cells.cell_len`): a Chinese character takes two. Numbers, previews and
locations get their whole width; one flexible column (a path) takes what is left and is shortened in the
middle, keeping the file name and any "archive.zip:" member part. When even that does not fit, whole columns
are dropped, least needed first (the screen names them). Pure functions: no widget, no terminal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rich.cells import cell_len

ELLIPSIS = "…"
# "a.zip:inner/b.csv" is a member of a.zip (scanner.store.store.joined_path); mail attachments read alike.
_ARCHIVE_MEMBER = re.compile(r"\.(?:zip|tar|tgz|tar\.gz|tar\.bz2|tar\.xz|eml|msg):", re.IGNORECASE)


def _prefix(text: str, cells: int) -> str:
    """The longest start of ``text`` at most ``cells`` wide."""
    used = 0
    for i, char in enumerate(text):
        used += cell_len(char)
        if used > cells:
            return text[:i]
    return text


def _suffix(text: str, cells: int) -> str:
    """The longest end of ``text`` at most ``cells`` wide."""
    return _prefix(text[::-1], cells)[::-1]


def end_ellipsis(text: str, width: int) -> str:
    """``text`` cut at the end to ``width`` cells, marked with an ellipsis."""
    if cell_len(text) <= width:
        return text
    return _prefix(text, width - 1) + ELLIPSIS if width > 0 else ""


def middle_ellipsis(text: str, width: int) -> str:
    """``text`` with its middle replaced by an ellipsis: both ends stay (a cell reference, a preview's digits)."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    tail = _suffix(text, (width - 1) // 2)
    return _prefix(text, width - 1 - cell_len(tail)) + ELLIPSIS + tail


def path_ellipsis(path: str, width: int) -> str:
    """A path shortened in the middle. Kept first the file name, then the archive a member is in and its
    ".zip:" ("员工资料.zip:内部/名单.txt"), then as much of the start of the path as fits."""
    if cell_len(path) <= width:
        return path
    member = _ARCHIVE_MEMBER.search(path)
    end = member.start() if member else len(path)
    cut = path.rfind("/", 0, end)  # the tail starts with the archive's (or the file's) name
    name = path[max(path.rfind("/"), path.rfind(":")) + 1 :]
    candidates = [(path[: cut + 1], path[cut:])] if cut > 0 else []  # "start…/tail"
    if member:
        marker = path[member.start() : member.end()]  # ".zip:"
        archive = path[cut + 1 : member.start()]
        candidates.append((archive, path[member.start() :]))  # "员工资…zip:内部/名单.txt"
        if name != path[member.end() :]:
            candidates.append((archive, f"{marker}{ELLIPSIS}/{name}"))  # "员工….zip:…/名单.txt"
    for need_head in (True, False):  # rather some of the archive's name than all of the member's folders
        for head, tail in candidates:
            room = width - 1 - cell_len(tail)
            kept = _prefix(head, room) if room >= 0 else None
            if kept == head:  # all of what is before fits: only the path's start is left out
                return ELLIPSIS + head + tail
            if kept or (kept == "" and not need_head):
                return kept + ELLIPSIS + tail
    if cell_len(name) + 1 <= width:
        return ELLIPSIS + name
    return ELLIPSIS + _suffix(name, width - 1) if width > 1 else ELLIPSIS[:width]  # its end tells the type


@dataclass(frozen=True)
class Column:
    """One column: ``drop`` orders which go first when the table is too narrow (0: never dropped); ``cap``
    is the widest it grows to (longer values are shortened by ``shorten``); ``flexible`` ones take the width
    left over, at least ``min_width``, in order; a ``wrap`` column is flexible and wraps instead of being cut."""

    key: str
    label: str
    drop: int = 0
    cap: int | None = None
    flexible: bool = False
    min_width: int = 8
    shorten: Callable[[str, int], str] = middle_ellipsis
    wrap: bool = False
    outranks: int | None = None  # a flexible column cut short drops columns whose ``drop`` is at least this

    @property
    def grows(self) -> bool:
        return self.flexible or self.wrap


def natural_widths(columns: Sequence[Column], rows: Sequence[Mapping[str, str]]) -> dict[str, int]:
    """Each column's width with nothing cut: its widest value or its label, in cells."""
    widths = {c.key: cell_len(c.label) for c in columns}
    for row in rows:
        for key, value in row.items():
            if key in widths:
                widths[key] = max(widths[key], cell_len(value))
    return widths


def fit_columns(columns: Sequence[Column], natural: Mapping[str, int], available: int, padding: int = 1
                ) -> dict[str, int]:  # fmt: skip
    """The shown columns (in order) and their widths, within ``available`` cells including ``padding`` cells
    on each side of every column. Fixed columns get their natural width (up to ``cap``); flexible ones share
    what is left, each at least ``min_width``; columns are dropped by ``drop`` (highest first) until it fits."""

    def fixed(c: Column) -> int:
        return min(natural[c.key], c.cap) if c.cap else natural[c.key]

    def least(c: Column) -> int:
        return min(natural[c.key], c.min_width) if c.grows else fixed(c)

    def grown(shown: list[Column]) -> dict[str, int]:
        widths = {c.key: least(c) for c in shown}
        spare = available - sum(w + 2 * padding for w in widths.values())
        for c in shown:
            if c.grows and spare > 0:
                grow = min(spare, natural[c.key] - widths[c.key])
                widths[c.key] += grow
                spare -= grow
        return widths

    def short(shown: list[Column], widths: dict[str, int]) -> int | None:
        """The lowest ``outranks`` of a flexible column still cut short."""
        ranks = [c.outranks for c in shown if c.outranks and widths[c.key] < natural[c.key]]
        return min(ranks) if ranks else None

    shown = list(columns)
    while sum(least(c) + 2 * padding for c in shown) > available:
        droppable = [c for c in shown if c.drop]
        if not droppable:
            break  # the table scrolls sideways; nothing shown is cut further
        shown.remove(max(droppable, key=lambda c: c.drop))
    widths = grown(shown)
    while (rank := short(shown, widths)) is not None:  # a whole path is worth more than the last columns
        droppable = [c for c in shown if c.drop >= rank]
        if not droppable:
            break
        shown.remove(max(droppable, key=lambda c: c.drop))
        widths = grown(shown)
    return widths
