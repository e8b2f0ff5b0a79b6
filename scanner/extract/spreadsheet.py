"""Spreadsheet extractors: one TextBlock per non-empty row, one Cell per value, labelled by its column header.

Each sheet with values starts with a block of its title (location "sheet title N", N its position among the
workbook's sheets): a title like "张三 13812345678" is personal data too.

A sheet's header is its first non-empty row; each value below it is labelled with the lower-cased header of
its column, so "手机" marks the numbers under it. Values are written as Excel shows them: cached formula
results, whole numbers without ".0" or exponent (a mobile number is often stored as a float), ISO dates.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import xlrd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from xlrd.compdoc import CompDocError
from xlrd.xldate import XLDateError, xldate_as_tuple

from scanner.extract.base import Cell, ExtractionError, TextBlock, error_from_os
from scanner.extract.office_crypto import check_not_encrypted, damage_reported
from scanner.extract.ole import OLE_SIGNATURE, first_stream, open_ole, require_ole
from scanner.states import FileStatus

XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})

# (sheet name, 1-based sheet position, 1-based row number, [(1-based column, text of a non-empty value), ...])
SheetRow = tuple[str, int, int, list[tuple[int, str]]]


class XlsxExtractor:
    """Reads .xlsx/.xlsm workbooks row by row (read-only mode), so memory stays bounded on huge sheets."""

    def __init__(self) -> None:
        self.encoding: str | None = None

    def blocks(self, path: Path) -> Iterator[TextBlock]:
        """Every sheet's non-empty rows; raises ExtractionError for encrypted, damaged or unreadable files."""
        check_not_encrypted(path)
        with damage_reported(path, "Excel (.xlsx)", (InvalidFileException,)), path.open("rb") as fh:
            # A file object, not the path: openpyxl refuses paths whose suffix it does not know.
            workbook = load_workbook(fh, read_only=True, data_only=True)
            try:
                yield from rows_to_blocks(_xlsx_rows(workbook))
            finally:
                workbook.close()


class XlsExtractor:
    """Reads legacy .xls (BIFF) workbooks with xlrd, one sheet in memory at a time."""

    kind = "legacy Excel (.xls)"

    def __init__(self) -> None:
        self.encoding: str | None = None

    def blocks(self, path: Path) -> Iterator[TextBlock]:
        """Every sheet's non-empty rows; raises ExtractionError for encrypted, damaged or unreadable files."""
        _refuse_disguised_text(path)
        check_not_encrypted(path)
        errors = (xlrd.XLRDError, CompDocError)
        # xlrd prints warnings to stdout unless given a log file.
        with damage_reported(path, self.kind, errors), open(os.devnull, "w") as log:
            book = xlrd.open_workbook(str(path), on_demand=True, logfile=log)
            try:
                yield from rows_to_blocks(_xls_rows(book))
            finally:
                book.release_resources()


class WpsSpreadsheetExtractor(XlsExtractor):
    """Reads WPS Spreadsheets (.et) workbooks, which WPS saves in Excel's BIFF format inside an OLE container;
    one in another format is reported as not supported, not as damaged."""

    kind = "legacy WPS spreadsheet (.et)"

    def blocks(self, path: Path) -> Iterator[TextBlock]:
        require_ole(path, self.kind)
        with damage_reported(path, self.kind), open_ole(path) as ole:
            workbook = first_stream(ole, "Workbook", "Book")
        if workbook is None:
            raise ExtractionError(
                FileStatus.UNSUPPORTED,
                f"{path}: {self.kind}: not supported (no Excel workbook stream in its OLE container)",
            )
        yield from super().blocks(path)


def rows_to_blocks(rows: Iterable[SheetRow]) -> Iterator[TextBlock]:
    """One block per row with a value: the values joined by tabs, a newline after; offsets run across sheets.
    A sheet's first such row is preceded by a block of the sheet's title."""
    offset = 0
    current_sheet: int | None = None
    titled: int | None = None
    header: dict[int, str] | None = None
    for sheet, position, row_number, values in rows:
        if position != current_sheet:
            current_sheet, header = position, None
        if not values:
            continue
        if titled != position:
            titled = position
            title = sheet.replace("\n", " ") + "\n"
            yield TextBlock(title, offset, f"sheet title {position}")
            offset += len(title)
        cells: list[Cell] = []
        pos = 0
        for column, text in values:
            label = header.get(column) if header is not None else None
            location = f"{sheet}!{get_column_letter(column)}{row_number}"
            cells.append(Cell(pos, pos + len(text), location, label))
            pos += len(text) + 1  # the tab (or final newline) after the value
        if header is None:
            header = {column: text.strip().lower() for column, text in values}
        text = "\t".join(text for _, text in values) + "\n"
        yield TextBlock(text, offset, cells=tuple(cells))
        offset += len(text)


def format_value(value: object) -> str | None:
    """A cell value as a person reads it in Excel, or None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _format_float(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def _format_float(value: float) -> str:
    if not math.isfinite(value):
        return repr(value)
    # repr() keeps the shortest digits that round-trip, i.e. the digits stored in the file, so an ID that
    # Excel kept as 1.10101199001011E+17 reads 110101199001011000, not int()'s binary ...011008.
    exact = Decimal(repr(value))
    return f"{exact:.0f}" if value.is_integer() else f"{exact:f}"


def _xlsx_rows(workbook) -> Iterator[SheetRow]:
    for position, sheet in enumerate(workbook.worksheets, start=1):
        # Some exporters write a wrong <dimension>; trusting it would silently drop rows beyond it.
        sheet.reset_dimensions()
        for row_number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            values = [(col, text) for col, value in enumerate(row, start=1) if (text := format_value(value))]
            yield sheet.title, position, row_number, values


def _xls_rows(book: xlrd.book.Book) -> Iterator[SheetRow]:
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        for row in range(sheet.nrows):
            cells = sheet.row(row)
            values = [(col, text) for col, cell in enumerate(cells, start=1) if (text := _xls_text(cell, book))]
            yield sheet.name, index + 1, row + 1, values
        book.unload_sheet(index)


def _xls_text(cell: xlrd.sheet.Cell, book: xlrd.book.Book) -> str | None:
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            parts = xldate_as_tuple(cell.value, book.datemode)
        except XLDateError:  # out of Excel's date range: show the serial number rather than lose it
            return format_value(cell.value)
        if parts[:3] == (0, 0, 0):  # a time of day without a date
            return time(*parts[3:]).isoformat()
        return format_value(datetime(*parts))
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return format_value(bool(cell.value))
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value)
    return format_value(cell.value)


def _refuse_disguised_text(path: Path) -> None:
    """Web exports often save an HTML or XML table under an .xls name; say so instead of "damaged"."""
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise error_from_os(path, exc) from exc
    if not head.startswith(OLE_SIGNATURE) and head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise ExtractionError(
            FileStatus.CORRUPT,
            f"{path}: not an Excel workbook but HTML/XML text saved under an .xls name; scan it as text",
        )
