"""Field labels for spans inside tables: a cell's column header is context for the value in it.

Plain-text tables come as delimited files (CSV/TSV: the header is the file's first line) and Markdown
tables (the header is the row above the |---| rule). `TableContext` answers, for a span of a text, the
lower-cased header of the column the span sits in; the context enhancer treats it like a nearby word.
"""

from __future__ import annotations

import bisect
import csv
import re

_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")


def split_header(line: str, delimiter: str) -> list[str]:
    """Header cells of a delimited line, quotes honoured, lower-cased."""
    try:
        cells = next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        cells = line.split(delimiter)
    return [c.strip().strip("\ufeff").lower() for c in cells]


def sniff_delimiter(header_line: str, suffix: str) -> str:
    if suffix == ".tsv":
        return "\t"
    return max((",", "\t", ";", "|"), key=header_line.count)


class TableContext:
    """Column headers for spans of one text (a chunk of a delimited file or a Markdown document)."""

    def __init__(
        self, text: str, *, header: list[str] | None = None, delimiter: str = ",", header_is_first_line: bool = False
    ) -> None:
        self._text = text
        self._header = header
        self._skip_first_line = header_is_first_line  # the header row is not a value under itself
        self._delimiter = delimiter
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._md_headers: dict[int, list[str]] = {}

    def __call__(self, start: int, end: int) -> tuple[str, ...]:
        line_no = bisect.bisect_right(self._line_starts, start) - 1
        line_start = self._line_starts[line_no]
        prefix = self._text[line_start:start]
        if self._header is not None:
            if line_no == 0 and self._skip_first_line:
                return ()
            column = _column_of(prefix, self._delimiter)
            return (self._header[column],) if column < len(self._header) else ()
        if prefix.lstrip().startswith("|"):
            header = self._markdown_header(line_no)
            column = prefix.count("|") - 1
            return (header[column],) if header and 0 <= column < len(header) else ()
        return ()

    def _markdown_header(self, line_no: int) -> list[str] | None:
        """The header row of the Markdown table that ``line_no`` belongs to."""
        row = line_no
        while row > 0 and self._line(row).lstrip().startswith("|") and not _MD_RULE.match(self._line(row)):
            row -= 1
        if not _MD_RULE.match(self._line(row)) or row == 0:
            return None
        if row not in self._md_headers:
            cells = self._line(row - 1).strip().strip("|").split("|")
            self._md_headers[row] = [c.strip().lower() for c in cells]
        return self._md_headers[row]

    def _line(self, line_no: int) -> str:
        start = self._line_starts[line_no]
        end = self._line_starts[line_no + 1] - 1 if line_no + 1 < len(self._line_starts) else len(self._text)
        return self._text[start:end]


def _column_of(prefix: str, delimiter: str) -> int:
    """Index of the cell a position is in, given the line up to it (delimiters inside quotes ignored)."""
    column, quoted = 0, False
    for ch in prefix:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            column += 1
    return column
