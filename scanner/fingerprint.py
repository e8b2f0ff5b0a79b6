"""Keyed fingerprints: the same value always yields the same fingerprint, which reveals nothing without the key.

HMAC-SHA256 over the entity type and the normalised value (separators and case removed, full-width folded),
so 138 0013 8000 and 13800138000 match. The key is created on first use in a 0600 file beside the database.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from scanner.detect.normalize import compact
from scanner.fsio import write_new_private
from scanner.i18n import _

KEY_BYTES = 32


class KeyFileError(RuntimeError):
    """The fingerprint key exists but cannot be used (wrong size or unsafe permissions)."""


def load_or_create_key(path: Path) -> bytes:
    """Read the key, or create it atomically with mode 0600 if it does not exist yet."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        return _create_key(path)
    if len(key) != KEY_BYTES:
        raise KeyFileError(
            _("{path}: fingerprint key has {size} bytes, expected {expected}; restore it from backup").format(
                path=path, size=len(key), expected=KEY_BYTES
            )
        )
    if os.name == "posix" and path.stat().st_mode & 0o077:
        raise KeyFileError(_("{path}: fingerprint key is readable by others; run: chmod 600 {path}").format(path=path))
    return key


def key_id(key: bytes) -> str:
    """A short public name for a key (an HMAC of a fixed label: it reveals nothing of the key), recorded in the
    store so that a host fingerprinting under another key is refused instead of writing fingerprints that match
    nobody's (scanner/store/fingerprint_key.py)."""
    return hmac.new(key, b"custos fingerprint key id", hashlib.sha256).hexdigest()[:16]


def _create_key(path: Path) -> bytes:
    key = secrets.token_bytes(KEY_BYTES)
    if not write_new_private(path, key):
        return load_or_create_key(path)  # another process created it first: use theirs
    return key


def normalise_value(entity_type: str, value: str) -> str:
    """The form two spellings of one value share: separators dropped, upper-cased, +86/0086 removed."""
    norm = compact(value).upper()
    if entity_type in {"CN_MOBILE", "CN_LANDLINE"}:
        for prefix in ("+86", "0086"):
            if norm.startswith(prefix):
                norm = norm[len(prefix) :]
    if entity_type in {"EMAIL_ADDRESS", "PERSON", "CN_ADDRESS", "LOCATION"}:
        norm = "".join(value.split()).lower()
    return norm


def fingerprint(key: bytes, entity_type: str, value: str) -> str:
    """Hex HMAC-SHA256 of ``entity_type:normalised value``."""
    message = f"{entity_type}:{normalise_value(entity_type, value)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, streamed."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()
