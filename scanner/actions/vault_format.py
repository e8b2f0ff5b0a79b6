"""The vault on disk: the chunked AES-256-GCM blob, the wrapped data key, the metadata MAC, and durable writes.

Blob = header ‖ chunk 0 ‖ … ‖ chunk n, with n ≥ 0 (an empty file is a single, empty, final chunk).
  header  = MAGIC (8) ‖ version (1) ‖ chunk size (4, big-endian) ‖ nonce prefix (4, random per item)
  chunk i = AES-256-GCM(data key, nonce = prefix ‖ i (8, big-endian), plaintext,
                        aad = header ‖ item id (16) ‖ i (8) ‖ final flag (1)), i.e. ciphertext ‖ 16-byte tag
Every chunk but the last holds exactly chunk-size plaintext bytes; the last is flagged final and may be full
or empty. Sealing the index and the final flag into each chunk (the STREAM construction used by age and Tink)
makes reordering, truncation at a chunk boundary and appended chunks fail authentication; the item id does
the same for a chunk or a whole blob moved from another item. Memory use is two chunks, whatever the file size.

Key file = KEY_MAGIC (8) ‖ version (1) ‖ nonce (12) ‖ AES-256-GCM(wrapping key, data key, aad = the first 9 bytes
‖ item id): 69 bytes. The wrapping and metadata keys are derived from the master key with HKDF-SHA256.

Durable writes: a temp name in the same directory, created 0600 with O_EXCL, fsynced, renamed into place (a hard
link where the name must not be clobbered), then the directory fsynced.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import struct
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from scanner.fsio import fsync_dir, write_new_private

MAGIC = b"CUSTOSVB"
KEY_MAGIC = b"CUSTOSVK"
VERSION = 1
# Metadata format 2 keeps the original path sealed (`seal_text`, key "path") beside a masked `shown_path`; 1 had
# the path in the clear and is still read.
METADATA_VERSION = 2
READABLE_METADATA_VERSIONS = (1, 2)
HEADER = struct.Struct(">8sBI4s")
HEADER_SIZE = HEADER.size
TAG_SIZE = 16
KEY_SIZE = 32
ID_SIZE = 16
DEFAULT_CHUNK_SIZE = 1 << 20
MAX_CHUNK_SIZE = 64 << 20  # bounds what a damaged header can make the reader allocate
WRAPPED_KEY_SIZE = len(KEY_MAGIC) + 1 + 12 + KEY_SIZE + TAG_SIZE
ITEM_KEY_FILE = re.compile(r"[0-9a-f]{32}\.key")
MARKER = "vault.json"  # holds the master-key check value
TEMP_PREFIX = ".tmp-"  # temp files in the vault root; what a crash leaves with this prefix is garbage

# read(n) returns at most n bytes, and b"" only at the end: a file object's bound .read method fits.
Read = Callable[[int], bytes]


class VaultError(Exception):
    """A vault operation failed; the message names the item or path and what to do about it."""


class VaultIntegrityError(VaultError):
    """Stored data failed authentication or its checksum: damaged, tampered with, or the wrong master key."""


class BlobError(Exception):
    """A blob or key file is malformed or fails authentication (the vault adds which item)."""


def check_chunk_size(chunk_size: int) -> None:
    if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError(f"chunk size must be between 1 and {MAX_CHUNK_SIZE} bytes, not {chunk_size}")


def read_exact(read: Read, size: int) -> bytes:
    """Up to ``size`` bytes, fewer only at the end of the stream; never asks ``read`` for more than ``size``."""
    data = read(size)
    if len(data) == size or not data:
        return data
    parts = [data]
    remaining = size - len(data)
    while remaining and (data := read(remaining)):
        parts.append(data)
        remaining -= len(data)
    return b"".join(parts)


def seal_stream(read: Read, data_key: bytes, item_id: bytes, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
    """Yield the header, then each sealed chunk of the plaintext that ``read`` returns."""
    check_chunk_size(chunk_size)
    header = HEADER.pack(MAGIC, VERSION, chunk_size, secrets.token_bytes(4))
    yield header
    aead = AESGCM(data_key)
    current = read_exact(read, chunk_size)
    index = 0
    while True:
        # A chunk is final when nothing follows it, so read one ahead; a short chunk can only be the last.
        following = read_exact(read, chunk_size) if len(current) == chunk_size else b""
        final = not following
        yield aead.encrypt(_nonce(header, index), current, _aad(header, item_id, index, final))
        if final:
            return
        current, index = following, index + 1


def open_stream(read: Read, data_key: bytes, item_id: bytes) -> Iterator[bytes]:
    """Yield each chunk's plaintext once it authenticates; raise BlobError at the first chunk that does not."""
    header = read_exact(read, HEADER_SIZE)
    sealed_size = _parse_header(header) + TAG_SIZE
    aead = AESGCM(data_key)
    current = read_exact(read, sealed_size)
    index = 0
    while True:
        following = read_exact(read, sealed_size) if len(current) == sealed_size else b""
        final = not following
        if len(current) < TAG_SIZE:
            raise BlobError(f"the blob ends inside chunk {index} (truncated)")
        try:
            plaintext = aead.decrypt(_nonce(header, index), current, _aad(header, item_id, index, final))
        except InvalidTag:
            raise BlobError(f"chunk {index} fails authentication (altered, truncated, reordered or appended)") from None
        yield plaintext
        if final:
            return
        current, index = following, index + 1


