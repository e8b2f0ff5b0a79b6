"""Zip and tar extractors: each regular member handed back as an `Embedded` temporary copy, bombs refused.

Declared sizes are checked before anything is decompressed; the copy then counts the bytes it really gets,
so a header that lies about its size cannot fill the disk. Recursion into nested archives is the
scanner's job (it enforces `ArchiveLimits.max_depth`); an inner archive is just another member here.
"""

from __future__ import annotations

import lzma
import os
import re
import stat
import struct
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from scanner.extract.archive_limits import ArchiveLimits
from scanner.extract.base import Embedded, ExtractionError, error_from_os
from scanner.states import FileStatus

__all__ = ["ArchiveLimits", "TarExtractor", "ZipExtractor", "safe_filename"]

MIB = 1 << 20
READ_SIZE = MIB
# zipfile hands bzip2/LZMA input to the decompressor without an output bound: 4 KiB of bzip2 can expand to
# gigabytes in one call before the declared size truncates it. Tiny reads cap a lying member at ~100 MB.
_UNBOUNDED_READ = 64
_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_ZIP_UTF8 = 0x800
_ZIP_ENCRYPTED = 0x1
# What damaged archives raise from inside zipfile, tarfile and the decompressors they drive.
_DAMAGED = (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, struct.error, ValueError)
_DEFAULT_LIMITS = ArchiveLimits()
_UNSAFE_CHARS = re.compile(r'[\\/:*?"<>|]')


