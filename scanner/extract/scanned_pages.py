"""OCR for one PDF: its pages without a text layer, rendered and read like any picture, and the pictures drawn
on its pages with a text layer, read as "page N image M" (scanner/ocr/pdf_pages.py). One PictureReader for the
whole file, so a picture repeated on every page is read once and the file gets one "ocr_done" note. When OCR is
off or not installed, nothing is read and the note says which pages and why."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

from scanner.extract.base import DocumentSeen, TextBlock
from scanner.extract.image import ocr_unavailable

Found = TextBlock | DocumentSeen


class PdfOcr:
    """Reads a PDF's scanned pages and page pictures from `offset` on; `finish` adds what was done to `notes`."""

    def __init__(self, path: Path, ocr: bool, notes: list[str], offset: int) -> None:
        from scanner.ocr.pdf_pages import rendering_unavailable

        self.path, self.notes, self.offset = path, notes, offset
        self.unavailable = ocr_unavailable(ocr) or rendering_unavailable()
        self._reader = None

    def scanned_pages(self, numbers: list[int], *, other_pages_read: bool) -> Generator[Found, None, int]:
        """Yield the OCR blocks of pages `numbers`; return how many pages were read. Unread pages get a note
        when `other_pages_read` (else the caller reports the whole file as needs_ocr)."""
        if self.unavailable:
            if other_pages_read:
                listed = _listed(numbers)
                self.notes.append(f"needs_ocr: pages {listed} have no text layer, not read: {self.unavailable}")
            return 0
        from scanner.ocr.pdf_pages import rendered

        try:
            for number, image in rendered(self.path, numbers):
                yield from self._read(image, f"page {number}")
        except Exception as exc:  # pdfium's errors: the text pages already read stand; say what was not read
            self.notes.append(
                f"needs_ocr: pages {_listed(numbers)} could not be rendered for OCR ({type(exc).__name__})"
            )
            return 0
        return len(numbers)

    def page_pictures(self, numbers: list[int]) -> Generator[Found, None, None]:
        """Yield the OCR blocks of the pictures drawn on pages `numbers` (pages with a text layer)."""
        if self.unavailable:
            self.notes.append(f"needs_ocr: pictures on pages {_listed(numbers)} not read: {self.unavailable}")
            return
        from scanner.ocr.pdf_pages import drawn_pictures

        unread = 0
        try:
            for number, index, image in drawn_pictures(self.path, numbers):
                if image is None:
                    unread += 1
                else:
                    yield from self._read(image, f"page {number} image {index}")
        except Exception as exc:  # noqa: BLE001 - as above: what was read stands
            self.notes.append(
                f"needs_ocr: pictures on pages {_listed(numbers)} could not be taken out ({type(exc).__name__})"
            )
            return
        if unread:
            self.notes.append(f"{unread} pictures on pages with text not read (too large or damaged)")

    def finish(self) -> None:
        if self._reader is not None and (note := self._reader.note()):
            self.notes.append(note)

    def _read(self, image, where: str) -> Generator[Found, None, None]:
        if self._reader is None:
            from scanner.ocr.reader import PictureReader

            self._reader = PictureReader()
        for item in self._reader.blocks(image, where, self.offset):
            if isinstance(item, TextBlock):
                self.offset += len(item.text)
            yield item


def _listed(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")
