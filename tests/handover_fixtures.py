"""Helpers for the handover package tests: key pairs, a small package, and rebuilding a package's bytes the way
an attacker (or a broken sender) would, to check the reader names each kind of damage."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from scanner.handover import format as fmt
from scanner.handover.manifest import sign_manifest, sign_seal
from scanner.handover.package import PackageWriter
from scanner.handover.reader import PackageFile

CHUNK = 4096
SECRET = "客户王芳 身份证 110105199001011234 手机 13912345678"


@dataclass
class Parties:
    sender: Ed25519PrivateKey
    recipient: X25519PrivateKey

    @property
    def sender_public(self):
        return self.sender.public_key()

    @property
    def recipient_public(self):
        return self.recipient.public_key()


def parties() -> Parties:
    return Parties(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())


def write_pem_keys(folder: Path, who: Parties) -> tuple[Path, Path]:
    """(sender .pub, recipient private key file 0600) as the CLI reads them."""
    folder.mkdir(parents=True, exist_ok=True)
    sender_pub = folder / "custos.audit.key.pub"
    sender_pub.write_bytes(
        who.sender_public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    private = folder / "buyer.key"
    private.write_bytes(
        who.recipient.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    private.chmod(0o600)
    return sender_pub, private


def source_files(folder: Path) -> dict[str, bytes]:
    """Three files: two of exactly three chunks (same size, for swapping), one small."""
    folder.mkdir(parents=True, exist_ok=True)
    contents = {
        "customers/a.csv": (f"name,id\n{SECRET}\n".encode() * 400)[: 3 * CHUNK],
        "customers/b.csv": (f"phone\n{SECRET}\n".encode() * 400)[: 3 * CHUNK],
        "notes.txt": SECRET.encode(),
    }
    for name, data in contents.items():
        path = folder / name.replace("/", "_")
        path.write_bytes(data)
    return contents


def build(out: Path, src: Path, who: Parties, contents: dict[str, bytes], **writer_options):
    with PackageWriter(out, who.recipient_public, who.sender, meta={"recipient": "Buyer Ltd"}, chunk_size=CHUNK,
                       **writer_options) as writer:  # fmt: skip
        for name in contents:
            writer.add_file(name, src / name.replace("/", "_"), {"categories": ["contact"], "subjects": 3})
    return writer.manifest


@dataclass
class Parts:
    """A package cut into its pieces: header, each member's record bytes, manifest records, seal, signature."""

    header: bytes
    members: list[bytes]
    manifest: bytes
    seal: bytes
    signature: bytes

    def join(self) -> bytes:
        seal_record = fmt.record_header(fmt.SEAL, True, len(self.seal)) + self.seal
        sig_record = fmt.record_header(fmt.SIGNATURE, True, len(self.signature)) + self.signature
        return self.header + b"".join(self.members) + self.manifest + seal_record + sig_record


def cut(path: Path) -> Parts:
    data = path.read_bytes()
    with PackageFile(path) as package:
        layout = package.layout()
    members = [data[s.offset : s.offset + s.length] for s in layout.members]
    manifest = data[layout.manifest.offset : layout.manifest.offset + layout.manifest.length]
    return Parts(data[: fmt.HEADER_SIZE], members, manifest, layout.seal_bytes, layout.signature)


def records(section: bytes) -> list[bytes]:
    out, offset = [], 0
    while offset < len(section):
        _kind, _flags, length = fmt.RECORD.unpack(section[offset : offset + fmt.RECORD_SIZE])
        out.append(section[offset : offset + fmt.RECORD_SIZE + length])
        offset += fmt.RECORD_SIZE + length
    return out


def reseal(parts: Parts, who: Parties, edit: Callable[[dict], None], *, seal_signer: Ed25519PrivateKey,
           manifest_signer: Ed25519PrivateKey | None = None) -> bytes:  # fmt: skip
    """Decrypt the manifest with the recipient's key, ``edit`` it, re-encrypt it, and sign a new seal with
    ``seal_signer`` (the manifest's own signature is made with ``manifest_signer``, or kept as it was)."""
    header = fmt.parse_header(parts.header)
    cipher = fmt.ChunkCipher(fmt.recipient_content_key(who.recipient, header), header.package_id)
    plain = b"".join(
        cipher.open(fmt.MANIFEST_INDEX, i, i == len(recs) - 1, rec[fmt.RECORD_SIZE :])
        for recs in [records(parts.manifest)]
        for i, rec in enumerate(recs)
    )
    document = json.loads(plain)
    edit(document)
    new_plain = fmt.canonical_json(document)
    body = cipher.seal(fmt.MANIFEST_INDEX, 0, True, new_plain)
    manifest = fmt.record_header(fmt.MANIFEST_CHUNK, True, len(body)) + body
    seal = json.loads(parts.seal)
    digest = hashlib.sha256(new_plain).hexdigest()
    seal["manifest"].update(ciphertext_bytes=len(manifest), chunks=1,
                            ciphertext_sha256=hashlib.sha256(manifest).hexdigest(), sha256=digest)  # fmt: skip
    if manifest_signer is not None:
        seal["manifest"]["signature"] = sign_manifest(digest, manifest_signer)
    seal["sender_key_id"] = _key_id(seal_signer)
    seal_bytes = fmt.canonical_json(seal)
    return Parts(parts.header, parts.members, manifest, seal_bytes, sign_seal(seal_bytes, seal_signer)).join()


def _key_id(key: Ed25519PrivateKey) -> str:
    from scanner.actions.audit_keys import key_id

    return key_id(key.public_key())
