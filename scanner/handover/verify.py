"""Checking a package, in the order that names the first thing wrong: structure, seal signature, seal against
structure, recipient, manifest, then every member's bytes (and, with the private key, every chunk's tag and
every plaintext hash). Without the private key every encrypted byte is still checked against the signed seal."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from scanner.handover import format as fmt
from scanner.handover.format import ChunkAuthError, PackageError, short
from scanner.handover.manifest import (
    Manifest,
    MemberEntry,
    Seal,
    check_manifest_signature,
    checked_seal,
    parse_manifest,
)
from scanner.handover.names import check_distinct, check_name, shown_name
from scanner.handover.reader import Layout, PackageFile, Section
from scanner.i18n import _


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of `verify_package`: ``problem`` is the first thing wrong (None when ``ok``)."""

    ok: bool
    problem: str | None = None
    manifest_sha256: str | None = None  # as signed in the seal; with the key, also recomputed from the manifest
    count: int | None = None
    total_bytes: int | None = None
    package_id: str | None = None
    sender_key_id: str | None = None
    plaintext_checked: bool = False  # True when the private key was given: tags, names and plaintext hashes
    manifest: Manifest | None = None


class CheckedPackage:
    """A package whose structure, seal and (with the key) manifest are checked; members are checked as read."""

    def __init__(self, package: PackageFile, sender: Ed25519PublicKey,
                 recipient_private: X25519PrivateKey | None) -> None:  # fmt: skip
        self.package = package
        self.layout = package.layout()
        self.seal = checked_seal(self.layout.seal_bytes, self.layout.signature, sender)
        _check_layout(self.layout, self.seal)
        check_manifest_signature(self.seal.manifest_sha256, self.seal, sender)
        self.cipher: fmt.ChunkCipher | None = None
        self.manifest: Manifest | None = None
        if recipient_private is None:
            _check_section(package, self.layout.manifest, self.seal.manifest.ciphertext_sha256, _("the manifest"))
            return
        self.cipher = _cipher(recipient_private, self.layout, self.seal)
        self.manifest = self._read_manifest()

    def member_plaintext(self, index: int) -> Iterator[bytes]:
        """Member ``index`` (1-based): its plaintext chunks once each authenticates (nothing without the key);
        raises PackageError at the first bad chunk, and at the end if a hash or the size is wrong."""
        section, sealed = self.layout.members[index - 1], self.seal.members[index - 1]
        entry = self.manifest.members[index - 1] if self.manifest else None
        label = (
            _("member {number} ({name})").format(number=index, name=shown_name(entry.name))
            if entry
            else _("member {number}").format(number=index)
        )
        encrypted, plain, size = hashlib.sha256(), hashlib.sha256(), 0
        for record in self.package.records(section):
            encrypted.update(record.raw)
            if self.cipher is None:
                continue
            try:
                data = self.cipher.open(index - 1, record.chunk, record.final, record.body)
            except ChunkAuthError:
                raise PackageError(self._auth_failure(index, section, label, record.chunk)) from None
            plain.update(data)
            size += len(data)
            yield data
        if encrypted.hexdigest() != sealed.ciphertext_sha256:
            raise PackageError(self._hash_failure(index, encrypted.hexdigest(), label))
        if entry is not None and (size != entry.size or plain.hexdigest() != entry.sha256):
            raise PackageError(
                _("{what}: decrypted content does not match its size and SHA-256 in the manifest").format(what=label)
            )

    def _read_manifest(self) -> Manifest:
        assert self.cipher is not None
        if self.layout.manifest.length > fmt.MAX_MANIFEST_SIZE:
            raise PackageError(
                _("the manifest is implausibly large ({size} bytes)").format(size=self.layout.manifest.length)
            )
        parts = []
        for record in self.package.records(self.layout.manifest):
            try:
                parts.append(self.cipher.open(fmt.MANIFEST_INDEX, record.chunk, record.final, record.body))
            except ChunkAuthError:
                raise PackageError(
                    _("the manifest: chunk {chunk} fails authentication").format(chunk=record.chunk + 1)
                ) from None
        _check_section(self.package, self.layout.manifest, self.seal.manifest.ciphertext_sha256, _("the manifest"))
        manifest = parse_manifest(b"".join(parts), self.seal)
        for entry in manifest.members:
            check_name(entry.name, entry.index)
        check_distinct(m.name for m in manifest.members)
        return manifest

    def _auth_failure(self, index: int, section: Section, label: str, chunk: int) -> str:
        """A chunk that fails its tag; if the whole member is another member's bytes, say they were swapped."""
        digest = _section_sha256(self.package, section)
        for other, sealed in enumerate(self.seal.members, start=1):
            if other != index and sealed.ciphertext_sha256 == digest:
                return _swapped(label, other)
        return _("{what}: chunk {chunk} fails authentication (altered, reordered, dropped or swapped chunks)").format(
            what=label, chunk=chunk + 1
        )

    def _hash_failure(self, index: int, digest: str, label: str) -> str:
        for other, sealed in enumerate(self.seal.members, start=1):
            if other != index and sealed.ciphertext_sha256 == digest:
                return _swapped(label, other)
        return _(
            "{what}: its encrypted bytes do not match the SHA-256 in the signed seal (altered, reordered, dropped or"
            " swapped chunks)"
        ).format(what=label)


