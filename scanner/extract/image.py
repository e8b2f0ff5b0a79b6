"""Pictures (jpg, png, tiff with its pages, bmp, webp, gif; heic with pi-heif): their text read by OCR.

A single picture's text is located "image 1" (not by the file's name, which may itself hold a name that must
not reach the database unmasked), each row with its box; a multi-page TIFF's by "page N". Without OCR
(`--no-ocr`, or the `ocr` extra not installed) the file is `needs_ocr`, with the reason.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

from scanner.extract.base import DocumentSeen, ExtractionError, TextBlock, error_from_os
from scanner.states import FileStatus

PICTURE_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".tif", ".tiff", ".bmp", ".webp", ".gif"})
HEIF_SUFFIXES = frozenset({".heic", ".heif"})
OCR_OFF = 'OCR is off for this scan (--no-ocr, or [daemon] ocr = "off")'
OCR_QUEUED = "queued for OCR"  # the daemon's OCR queue reads it later (scanner.file_scan.queued_for_ocr)


def ocr_unavailable(ocr: bool) -> str | None:
    """Why pictures cannot be read in this scan, or None when they can."""
    if not ocr:
        return OCR_OFF
    from scanner.ocr.engine import available

    return available()


class ImageExtractor:
    """Yields the OCR text of each frame of a picture file, and a DocumentSeen for an ID card or bank card."""

    def __init__(self, ocr: bool = True) -> None:
        self.encoding: str | None = None
        self.ocr = ocr
        self.notes: list[str] = []

    def blocks(self, path: Path) -> Iterator[TextBlock | DocumentSeen]:
        if reason := ocr_unavailable(self.ocr):
            raise ExtractionError(FileStatus.NEEDS_OCR, f"{path.name}: a picture, not read: {reason}")
        if path.suffix.lower() in HEIF_SUFFIXES:
            _register_heif(path)
        from scanner.ocr.pictures import frames
        from scanner.ocr.reader import PictureReader

        reader = PictureReader()
        try:
            f = open(path, "rb")  # noqa: SIM115 - held open while the generator yields frames
        except OSError as exc:
            raise error_from_os(path, exc) from exc
        offset = 0
        with f:
            pages = list(frames(f, path.name))
        for number, image in enumerate(pages, start=1):
            where = "image 1" if len(pages) == 1 else f"page {number}"
            for item in reader.blocks(image, where, offset):
                if isinstance(item, TextBlock):
                    offset += len(item.text)
                yield item
        if note := reader.note():
            self.notes.append(note)


def _register_heif(path: Path) -> None:
    """Teach Pillow HEIC: pi-heif (the `ocr` extra: libheif and libde265, decoding only, LGPL-3.0 libraries)
    or, where a site installed it instead, pillow-heif (its wheels bundle the GPL-2.0 x265 encoder)."""
    for module in ("pi_heif", "pillow_heif"):
        try:
            register = importlib.import_module(module).register_heif_opener
        except ImportError:
            continue
        register()
        return
    raise ExtractionError(
        FileStatus.UNSUPPORTED,
        f"{path.name}: HEIC pictures need pi-heif; install the OCR extra (pip install 'custos[ocr]')",
    )
