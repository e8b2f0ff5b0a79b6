"""Word (.docx) and PowerPoint (.pptx) extractors: text in reading order, each block with where to find it.

Paragraphs become located blocks ("paragraph 12", "slide 3"); each table row becomes one block whose cells
carry their own location ("table 1 row 2 col 3") and the lower-cased text of their column's first-row cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import OpcError
from docx.opc.part import Part, XmlPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsmap, qn
from docx.package import Package
from lxml import etree
from pptx import Presentation
from pptx.exc import PythonPptxError
from pptx.shapes.group import GroupShape
from pptx.text.text import TextFrame

from scanner.extract.base import Cell, ExtractionError, TextBlock
from scanner.extract.office_crypto import check_not_encrypted, check_xml_size, damage_reported
from scanner.states import FileStatus

DOCX_SUFFIXES = frozenset({".docx"})
# python-docx and python-pptx parse every XML part into one in-memory tree, several times the XML's size.
MAX_XML_BYTES = 128 << 20

# (text ending in "\n", block location or None, cells)
Item = tuple[str, str | None, tuple[Cell, ...]]
# Some extracted text and the element it was read from (w:t, w:tab, w:br, ...), or None for the newlines and
# tabs the walk puts between paragraphs and cells itself.
Piece = tuple[etree._Element | None, str]
# An Item whose text is given as the pieces it joins.
PieceItem = tuple[list[Piece], str | None, tuple[Cell, ...]]
# (kind, root element, python-docx part) of a header, footer, notes or comments part.
SideStory = tuple[str, etree._Element, Part]

_P, _TBL, _T = qn("w:p"), qn("w:tbl"), qn("w:t")
_TABS = frozenset({qn("w:tab"), qn("w:ptab")})
_BREAKS = frozenset({qn("w:br"), qn("w:cr")})
_HYPHEN = qn("w:noBreakHyphen")
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
# Text boxes are reported as blocks of their own; a Fallback repeats its Choice for old readers; moved-from
# text also sits, whole, where it was moved to.
# Text boxes are read as stories of their own; paragraph and run properties hold no text, but their tab-stop
# definitions (w:pPr/w:tabs/w:tab) share the tag of a tab character.
_SKIP = frozenset({qn("w:txbxContent"), f"{{{_MC}}}Fallback", qn("w:moveFrom"), qn("w:pPr"), qn("w:rPr")})
# Content controls (forms) and custom-XML tags wrap paragraphs and tables without changing reading order.
_WRAPPERS = frozenset({qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")})
# Stories outside the body, each named as Word names it.
_SIDE_STORIES = {
    RT.HEADER: "header",
    RT.FOOTER: "footer",
    RT.FOOTNOTES: "footnote",
    RT.ENDNOTES: "endnote",
    RT.COMMENTS: "comment",
}
_TEXT_BOXES = etree.XPath(".//w:txbxContent[not(ancestor::mc:Fallback)]", namespaces={"w": nsmap["w"], "mc": _MC})


class DocxExtractor:
    """Reads a .docx: body paragraphs and tables, headers and footers, notes, comments, then text boxes."""

    def __init__(self, max_xml_bytes: int = MAX_XML_BYTES) -> None:
        self.encoding: str | None = None
        self.max_xml_bytes = max_xml_bytes

    def blocks(self, path: Path) -> Iterator[TextBlock]:
        """The document's text blocks; raises ExtractionError for encrypted, damaged or oversized files."""
        check_not_encrypted(path)
        with damage_reported(path, "Word (.docx)", (OpcError,)), path.open("rb") as fh:
            part = open_main_part(path, fh, self.max_xml_bytes)
            items = docx_piece_items(part, side_stories(part))
            yield from _numbered((_joined(pieces), location, cells) for pieces, location, cells in items)


class PptxExtractor:
    """Reads every slide's text frames, tables (also inside groups) and speaker notes of a .pptx."""

    def __init__(self, max_xml_bytes: int = MAX_XML_BYTES) -> None:
        self.encoding: str | None = None
        self.max_xml_bytes = max_xml_bytes

    def blocks(self, path: Path) -> Iterator[TextBlock]:
        """The presentation's text blocks; raises ExtractionError for encrypted, damaged or oversized files."""
        check_not_encrypted(path)
        with damage_reported(path, "PowerPoint (.pptx)", (PythonPptxError,)), path.open("rb") as fh:
            check_xml_size(path, fh, self.max_xml_bytes)
            yield from _numbered(_pptx_items(Presentation(fh)))


