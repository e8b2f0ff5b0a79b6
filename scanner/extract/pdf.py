"""PDF extractor: the text layer of each page, one block per page; scans and password-protected files fail clearly."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

from scanner.extract.base import DocumentSeen, ExtractionError, TextBlock, error_from_os
from scanner.extract.pdf_pictures import holds_picture
from scanner.states import FileStatus

# pypdf reports damaged files through its own errors and, deep in its parsers, assorted built-in ones;
# RecursionError comes from cyclic object references in malicious files.
_DAMAGED = (PyPdfError, ValueError, KeyError, IndexError, TypeError, AttributeError, zlib.error, RecursionError)

# pypdf logs every repaired xref and odd font at WARNING; the scan reports outcomes, not parser chatter.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class PdfExtractor:
    """Yields one TextBlock per page that has a text layer, located "page N" (1-based); pages without one are
    rendered and read by OCR (scanner/ocr/) when it is on and installed, and so are the pictures drawn on pages
    with one ("page N image M")."""

    def __init__(self, ocr: bool = False) -> None:
        self.encoding: str | None = None  # PDFs carry their own text encoding per font
        self.ocr = ocr
        self.notes: list[str] = []

    def blocks(self, path: Path) -> Iterator[TextBlock | DocumentSeen]:
        """Read `path` page by page; raises ExtractionError (encrypted, needs_ocr, corrupt, I/O)."""
        try:
            f = open(path, "rb")  # noqa: SIM115 - held open while the generator yields pages
        except OSError as exc:
            raise error_from_os(path, exc) from exc
        with f:
            yield from self._pages(path, f)

    def _pages(self, path: Path, f: BinaryIO) -> Iterator[TextBlock | DocumentSeen]:
        reader = _open_reader(path, f)
        try:
            pages = list(reader.pages)
        except _DAMAGED as exc:
            raise _corrupt(path, exc) from exc
        offset = 0
        with_text = empty = failed = 0
        scanned: list[int] = []
        pictured: list[int] = []  # pages with a text layer that also hold a picture (a pasted scan)
        for number, page in enumerate(pages, start=1):
            try:
                text = page.extract_text()
            except _DAMAGED:
                # One damaged page must not hide the readable ones; all damaged is reported below.
                failed += 1
                continue
            if not text.strip():
                empty += 1
                scanned.append(number)
                continue
            with_text += 1
            if holds_picture(page):
                pictured.append(number)
            text = _whole_code_points(text if text.endswith("\n") else text + "\n")
            yield TextBlock(text, offset, f"page {number}")
            offset += len(text)
        if scanned or pictured:
            from scanner.extract.scanned_pages import PdfOcr

            ocr = PdfOcr(path, self.ocr, self.notes, offset)
            if scanned:
                with_text += yield from ocr.scanned_pages(scanned, other_pages_read=with_text > 0)
            if pictured:
                yield from ocr.page_pictures(pictured)
            ocr.finish()
        if with_text or not pages:
            return
        if empty:
            also = f" ({failed} more could not be parsed)" if failed else ""
            raise ExtractionError(
                FileStatus.NEEDS_OCR,
                f"{path}: {empty} page{'s' if empty > 1 else ''} without a text layer (scanned?){also}; needs OCR"
                " before it can be checked",
            )
        raise ExtractionError(
            FileStatus.CORRUPT,
            f"{path}: none of its {failed} pages could be parsed; the PDF is damaged, open and re-save it",
        )


def _open_reader(path: Path, f: BinaryIO) -> PdfReader:
    try:
        reader = PdfReader(f, strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            # Files with only an owner password (copy/print restrictions) open with the empty user password.
            raise ExtractionError(
                FileStatus.ENCRYPTED,
                f"{path}: the PDF needs a password to open; ask its owner for an unprotected copy and scan that",
            )
    except (DependencyError, NotImplementedError) as exc:
        raise ExtractionError(
            FileStatus.ENCRYPTED,
            f"{path}: encrypted with a cipher this scanner cannot open ({exc}); ask for an unprotected copy",
        ) from exc
    except FileNotDecryptedError as exc:
        raise ExtractionError(
            FileStatus.ENCRYPTED, f"{path}: the PDF is encrypted ({exc}); ask for an unprotected copy"
        ) from exc
    except _DAMAGED as exc:
        raise _corrupt(path, exc) from exc
    except OSError as exc:
        raise error_from_os(path, exc) from exc
    return reader


def _whole_code_points(text: str) -> str:
    # pypdf decodes ToUnicode maps code unit by code unit with "surrogatepass": an astral character (a rare
    # name character such as 𠮷) can arrive as two surrogates. Join such pairs; lone ones cannot be stored or
    # hashed as UTF-8, so they become U+FFFD.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _corrupt(path: Path, exc: BaseException) -> ExtractionError:
    return ExtractionError(
        FileStatus.CORRUPT, f"{path}: damaged or truncated PDF ({type(exc).__name__}: {exc}); restore it or re-save it"
    )
