"""What every extractor hands to detection (`TextBlock`) and how it reports a file it cannot read."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from scanner.states import EXTRACTION_PROBLEMS, FileStatus


@dataclass(frozen=True)
class Cell:
    """A span of a block's text with its own location and, in tables, its column header."""

    start: int  # index into the block's text
    end: int
    location: str  # "Sheet1!B7", "table 2 row 3 col 1"
    label: str | None = None  # the column header (lower-cased) when the cell sits under one


@dataclass(frozen=True)
class TextBlock:
    """A consecutive piece of a file's extracted text and where it sits in the whole text.

    Plain text: location None, line numbers are computed downstream. Structured formats: a location for the
    whole block ("page 2", "paragraph 14"), or `cells` that locate each part of it (a spreadsheet row).
    """

    text: str
    offset: int  # index of text[0] in the whole extracted text (Python str indices)
    location: str | None = None
    cells: tuple[Cell, ...] = ()


@dataclass(frozen=True)
class Embedded:
    """A file inside a file, handed back to the scanner to extract with the extractor for its own type.

    `path` is a temporary copy, valid until the extractor is asked for its next item. Archive members
    (`member=True`) are recorded as files of their own ("outer.zip:inner/path"); e-mail attachments
    (`member=False`) stay part of the message and prefix their locations ("attachment 客户.csv line 3").
    """

    name: str  # as named inside the container, POSIX separators
    path: Path
    member: bool


@dataclass(frozen=True)
class DocumentSeen:
    """A picture recognised as an identity document or a card (OCR): a finding of its own, whatever its text.
    `digest` (SHA-256 of the picture's pixels) identifies it; `box` is "left,top,right,bottom" or None."""

    kind: str  # a DocumentKind
    location: str
    digest: str
    box: str | None = None


@dataclass(frozen=True)
class PictureRead:
    """A picture (or scanned page) whose text OCR read, at `location`: the file's status becomes ocr_done."""

    location: str


class ExtractionError(Exception):
    """A file that could not be read; `status` is recorded in the database, `message` is shown to people."""

    def __init__(self, status: str, message: str) -> None:
        if status not in EXTRACTION_PROBLEMS:
            raise ValueError(f"unknown extraction status {status!r}")
        super().__init__(message)
        self.status = status
        self.message = message

    def __str__(self) -> str:
        return f"{self.status}: {self.message}"


class Extractor(Protocol):
    """Turns one file into text blocks (and embedded files); `encoding` names the text decoding, if any."""

    encoding: str | None

    def blocks(self, path: Path) -> Iterator[TextBlock | Embedded]: ...


def error_from_os(path: Path, exc: OSError) -> ExtractionError:
    """Translate an OSError raised while opening or reading `path` into an ExtractionError."""
    if isinstance(exc, FileNotFoundError):
        return ExtractionError(FileStatus.VANISHED, f"{path}: no longer exists (deleted or moved during the scan)")
    if isinstance(exc, PermissionError):
        return ExtractionError(
            FileStatus.PERMISSION_DENIED,
            f"{path}: permission denied; grant the scanner's account read access or exclude this path",
        )
    if isinstance(exc, IsADirectoryError):
        return ExtractionError(FileStatus.IO_ERROR, f"{path}: is a directory, not a file")
    reason = exc.strerror or errno.errorcode.get(exc.errno or 0, type(exc).__name__)
    return ExtractionError(FileStatus.IO_ERROR, f"{path}: read failed ({reason}); check the disk or network share")
