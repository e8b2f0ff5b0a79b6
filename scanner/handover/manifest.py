"""The two signed documents of a package: the manifest (encrypted: it names the files) and the seal (public).

The manifest lists every member: name, size, SHA-256 of the plaintext, SHA-256 of its encrypted records, info;
plus the package's meta, count and total bytes. The seal repeats what can be public — package id, recipient
fingerprint, sender key id, count, each member's encrypted size and SHA-256, the encrypted manifest's SHA-256 —
and carries the manifest's own signature, so a holder of only the sender's public key can check every byte.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from scanner.actions.audit_keys import key_id
from scanner.handover.format import MANIFEST_CONTEXT, SEAL_CONTEXT, VERSION, PackageError, canonical_json, short
from scanner.i18n import _

MANIFEST_FORMAT = "custos-handover-manifest"
SEAL_FORMAT = "custos-handover-seal"


@dataclass(frozen=True)
class MemberEntry:
    """One file in the package, as the manifest lists it (``index`` counts from 1)."""

    index: int
    name: str
    size: int
    sha256: str
    ciphertext_sha256: str
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    """The package's signed list of contents; ``sha256`` is the hash of its canonical JSON (the audit records it)."""

    sha256: str
    package_id: str
    created_at: str
    sender_key_id: str
    recipient_key_fingerprint: str
    meta: dict[str, Any]
    members: tuple[MemberEntry, ...]

    @property
    def count(self) -> int:
        return len(self.members)

    @property
    def total_bytes(self) -> int:
        return sum(member.size for member in self.members)


@dataclass(frozen=True)
class SealedMember:
    """What the public seal says about one member: its encrypted records' length, chunk count and SHA-256."""

    ciphertext_bytes: int
    chunks: int
    ciphertext_sha256: str


@dataclass(frozen=True)
class Seal:
    """The public, signed summary (parsed): enough to check every encrypted byte without the private key."""

    package_id: str
    created_at: str
    sender_key_id: str
    recipient_key_fingerprint: str
    ephemeral_public: str
    chunk_size: int
    count: int
    total_bytes: int
    members: tuple[SealedMember, ...]
    manifest: SealedMember
    manifest_sha256: str
    manifest_signature: str


def manifest_document(manifest: Manifest) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "version": VERSION,
        "package_id": manifest.package_id,
        "created_at": manifest.created_at,
        "sender_key_id": manifest.sender_key_id,
        "recipient_key_fingerprint": manifest.recipient_key_fingerprint,
        "meta": manifest.meta,
        "count": manifest.count,
        "total_bytes": manifest.total_bytes,
        "members": [
            {
                "index": m.index,
                "name": m.name,
                "size": m.size,
                "sha256": m.sha256,
                "ciphertext_sha256": m.ciphertext_sha256,
                "info": m.info,
            }
            for m in manifest.members
        ],
    }


def manifest_bytes(manifest: Manifest) -> bytes:
    return canonical_json(manifest_document(manifest))


def manifest_sha256(document: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(document)).hexdigest()


def sign_manifest(digest: str, signer: Ed25519PrivateKey) -> str:
    return base64.b64encode(signer.sign(MANIFEST_CONTEXT + bytes.fromhex(digest))).decode("ascii")


def seal_document(seal: Seal) -> dict[str, Any]:
    def sealed(member: SealedMember) -> dict[str, Any]:
        return {"ciphertext_bytes": member.ciphertext_bytes, "chunks": member.chunks,
                "ciphertext_sha256": member.ciphertext_sha256}  # fmt: skip

    return {
        "format": SEAL_FORMAT,
        "version": VERSION,
        "package_id": seal.package_id,
        "created_at": seal.created_at,
        "sender_key_id": seal.sender_key_id,
        "recipient_key_fingerprint": seal.recipient_key_fingerprint,
        "ephemeral_public": seal.ephemeral_public,
        "chunk_size": seal.chunk_size,
        "count": seal.count,
        "total_bytes": seal.total_bytes,
        "members": [sealed(m) for m in seal.members],
        "manifest": {**sealed(seal.manifest), "sha256": seal.manifest_sha256, "signature": seal.manifest_signature},
    }


def sign_seal(seal_bytes: bytes, signer: Ed25519PrivateKey) -> bytes:
    return signer.sign(SEAL_CONTEXT + seal_bytes)


