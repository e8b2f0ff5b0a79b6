"""Building a package: members streamed in chunks into a temp file beside the output, renamed into place once
the signed manifest and seal are written; on any error nothing is left."""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import stat
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from scanner.actions.audit_keys import key_id
from scanner.actions.vault_format import read_exact
from scanner.display import safe
from scanner.fsio import fsync_dir, place
from scanner.handover import format as fmt
from scanner.handover.format import PackageError
from scanner.handover.manifest import (
    Manifest,
    MemberEntry,
    Seal,
    SealedMember,
    manifest_bytes,
    seal_document,
    sign_manifest,
    sign_seal,
)
from scanner.handover.names import check_distinct, check_name, shown_name

TEMP_PREFIX = ".custos-handover-"
SOURCE_IDENTITY = ("st_dev", "st_ino", "st_size", "st_mtime_ns", "st_ctime_ns")
Read = Callable[[int], bytes]


class PackageWriter:
    """Writes one package to ``out_path``: ``with PackageWriter(...) as w: w.add_file(...)``; the signed package
    appears at ``out_path`` when the block ends without an exception (``w.manifest`` then describes it)."""

    def __init__(self, out_path: Path, recipient: X25519PublicKey, signer: Ed25519PrivateKey, *,
                 meta: dict[str, Any], chunk_size: int = fmt.DEFAULT_CHUNK_SIZE) -> None:  # fmt: skip
        if not 1 <= chunk_size <= fmt.MAX_CHUNK_SIZE:
            raise PackageError(f"chunk size must be between 1 and {fmt.MAX_CHUNK_SIZE} bytes, not {chunk_size}")
        self.out_path = Path(out_path)
        self.manifest: Manifest | None = None
        self._meta = fmt.checked_json_object(meta, "the package meta")
        self._signer = signer
        self._recipient_fingerprint = fmt.recipient_fingerprint(recipient)
        self._package_id = secrets.token_bytes(fmt.ID_SIZE)
        ephemeral_public, key = fmt.sender_content_key(recipient, self._package_id)
        self._cipher = fmt.ChunkCipher(key, self._package_id)
        self._header = fmt.Header(self._package_id, ephemeral_public, chunk_size, 0)
        self._chunk_size = chunk_size
        self._members: list[MemberEntry] = []
        self._sealed: list[SealedMember] = []
        self._tmp: Path | None = None
        self._out: BinaryIO | None = None

    def __enter__(self) -> PackageWriter:
        self._start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
        elif self.manifest is None:
            self.close()

    def add_file(self, name: str, source: Path, info: dict[str, Any]) -> MemberEntry:
        """Stream the regular file ``source`` in as member ``name``. The file is opened without following a
        symbolic link and must not change while it is read (size, mtime, inode), or nothing of it is kept."""
        source = Path(source)
        with _open_source(source) as fh:
            before = os.fstat(fh.fileno())
            read = _capped(fh.read, before.st_size + 1)  # a file that keeps growing ends the read, and is refused
            entry = self._add(name, read, info, check=lambda size: _check_unchanged(source, fh, before, size))
        return entry

    def add_bytes(self, name: str, chunks: Iterable[bytes], info: dict[str, Any]) -> MemberEntry:
        """Stream generated content (pieces of any size) in as member ``name``."""
        return self._add(name, _reader(chunks), info)

    def close(self) -> Manifest:
        """Write the manifest, the seal and its signature, and rename the package into place."""
        if self.manifest is not None:
            return self.manifest
        out = self._require_open()
        try:
            manifest = Manifest(
                sha256="",
                package_id=self._package_id.hex(),
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                sender_key_id=key_id(self._signer.public_key()),
                recipient_key_fingerprint=self._recipient_fingerprint,
                meta=self._meta,
                members=tuple(self._members),
            )
            document = manifest_bytes(manifest)
            if len(document) > fmt.MAX_MANIFEST_SIZE:
                raise PackageError(f"the manifest is too large ({len(document)} bytes); split the handover")
            digest = hashlib.sha256(document).hexdigest()
            sealed_manifest = self._write_stream(fmt.MANIFEST_CHUNK, fmt.MANIFEST_INDEX, _reader([document]))[2]
            seal = Seal(manifest.package_id, manifest.created_at, manifest.sender_key_id,
                        self._recipient_fingerprint, self._header.ephemeral_public.hex(), self._chunk_size,
                        manifest.count, manifest.total_bytes, tuple(self._sealed), sealed_manifest, digest,
                        sign_manifest(digest, self._signer))  # fmt: skip
            seal_bytes = fmt.canonical_json(seal_document(seal))
            if len(seal_bytes) > fmt.MAX_SEAL_SIZE:
                raise PackageError(f"too many members for one package ({manifest.count}); split the handover")
            self._write_record(fmt.SEAL, seal_bytes)
            self._write_record(fmt.SIGNATURE, sign_seal(seal_bytes, self._signer))
            out.seek(fmt.COUNT_OFFSET)
            out.write(manifest.count.to_bytes(4, "big"))
            out.flush()
            os.fsync(out.fileno())
            out.close()
            self._publish()
        except BaseException:
            self.abort()
            raise
        self.manifest = Manifest(**{**manifest.__dict__, "sha256": digest})
        return self.manifest

    def abort(self) -> None:
        """Remove the unfinished package; the output path is never created."""
        if self._out is not None and not self._out.closed:
            self._out.close()
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None
        self._out = None

    def _start(self) -> None:
        if self._out is not None or self.manifest is not None:
            raise PackageError("this PackageWriter was already used")
        if os.path.lexists(self.out_path):
            raise PackageError(f"{safe(self.out_path)} exists; refusing to overwrite it (choose another name)")
        self._tmp = self.out_path.with_name(f"{TEMP_PREFIX}{secrets.token_hex(6)}.tmp")
        fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        self._out = os.fdopen(fd, "wb")
        self._out.write(self._header.pack())

    def _publish(self) -> None:
        assert self._tmp is not None
        try:
            place(self._tmp, self.out_path, overwrite=False)
        except FileExistsError:
            raise PackageError(f"{safe(self.out_path)} appeared while the package was built; nothing written") from None
        finally:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None
        fsync_dir(self.out_path.parent)

    def _require_open(self) -> BinaryIO:
        if self._out is None:
            if self.manifest is not None:
                raise PackageError("this package is already closed")
            self._start()
        assert self._out is not None
        return self._out

    def _add(self, name: str, read: Read, info: dict[str, Any], check: Callable[[int], None] | None = None
             ) -> MemberEntry:  # fmt: skip
        index = len(self._members) + 1
        check_name(name, index)
        check_distinct([*(m.name for m in self._members), name])
        info = fmt.checked_json_object(info, f"member {index} ({shown_name(name)}): info")
        out = self._require_open()
        start = out.tell()
        try:
            size, sha256, sealed = self._write_stream(fmt.MEMBER_CHUNK, index - 1, read)
            if check is not None:
                check(size)
        except BaseException:
            out.seek(start)  # a member that failed leaves nothing: the package goes on without it
            out.truncate()
            raise
        entry = MemberEntry(index, name, size, sha256, sealed.ciphertext_sha256, info)
        self._members.append(entry)
        self._sealed.append(sealed)
        return entry

    def _write_stream(self, kind: int, member: int, read: Read) -> tuple[int, str, SealedMember]:
        """Seal what ``read`` returns in chunks (reading one ahead to know the final one); (size, sha256, sealed)."""
        plain, encrypted = hashlib.sha256(), hashlib.sha256()
        size = written = chunk = 0
        current = read_exact(read, self._chunk_size)
        while True:
            following = read_exact(read, self._chunk_size) if len(current) == self._chunk_size else b""
            final = not following
            plain.update(current)
            size += len(current)
            record = self._write_record(kind, self._cipher.seal(member, chunk, final, current), final)
            encrypted.update(record)
            written += len(record)
            chunk += 1
            if final:
                return size, plain.hexdigest(), SealedMember(written, chunk, encrypted.hexdigest())
            current = following

    def _write_record(self, kind: int, body: bytes, final: bool = True) -> bytes:
        record = fmt.record_header(kind, final, len(body)) + body
        self._require_open().write(record)
        return record


