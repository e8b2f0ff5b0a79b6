"""The notification list as CSV bytes for mail-merge and SMS tools: UTF-8 with a BOM (Excel reads it as
UTF-8), every cell quoted as needed, and a cell that would start a formula (= + - @) prefixed with an apostrophe.

Produced in chunks in memory, for the package writer to encrypt: never written to disk in plain."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from scanner.export import spreadsheet_text
from scanner.i18n import CHINESE
from scanner.notify.rows import NotifyRow, header

BOM = "\ufeff".encode()
ROWS_PER_CHUNK = 1000


def csv_chunks(rows: Iterable[NotifyRow], language: str = CHINESE) -> Iterator[bytes]:
    """The list's CSV bytes, the header first, in chunks of about `ROWS_PER_CHUNK` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(header(language))
    pending = 0
    first = True
    for row in rows:
        writer.writerow([_cell(value) for value in row.cells()])
        pending += 1
        if pending == ROWS_PER_CHUNK:
            yield (BOM if first else b"") + _drain(buffer)
            first, pending = False, 0
    yield (BOM if first else b"") + _drain(buffer)


def _cell(value: object) -> object:
    return spreadsheet_text(value) if isinstance(value, str) else value


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data