def _numbered(items: Iterable[Item]) -> Iterator[TextBlock]:
    offset = 0
    for text, location, cells in items:
        yield TextBlock(text, offset, location, cells)
        offset += len(text)


def _row_item(cells: list[tuple[str, str, str | None]]) -> Item:
    """One block for a table row from its non-empty (text, location, label) cells: tab-joined, newline-ended."""
    spans: list[Cell] = []
    pos = 0
    for text, location, label in cells:
        spans.append(Cell(pos, pos + len(text), location, label or None))
        pos += len(text) + 1
    return "\t".join(text for text, _, _ in cells) + "\n", None, tuple(spans)


# --- Word -------------------------------------------------------------------------------------------------
# The walk yields pieces, not strings, so that the masker (scanner/actions/rewrite/docx.py) can find the element
# each character was read from; the extractor only joins them.


def open_main_part(path: Path, fh: BinaryIO, max_xml_bytes: int = MAX_XML_BYTES):
    """The main document part of the .docx open on `fh`; raises ExtractionError for oversized or non-Word files."""
    check_xml_size(path, fh, max_xml_bytes)
    part = Package.open(fh).main_document_part
    if part.content_type != CT.WML_DOCUMENT_MAIN:  # e.g. a macro-enabled .docm or a template
        raise ExtractionError(
            FileStatus.UNSUPPORTED, f"{path}: not a plain Word document (main part is {part.content_type})"
        )
    return part


def docx_piece_items(part, side: list[SideStory]) -> Iterator[PieceItem]:
    """The document's items in reading order, as pieces; `side` is `side_stories(part)`."""
    body = part.element.body
    yield from _story(body, "paragraph {n}", "table")
    for kind, root, _ in side:
        if kind in ("header", "footer"):
            yield from _story(root, kind, f"{kind} table")
            continue
        # Notes and comments: one story each, numbered as Word shows them (separator notes are not shown).
        notes = [note for note in root if note.tag == qn(f"w:{kind}") and note.get(qn("w:type")) in (None, "normal")]
        for n, note in enumerate(notes, start=1):
            yield from _story(note, f"{kind} {n}", f"{kind} {n} table")
    for prefix, root in [("", body), *((f"{kind} ", root) for kind, root, _ in side)]:
        for n, box in enumerate(_TEXT_BOXES(root), start=1):
            yield from _story(box, f"{prefix}text box {n}", f"{prefix}text box {n} table")


def side_stories(part) -> list[SideStory]:
    """(kind, root element, part) of each header, footer, notes and comments part, in that order.

    Read through relationships, not sections, so a header shared by several sections is read once.
    """
    found = [
        (_SIDE_STORIES[rel.reltype], rel.target_part)
        for rel in part.rels.values()
        if not rel.is_external and rel.reltype in _SIDE_STORIES
    ]
    kinds = list(_SIDE_STORIES.values())
    found.sort(key=lambda pair: (kinds.index(pair[0]), str(pair[1].partname)))
    # python-docx loads notes parts as plain blobs; parse_xml gives them its table-aware element classes.
    return [
        (kind, target.element if isinstance(target, XmlPart) else parse_xml(target.blob), target)
        for kind, target in found
    ]


def _joined(pieces: Iterable[Piece]) -> str:
    return "".join(text for _, text in pieces)


def _story(container, paragraph_location: str, table_prefix: str) -> Iterator[PieceItem]:
    """Paragraphs and tables of one story (body, header, text box) in reading order."""
    paragraphs = tables = 0
    for element in _block_items(container):
        if element.tag == _TBL:
            tables += 1
            yield from _table_rows(element, f"{table_prefix} {tables}")
            continue
        # Every paragraph counts, empty ones too, so "paragraph 12" is the twelfth paragraph mark a person
        # sees with formatting marks shown (paragraphs inside tables are not counted).
        paragraphs += 1
        pieces = _paragraph_pieces(element)
        if _joined(pieces).strip():
            yield [*pieces, (None, "\n")], paragraph_location.format(n=paragraphs), ()


def _block_items(container) -> Iterator:
    for child in container:
        if child.tag in (_P, _TBL):
            yield child
        elif child.tag in _WRAPPERS:
            yield from _block_items(child)


