"""The notification list as an Excel workbook, produced in chunks in memory for the package writer to encrypt.

openpyxl's writers (write-only mode included) spool each sheet's XML through a temporary file in the system's
temp folder, which would put the plain list on disk; so the few parts of a one-sheet workbook are written here,
straight into a zip stream held in memory. Every cell is text (number format "@", so a mobile stays digits), as an
inline string; a cell that would start a formula (= + - @) carries Excel's quote prefix, so it stays text even
when edited. openpyxl and Excel read the result.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape

from scanner.export import FORMULA_STARTS
from scanner.i18n import CHINESE, N_
from scanner.notify.language import words
from scanner.notify.rows import NotifyRow, header

SHEET_NAME = N_("Notification list")  # in the list's language
ROWS_PER_CHUNK = 1000
MAX_CELL_CHARS = 32_767  # Excel's limit for one cell

_TEXT_STYLE, _QUOTED_STYLE = 1, 2  # indexes into cellXfs below
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # not allowed in XML 1.0
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"

_STATIC_PARTS = {
    "[Content_Types].xml": (
        f'{_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'{_DECL}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_REL}/officeDocument"'
        ' Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'{_DECL}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        '<sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'{_DECL}<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        f'{_DECL}<styleSheet xmlns="{_MAIN}">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" quotePrefix="1"/>'
        '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}
_SHEET_HEAD = f'{_DECL}<worksheet xmlns="{_MAIN}"><sheetData>'
_SHEET_TAIL = "</sheetData></worksheet>"


class _MemorySink:
    """A write-only stream the zip writer fills; `take` hands over what it holds (zipfile sees it as unseekable
    and writes data descriptors, so nothing needs to be rewritten afterwards)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def xlsx_chunks(rows: Iterable[NotifyRow], language: str = CHINESE) -> Iterator[bytes]:
    """The workbook's bytes, in chunks of about `ROWS_PER_CHUNK` rows (compressed)."""
    sink = _MemorySink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[arg-type]
        for name, text in _STATIC_PARTS.items():
            archive.writestr(name, text.replace("{sheet}", escape(words(language).gettext(SHEET_NAME))))
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(_SHEET_HEAD.encode())
            sheet.write(_row_xml(1, header(language)).encode())
            for number, row in enumerate(rows, start=2):
                sheet.write(_row_xml(number, row.cells()).encode())
                if number % ROWS_PER_CHUNK == 0 and (data := sink.take()):
                    yield data
            sheet.write(_SHEET_TAIL.encode())
    yield sink.take()


def _row_xml(number: int, values: Iterable[object]) -> str:
    cells = "".join(_cell_xml(f"{_column(index)}{number}", value) for index, value in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def _cell_xml(ref: str, value: object) -> str:
    text = _NOT_XML.sub("\ufffd", str(value))[:MAX_CELL_CHARS]
    style = _QUOTED_STYLE if text.startswith(FORMULA_STARTS) else _TEXT_STYLE
    return f'<c r="{ref}" t="inlineStr" s="{style}"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def _column(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
