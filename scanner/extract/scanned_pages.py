"""A PDF's pages without a text layer, read by OCR: rendered (scanner/ocr/pdf_pages.py), then read like any
picture. When OCR is off or not installed, the pages are left unread and the note says which and why."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

from scanner.extract.base import DocumentSeen, TextBlock
from scanner.extract.image import ocr_unavailable


def read_scanned_pages(
    path: Path, numbers: list[int], offset: int, ocr: bool, notes: list[str], *, other_pages_read: bool
) -> Generator[TextBlock | DocumentSeen, None, int]:
    """Yield the OCR blocks of pages `numbers` from `offset` on; return how many pages were read. Unread pages
    get a note when `other_pages_read` (else the caller reports the whole file as needs_ocr)."""
    from scanner.ocr.pdf_pages import rendering_unavailable

    reason = ocr_unavailable(ocr) or rendering_unavailable()
    if reason:
        if other_pages_read:
            notes.append(f"needs_ocr: pages {_listed(numbers)} have no text layer, not read: {reason}")
        return 0
    from scanner.ocr.pdf_pages import rendered
    from scanner.ocr.reader import PictureReader

    reader = PictureReader()
    try:
        for number, image in rendered(path, numbers):
            for item in reader.blocks(image, f"page {number}", offset):
                if isinstance(item, TextBlock):
                    offset += len(item.text)
                yield item
    except Exception as exc:  # pdfium's errors: the text pages already read stand; say what was not read
        notes.append(f"needs_ocr: pages {_listed(numbers)} could not be rendered for OCR ({type(exc).__name__})")
        return 0
    if note := reader.note():
        notes.append(note)
    return len(numbers)


def _listed(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")
