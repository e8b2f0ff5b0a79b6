"""One file's pictures read into text blocks: skip the tiny ones and the repeats, turn each upright, read it,
lay its lines out, and say whether it shows an ID card or a bank card. A picture read before in this process
(the same scan copied into another folder) is taken from `reading_cache` instead of being read again. Each
picture read is announced (`PictureRead`: the file's status becomes ocr_done); what was done becomes the file's
note ("2 pictures read by OCR …"), which says why some pictures were not read.
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
from scanner.ocr.reading_cache import READINGS, PictureText


class PictureReader:
    """Reads the pictures of one file; remembers which it has read, to skip the same picture twice."""

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self.read = self.small = self.repeated = self.turned = self.recalled = 0

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
        key = f"{digest}:{image.mode}:{image.width}x{image.height}"
        reading = READINGS.get(key)
        if reading is None:
            reading = picture_text(image)
            READINGS.put(key, reading)
        else:
            self.recalled += 1
        self.read += 1
        self.turned += reading.turned
        yield PictureRead(where)
        if reading.text:
            cells = tuple(Cell(start, end, f"{where} box {box}") for start, end, box in reading.rows)
            yield TextBlock(reading.text, offset, where, cells)
        if reading.kind is not None:
            yield DocumentSeen(reading.kind, where, digest, reading.whole)

    def note(self) -> str | None:
        """What OCR did for the file, for its status line; None when it met no picture."""
        if not (self.read or self.small or self.repeated):
            return None
        parts = [f"{self.read} picture{'s' if self.read != 1 else ''} read by OCR ({ENGINE_NAME})"]
        if self.recalled:
            parts.append(f"{self.recalled} of them identical to one read before (not read again)")
        if self.turned:
            parts.append(f"{self.turned} turned upright")
        if self.small:
            parts.append(f"{self.small} skipped as too small (icons, logos)")
        if self.repeated:
            parts.append(f"{self.repeated} skipped as repeats of one already read")
        return ", ".join(parts)


def picture_text(image: Image.Image) -> PictureText:
    """Read `image` upright and lay out its text: what the cache keeps for it."""
    reading = read_upright(image, recognizer())
    placed = place(reading.lines)
    rows = tuple((start, end, str(reading.shown(box))) for start, end, box in placed.row_ranges())
    whole = placed.box_at(0, len(placed.text))
    return PictureText(
        placed.text, rows, document_kind(placed.text), str(reading.shown(whole)) if whole else None, reading.turn != 0
    )
