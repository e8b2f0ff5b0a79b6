"""The audit log's Ed25519 key pair, and the checks on one record — everything a verifier needs besides the
file loop. The private key signs; the public key (``<key>.pub``, PEM) lets an auditor check without it.

A seal is ``hash`` = hex SHA-256 of the record's canonical JSON (sorted keys, no spaces, UTF-8, without ``hash``
and ``sig``) and ``sig`` = base64 Ed25519 signature of the 32 hash bytes; ``key_id`` names the signing key.

The private key is raw 32 bytes (or an unencrypted PKCS#8 PEM someone supplied) in a file only its owner
may read. It is created complete or not at all: written to a temp name opened with O_EXCL, fsynced, then
hard-linked into place, so a crash or a second process never leaves or sees a half-written key.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from scanner import fsio
from scanner.i18n import _

GENESIS = "0" * 64
_TYPES = {"seq": int, "time": str, "event": str, "actor": dict, "key_id": str, "prev_hash": str, "hash": str,
          "sig": str}  # fmt: skip
_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw
_PEM = serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo


class AuditError(Exception):
    """An audit log or audit key problem a security officer must act on; the message says what to do."""


def public_key_path(signing_key_path: Path) -> Path:
    return signing_key_path.with_name(signing_key_path.name + ".pub")


def key_id(public_key: Ed25519PublicKey) -> str:
    """Short fingerprint stored in every record: SHA-256 of the raw public key, first 16 hex digits."""
    return hashlib.sha256(public_key.public_bytes(*_RAW)).hexdigest()[:16]


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def record_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical({k: v for k, v in record.items() if k not in ("hash", "sig")})).hexdigest()


def seal(record: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """``record`` with its ``hash`` and ``sig`` added (it must already carry its ``key_id``)."""
    digest = record_hash(record)
    return {**record, "hash": digest, "sig": base64.b64encode(key.sign(bytes.fromhex(digest))).decode("ascii")}


def seal_problem(record: dict[str, Any], line: bytes, public_key: Ed25519PublicKey, pub_path: Path | str) -> str | None:
    """Why ``record`` (parsed from ``line``) is not what the holder of the private key wrote, or None."""
    if record_hash(record) != record["hash"]:
        return _("its content does not match its hash: the record was edited after it was written")
    if canonical(record) + b"\n" != line:
        return _("it is not in the form it was written in: the line was edited or re-serialised")
    expected = key_id(public_key)
    if record["key_id"] != expected:
        return _("it was signed by a different key (key_id {key_id}, but {path} is {expected})").format(
            key_id=record["key_id"], path=pub_path, expected=expected
        )
    try:
        public_key.verify(base64.b64decode(record["sig"], validate=True), bytes.fromhex(record["hash"]))
    except (InvalidSignature, binascii.Error, ValueError):
        text = _("its signature does not verify with {path}: the record was forged or re-hashed without the key")
        return text.format(path=pub_path)
    return None


def parse_line(line: bytes) -> tuple[dict, str | None]:
    """The record on ``line``, or why the line holds no well-formed record."""
    if not line.endswith(b"\n"):
        return {}, _("the line is incomplete (no newline at the end): the file was truncated or a write was cut off")
    try:
        record = json.loads(line.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        return {}, _("the line is not valid JSON ({error})").format(error=exc)
    if not isinstance(record, dict):
        return {}, _("the line is not a JSON object")
    for name, kind in _TYPES.items():
        if not isinstance(record.get(name), kind) or isinstance(record.get(name), bool):
            return {}, _("the record has no valid '{field}' field").format(field=name)
    return record, None


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # NaN/Infinity: Python accepts them, canonical JSON does not


def link_problem(record: dict, prev: dict | None) -> str | None:
    """Why ``record`` cannot follow ``prev`` (None: it should be the first record), or None."""
    expected_seq = prev["seq"] + 1 if prev else 1
    if record["seq"] != expected_seq:
        if record["seq"] < expected_seq:
            text = _("expected seq {expected} but found {found}: records were reordered, duplicated or inserted")
        else:
            text = _(
                "expected seq {expected} but found {found}: a record before it is missing, or records were reordered"
            )
        return text.format(expected=expected_seq, found=record["seq"])
    if record["prev_hash"] != (prev["hash"] if prev else GENESIS):
        return _("its prev_hash does not match the previous record's hash: a record was inserted, removed or replaced")
    return None


def load_or_create_signing_key(path: Path, *, may_create: bool = True, log: Path | None = None) -> Ed25519PrivateKey:
    """The private key at ``path``, with its ``.pub`` written beside it if missing. It is created only when
    ``may_create`` (the caller saw no history: an empty log the database knows nothing of)."""
    try:
        key = _load_private(path)
    except FileNotFoundError:
        if public_key_path(path).exists():
            raise AuditError(
                _("audit signing key {path} is missing but its public key {public} exists; restore the key from "
                  "backup (a new key would not continue the signed history)").format(
                    path=path, public=public_key_path(path))
            ) from None  # fmt: skip
        if not may_create:
            text = _("audit signing key {path} is missing, but an audit history exists (the log {log} has records, "
                     "or the database remembers some); restore the key from backup. A new key is never made for an "
                     "existing history") if log else _(
                     "audit signing key {path} is missing, but an audit history exists (the log beside it has records, "
                     "or the database remembers some); restore the key from backup. A new key is never made for an "
                     "existing history")  # fmt: skip
            raise AuditError(text.format(path=path, log=log)) from None
        key = _create_private(path)
    _ensure_public(path, key.public_key())
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise AuditError(
            _("audit public key {path} not found; copy the .pub file kept with the log, or pass --public-key").format(
                path=path
            )
        ) from None
    try:
        key = serialization.load_pem_public_key(data) if data.lstrip().startswith(b"-----BEGIN") else None
        if key is None and len(data) == 32:
            key = Ed25519PublicKey.from_public_bytes(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise AuditError(_("audit public key {path} is unreadable: {error}").format(path=path, error=exc)) from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditError(
            _("audit public key {path} is not an Ed25519 public key (PEM or raw 32 bytes)").format(path=path)
        )
    return key


def _load_private(path: Path) -> Ed25519PrivateKey:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)  # FileNotFoundError goes to the caller
    try:
        mode = os.fstat(fd).st_mode & 0o777
        if mode & 0o077:
            raise AuditError(
                _("audit signing key {path} is accessible by group or others (mode {mode}); anyone who can read it "
                  "can forge audit records. Run: chmod 600 {path}").format(path=path, mode=f"{mode:04o}")
            )  # fmt: skip
        data = os.read(fd, 1 << 16)  # a raw key is 32 bytes, a PEM one about 120
    finally:
        os.close(fd)
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_private_key(data, password=None)
        elif len(data) == 32:
            key = Ed25519PrivateKey.from_private_bytes(data)
        else:
            raise ValueError(f"{len(data)} bytes, expected 32 raw bytes or a PEM file")
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise AuditError(
            _("audit signing key {path} is unreadable ({error}); restore it from backup").format(path=path, error=exc)
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditError(_("audit signing key {path} is not an Ed25519 key").format(path=path))
    return key


def _create_private(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    if not fsio.write_new_private(path, key.private_bytes_raw()):
        return _load_private(path)  # another process won the race: use its key
    return key


def _ensure_public(signing_key_path: Path, public_key: Ed25519PublicKey) -> None:
    pub_path = public_key_path(signing_key_path)
    pem = public_key.public_bytes(*_PEM)
    if pub_path.exists():
        if load_public_key(pub_path).public_bytes(*_RAW) != public_key.public_bytes(*_RAW):
            raise AuditError(
                _("audit public key {public} does not belong to the signing key {path}; records signed now would not "
                  "verify. Find out who replaced either file before continuing").format(
                    public=pub_path, path=signing_key_path)
            )  # fmt: skip
        return
    tmp = pub_path.with_name(f".{pub_path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    with open(tmp, "xb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o644)  # public on purpose: auditors need it
    os.replace(tmp, pub_path)
    fsync_dir(pub_path.parent)


def fsync_dir(directory: Path) -> None:
    """Make a new or renamed directory entry survive a power loss (a no-op where directories can't be opened)."""
    with contextlib.suppress(OSError):
        fsio.fsync_dir(directory)
