"""Reading a package's structure: the header, then one walk over the record frames (no decryption) that finds
each member's records, the manifest, the seal and its signature, and names a truncation or appended bytes."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scanner.display import safe
from scanner.handover import format as fmt
from scanner.handover.format import Header, PackageError
from scanner.i18n import N_, _


@dataclass(frozen=True)
class Section:
    """A run of records: where it starts, how many bytes and chunks it has."""

    offset: int
    length: int
    chunks: int


@dataclass(frozen=True)
class Layout:
    header: Header
    members: tuple[Section, ...]
    manifest: Section
    seal_bytes: bytes
    signature: bytes


@dataclass(frozen=True)
class Record:
    chunk: int  # 0-based position in its section
    final: bool
    body: bytes
    raw: bytes  # frame and body, as hashed into the section's SHA-256


class PackageFile:
    """One package opened read-only, without following a symbolic link; read by offset (pread)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self._fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise PackageError(
                    _("{path} is a symbolic link; give the package file itself").format(path=safe(self.path))
                ) from None
            raise PackageError(
                _("cannot read package {path}: {error}").format(path=safe(self.path), error=exc.strerror or exc)
            ) from None
        info = os.fstat(self._fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(self._fd)
            raise PackageError(_("{path} is not a regular file").format(path=safe(self.path)))
        self.size = info.st_size

    def __enter__(self) -> PackageFile:
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self._fd)

    def read(self, offset: int, count: int) -> bytes:
        parts, remaining = [], count
        while remaining and (data := os.pread(self._fd, remaining, offset + count - remaining)):
            parts.append(data)
            remaining -= len(data)
        return b"".join(parts)

    def layout(self) -> Layout:
        header = fmt.parse_header(self.read(0, fmt.HEADER_SIZE))
        return _Walk(self, header).run()

    def records(self, section: Section) -> Iterator[Record]:
        """The section's records in order (their frames were checked by ``layout``)."""
        offset, end, chunk = section.offset, section.offset + section.length, 0
        while offset < end:
            frame = self.read(offset, fmt.RECORD_SIZE)
            _kind, flags, length = fmt.RECORD.unpack(frame)
            body = self.read(offset + fmt.RECORD_SIZE, length)
            yield Record(chunk, bool(flags & fmt.FINAL), body, frame + body)
            offset += fmt.RECORD_SIZE + length
            chunk += 1


class _Walk:
    """One pass over the frames, seeking past the bodies; raises PackageError at the first broken frame."""

    def __init__(self, package: PackageFile, header: Header) -> None:
        self.package, self.header = package, header
        self.full_chunk = header.chunk_size + fmt.TAG_SIZE
        self.members: list[Section] = []

    def run(self) -> Layout:
        offset = fmt.HEADER_SIZE
        while True:
            section = self._section(offset, fmt.MEMBER_CHUNK, allow_end=True)
            if section is None:
                break
            self.members.append(section)
            offset += section.length
        manifest = self._section(offset, fmt.MANIFEST_CHUNK, allow_end=False)
        assert manifest is not None
        offset += manifest.length
        seal, offset = self._single(offset, fmt.SEAL, fmt.MAX_SEAL_SIZE, N_("signed seal"))
        signature, offset = self._single(offset, fmt.SIGNATURE, fmt.SIGNATURE_SIZE, N_("seal signature"))
        if len(signature) != fmt.SIGNATURE_SIZE:
            raise PackageError(
                _("the seal signature record is damaged ({size} bytes, not 64)").format(size=len(signature))
            )
        if offset != self.package.size:
            raise PackageError(
                _("{count} unexpected bytes after the end of the package (appended)").format(
                    count=self.package.size - offset
                )
            )
        return Layout(self.header, tuple(self.members), manifest, seal, signature)

    def _section(self, offset: int, kind: int, *, allow_end: bool) -> Section | None:
        """The records of one member (None if the manifest starts here) or of the manifest."""
        start, chunk = offset, 0
        while True:
            frame = self._frame(offset, chunk, kind)
            if frame is None:  # the manifest begins: no member here
                return None
            frame_kind, flags, length = frame
            final = bool(flags & fmt.FINAL)
            if flags & ~fmt.FINAL or length < fmt.TAG_SIZE or length > self.full_chunk:
                raise PackageError(
                    _("{what}: chunk {chunk} has a damaged frame (length {length})").format(
                        what=self._what(kind), chunk=chunk + 1, length=length
                    )
                )
            if not final and length != self.full_chunk:
                raise PackageError(
                    _("{what}: chunk {chunk} has a damaged frame (short, not final)").format(
                        what=self._what(kind), chunk=chunk + 1
                    )
                )
            if offset + fmt.RECORD_SIZE + length > self.package.size:
                raise PackageError(self._truncated(kind, chunk, inside=True))
            offset += fmt.RECORD_SIZE + length
            chunk += 1
            if final:
                return Section(start, offset - start, chunk)

    def _frame(self, offset: int, chunk: int, kind: int) -> tuple[int, int, int] | None:
        data = self.package.read(offset, fmt.RECORD_SIZE)
        if len(data) < fmt.RECORD_SIZE:
            raise PackageError(self._truncated(kind, chunk, inside=bool(data)))
        frame_kind, flags, length = fmt.RECORD.unpack(data)
        if kind == fmt.MEMBER_CHUNK and chunk == 0 and frame_kind == fmt.MANIFEST_CHUNK:
            return None
        if frame_kind != kind:
            raise PackageError(
                _("{what}: chunk {chunk} has a damaged frame (record kind {kind})").format(
                    what=self._what(kind), chunk=chunk + 1, kind=frame_kind
                )
            )
        return frame_kind, flags, length

    def _single(self, offset: int, kind: int, limit: int, what: str) -> tuple[bytes, int]:
        """The one record of ``kind`` at ``offset`` and the offset after it; ``what`` (marked with N_) names it."""
        what = _(what)
        data = self.package.read(offset, fmt.RECORD_SIZE)
        if len(data) < fmt.RECORD_SIZE:
            raise PackageError(_("package truncated: its {what} at the end is missing").format(what=what))
        frame_kind, _flags, length = fmt.RECORD.unpack(data)
        if frame_kind != kind or length > limit:
            raise PackageError(
                _("the package's {what} record is damaged (kind {kind}, length {length})").format(
                    what=what, kind=frame_kind, length=length
                )
            )
        body = self.package.read(offset + fmt.RECORD_SIZE, length)
        if len(body) < length:
            raise PackageError(_("package truncated inside its {what}").format(what=what))
        return body, offset + fmt.RECORD_SIZE + length

    def _what(self, kind: int) -> str:
        return (
            _("member {number}").format(number=len(self.members) + 1) if kind == fmt.MEMBER_CHUNK else _("the manifest")
        )

    def _truncated(self, kind: int, chunk: int, *, inside: bool) -> str:
        found, count = len(self.members), self.header.count
        if kind == fmt.MANIFEST_CHUNK:
            return _(
                "package truncated inside its manifest (after {found} members): the signed seal is missing"
            ).format(found=found)
        if chunk == 0 and not inside:
            after = (
                _(
                    "package truncated after member {found} of {count}: the rest, the manifest and the signed seal are"
                    " missing"
                )
                if count
                else _("package truncated after member {found}: the rest, the manifest and the signed seal are missing")
            )
            return after.format(found=found, count=count)
        inside_member = (
            _("package truncated inside member {number} of {count} (at chunk {chunk})")
            if count
            else _("package truncated inside member {number} (at chunk {chunk})")
        )
        return inside_member.format(number=found + 1, count=count, chunk=chunk + 1)
