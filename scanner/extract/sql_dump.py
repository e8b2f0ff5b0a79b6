"""SQL dumps (mysqldump, pg_dump, hand-written scripts) read as a stream: each value a cell under its column.

`INSERT INTO customers (name, phone, id_no) VALUES (…), (…);` labels every value with its column, like a
table's header labels a cell; an INSERT without a column list takes the columns of the table's
`CREATE TABLE` seen earlier in the dump. PostgreSQL's `COPY t (cols) FROM stdin;` rows (tab-separated, up to
`\\.`) are read the same way. Everything else is text, one cell per line. Blocks are slices of the file's text
(a row's with a line end added), so offsets index the file; memory stays bounded by the read size and the
longest row, never by the dump.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from scanner.extract.base import Cell, TextBlock
from scanner.extract.plaintext import PlainTextExtractor

_NAME = r"""(?:`[^`]+`|"[^"]+"|\[[^\]]+\]|[\w$]+)"""
_STATEMENT = re.compile(r"^[ \t]*(?:INSERT|REPLACE|COPY)\b", re.I | re.M)
_INSERT = re.compile(
    rf"(?:INSERT|REPLACE)(?:\s+(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE))*\s+INTO\s+(?P<table>{_NAME}(?:\.{_NAME})*)"
    r"\s*(?:\((?P<columns>[^()]*)\))?\s*VALUES\s*",
    re.I,
)
_COPY = re.compile(
    rf"COPY\s+(?P<table>{_NAME}(?:\.{_NAME})*)\s*(?:\((?P<columns>[^()]*)\))?\s+FROM\s+stdin[^\n]*\n", re.I
)
_CREATE = re.compile(rf"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<table>{_NAME}(?:\.{_NAME})*)\s*\(", re.I)
_COLUMN_DEFINITION = re.compile(rf"^\s*(?P<name>{_NAME})\s+\w", re.M)
_NOT_COLUMNS = frozenset(
    {"primary", "key", "unique", "constraint", "index", "foreign", "check", "fulltext", "spatial", "exclude"}
)
_ROW_START = re.compile(r"\s*\(")
# One value and the separator after it: a quoted string (MySQL backslash escapes or doubled quotes, an optional
# introducer or PostgreSQL cast), or a bare token (number, NULL, a function call).
_VALUE = re.compile(
    r"""\s*(?:(?:_\w+\s*|[NnEeXxBb])?'(?P<quoted>(?:[^'\\]++|\\.|'')*+)'(?:::[\w ]+(?:\[\])?)?"""
    r"""|(?P<bare>[^,()'"]*?(?:\([^()']*\))?))\s*(?P<sep>[,)])""",
    re.S,
)
_AFTER_ROW = re.compile(r"\s*([,;])")
_MAX_HEADER = 64 << 10  # an INSERT or COPY header not complete within this many characters is text
_TEXT_BLOCK = 64 << 10  # characters of plain text per block
_MAX_ROW = 4 << 20  # a row longer than this (a huge blob) is read as plain text instead
_NULLS = frozenset({"", "NULL", "null", "\\N", "DEFAULT", "default"})


def _unquote(name: str) -> str:
    return name.strip().strip('`"[]').lower()


def column_names(column_list: str) -> tuple[str, ...]:
    """`name`, "phone", id_no → ('name', 'phone', 'id_no')."""
    return tuple(_unquote(c) for c in column_list.split(","))


def _table_key(table: str) -> str:
    return _unquote(re.split(r"\.(?=[`\"\[\w$])", table)[-1])


class SqlDumpExtractor(PlainTextExtractor):
    """Blocks of a dump: INSERT/COPY rows with one cell per value, other text with one cell per line."""

    def blocks(self, path: Path) -> Iterator[TextBlock]:
        reader = DumpReader()
        for block in super().blocks(path):
            yield from reader.feed(block.text)
        yield from reader.feed("", final=True)


