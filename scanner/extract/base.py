"""What every extractor hands to detection (`TextBlock`) and how it reports a file it cannot read."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

# Statuses recorded in the database for files that yield no text; values are stable, never rename them.
BINARY = "binary"
UNDECODABLE = "undecodable"
PERMISSION_DENIED = "permission_denied"
VANISHED = "vanished"
TOO_LARGE = "too_large"
UNSUPPORTED = "unsupported"
IO_ERROR = "io_error"

STATUSES = frozenset({BINARY, UNDECODABLE, PERMISSION_DENIED, VANISHED, TOO_LARGE, UNSUPPORTED, IO_ERROR})


@dataclass(frozen=True)
class TextBlock:
    """A consecutive piece of a file's extracted text and where it sits in the whole text."""

    text: str
    offset: int  # index of text[0] in the whole extracted text (Python str indices)
    location: str | None = None  # "Sheet1!B7", "page 2" for structured formats; None for plain text


class ExtractionError(Exception):
    """A file that could not be read; `status` is recorded in the database, `message` is shown to people."""

    def __init__(self, status: str, message: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown extraction status {status!r}")
        super().__init__(message)
        self.status = status
        self.message = message

    def __str__(self) -> str:
        return f"{self.status}: {self.message}"


class Extractor(Protocol):
    """Turns one file into text blocks; `encoding` names the decoding used once `blocks()` has started."""

    encoding: str | None

    def blocks(self, path: Path) -> Iterator[TextBlock]: ...


def error_from_os(path: Path, exc: OSError) -> ExtractionError:
    """Translate an OSError raised while opening or reading `path` into an ExtractionError."""
    if isinstance(exc, FileNotFoundError):
        return ExtractionError(VANISHED, f"{path}: no longer exists (deleted or moved during the scan)")
    if isinstance(exc, PermissionError):
        return ExtractionError(
            PERMISSION_DENIED,
            f"{path}: permission denied; grant the scanner's account read access or exclude this path",
        )
    if isinstance(exc, IsADirectoryError):
        return ExtractionError(IO_ERROR, f"{path}: is a directory, not a file")
    reason = exc.strerror or errno.errorcode.get(exc.errno or 0, type(exc).__name__)
    return ExtractionError(IO_ERROR, f"{path}: read failed ({reason}); check the disk or network share")
