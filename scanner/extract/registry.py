"""Which extractor reads which file, by suffix, and by content for a suffix of no known format (text or not).
Adding a format = one extractor module + one line here.

Extractor modules are imported on first use, so a library problem in one format cannot stop the others.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from scanner.extract.archive_limits import ArchiveLimits
from scanner.extract.base import ExtractionError, Extractor
from scanner.extract.image import HEIF_SUFFIXES, PICTURE_SUFFIXES
from scanner.extract.plaintext import PLAIN_TEXT_SUFFIXES, PlainTextExtractor
from scanner.extract.sniff import not_text_reason, read_head
from scanner.states import FileStatus

# suffix → (module, class); archives also take the limits. WPS Office's .wps/.et/.dps are the binary Office
# formats in OLE containers; what is not (older WPS files) is reported as not supported, with the reason.
_LEGACY_WORD = ("scanner.extract.legacy_word", "LegacyWordExtractor")
_LEGACY_SLIDES = ("scanner.extract.legacy_slides", "LegacySlidesExtractor")
_STRUCTURED = {
    ".xlsx": ("scanner.extract.spreadsheet", "XlsxExtractor"),
    ".xlsm": ("scanner.extract.spreadsheet", "XlsxExtractor"),
    ".xls": ("scanner.extract.spreadsheet", "XlsExtractor"),
    ".et": ("scanner.extract.spreadsheet", "WpsSpreadsheetExtractor"),
    ".ett": ("scanner.extract.spreadsheet", "WpsSpreadsheetExtractor"),
    ".docx": ("scanner.extract.wordprocessing", "DocxExtractor"),
    **dict.fromkeys((".doc", ".dot", ".wps", ".wpt"), _LEGACY_WORD),
    **dict.fromkeys((".ppt", ".pps", ".pot", ".dps", ".dpt"), _LEGACY_SLIDES),
    ".pptx": ("scanner.extract.wordprocessing", "PptxExtractor"),
    ".pdf": ("scanner.extract.pdf", "PdfExtractor"),
    ".eml": ("scanner.extract.email_message", "EmlExtractor"),
    ".msg": ("scanner.extract.email_message", "MsgExtractor"),
}
# Plain-text formats read with more structure: offsets still index the file's text (they stay in
# PLAIN_TEXT_SUFFIXES for context, masking and splitting), but form values and dump columns become cells.
_MARKED_UP_TEXT = {
    ".html": ("scanner.extract.html_forms", "HtmlExtractor"),
    ".htm": ("scanner.extract.html_forms", "HtmlExtractor"),
    ".sql": ("scanner.extract.sql_dump", "SqlDumpExtractor"),
}
STRUCTURED_TEXT_SUFFIXES = frozenset(_MARKED_UP_TEXT)
# Pictures are read by OCR (scanner/ocr/); Office packages and PDFs hold pictures too, read when OCR is on.
_PICTURES = ("scanner.extract.image", "ImageExtractor")
_OFFICE_PACKAGES = frozenset({".docx", ".xlsx", ".xlsm", ".pptx"})  # read whole through their extractor, never split
_ARCHIVES = {
    ".zip": ("scanner.extract.archive", "ZipExtractor"),
    ".tar": ("scanner.extract.archive", "TarExtractor"),
    ".tgz": ("scanner.extract.archive", "TarExtractor"),
    ".tar.gz": ("scanner.extract.archive", "TarExtractor"),
    ".tar.bz2": ("scanner.extract.archive", "TarExtractor"),
    ".tar.xz": ("scanner.extract.archive", "TarExtractor"),
}


def format_label(path: Path | str) -> str:
    """The format a file is read as: its (double, for .tar.gz) suffix, lower-cased; '(none)' without one."""
    name = Path(path).name.lower()
    for double in (".tar.gz", ".tar.bz2", ".tar.xz"):
        if name.endswith(double):
            return double
    return Path(name).suffix or "(none)"


def extractor_for(
    path: Path | str,
    block_chars: int = 1 << 20,
    limits: ArchiveLimits | None = None,
    content: Path | None = None,
    *,
    ocr: bool = False,
) -> Extractor | None:
    """A fresh extractor for a file of this name, or None when its format is not supported.

    With `ocr`, pictures, PDF pages without a text layer and pictures inside Office files are read by OCR;
    without it pictures are reported as needs_ocr. A name of no known format is read as plain text when
    `content` (the file on disk) is text by its first bytes; when it is not, ExtractionError(FileStatus.UNSUPPORTED)
    says why. Without `content`, such a name gives None.
    """
    label = format_label(path)
    if label in _MARKED_UP_TEXT:
        cls = _load(*_MARKED_UP_TEXT[label])
        return cls(block_chars) if cls else PlainTextExtractor(block_chars)
    if label in PLAIN_TEXT_SUFFIXES:
        return PlainTextExtractor(block_chars)
    if label in _ARCHIVES:
        cls = _load(*_ARCHIVES[label])
        return cls(limits or ArchiveLimits()) if cls else None
    if label in _STRUCTURED:
        cls = _load(*_STRUCTURED[label])
        if cls is None:
            return None
        if label in (".pdf", ".eml"):
            return cls(ocr=ocr)
        if label in _OFFICE_PACKAGES:  # without OCR too: its note says the pictures were not read, and why
            from scanner.extract.office_pictures import WithPictures

            return WithPictures(cls(), ocr)
        return cls()
    if label in PICTURE_SUFFIXES or label in HEIF_SUFFIXES:
        cls = _load(*_PICTURES)
        return cls(ocr) if cls else None
    if content is None:
        return None
    try:
        reason = not_text_reason(read_head(content))
    except OSError:
        reason = None  # reading it as text reports the error with the status it deserves
    if reason is None:
        return PlainTextExtractor(block_chars)
    raise ExtractionError(FileStatus.UNSUPPORTED, f"{path}: no reader for {label} files, and it is not text ({reason})")


log = logging.getLogger(__name__)


def _load(module: str, name: str):
    """The extractor class, or None (the format is then reported as unsupported) if it cannot be imported."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError as exc:
        log.warning("%s unavailable (%s); those files are reported as unsupported", name, exc)
        return None
