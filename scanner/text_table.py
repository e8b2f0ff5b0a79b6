"""Plain column listings for the CLI (`custos findings`, `actions list`), aligned by display width.

A CJK character takes two terminal cells, so padding with `str.ljust` shifts every column after `在职员工!B2`;
widths here are measured in cells (`rich.cells.cell_len`). One line per row whatever its length when the output
is piped (a script or `grep` sees whole rows); on a terminal the last column folds at the terminal's width,
its continuation lines indented under it.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TextIO

from rich.cells import cell_len, chop_cells

GAP = "  "


@dataclass(frozen=True)
class Column:
    name: str
    right: bool = False  # numbers: aligned right
    max_width: int = 40  # a longer cell overflows its column rather than being cut: nothing is hidden


def terminal_width(out: TextIO) -> int | None:
    """The terminal's width in cells (``$COLUMNS`` first, as rich reads it) when ``out`` is a terminal; None when
    it is a pipe or a file."""
    try:
        return shutil.get_terminal_size().columns if out.isatty() else None
    except (OSError, ValueError):
        return None


def render(columns: Sequence[Column], rows: Iterable[Sequence[str]], width: int | None) -> Iterator[str]:
    """The header and one line per row (more on a terminal of ``width`` cells when the last cell is long)."""
    rows = [tuple(row) for row in rows]
    widths = [
        min(max([cell_len(c.name), *(cell_len(row[i]) for row in rows)]), c.max_width)
        for i, c in enumerate(columns[:-1])
    ]
    yield _line(columns, widths, [c.name for c in columns], width)
    for row in rows:
        yield _line(columns, widths, row, width)


def _line(columns: Sequence[Column], widths: Sequence[int], cells: Sequence[str], width: int | None) -> str:
    parts = [_pad(cell, w, c.right) for cell, w, c in zip(cells, widths, columns, strict=False)]
    head = GAP.join(parts) + GAP
    last = cells[-1]
    room = (width or 0) - cell_len(head)
    if width is None or room < 10 or cell_len(last) <= room:
        return head + last
    indent = " " * cell_len(head)
    return head + f"\n{indent}".join(chop_cells(last, room))


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * max(width - cell_len(text), 0)
    return fill + text if right else text + fill


# One wrapping unit: a run of spaces, one CJK character or full-width mark (a line may break before any of them),
# or a run of anything else (a Latin word, an option name, a path: never broken).
_WRAP_UNITS = re.compile(
    r"\s+|[\u2e80-\u9fff\u3000-\u303f\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\u3000-\u303f\uf900-\ufaff\uff00-\uffef]+"
)

_NO_LINE_START = frozenset("，。；：、）」』！？％")  # closing marks stay at the end of the line before


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` terminal cells (a word longer than that on its own line): Chinese
    breaks between characters, other text at spaces; no character is cut."""
    lines: list[str] = []
    line, space = "", False
    for unit in _WRAP_UNITS.findall(text):
        if unit.isspace():
            space = bool(line)
            continue
        candidate = line + (" " if space else "") + unit
        if line and cell_len(candidate) > width and unit[0] not in _NO_LINE_START:
            lines.append(line)
            candidate = unit
        line, space = candidate, False
    return [*lines, line] if line else lines