def _parse_header(header: bytes) -> int:
    if len(header) < HEADER_SIZE:
        raise BlobError("the blob is shorter than its header")
    magic, version, chunk_size, _prefix = HEADER.unpack(header)
    if magic != MAGIC:
        raise BlobError("not a Custos vault blob (bad magic)")
    if version != VERSION:
        raise BlobError(f"blob format version {version} is not supported (this Custos reads version {VERSION})")
    if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
        raise BlobError(f"implausible chunk size {chunk_size} in the blob header")
    return chunk_size


def _nonce(header: bytes, index: int) -> bytes:
    return header[-4:] + index.to_bytes(8, "big")


def _aad(header: bytes, item_id: bytes, index: int, final: bool) -> bytes:
    return header + item_id + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


def wrap_data_key(wrapping_key: bytes, data_key: bytes, item_id: bytes) -> bytes:
    """The key file's bytes: ``data_key`` sealed under ``wrapping_key`` and bound to ``item_id``."""
    prefix = KEY_MAGIC + bytes([VERSION])
    nonce = secrets.token_bytes(12)
    return prefix + nonce + AESGCM(wrapping_key).encrypt(nonce, data_key, prefix + item_id)


def unwrap_data_key(wrapping_key: bytes, wrapped: bytes, item_id: bytes) -> bytes:
    prefix = KEY_MAGIC + bytes([VERSION])
    if len(wrapped) != WRAPPED_KEY_SIZE or not wrapped.startswith(prefix):
        raise BlobError(f"the key file is malformed ({len(wrapped)} bytes)")
    nonce, sealed = wrapped[len(prefix) : len(prefix) + 12], wrapped[len(prefix) + 12 :]
    try:
        return AESGCM(wrapping_key).decrypt(nonce, sealed, prefix + item_id)
    except InvalidTag:
        raise BlobError("the key file fails authentication (wrong master key, altered, or another item's)") from None


def seal_text(key: bytes, text: str, item_id: bytes) -> str:
    """Hex of nonce ‖ AES-256-GCM(key, text, aad = item id): the original path in an item's metadata."""
    nonce = secrets.token_bytes(12)
    return (nonce + AESGCM(key).encrypt(nonce, text.encode("utf-8", "surrogateescape"), item_id)).hex()


def open_text(key: bytes, sealed: str, item_id: bytes) -> str:
    """The text `seal_text` sealed; BlobError if it was altered, is another item's, or the key is wrong."""
    try:
        data = bytes.fromhex(sealed)
        return AESGCM(key).decrypt(data[:12], data[12:], item_id).decode("utf-8", "surrogateescape")
    except (ValueError, TypeError, InvalidTag) as exc:
        raise BlobError(f"the sealed original path does not open ({type(exc).__name__})") from None


