"""Guards every Office extractor runs a file through: refuse encrypted or oversized files, report damaged ones.

An encrypted .xlsx/.docx/.pptx is not a ZIP at all but an OLE compound file holding the encrypted package,
so without this check it would surface as a "corrupt" file instead of one nobody could inspect.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

import msoffcrypto
from lxml.etree import XMLSyntaxError
from msoffcrypto.exceptions import FileFormatError
from msoffcrypto.exceptions import ParseError as CryptoParseError

from scanner.extract.base import ExtractionError, error_from_os
from scanner.states import FileStatus

# What the ZIP, XML and Office parsers raise on damaged or truncated input (KeyError: a missing part).
DAMAGE_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    IndexError,
    EOFError,
    zlib.error,
    struct.error,
    ParseError,
    XMLSyntaxError,
)


def check_not_encrypted(path: Path) -> None:
    """Raise ExtractionError(FileStatus.ENCRYPTED) when `path` is a password-protected Office file.

    Files msoffcrypto cannot classify pass silently: the format's own parser reports them as damaged.
    """
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise error_from_os(path, exc) from exc
    with fh:
        try:
            if fh.read(4) == b"PK\x03\x04":
                return  # a plain OOXML package: encrypted ones are OLE containers (msoffcrypto parses XML to say so)
            fh.seek(0)
            encrypted = msoffcrypto.OfficeFile(fh).is_encrypted()
        except OSError as exc:
            if exc.errno is not None:  # a real read failure, not olefile's errno-less "incorrect FAT"
                raise error_from_os(path, exc) from exc
            return
        # msoffcrypto's binary-format parsers assert and unpack their way through the header; on a damaged
        # file any of these means "cannot tell", and the extractor's parser then names the damage.
        except (FileFormatError, CryptoParseError, AssertionError, *DAMAGE_ERRORS):
            return
    if encrypted:
        raise ExtractionError(
            FileStatus.ENCRYPTED,
            f"{path}: password-protected; it may hold personal data that could not be inspected"
            " — open it with the owner or record it",
        )


def check_xml_size(path: Path, fh: BinaryIO, limit: int) -> None:
    """Raise ExtractionError(FileStatus.TOO_LARGE) when the package's XML parts unpack to more than `limit` bytes.

    For parsers that build the whole document tree in memory (python-docx, python-pptx); rewinds `fh`.
    """
    with zipfile.ZipFile(fh) as archive:
        size = sum(info.file_size for info in archive.infolist() if info.filename.endswith((".xml", ".rels")))
    fh.seek(0)
    if size > limit:
        raise ExtractionError(
            FileStatus.TOO_LARGE,
            f"{path}: {size >> 20} MiB of XML once unpacked, over the {limit >> 20} MiB this scanner parses"
            " in memory; review it by hand",
        )


@contextmanager
def damage_reported(path: Path, kind: str, extra: tuple[type[Exception], ...] = ()) -> Iterator[None]:
    """Turn parser failures inside the block into ExtractionError: FileStatus.CORRUPT for damage, OS errors as such.

    `kind` names the format for people ("Excel (.xlsx)"); `extra` adds a library's own exception types.
    """
    try:
        yield
    except OSError as exc:
        if exc.errno is None:  # olefile and xlrd signal a malformed container with errno-less IOErrors
            raise _corrupt(path, kind, exc) from exc
        raise error_from_os(path, exc) from exc
    except (*DAMAGE_ERRORS, *extra) as exc:
        raise _corrupt(path, kind, exc) from exc


def _corrupt(path: Path, kind: str, exc: BaseException) -> ExtractionError:
    # KeyError's str() adds quotes; the first argument reads better ("There is no item named ...").
    detail = str(exc.args[0]) if len(exc.args) == 1 else str(exc)
    detail = detail or type(exc).__name__
    return ExtractionError(FileStatus.CORRUPT, f"{path}: damaged or truncated {kind} file ({detail})")
