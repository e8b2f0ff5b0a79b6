"""Field labels for spans inside tables: a cell's column header is context for the value in it.

Plain-text tables come as delimited files (CSV/TSV: the header is the file's first line) and Markdown
tables (the header is the row above the |---| rule). `TableContext` answers, for a span of a text, the
lower-cased header of the column the span sits in; the context enhancer treats it like a nearby word.
"""

from __future__ import annotations

import bisect
import csv
import re
from collections.abc import Callable
from functools import cached_property

from scanner.detect.pack_recognizer import LabelledSpans

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


class TableContext(LabelledSpans):
    """Column headers for spans of one text (a chunk of a delimited file or a Markdown document)."""

    def __init__(
        self, text: str, *, header: list[str] | None = None, delimiter: str = ",", header_is_first_line: bool = False
    ) -> None:
        self._text = text
        self._header = header
        self._skip_first_line = header_is_first_line  # the header row is not a value under itself
        self._delimiter = delimiter
        self._md_headers: dict[int, list[str]] = {}

    @cached_property
    def _line_starts(self) -> list[int]:
        return [0] + [m.end() for m in re.finditer("\n", self._text)]

    def __call__(self, start: int, end: int) -> tuple[str, ...]:
        line_start = self._text.rfind("\n", 0, start) + 1
        prefix = self._text[line_start:start]
        if self._header is not None:
            if line_start == 0 and self._skip_first_line:
                return ()
            column = _column_of(prefix, self._delimiter)
            return (self._header[column],) if column < len(self._header) else ()
        if prefix.lstrip().startswith("|"):
            header = self._markdown_header(bisect.bisect_right(self._line_starts, start) - 1)
            column = prefix.count("|") - 1
            return (header[column],) if header and 0 <= column < len(header) else ()
        return ()

    def labelled_spans(self, accept: Callable[[str], bool]) -> list[tuple[int, int]]:
        """The cells of every column whose header passes ``accept`` (resolved once per column), or the
        Markdown table rows under such a header."""
        if self._header is not None:
            columns = {i for i, label in enumerate(self._header) if accept(label)}
            return self._column_spans(columns) if columns else []
        spans: list[tuple[int, int]] = []
        pos = self._text.find("|")
        while pos >= 0:
            line_start = self._text.rfind("\n", 0, pos) + 1
            line_end = self._text.find("\n", pos)
            line_end = len(self._text) if line_end < 0 else line_end
            if not self._text[line_start:pos].strip():
                header = self._markdown_header(bisect.bisect_right(self._line_starts, pos) - 1)
                if header and any(accept(label) for label in header):
                    spans.append((line_start, line_end))
            pos = self._text.find("|", line_end)
        return spans

    def _column_spans(self, columns: set[int]) -> list[tuple[int, int]]:
        spans = []
        first = 1 if self._skip_first_line else 0
        text, delimiter, last = self._text, self._delimiter, max(columns)
        for line_no in range(first, len(self._line_starts)):
            start = self._line_starts[line_no]
            end = self._line_starts[line_no + 1] - 1 if line_no + 1 < len(self._line_starts) else len(text)
            for column, (cell_start, cell_end) in enumerate(_cells(text, start, end, delimiter)):
                if column in columns:
                    spans.append((cell_start, cell_end))
                if column >= last:
                    break
        return spans

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


def _cells(text: str, start: int, end: int, delimiter: str):
    """(start, end) of each cell of the line text[start:end], delimiters inside quotes ignored."""
    if '"' not in text[start:end]:
        for piece in text[start:end].split(delimiter):
            yield start, start + len(piece)
            start += len(piece) + 1
        return
    cell_start, quoted = start, False
    for pos in range(start, end):
        ch = text[pos]
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            yield cell_start, pos
            cell_start = pos + 1
    yield cell_start, end


def _column_of(prefix: str, delimiter: str) -> int:
    """Index of the cell a position is in, given the line up to it (delimiters inside quotes ignored)."""
    if '"' not in prefix:
        return prefix.count(delimiter)
    return sum(1 for _ in _cells(prefix, 0, len(prefix), delimiter)) - 1