class DumpReader:
    """Turns a dump's text, fed in pieces, into blocks whose texts concatenate to it."""

    def __init__(self) -> None:
        self._buf = ""
        self._offset = 0  # of _buf[0] in the whole text
        self._line = 1  # of _buf[0]
        self._cursor = (0, 1)  # a position in _buf and its line: positions asked for only grow
        self._columns: tuple[str, ...] | None = None  # inside an INSERT (after VALUES) or COPY; None: text
        self._copy = False
        self._header_pending = False  # an INSERT's header is read with its first row
        self._tables: dict[str, tuple[str, ...]] = {}  # CREATE TABLE columns, for INSERTs without a list

    @property
    def buffered(self) -> int:
        """Characters fed but not yet handed out (an unfinished row or statement header)."""
        return len(self._buf)

    def feed(self, text: str, *, final: bool = False) -> Iterator[TextBlock]:
        self._buf += text
        pos = 0
        while pos < len(self._buf):
            if self._columns is None:
                step = self._text(pos, final)
            elif self._copy:
                step = self._copy_row(pos, final)
            else:
                step = self._insert_row(pos, final)
            if step is None:  # needs more text
                break
            end, blocks = step
            yield from blocks
            pos = end
        self._line = self._line_at(pos)
        self._offset += pos
        self._buf = self._buf[pos:]
        self._cursor = (0, self._line)

    def _line_at(self, pos: int) -> int:
        """Line number of ``_buf[pos]``, counting only the line ends since the last position asked for."""
        at, line = self._cursor
        if pos < at:
            at, line = 0, self._line
        line += self._buf.count("\n", at, pos)
        self._cursor = (pos, line)
        return line

    # -- plain text ---------------------------------------------------------------------------------------

    def _text(self, pos: int, final: bool) -> tuple[int, list[TextBlock]] | None:
        """Text up to the next INSERT or COPY, whose header then switches the reader to rows."""
        buf = self._buf
        found = _STATEMENT.search(buf, pos)
        while found:
            start = found.start() + len(found.group(0)) - len(found.group(0).lstrip())
            header = (_COPY if found.group(0).strip().upper() == "COPY" else _INSERT).match(buf, start)
            if header:
                # The header's text opens the first row's block (a COPY header is a line of text of its own).
                copy = header.re is _COPY
                blocks = self._lines(pos, header.end() if copy else start)  # learns CREATE TABLEs first
                self._enter(header, copy=copy)
                return (header.end() if copy else start), blocks
            if not final and len(buf) - start < _MAX_HEADER:
                return (start, self._lines(pos, start)) if start > pos else None  # the header may continue
            found = _STATEMENT.search(buf, found.end())
        if final:
            return len(buf), self._lines(pos, len(buf))
        end = self._safe_text_end(pos)
        return (end, self._lines(pos, end)) if end > pos else None

    def _safe_text_end(self, pos: int) -> int:
        """The last line end of the buffer, but not inside a CREATE TABLE whose closing ';' is not read yet."""
        end = self._buf.rfind("\n", pos) + 1
        create = None
        for create in _CREATE.finditer(self._buf, pos, end):  # noqa: B007 (the last one is wanted)
            pass
        if create and ";" not in self._buf[create.end() : end] and len(self._buf) - create.start() < _MAX_ROW:
            end = self._buf.rfind("\n", pos, create.start()) + 1
        return max(end, pos)

    def _enter(self, header: re.Match[str], *, copy: bool) -> None:
        table = _table_key(header.group("table"))
        columns = header.group("columns")
        self._columns = column_names(columns) if columns else self._tables.get(table, ())
        self._copy = copy
        self._header_pending = not copy

    def _lines(self, start: int, end: int) -> list[TextBlock]:
        """Plain text as blocks of up to _TEXT_BLOCK characters, one cell per line; learns CREATE TABLEs."""
        if start >= end:
            return []
        self._learn_tables(start, end)
        blocks = []
        line = self._line_at(start)
        while start < end:
            cut = self._buf.rfind("\n", start, min(end, start + _TEXT_BLOCK)) + 1 if end - start > _TEXT_BLOCK else end
            cut = cut if cut > start else min(end, start + _TEXT_BLOCK)
            text = self._buf[start:cut]
            cells, at = [], 0
            for piece in text.split("\n"):
                if piece.strip():
                    cells.append(Cell(at, at + len(piece), f"line {line}"))
                at += len(piece) + 1
                line += 1
            line -= 1  # n pieces hold n - 1 line ends; the last piece goes on in the next block
            blocks.append(TextBlock(text, self._offset + start, None, tuple(cells)))
            start = cut
        return blocks

    def _learn_tables(self, start: int, end: int) -> None:
        for create in _CREATE.finditer(self._buf, start, end):
            body_end = self._buf.find(";", create.end(), end)
            body = self._buf[create.end() : body_end if body_end >= 0 else end]
            names = [_unquote(m.group("name")) for m in _COLUMN_DEFINITION.finditer(body)]
            self._tables[_table_key(create.group("table"))] = tuple(n for n in names if n not in _NOT_COLUMNS)

    # -- rows ---------------------------------------------------------------------------------------------

    def _insert_row(self, pos: int, final: bool) -> tuple[int, list[TextBlock]] | None:
        """One `( … )` of VALUES (the first one with the statement's header): a block from ``pos`` to the
        row's end and its separator, a cell per value."""
        buf = self._buf
        at = pos
        if self._header_pending:
            at = _INSERT.match(buf, pos).end()  # matched when the statement was found; the buffer only grew
        row = _ROW_START.match(buf, at)
        spans: list[tuple[int, int]] = []
        if row:
            at = row.end()
            while value := _VALUE.match(buf, at):
                group = "quoted" if value.group("quoted") is not None else "bare"
                spans.append(value.span(group))
                at = value.end()
                if value.group("sep") == ")":
                    break
            else:
                row = None
        after = _AFTER_ROW.match(buf, at) if row else None
        if (row is None or after is None) and not final and len(buf) - pos < _MAX_ROW:
            return None  # the row, or what follows it, is not read yet
        self._header_pending = False
        if row is None:  # not a row we can read: the rest of its line is text
            self._columns = None
            line_end = buf.find("\n", at)
            end = len(buf) if line_end < 0 else line_end + 1
            return end, self._lines(pos, end)
        end = after.end() if after else at
        block = self._row_block(pos, end, spans)
        if after is None or after.group(1) == ";":
            self._columns = None  # the statement ends (or goes on with ON DUPLICATE KEY …: text)
        return end, [block]

    def _copy_row(self, pos: int, final: bool) -> tuple[int, list[TextBlock]] | None:
        """One line of COPY data, tab-separated; the `\\.` line ends the data."""
        buf = self._buf
        newline = buf.find("\n", pos)
        if newline < 0 and not final:
            return None
        end = len(buf) if newline < 0 else newline + 1
        line = buf[pos:end].rstrip("\r\n")
        if line == "\\.":
            self._columns = None
            return pos, []
        spans, at = [], pos
        for field in line.split("\t"):
            spans.append((at, at + len(field)))
            at += len(field) + 1
        return end, [self._row_block(pos, end, spans)]

    def _row_block(self, start: int, end: int, spans: list[tuple[int, int]]) -> TextBlock:
        columns = self._columns or ()
        cells = []
        for index, (s, e) in enumerate(spans):
            if self._buf[s:e].strip() in _NULLS:
                continue
            label = columns[index] if index < len(columns) else None
            cells.append(Cell(s - start, e - start, f"line {self._line_at(s)}", label or None))
        # A row ends its block's line: detection reads a cell's line to its end, and a mysqldump INSERT is one
        # line of thousands of rows. The line end is not part of the file's text; no cell covers it.
        text = self._buf[start:end]
        return TextBlock(text if text.endswith("\n") else text + "\n", self._offset + start, None, tuple(cells))