def _table_rows(tbl, prefix: str) -> Iterator[PieceItem]:
    """One item per row; a merged cell appears once, at its first row and grid column."""
    labels: dict[int, str] = {}
    for r, tr in enumerate(tbl.tr_lst, start=1):
        cells: list[tuple[list[Piece], str, str | None]] = []
        column = tr.grid_before + 1
        for tc in tr.tc_lst:
            first, column = column, column + tc.grid_span
            if tc.vMerge == "continue":  # the lower part of a vertical merge: its text is in the row above
                continue
            pieces = _cell_pieces(tc)
            text = _joined(pieces)
            if r == 1:
                labels.update(dict.fromkeys(range(first, column), text.strip().lower()))
            if text.strip():
                cells.append((pieces, f"{prefix} row {r} col {first}", labels.get(first) if r > 1 else None))
        if cells:
            _, _, spans = _row_item([(_joined(pieces), location, label) for pieces, location, label in cells])
            yield [*_separated((pieces for pieces, _, _ in cells), "\t"), (None, "\n")], None, spans


def _cell_pieces(tc) -> list[Piece]:
    lines: list[list[Piece]] = []
    for element in _block_items(tc):
        if element.tag == _P:
            lines.append(_paragraph_pieces(element))
        else:  # a nested table: flattened into the cell that holds it
            lines.extend(_cell_pieces(inner) for tr in element.tr_lst for inner in tr.tc_lst)
    return _separated((line for line in lines if _joined(line).strip()), "\n")


def _separated(groups: Iterable[list[Piece]], separator: str) -> list[Piece]:
    """The groups' pieces in order with a `separator` piece between two groups, as str.join does."""
    joined: list[Piece] = []
    for n, group in enumerate(groups):
        if n:
            joined.append((None, separator))
        joined.extend(group)
    return joined


def _paragraph_pieces(p) -> list[Piece]:
    """A paragraph's visible text, including runs python-docx's `.text` leaves out (tracked insertions,
    content controls, smart tags); deleted text (w:delText) and field codes are not shown, so not read."""
    pieces: list[Piece] = []
    _collect_text(p, pieces)
    return pieces


def _collect_text(element, pieces: list[Piece]) -> None:
    for child in element:
        tag = child.tag
        if tag == _T:
            pieces.append((child, child.text or ""))
        elif tag in _TABS:
            pieces.append((child, "\t"))
        elif tag in _BREAKS:
            pieces.append((child, "\n"))
        elif tag == _HYPHEN:
            pieces.append((child, "-"))
        elif tag not in _SKIP:
            _collect_text(child, pieces)


# --- PowerPoint -------------------------------------------------------------------------------------------


def _pptx_items(presentation) -> Iterator[Item]:
    for s, slide in enumerate(presentation.slides, start=1):
        tables = 0
        for shape in _leaf_shapes(slide.shapes):
            if shape.has_text_frame:
                text = _frame_text(shape.text_frame)
                if text.strip():
                    yield text + "\n", f"slide {s}", ()
            elif shape.has_table:
                tables += 1
                yield from _pptx_table_rows(shape.table, f"slide {s} table {tables}")
        if slide.has_notes_slide and (frame := slide.notes_slide.notes_text_frame) is not None:
            text = _frame_text(frame)
            if text.strip():
                yield text + "\n", f"slide {s} notes", ()


def _leaf_shapes(shapes) -> Iterator:
    for shape in shapes:
        if isinstance(shape, GroupShape):
            yield from _leaf_shapes(shape.shapes)
        else:
            yield shape


def _pptx_table_rows(table, prefix: str) -> Iterator[Item]:
    labels: dict[int, str | None] = {}
    for r, row in enumerate(table.rows, start=1):
        cells: list[tuple[str, str, str | None]] = []
        for c, cell in enumerate(row.cells, start=1):
            if cell.is_spanned:  # covered by a merge; its text sits in the merge's origin cell
                if r == 1:
                    labels[c] = labels.get(c - 1)
                continue
            text = _frame_text(cell.text_frame)
            if r == 1:
                labels[c] = text.strip().lower()
            if text.strip():
                cells.append((text, f"{prefix} row {r} col {c}", labels.get(c) if r > 1 else None))
        if cells:
            yield _row_item(cells)


def _frame_text(frame: TextFrame) -> str:
    # python-pptx marks a line break inside a paragraph with "\v", as PowerPoint's clipboard does.
    return frame.text.replace("\v", "\n")