def derive_key(master_key: bytes, purpose: str) -> bytes:
    """An independent 256-bit subkey of the master key for one purpose ("key-wrap", "metadata", "key-check")."""
    info = f"custos-vault/v{VERSION}/{purpose}".encode()
    return HKDF(algorithm=SHA256(), length=KEY_SIZE, salt=None, info=info).derive(master_key)


def canonical_json(record: Mapping[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def metadata_mac(metadata_key: bytes, record: Mapping[str, Any]) -> str:
    """Hex HMAC-SHA256 of the record's canonical JSON, so an altered or swapped .json is detected."""
    return hmac.new(metadata_key, canonical_json(record), hashlib.sha256).hexdigest()


def open_master_key(root: Path, path: Path) -> bytes:
    marker = root / MARKER
    existing = marker.exists() or any(ITEM_KEY_FILE.fullmatch(entry.name) for entry in root.iterdir())
    try:
        key = load_master_key(path) if existing or path.exists() else create_master_key(path)
    except FileNotFoundError:
        raise VaultError(
            f"master key {path} not found, but the vault at {root} already holds items: mount or restore "
            "that key (the path in CUSTOS_VAULT_KEY); a new key could not read them"
        ) from None
    except OSError as exc:
        raise VaultError(f"cannot read or create master key {path}: {exc.strerror or exc}") from exc
    check = derive_key(key, "key-check").hex()
    if marker.exists():
        if not hmac.compare_digest(_read_key_check(marker), check):
            raise VaultError(f"{path} is not the master key of the vault at {root}; use the key it was made with")
    elif not existing:  # only a new vault learns its key here; without a marker, items still authenticate
        write_atomic(marker, json.dumps({"format": VERSION, "key_check": check}).encode())
    return key


def _read_key_check(marker: Path) -> str:
    """The master-key check value recorded in the vault's marker file (vault.json)."""
    try:
        check = json.loads(marker.read_bytes())["key_check"]
    except (ValueError, KeyError, TypeError) as exc:
        raise VaultError(f"{marker} is damaged ({exc!r}); restore it from backup") from exc
    return check if isinstance(check, str) else ""


def load_master_key(path: Path) -> bytes:
    """The 32-byte master key; refuses a file that group/others can access or that has the wrong size."""
    with open(path, "rb") as fh:
        mode = stat.S_IMODE(os.fstat(fh.fileno()).st_mode)
        if mode & 0o077:
            raise VaultError(f"master key {path} is open to group/others (mode {mode:o}); run: chmod 600 {path}")
        key = fh.read(KEY_SIZE + 1)
    if len(key) != KEY_SIZE:
        raise VaultError(f"master key {path} has {len(key)} bytes, not {KEY_SIZE}: restore the right key file")
    return key


def create_master_key(path: Path) -> bytes:
    """Create a random master key file (0600, fsynced) without ever replacing an existing one."""
    key = secrets.token_bytes(KEY_SIZE)
    if not write_new_private(path, key):
        return load_master_key(path)  # another process created it first: use theirs
    return key


def shred(path: Path) -> None:
    """Overwrite with random bytes, fsync, unlink, fsync the directory. Logical deletion only: on SSDs and
    copy-on-write filesystems old blocks may survive (see the vault module docstring)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        noise = memoryview(secrets.token_bytes(os.fstat(fd).st_size))
        while noise:
            noise = noise[os.write(fd, noise) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    path.unlink()
    fsync_dir(path.parent)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new content, never a mix."""
    tmp = path.with_name(f"{TEMP_PREFIX}{secrets.token_hex(4)}-{path.name}")
    try:
        with create_private(tmp) as out:
            out.write(data)
            flush_and_sync(out)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)


def create_private(path: Path) -> BinaryIO:
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600), "wb")


def flush_and_sync(out: BinaryIO) -> None:
    out.flush()
    os.fsync(out.fileno())