def _swapped(label: str, other: int) -> str:
    return _("{what}: holds the encrypted bytes of member {other} (members swapped or reordered)").format(
        what=label, other=other
    )


def verify_package(path: Path, sender: Ed25519PublicKey,
                   recipient_private: X25519PrivateKey | None = None) -> VerifyReport:  # fmt: skip
    """Check the whole package; never raises for a bad package, the report names the first problem."""
    seal: Seal | None = None
    manifest: Manifest | None = None
    try:
        with PackageFile(path) as package:
            checked = CheckedPackage(package, sender, recipient_private)
            seal, manifest = checked.seal, checked.manifest
            for index in range(1, seal.count + 1):
                for _chunk in checked.member_plaintext(index):
                    pass
    except PackageError as exc:
        return _report(seal, manifest, recipient_private is not None, problem=str(exc))
    return _report(seal, manifest, recipient_private is not None)


def _report(seal: Seal | None, manifest: Manifest | None, keyed: bool, problem: str | None = None) -> VerifyReport:
    if seal is None:
        return VerifyReport(ok=False, problem=problem)
    return VerifyReport(ok=problem is None, problem=problem, manifest_sha256=seal.manifest_sha256, count=seal.count,
                        total_bytes=seal.total_bytes, package_id=seal.package_id, sender_key_id=seal.sender_key_id,
                        plaintext_checked=keyed and problem is None, manifest=manifest)  # fmt: skip


def _check_layout(layout: Layout, seal: Seal) -> None:
    header = layout.header
    if (header.package_id.hex(), header.ephemeral_public.hex(), header.chunk_size) != (
        seal.package_id,
        seal.ephemeral_public,
        seal.chunk_size,
    ):
        raise PackageError(_("the package header does not match its signed seal (header altered or swapped)"))
    if header.count != seal.count:
        raise PackageError(
            _("the package header says {count} members but its signed seal {sealed} (header altered)").format(
                count=header.count, sealed=seal.count
            )
        )
    found = len(layout.members)
    if found != seal.count or len(seal.members) != seal.count:
        raise PackageError(
            _(
                "package holds {found} members but the signed seal lists {sealed} (a member was removed or added)"
            ).format(found=found, sealed=seal.count)
        )


def _cipher(private: X25519PrivateKey, layout: Layout, seal: Seal) -> fmt.ChunkCipher:
    mine = fmt.recipient_fingerprint(private.public_key())
    if mine != seal.recipient_key_fingerprint:
        raise PackageError(
            _(
                "not encrypted to this key: the package is for recipient key {theirs}, this private key's public key"
                " is {mine}"
            ).format(theirs=short(seal.recipient_key_fingerprint), mine=short(mine))
        )
    key = fmt.recipient_content_key(private, layout.header)
    return fmt.ChunkCipher(key, layout.header.package_id)


def _check_section(package: PackageFile, section: Section, expected: str, what: str) -> None:
    if _section_sha256(package, section) != expected:
        raise PackageError(
            _("{what}: its encrypted bytes do not match the SHA-256 in the signed seal (altered)").format(what=what)
        )


def _section_sha256(package: PackageFile, section: Section) -> str:
    digest = hashlib.sha256()
    for record in package.records(section):
        digest.update(record.raw)
    return digest.hexdigest()


__all__ = ["CheckedPackage", "MemberEntry", "VerifyReport", "verify_package"]
