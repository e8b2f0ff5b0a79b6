"""OLE compound files (legacy Office, WPS): open one and read its streams, whole but within a size limit.

Legacy .doc/.ppt and WPS .wps/.dps keep their text in a few streams of an OLE container; these readers load a
stream into memory, so a stream over `MAX_STREAM_BYTES` is refused as too large rather than read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import olefile

from scanner.extract.base import ExtractionError, error_from_os
from scanner.states import FileStatus

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_STREAM_BYTES = 256 << 20


def require_ole(path: Path, kind: str) -> None:
    """Raise ExtractionError(FileStatus.UNSUPPORTED) when `path` is not an OLE container (an older format of `kind`)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(len(OLE_SIGNATURE))
    except OSError as exc:
        raise error_from_os(path, exc) from exc
    if head != OLE_SIGNATURE:
        raise ExtractionError(
            FileStatus.UNSUPPORTED,
            f"{path}: {kind}: not supported (not an OLE compound file, so an older or other format); open it"
            " in the program that made it and save it as a current Office format",
        )


@contextmanager
def open_ole(path: Path) -> Iterator[olefile.OleFileIO]:
    """The container, closed after use; olefile's errno-less OSErrors mean damage (see `damage_reported`)."""
    ole = olefile.OleFileIO(str(path))
    try:
        yield ole
    finally:
        ole.close()


def first_stream(ole: olefile.OleFileIO, *names: str) -> str | None:
    """The first of `names` that is a stream at the container's top level, or None."""
    return next((name for name in names if ole.exists(name) and ole.get_type(name) == olefile.STGTY_STREAM), None)


def read_stream(ole: olefile.OleFileIO, name: str, path: Path, limit: int = MAX_STREAM_BYTES) -> bytes:
    """The whole stream `name`; ExtractionError(FileStatus.TOO_LARGE) when it is over `limit` bytes."""
    size = ole.get_size(name)
    if size > limit:
        raise ExtractionError(
            FileStatus.TOO_LARGE,
            f"{path}: its {name} stream holds {size >> 20} MiB, over the {limit >> 20} MiB this scanner reads into"
            " memory; review it by hand",
        )
    with ole.openstream(name) as stream:
        return stream.read()
