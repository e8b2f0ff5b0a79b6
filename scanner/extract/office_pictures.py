"""Pictures inside docx, xlsx and pptx files (a scanned ID pasted into a contract), read by OCR after the
document's own text: each distinct picture in the package's media folder is "image N" (N in name order)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from scanner.extract.base import DocumentSeen, Embedded, Extractor, TextBlock
from scanner.extract.image import PICTURE_SUFFIXES, ocr_unavailable

_MEDIA = ("word/media/", "xl/media/", "ppt/media/")
MAX_PICTURE_BYTES = 40 << 20  # a picture larger than this inside an Office file is not unpacked
MAX_PICTURES = 200


class WithPictures:
    """An Office extractor's blocks, then the OCR text of the pictures in the same package."""

    def __init__(self, inner: Extractor, ocr: bool) -> None:
        self.inner = inner
        self.ocr = ocr
        self.encoding = inner.encoding
        self.notes: list[str] = []

    def blocks(self, path: Path) -> Iterator[TextBlock | Embedded | DocumentSeen]:
        end = 0
        for item in self.inner.blocks(path):
            if isinstance(item, TextBlock):
                end = max(end, item.offset + len(item.text))
            yield item
        self.notes.extend(getattr(self.inner, "notes", ()))
        names = _media_names(path)
        if not names:
            return
        if reason := ocr_unavailable(self.ocr):
            self.notes.append(f"needs_ocr: {len(names)} pictures inside, not read: {reason}")
            return
        yield from self._pictures(path, names, end)

    def _pictures(self, path: Path, names: list[str], offset: int) -> Iterator[TextBlock | DocumentSeen]:
        from scanner.extract.base import ExtractionError
        from scanner.ocr.pictures import frames
        from scanner.ocr.reader import PictureReader

        reader = PictureReader()
        unread = 0
        with zipfile.ZipFile(path) as package:
            for number, name in enumerate(names[:MAX_PICTURES], start=1):
                if package.getinfo(name).file_size > MAX_PICTURE_BYTES:
                    unread += 1
                    continue
                try:
                    with package.open(name) as member:
                        pictures = list(frames(member, name))
                except ExtractionError:
                    unread += 1
                    continue
                for image in pictures[:1]:
                    for item in reader.blocks(image, f"image {number}", offset):
                        if isinstance(item, TextBlock):
                            offset += len(item.text)
                        yield item
        if note := reader.note():
            self.notes.append(note)
        if unread or len(names) > MAX_PICTURES:
            left = unread + max(len(names) - MAX_PICTURES, 0)
            self.notes.append(f"{left} pictures inside not read (damaged, too large or past {MAX_PICTURES})")


def _media_names(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as package:
            return sorted(
                info.filename for info in package.infolist()
                if info.filename.startswith(_MEDIA) and Path(info.filename).suffix.lower() in PICTURE_SUFFIXES
            )  # fmt: skip
    except (OSError, zipfile.BadZipFile):
        return []  # the inner extractor has already reported a damaged package