def checked_seal(seal_bytes: bytes, signature: bytes, sender: Ed25519PublicKey) -> Seal:
    """The seal, once it is shown to be the sender's, unchanged; PackageError naming what is wrong otherwise."""
    expected = key_id(sender)
    try:
        document = json.loads(seal_bytes.decode("utf-8"))
    except ValueError:
        document = None
    claimed = document.get("sender_key_id") if isinstance(document, dict) else None
    if isinstance(claimed, str) and claimed != expected:
        raise PackageError(
            _(
                "package was signed by key {claimed}, not by the sender key {expected} given (wrong sender key, or the"
                " package is not from this sender)"
            ).format(claimed=short(claimed), expected=short(expected))
        )
    try:
        sender.verify(signature, SEAL_CONTEXT + seal_bytes)
    except InvalidSignature:
        raise PackageError(
            _("package seal signature does not match sender key {expected}: the seal was edited or forged").format(
                expected=short(expected)
            )
        ) from None
    try:
        return _parse_seal(document)  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PackageError(
            _("the package seal is signed but malformed ({error}); the sender's Custos is broken").format(
                error=repr(exc)
            )
        ) from None


def _parse_seal(document: dict[str, Any]) -> Seal:
    if document["format"] != SEAL_FORMAT or document["version"] != VERSION:
        raise ValueError(f"format {document['format']!r} version {document['version']!r}")
    manifest = document["manifest"]
    return Seal(
        package_id=_hex(document["package_id"]),
        created_at=str(document["created_at"]),
        sender_key_id=str(document["sender_key_id"]),
        recipient_key_fingerprint=_hex(document["recipient_key_fingerprint"]),
        ephemeral_public=_hex(document["ephemeral_public"]),
        chunk_size=_count(document["chunk_size"]),
        count=_count(document["count"]),
        total_bytes=_count(document["total_bytes"]),
        members=tuple(_sealed_member(m) for m in document["members"]),
        manifest=_sealed_member(manifest),
        manifest_sha256=_hex(manifest["sha256"]),
        manifest_signature=str(manifest["signature"]),
    )


def _sealed_member(entry: dict[str, Any]) -> SealedMember:
    return SealedMember(_count(entry["ciphertext_bytes"]), _count(entry["chunks"]), _hex(entry["ciphertext_sha256"]))


def check_manifest_signature(digest: str, seal: Seal, sender: Ed25519PublicKey) -> None:
    try:
        sender.verify(
            base64.b64decode(seal.manifest_signature, validate=True), MANIFEST_CONTEXT + bytes.fromhex(digest)
        )
    except (InvalidSignature, binascii.Error, ValueError):
        raise PackageError(
            _("manifest signature does not match sender key {expected}").format(expected=short(key_id(sender)))
        ) from None


def parse_manifest(data: bytes, seal: Seal) -> Manifest:
    """The decrypted manifest, checked against the (already verified) seal."""
    try:
        document = json.loads(data.decode("utf-8"))
        digest = manifest_sha256(document)
        manifest = _manifest(document, digest)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PackageError(
            _("the manifest is malformed ({error})").format(error=f"{type(exc).__name__}: {exc}")
        ) from None
    if digest != seal.manifest_sha256 or canonical_json(document) != data:
        raise PackageError(_("the manifest does not match the SHA-256 in the signed seal (edited)"))
    if manifest.package_id != seal.package_id or manifest.count != seal.count:
        raise PackageError(_("the manifest names another package or another member count than the signed seal"))
    for entry, sealed in zip(manifest.members, seal.members, strict=True):
        if entry.ciphertext_sha256 != sealed.ciphertext_sha256:
            raise PackageError(
                _("member {number}: the manifest and the signed seal disagree on its SHA-256").format(
                    number=entry.index
                )
            )
    return manifest


def _manifest(document: dict[str, Any], digest: str) -> Manifest:
    if document["format"] != MANIFEST_FORMAT or document["version"] != VERSION:
        raise ValueError(f"format {document['format']!r} version {document['version']!r}")
    members = tuple(
        MemberEntry(
            index=_count(m["index"]),
            name=m["name"],
            size=_count(m["size"]),
            sha256=_hex(m["sha256"]),
            ciphertext_sha256=_hex(m["ciphertext_sha256"]),
            info=dict(m["info"]),
        )
        for m in document["members"]
    )
    if [m.index for m in members] != list(range(1, len(members) + 1)):
        raise ValueError("member indexes are not 1…n in order")
    manifest = Manifest(digest, _hex(document["package_id"]), str(document["created_at"]),
                        str(document["sender_key_id"]), _hex(document["recipient_key_fingerprint"]),
                        dict(document["meta"]), members)  # fmt: skip
    if document["count"] != manifest.count or document["total_bytes"] != manifest.total_bytes:
        raise ValueError("count or total_bytes disagrees with the members listed")
    return manifest


def _hex(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected hex text, got {type(value).__name__}")
    bytes.fromhex(value)
    return value


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"expected a count, got {value!r}")
    return value