def _capped(read: Read, limit: int) -> Read:
    remaining = limit

    def capped(count: int) -> bytes:
        nonlocal remaining
        data = read(min(count, remaining)) if remaining else b""
        remaining -= len(data)
        return data

    return capped


def _reader(chunks: Iterable[bytes]) -> Read:
    """A read(n) over an iterable of byte strings of any size."""
    pieces: Iterator[bytes] = iter(chunks)
    buffer = bytearray()

    def read(count: int) -> bytes:
        while len(buffer) < count:
            piece = next(pieces, None)
            if piece is None:
                break
            if not isinstance(piece, bytes | bytearray | memoryview):
                raise PackageError(f"generated content must be bytes, not {type(piece).__name__}")
            buffer.extend(piece)
        data = bytes(buffer[:count])
        del buffer[:count]
        return data

    return read


def _open_source(source: Path) -> BinaryIO:
    try:  # O_NOFOLLOW: a link could lead anywhere; O_NONBLOCK: a FIFO must not hang the build
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise PackageError(
                f"{shown_name(str(source))} is a symbolic link; links are never followed into a package"
            ) from None
        raise PackageError(f"cannot read {shown_name(str(source))}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise PackageError(f"{shown_name(str(source))} is not a regular file; only regular files go into a package")
    return os.fdopen(fd, "rb")


def _check_unchanged(source: Path, fh: BinaryIO, before: os.stat_result, size: int) -> None:
    after = os.fstat(fh.fileno())
    changed = size != before.st_size or any(getattr(before, f) != getattr(after, f) for f in SOURCE_IDENTITY)
    try:
        now = os.stat(source, follow_symlinks=False)
        replaced = (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino)
    except FileNotFoundError:
        replaced = True
    if changed or replaced:
        raise PackageError(
            f"{shown_name(str(source))} changed while it was packed; it was left out, retry once it is idle"
        )
