"""The handover package on disk: header, framed records, the content key and the per-chunk AEAD.

Package = header ‖ member 1 ‖ … ‖ member n ‖ manifest ‖ seal record ‖ signature record, nothing after.
  header  = MAGIC (8) ‖ version (1) ‖ package id (16) ‖ ephemeral X25519 public key (32) ‖ chunk size (4)
            ‖ member count (4)   (all big-endian; the count is filled in when the package is closed)
  record  = kind (1) ‖ flags (1) ‖ body length (4) ‖ body
A member is a run of MEMBER_CHUNK records, the last flagged FINAL; every other chunk holds exactly chunk-size
plaintext bytes. The manifest is a run of MANIFEST_CHUNK records sealed the same way. The seal is canonical JSON
(public: no names), the signature the sender's Ed25519 signature of SEAL_CONTEXT ‖ seal.

Content key = HKDF-SHA256(X25519(ephemeral, recipient), salt = ephemeral public ‖ recipient public,
info = KEY_INFO ‖ package id). A fresh ephemeral key per package makes the content key unique, so the nonce
can be the position itself: member index (4) ‖ chunk index (8). Each chunk's associated data binds package id
‖ member index ‖ chunk index ‖ final flag (the STREAM construction, as in the vault): a chunk moved, reordered,
dropped, appended or taken from another package fails authentication.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from scanner.i18n import _

MAGIC = b"CUSTOSHP"
VERSION = 1
HEADER = struct.Struct(">8sB16s32sII")
HEADER_SIZE = HEADER.size
COUNT_OFFSET = HEADER_SIZE - 4  # where close() writes the member count
RECORD = struct.Struct(">BBI")
RECORD_SIZE = RECORD.size
TAG_SIZE = 16
ID_SIZE = 16
KEY_SIZE = 32
DEFAULT_CHUNK_SIZE = 1 << 20
MAX_CHUNK_SIZE = 16 << 20  # bounds what a damaged header can make a reader allocate
MAX_SEAL_SIZE = 64 << 20
MAX_MANIFEST_SIZE = 256 << 20  # the manifest is decrypted in memory to be parsed
SIGNATURE_SIZE = 64
MANIFEST_INDEX = 0xFFFFFFFF  # the manifest's "member index" in nonces and associated data

MEMBER_CHUNK, MANIFEST_CHUNK, SEAL, SIGNATURE = 1, 2, 3, 4
FINAL = 0x01

KEY_INFO = b"custos-handover/v1/content-key/"
SEAL_CONTEXT = b"custos-handover/v1/seal\x00"  # domain separation: the audit key also signs audit records
MANIFEST_CONTEXT = b"custos-handover/v1/manifest\x00"

_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


class PackageError(Exception):
    """A package cannot be written, verified or opened; the message names the first thing wrong."""


class ChunkAuthError(Exception):
    """One chunk failed authentication (the caller adds which member)."""


@dataclass(frozen=True)
class Header:
    package_id: bytes
    ephemeral_public: bytes
    chunk_size: int
    count: int

    def pack(self) -> bytes:
        return HEADER.pack(MAGIC, VERSION, self.package_id, self.ephemeral_public, self.chunk_size, self.count)


def parse_header(data: bytes) -> Header:
    if len(data) < HEADER_SIZE:
        if MAGIC.startswith(data[:8]) or data.startswith(MAGIC):
            raise PackageError(
                _("package truncated inside its header ({size} of {expected} bytes)").format(
                    size=len(data), expected=HEADER_SIZE
                )
            )
        raise PackageError(_("not a Custos handover package (too short, no header)"))
    magic, version, package_id, ephemeral, chunk_size, count = HEADER.unpack(data)
    if magic != MAGIC:
        raise PackageError(_("not a Custos handover package (bad magic)"))
    if version != VERSION:
        raise PackageError(
            _("package format version {version} is not supported (this Custos reads version {supported})").format(
                version=version, supported=VERSION
            )
        )
    if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
        raise PackageError(
            _("implausible chunk size {size} in the package header (damaged header)").format(size=chunk_size)
        )
    return Header(package_id, ephemeral, chunk_size, count)


def record_header(kind: int, final: bool, length: int) -> bytes:
    return RECORD.pack(kind, FINAL if final else 0, length)


def raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(*_RAW)


def recipient_fingerprint(key: X25519PublicKey) -> str:
    """Hex SHA-256 of the raw X25519 public key: names the recipient in the seal and the manifest."""
    return hashlib.sha256(raw_public(key)).hexdigest()


def short(fingerprint: str) -> str:
    return f"{fingerprint[:16]}…"


def content_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes, package_id: bytes) -> bytes:
    hkdf = HKDF(algorithm=SHA256(), length=KEY_SIZE, salt=ephemeral_public + recipient_public,
                info=KEY_INFO + package_id)  # fmt: skip
    return hkdf.derive(shared)


def sender_content_key(recipient: X25519PublicKey, package_id: bytes) -> tuple[bytes, bytes]:
    """(ephemeral public key, content key) for a new package to ``recipient``."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = raw_public(ephemeral.public_key())
    shared = ephemeral.exchange(recipient)
    return ephemeral_public, content_key(shared, ephemeral_public, raw_public(recipient), package_id)


def recipient_content_key(private: X25519PrivateKey, header: Header) -> bytes:
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(header.ephemeral_public))
    except ValueError:
        raise PackageError(_("the package's ephemeral key is invalid (damaged header)")) from None
    recipient_public = raw_public(private.public_key())
    return content_key(shared, header.ephemeral_public, recipient_public, header.package_id)


class ChunkCipher:
    """AES-256-GCM of one package's chunks; the nonce is the chunk's position, the associated data binds it."""

    def __init__(self, key: bytes, package_id: bytes) -> None:
        self._aead = AESGCM(key)
        self._package_id = package_id

    def seal(self, member: int, chunk: int, final: bool, plaintext: bytes) -> bytes:
        return self._aead.encrypt(_nonce(member, chunk), plaintext, self._aad(member, chunk, final))

    def open(self, member: int, chunk: int, final: bool, sealed: bytes) -> bytes:
        try:
            return self._aead.decrypt(_nonce(member, chunk), sealed, self._aad(member, chunk, final))
        except InvalidTag:
            raise ChunkAuthError from None

    def _aad(self, member: int, chunk: int, final: bool) -> bytes:
        return self._package_id + member.to_bytes(4, "big") + chunk.to_bytes(8, "big") + bytes([final])


def _nonce(member: int, chunk: int) -> bytes:
    return member.to_bytes(4, "big") + chunk.to_bytes(8, "big")


def canonical_json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def checked_json_object(value: Any, what: str) -> dict[str, Any]:
    """``value`` as a plain JSON object (a copy), or PackageError naming ``what``."""
    if not isinstance(value, dict):
        raise PackageError(f"{what} must be a JSON object, not {type(value).__name__}")
    try:
        return json.loads(canonical_json(value))
    except (TypeError, ValueError, UnicodeEncodeError) as exc:
        raise PackageError(f"{what} is not JSON ({exc})") from None
