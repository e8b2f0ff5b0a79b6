"""Masking Excel (.xlsx, .xlsm) workbooks in place: the extractor finds each value's cell, openpyxl rewrites it.

openpyxl rebuilds the whole package on save and keeps only what it understands, so a workbook holding anything
else (charts, images, pivot tables, embedded objects, ...) is refused rather than saved without it.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote

from openpyxl import load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.utils.exceptions import IllegalCharacterError, InvalidFileException

from scanner.actions.rewrite.base import Edit, Masker, RewriteError
from scanner.actions.rewrite.common import ordered_edits, spread, write_copy
from scanner.extract.base import ExtractionError
from scanner.extract.office_crypto import DAMAGE_ERRORS, check_not_encrypted
from scanner.extract.spreadsheet import XLSX_SUFFIXES, XlsxExtractor, format_value

# The parts openpyxl reads and writes back. It drops calcChain.xml (Excel rebuilds it), printer settings and
# the thumbnail (which shows the unmasked sheet).
_KEPT = re.compile(
    r"\[Content_Types\]\.xml|_rels/\.rels|docProps/(app|core|custom)\.xml|docProps/thumbnail\.\w+"
    r"|xl/(workbook\.xml|_rels/workbook\.xml\.rels|styles\.xml|sharedStrings\.xml|calcChain\.xml|theme/theme1\.xml"
    r"|worksheets/sheet\d+\.xml|worksheets/_rels/sheet\d+\.xml\.rels|tables/table\d+\.xml|comments\d*\.xml"
    r"|comments/comment\d+\.xml|printerSettings/printerSettings\d+\.bin)"
)
_KEPT_WITH_MACROS = re.compile(r"xl/vbaProject\.bin")  # kept by keep_vba=True
# openpyxl writes the shapes of cell comments afresh; without comments a VML drawing holds other shapes.
_COMMENTS, _COMMENT_SHAPES = re.compile(r"xl/comments.*\.xml"), re.compile(r"xl/drawings/\w+\.vml")
_KINDS = {
    "xl/charts/": "charts", "xl/chartsheets/": "chart sheets", "xl/drawings/": "drawings", "xl/media/": "images",
    "xl/pivot": "pivot tables", "xl/embeddings/": "embedded objects", "xl/activeX/": "ActiveX controls",
    "xl/ctrlProps/": "form controls", "xl/externalLinks/": "external links",
    "xl/threadedComments/": "threaded comments",
}  # fmt: skip
_SHOWN_NAMES = 5


class XlsxRewriter:
    """Writes a masked copy of a workbook, cell by cell.

    A value inside a text cell is replaced where it stands (rich text keeps each run's font); a number or date
    cell holding a value (a phone number stored as a number) becomes a text cell holding the masked text.
    Refused (RewriteError, nothing written): formula cells, a value that is also the cell's hyperlink address,
    and workbooks with parts openpyxl would drop. Other formulas lose their cached results; Excel recomputes them.
    """

    SUFFIXES = XLSX_SUFFIXES

    def mask_copy(self, src: Path, dst: Path, edits: Sequence[Edit], masker: Masker, encoding: str | None) -> None:
        """Write `src` with every edit masked to the new file `dst`, flushed, fsynced and with src's permissions."""
        ordered = ordered_edits(edits)
        macros = src.suffix.lower() == ".xlsm"
        try:
            check_not_encrypted(src)
            _refuse_lost_parts(src, macros)
            masked = _masked_cells(src, ordered, masker)
            book = _load(src, macros)
        except ExtractionError as exc:
            raise RewriteError(f"{exc.message}; nothing was changed") from exc
        for location, (shown, splices) in masked.items():
            _mask_cell(src, book, location, shown, splices)
        write_copy(src, dst, book.save)


def _refuse_lost_parts(src: Path, macros: bool) -> None:
    """Refuse a workbook holding parts openpyxl would not write back: saving it would silently lose them."""
    try:
        with zipfile.ZipFile(src) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
    except (zipfile.BadZipFile, OSError) as exc:
        raise RewriteError(f"{src}: cannot read it as a workbook ({exc}); nothing was changed") from exc
    if macros and "xl/vbaProject.bin" not in names:
        # openpyxl would save it either as a plain workbook Excel refuses under an .xlsm name, or with a link to a
        # macro project that is not there.
        raise RewriteError(f"{src}: an .xlsm without a macro project cannot be rewritten faithfully; quarantine it")
    kept = [_KEPT]
    if macros:
        kept.append(_KEPT_WITH_MACROS)
    if any(_COMMENTS.fullmatch(n) for n in names):
        kept.append(_COMMENT_SHAPES)
    lost = [n for n in names if not any(pattern.fullmatch(n) for pattern in kept)]
    if lost:
        kinds = dict.fromkeys(next((k for p, k in _KINDS.items() if n.startswith(p)), "other parts") for n in lost)
        shown = ", ".join(lost[:_SHOWN_NAMES]) + (", ..." if len(lost) > _SHOWN_NAMES else "")
        raise RewriteError(
            f"{src}: contains {'/'.join(kinds)} ({shown}); masking in place would drop them: quarantine the file"
            " instead"
        )


def _masked_cells(src: Path, edits: list[Edit], masker: Masker) -> dict[str, tuple[str, list]]:
    """Per cell location: the cell's extracted text and its (start, end, masked) splices, found by the extractor."""
    found: dict[str, tuple[str, list]] = {}
    pending = iter(edits)
    edit = next(pending, None)
    blocks = XlsxExtractor().blocks(src)
    try:
        for block in blocks:
            if edit is None:
                break
            while edit is not None and edit.start < block.offset + len(block.text):
                start, end = edit.start - block.offset, edit.end - block.offset
                cell = next((c for c in block.cells if c.start <= start < c.end), None)
                if cell is None or cell.location != edit.location or end > cell.end:
                    raise _stale(src, edit)
                shown = block.text[cell.start : cell.end]
                splice = (start - cell.start, end - cell.start, masker(edit, block.text[start:end]))
                found.setdefault(cell.location, (shown, []))[1].append(splice)
                edit = next(pending, None)
    finally:
        blocks.close()
    if edit is not None:
        raise _stale(src, edit)
    return found


def _load(src: Path, macros: bool):
    """The workbook, writable; refused when openpyxl warns it would drop something (an unsupported extension)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with src.open("rb") as fh:
                book = load_workbook(fh, keep_vba=macros, rich_text=True)
        except (InvalidFileException, OSError, *DAMAGE_ERRORS) as exc:
            raise RewriteError(f"{src}: cannot load the workbook to mask it ({exc}); nothing was changed") from exc
    dropped = [str(w.message) for w in caught if not str(w.message).startswith("Workbook contains no")]
    if dropped:
        raise RewriteError(f"{src}: {dropped[0]}; masking in place would drop it: quarantine the file instead")
    return book


def _mask_cell(src: Path, book, location: str, shown: str, splices: list) -> None:
    """Apply one cell's splices (offsets into `shown`, its text as extracted) after checking it still reads so."""
    sheet, coordinate = location.rsplit("!", 1)
    if sheet not in book.sheetnames:
        raise RewriteError(f"{src}: sheet {sheet!r} is gone; the workbook no longer matches the scan; rescan it")
    cell = book[sheet][coordinate]
    value = cell.value
    if cell.data_type == "f":  # its text is a cached result; the formula would compute it again
        raise RewriteError(f"{src}: {location} is a formula; mask its inputs or quarantine the file")
    text = str(value) if isinstance(value, CellRichText) else format_value(value)
    if text != shown:
        raise RewriteError(f"{src}: {location} changed since the scan; the workbook no longer matches it; rescan it")
    link = unquote(cell.hyperlink.target or "") if cell.hyperlink is not None else ""
    if any(shown[start:end] in link for start, end, _ in splices):
        raise RewriteError(f"{src}: a value in {location} is also its hyperlink address; edit the link by hand")
    try:
        if isinstance(value, CellRichText):
            texts = [str(part) for part in value]
            for start, end, masked in reversed(splices):  # right to left: earlier offsets stay valid
                texts = spread(texts, start, end, masked)
            cell.value = CellRichText([_with_text(part, t) for part, t in zip(value, texts, strict=True) if t])
        else:
            for start, end, masked in reversed(splices):
                text = text[:start] + masked + text[end:]
            cell.value = text
            cell.data_type = "s"  # text, even if the masked value starts with "=" like a formula
    except IllegalCharacterError as exc:
        raise RewriteError(f"{src}: the masked value for {location} cannot be stored in a workbook") from exc


def _with_text(part: str | TextBlock, text: str) -> str | TextBlock:
    return text if isinstance(part, str) else TextBlock(part.font, text)


def _stale(src: Path, edit: Edit) -> RewriteError:
    return RewriteError(
        f"{src}: finding {edit.finding_id} ({edit.location}) is not in that cell any more; the workbook no longer"
        " matches the scan; rescan it"
    )
