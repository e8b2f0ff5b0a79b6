"""One file's pictures read into text blocks: skip the tiny ones and the repeats, turn each upright, read it,
lay its lines out, and say whether it shows an ID card or a bank card. Each picture read is announced
(`PictureRead`: the file's status becomes ocr_done); what was done becomes the file's note ("2 pictures read by
OCR …"), which says why some pictures were not read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from PIL import Image

from scanner.extract.base import Cell, DocumentSeen, PictureRead, TextBlock
from scanner.ocr.document_kind import document_kind
from scanner.ocr.engine import ENGINE_NAME, recognizer
from scanner.ocr.layout import place
from scanner.ocr.orientation import read_upright
from scanner.ocr.pictures import too_small


class PictureReader:
    """Reads the pictures of one file; remembers which it has read, to skip the same picture twice."""

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self.read = self.small = self.repeated = self.turned = 0

    def blocks(self, image: Image.Image, where: str, offset: int) -> Iterator[TextBlock | DocumentSeen | PictureRead]:
        """A PictureRead once `image` is read, its text as one block located `where` (each row a cell "WHERE box
        l,t,r,b"), starting at `offset` in the file's text, then a DocumentSeen if it shows an ID card or a bank
        card. Nothing for a picture skipped as too small or as a repeat."""
        if too_small(image):
            self.small += 1
            return
        digest = hashlib.sha256(image.tobytes()).hexdigest()
        if digest in self._seen:
            self.repeated += 1
            return
        self._seen.add(digest)
        reading = read_upright(image, recognizer())
        self.read += 1
        self.turned += reading.turn != 0
        yield PictureRead(where)
        placed = place(reading.lines)
        if placed.text:
            cells = tuple(
                Cell(start, end, f"{where} box {reading.shown(box)}") for start, end, box in placed.row_ranges()
            )
            yield TextBlock(placed.text, offset, where, cells)
        kind = document_kind(placed.text)
        if kind is not None:
            whole = placed.box_at(0, len(placed.text))
            yield DocumentSeen(kind, where, digest, str(reading.shown(whole)) if whole else None)

    def note(self) -> str | None:
        """What OCR did for the file, for its status line; None when it met no picture."""
        if not (self.read or self.small or self.repeated):
            return None
        parts = [f"{self.read} picture{'s' if self.read != 1 else ''} read by OCR ({ENGINE_NAME})"]
        if self.turned:
            parts.append(f"{self.turned} turned upright")
        if self.small:
            parts.append(f"{self.small} skipped as too small (icons, logos)")
        if self.repeated:
            parts.append(f"{self.repeated} skipped as repeats of one already read")
        return ", ".join(parts)
