"""Findings as an Excel workbook: openpyxl's write-only mode streams the rows, so memory stays flat.

Every text cell is stored as a string with Excel's quote prefix: a path or preview starting with "=" is shown as
written and never becomes a formula, not even after someone edits the cell. The columns are the CSV's."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from scanner.export import COLUMNS, EXTRA_COLUMNS, FORMULA_STARTS, table_record
from scanner.store.store import FindingRow

SHEET_ROWS = 1_048_576  # Excel's limit per sheet, the header row included: more findings go on another sheet


def write_xlsx(rows: Iterable[FindingRow], out: BinaryIO) -> int:
    from openpyxl import Workbook  # only this format needs it

    workbook = Workbook(write_only=True)
    header = [*COLUMNS, *EXTRA_COLUMNS]
    sheet, used, count = None, SHEET_ROWS, 0
    for row in rows:
        if used == SHEET_ROWS:
            sheet = workbook.create_sheet("findings" if sheet is None else f"findings {len(workbook.worksheets) + 1}")
            sheet.append(header)
            used = 1
        record = table_record(row)
        sheet.append([_cell(sheet, record[name]) for name in header])
        used += 1
        count += 1
    if sheet is None:
        workbook.create_sheet("findings").append(header)
    workbook.save(out)
    return count


def _cell(sheet, value: object):
    from openpyxl.cell import WriteOnlyCell

    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would store "=…" as a formula
    if value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    return cell