class ZipExtractor:
    """Yields the regular files of a .zip as `Embedded(member=True)`; Chinese (GBK) names decoded."""

    def __init__(self, limits: ArchiveLimits = _DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.encoding: str | None = None
        self.members = 0  # regular members, known once the listing passed the limits

    def blocks(self, path: Path) -> Iterator[Embedded]:
        """Check the central directory against the limits, then copy members out one at a time."""
        with _reading(path):
            zf = zipfile.ZipFile(path)
        with zf, _reading(path), tempfile.TemporaryDirectory(prefix="custos-zip-") as tmp:
            infos = zf.infolist()
            _check_count(path, len(infos), self.limits)
            files = [i for i in infos if not i.is_dir() and not stat.S_ISLNK(i.external_attr >> 16)]
            tally = _Tally(path, self.limits, os.fstat(zf.fp.fileno()).st_size)
            for info in files:
                tally.add(_zip_name(info), info.file_size, info.compress_size)
            _check_zip_readable(path, files)
            self.members = len(files)
            for info in files:
                src, read_size = zf.open(info), READ_SIZE
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    src.MIN_READ_SIZE = read_size = _UNBOUNDED_READ  # type: ignore[misc]
                yield from _member(path, tmp, _zip_name(info), src, info.file_size, read_size)


class TarExtractor:
    """Yields the regular files of a .tar (plain, gz, bz2 or xz) as `Embedded(member=True)`."""

    def __init__(self, limits: ArchiveLimits = _DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.encoding: str | None = None
        self.members = 0  # regular members, known once the listing passed the limits

    def blocks(self, path: Path) -> Iterator[Embedded]:
        """Read every header against the limits first, then copy regular members out one at a time."""
        with _reading(path):
            f = open(path, "rb")  # noqa: SIM115 - closed by the with-block below
        with (
            f,
            _reading(path),
            tempfile.TemporaryDirectory(prefix="custos-tar-") as tmp,
            tarfile.open(fileobj=f, mode="r:*", encoding="utf-8", errors="surrogateescape") as tf,
        ):
            tally = _Tally(path, self.limits, os.fstat(f.fileno()).st_size)
            # Headers are read one by one so that a compressed bomb stops at the first header over the limits,
            # instead of being decompressed whole just to list it. Links, devices and directories are skipped.
            files = []
            for count, info in enumerate(tf, start=1):
                _check_count(path, count, self.limits)
                if info.isreg():
                    tally.add(_tar_name(info), info.size, None)
                    files.append(info)
            self.members = len(files)
            for info in files:
                src = tf.extractfile(info)
                if src is not None:  # only for links, which were skipped above
                    yield from _member(path, tmp, _tar_name(info), src, info.size, READ_SIZE)


def safe_filename(name: str, fallback: str = "member") -> str:
    """A temporary file name for an embedded file: its base name, printable, suffix kept, at most 100 chars.

    The name never contributes a directory, so "../../etc/passwd" or "C:\\x" cannot leave our temp directory.
    """
    base = re.split(r"[/\\]", name)[-1]
    base = _UNSAFE_CHARS.sub("_", "".join(ch for ch in base if ch.isprintable())).strip(" .")
    if not base:
        return fallback
    suffix = "".join(PurePosixPath(base).suffixes[-2:])  # ".tar.gz" picks the extractor, keep both parts
    if len(suffix) > 20:
        suffix = PurePosixPath(base).suffix[:20]
    stem = base[: len(base) - len(suffix)] if suffix else base
    # 100 characters, and few enough bytes for a 255-byte file-name limit (a CJK character is 3 in UTF-8).
    while stem and (len(stem) + len(suffix) > 100 or len((stem + suffix).encode("utf-8", "replace")) > 200):
        stem = stem[:-1]
    return (stem + suffix) or fallback


@dataclass
class _Tally:
    """Running totals of declared member sizes, raising as soon as one crosses a limit."""

    path: Path
    limits: ArchiveLimits
    archive_bytes: int
    total: int = 0

    def add(self, name: str, size: int, compressed: int | None) -> None:
        lim, self.total = self.limits, self.total + size
        if compressed is not None and size > MIB and size > lim.max_ratio * max(compressed, 1):
            raise _bomb(self.path, f"member {name!r} expands {compressed:,} bytes to {size:,}", size, compressed)
        # Against the file's real size, so central-directory entries sharing the same data cannot hide.
        if self.total > MIB and self.total > lim.max_ratio * max(self.archive_bytes, 1):
            what = f"members declare {self.total:,} bytes or more from a {self.archive_bytes:,}-byte file"
            raise _bomb(self.path, what, self.total, self.archive_bytes)
        if size > lim.max_member_bytes:
            raise ExtractionError(
                FileStatus.TOO_LARGE,
                f"{self.path}: member {name!r} is {size:,} bytes, over the {lim.max_member_bytes:,}-byte member"
                " limit; unpack it and scan the files directly, or raise the archive limits",
            )
        if self.total > lim.max_total_bytes:
            raise ExtractionError(
                FileStatus.TOO_LARGE,
                f"{self.path}: members add up to more than {lim.max_total_bytes:,} bytes uncompressed; unpack it"
                " and scan the files directly, or raise the archive limits",
            )


def _check_count(path: Path, count: int, limits: ArchiveLimits) -> None:
    if count > limits.max_members:
        raise ExtractionError(
            FileStatus.SUSPICIOUS,
            f"{path}: more than {limits.max_members:,} members looks like a zip bomb; not unpacked, inspect it by"
            " hand in a sandbox or unpack it and scan the files directly",
        )


def _bomb(path: Path, what: str, size: int, compressed: int) -> ExtractionError:
    ratio = size // max(compressed, 1)
    return ExtractionError(
        FileStatus.SUSPICIOUS,
        f"{path}: {what} (ratio {ratio:,}:1) looks like a zip bomb; not unpacked, inspect it by hand in a sandbox",
    )


def _check_zip_readable(path: Path, files: list[zipfile.ZipInfo]) -> None:
    encrypted = [i for i in files if i.flag_bits & _ZIP_ENCRYPTED]
    if encrypted:
        raise ExtractionError(
            FileStatus.ENCRYPTED,
            f"{path}: {len(encrypted)} of {len(files)} members are password-protected (first:"
            f" {_zip_name(encrypted[0])!r}); ask the owner for an unprotected copy and scan that",
        )
    for info in files:
        if info.compress_type not in _ZIP_METHODS:
            raise ExtractionError(
                FileStatus.UNSUPPORTED,
                f"{path}: member {_zip_name(info)!r} uses compression method {info.compress_type} (e.g. Deflate64),"
                " which the scanner cannot read; re-pack the archive with standard zip compression",
            )


def _zip_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & _ZIP_UTF8:
        # zipfile read the raw bytes as cp437, which maps every byte, so encoding gives them back exactly.
        name = _decode_name(name.encode("cp437"), name)
    return name.replace("\\", "/")  # only after decoding: a GBK character's second byte may be 0x5C


def _tar_name(info: tarfile.TarInfo) -> str:
    # Non-UTF-8 (GBK) names arrive as surrogate escapes of their raw bytes; PAX names are always UTF-8.
    return _decode_name(info.name.encode("utf-8", "surrogateescape"), info.name).replace("\\", "/")


def _decode_name(raw: bytes, fallback: str) -> str:
    # The canonical text order: strict UTF-8 (tools that forget the UTF-8 flag), then GB18030 (Chinese Windows).
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return fallback


def _member(archive: Path, tmp: str, name: str, src: BinaryIO, declared: int, read_size: int) -> Iterator[Embedded]:
    """Copy one member out and hand it over; the copy lives until the consumer asks for the next item."""
    target, what = Path(tmp) / safe_filename(name), f"{archive}: member {name!r}"
    written = 0
    with src:
        try:
            dst = open(target, "wb")  # noqa: SIM115 - closed by the with-block; its errors are the temp disk's
        except OSError as exc:
            raise _temp_error(target, what, exc) from exc
        with dst:
            while chunk := src.read(read_size):
                written += len(chunk)
                if written > declared:  # declared sizes already passed the limits
                    raise ExtractionError(
                        FileStatus.SUSPICIOUS,
                        f"{what} decompresses to more than the {declared:,} bytes its header declares; a header"
                        " that lies about its size is a zip-bomb trick, inspect the archive by hand in a sandbox",
                    )
                try:
                    dst.write(chunk)
                except OSError as exc:
                    raise _temp_error(target, what, exc) from exc
    try:
        yield Embedded(name, target, member=True)
    finally:
        target.unlink(missing_ok=True)  # disk use stays at one member


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn what zipfile/tarfile raise into ExtractionErrors that name the archive."""
    try:
        yield
    except ExtractionError:
        raise
    except _DAMAGED as exc:
        raise _corrupt(path, exc) from exc
    except OSError as exc:
        # Decompressors report bad data as OSError without an errno ("Invalid data stream", "Not a gzipped
        # file"); real I/O failures carry one.
        raise (_corrupt(path, exc) if exc.errno is None else error_from_os(path, exc)) from exc


def _corrupt(path: Path, exc: BaseException) -> ExtractionError:
    return ExtractionError(
        FileStatus.CORRUPT,
        f"{path}: damaged or truncated archive ({type(exc).__name__}: {exc}); restore it from a backup",
    )


def _temp_error(target: Path, what: str, exc: OSError) -> ExtractionError:
    reason = exc.strerror or type(exc).__name__
    return ExtractionError(
        FileStatus.IO_ERROR,
        f"{what}: could not write its temporary copy in {target.parent} ({reason}); free space there or set TMPDIR",
    )
