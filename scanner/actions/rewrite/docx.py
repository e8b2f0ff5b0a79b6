"""Masking Word (.docx) files in place, run by run, so each run of a value keeps its own formatting.

Values are found by the extractor's own walk (`docx_piece_items`), which says which element each extracted
character was read from; the masked characters are written back into those elements and python-docx saves
every part of the package, touched or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import unquote

from docx.opc.exceptions import OpcError
from docx.opc.part import XmlPart
from docx.oxml.ns import nsmap, qn
from lxml import etree

from scanner.actions.rewrite.base import Edit, Masker, RewriteError
from scanner.actions.rewrite.common import ordered_edits, spread, write_copy
from scanner.extract.base import ExtractionError
from scanner.extract.office_crypto import check_not_encrypted, damage_reported
from scanner.extract.wordprocessing import (
    DOCX_SUFFIXES,
    MAX_XML_BYTES,
    Piece,
    PieceItem,
    docx_piece_items,
    open_main_part,
    side_stories,
)

_T, _R, _HYPERLINK = qn("w:t"), qn("w:r"), qn("w:hyperlink")
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
# Where a document holds text the extractor does not read: tracked moves and deletions, field codes, and the
# copies of text boxes kept for Word 2007 (mc:Fallback).
_UNREAD = etree.XPath(
    "//w:moveFrom//w:t/text() | //w:delText/text() | //w:instrText/text() | //w:fldSimple/@w:instr"
    " | //mc:Fallback//w:t/text()",
    namespaces={"w": nsmap["w"], "mc": _MC},
)


class DocxRewriter:
    """Writes a masked copy of a .docx: body, tables, headers, footers, notes, comments and text boxes.

    A masked text box loses its Word 2007 copy (mc:Fallback), which would keep the value. Refused (RewriteError,
    nothing written): a value also held in a hyperlink address, field code or tracked change, one that spans
    two paragraphs or cells, and a document no longer matching the scan.
    """

    SUFFIXES = DOCX_SUFFIXES

    def __init__(self, max_xml_bytes: int = MAX_XML_BYTES) -> None:
        self.max_xml_bytes = max_xml_bytes

    def mask_copy(self, src: Path, dst: Path, edits: Sequence[Edit], masker: Masker, encoding: str | None) -> None:
        """Write `src` with every edit masked to the new file `dst`, flushed, fsynced and with src's permissions."""
        ordered = ordered_edits(edits)
        try:
            check_not_encrypted(src)
            with damage_reported(src, "Word (.docx)", (OpcError,)), src.open("rb") as fh:
                part = open_main_part(src, fh, self.max_xml_bytes)
                side = side_stories(part)
        except ExtractionError as exc:
            raise RewriteError(f"{exc.message}; nothing was changed") from exc
        parts = {part.element: part, **{root: story for _, root, story in side}}
        for root, values in _mask_items(src, docx_piece_items(part, side), ordered, masker, parts).items():
            unread = "".join(_UNREAD(root))
            if any(value in unread for value in values):
                raise RewriteError(
                    f"{src}: a value to mask is also held in a tracked change or field code, which the scan does not"
                    " read; nothing was changed; accept or reject the tracked changes, or quarantine the file"
                )
            story = parts[root]
            if not isinstance(story, XmlPart):  # python-docx keeps notes as bytes; we masked a parsed copy
                story._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        write_copy(src, dst, part.package.save)


def _mask_items(src: Path, items: Iterable[PieceItem], edits: list[Edit], masker: Masker, parts: dict) -> dict:
    """Mask each edit in the item that holds it; returns the values masked in each changed XML tree, by root."""
    pending = iter(edits)
    edit = next(pending, None)
    masked: dict = {}
    offset = 0
    for pieces, location, cells in items:
        if edit is None:
            break
        text = "".join(t for _, t in pieces)
        splices: list[tuple[int, int, str, str]] = []
        while edit is not None and edit.start < offset + len(text):
            start, end = edit.start - offset, edit.end - offset
            cell = next((c for c in cells if c.start <= start < c.end), None)
            where, limit = (cell.location, cell.end) if cell else (location, len(text) - 1)
            if where != edit.location or end > limit:
                raise _stale(src, edit)
            _refuse_link_address(src, edit, text[start:end], _covered(pieces, start, end), parts)
            splices.append((start, end, masker(edit, text[start:end]), edit.location))
            edit = next(pending, None)
        for root in _apply(src, pieces, splices):
            masked.setdefault(root, []).extend(text[start:end] for start, end, _, _ in splices)
        offset += len(text)
    if edit is not None:
        raise _stale(src, edit)
    return masked


def _covered(pieces: list[Piece], start: int, end: int) -> list:
    """The elements the characters [start, end) of the pieces' text were read from."""
    covered, pos = [], 0
    for element, text in pieces:
        if element is not None and pos < end and start < pos + len(text):
            covered.append(element)
        pos += len(text)
    return covered


def _refuse_link_address(src: Path, edit: Edit, value: str, covered: list, parts: dict) -> None:
    for element in covered:
        for link in element.iterancestors(_HYPERLINK):
            rels = parts[link.getroottree().getroot()].rels
            rel = rels.get(link.get(qn("r:id")) or "")
            if rel is not None and rel.is_external and value in unquote(rel.target_ref):
                raise RewriteError(
                    f"{src}: finding {edit.finding_id} ({edit.location}) is also the address of its hyperlink, which"
                    " masking the text would leave; nothing was changed; edit the link by hand or quarantine the file"
                )


def _apply(src: Path, pieces: list[Piece], splices: list[tuple[int, int, str, str]]) -> set:
    """Write the masked values into the elements they were read from; returns the roots of the trees changed."""
    texts = [t for _, t in pieces]
    for start, end, masked, _ in reversed(splices):  # right to left: the offsets of the ones before stay valid
        texts = spread(texts, start, end, masked)
    where = ", ".join(dict.fromkeys(location for *_, location in splices))
    roots = set()
    for (element, old), new in zip(pieces, texts, strict=True):
        if new == old:
            continue
        if element is None or (element.tag != _T and element.getparent().tag != _R):
            raise RewriteError(
                f"{src}: a value in {where} runs across a paragraph, cell or tab-stop boundary and cannot be masked"
                " in place; nothing was changed; mask it by hand or quarantine the file"
            )
        roots.add(element.getroottree().getroot())
        for choice in element.iterancestors(f"{{{_MC}}}Choice"):  # its Fallback is a copy holding the value
            for fallback in choice.itersiblings(f"{{{_MC}}}Fallback"):
                fallback.getparent().remove(fallback)
        _set_text(src, where, element, new)
    return roots


def _set_text(src: Path, where: str, element, text: str) -> None:
    """Put `text` in a w:t, or in a w:t taking the place of a masked tab, break or hyphen element."""
    try:
        if element.tag != _T:
            replacement = element.makeelement(_T, {})
            element.addprevious(replacement)
            element.getparent().remove(element)
            element = replacement
        element.text = text
    except ValueError as exc:  # lxml refuses control characters XML cannot hold
        raise RewriteError(f"{src}: the masked value for {where} cannot be written into the document ({exc})") from exc
    element.set(_XML_SPACE, "preserve")


def _stale(src: Path, edit: Edit) -> RewriteError:
    return RewriteError(
        f"{src}: finding {edit.finding_id} ({edit.location}) is not where the scan found it; the document no"
        " longer matches the scan; rescan it"
    )
