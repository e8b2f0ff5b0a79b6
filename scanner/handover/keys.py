"""The recipient's X25519 key pair (made by the buyer with `custos handover keygen`) and loading the keys a
package needs. The sender's signing key is the audit key (Ed25519, `custos.audit.key`, public key beside it)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from scanner.actions.audit_keys import AuditError, load_public_key
from scanner.display import safe
from scanner.fsio import fsync_dir, write_new_private
from scanner.handover.format import PackageError, recipient_fingerprint
from scanner.i18n import N_, _

MAX_KEY_FILE = 1 << 16


class HandoverKeyError(PackageError):
    """A key file is missing, unreadable, of the wrong kind or too open; the message says which and what to do."""


def generate_recipient_keypair(private_path: Path, public_path: Path) -> X25519PublicKey:
    """Write a new X25519 key pair as PEM: the private key 0600, the public key 0644; never replaces a file."""
    private_path, public_path = Path(private_path), Path(public_path)
    for path in (private_path, public_path):
        if os.path.lexists(path):
            raise HandoverKeyError(
                _("{path} exists; refusing to replace a key (choose another name)").format(path=safe(path))
            )
    key = X25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())  # fmt: skip
    if not write_new_private(private_path, pem):
        raise HandoverKeyError(
            _("{path} appeared meanwhile; refusing to replace a key").format(path=safe(private_path))
        )
    public = key.public_key()
    public_pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    try:
        fd = os.open(public_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except FileExistsError:
        private_path.unlink()
        raise HandoverKeyError(
            _("{path} appeared meanwhile; refusing to replace a key").format(path=safe(public_path))
        ) from None
    with os.fdopen(fd, "wb") as out:
        out.write(public_pem)
        out.flush()
        os.fchmod(out.fileno(), 0o644)
        os.fsync(out.fileno())
    fsync_dir(public_path.parent)
    return public


def load_recipient_public(path: Path) -> X25519PublicKey:
    key = _load(Path(path), private=False, what=N_("recipient public key"))
    if not isinstance(key, X25519PublicKey):
        raise HandoverKeyError(
            _("{path} is not an X25519 public key (make one with `custos handover keygen`)").format(path=safe(path))
        )
    return key


def load_recipient_private(path: Path) -> X25519PrivateKey:
    key = _load(Path(path), private=True, what=N_("recipient private key"))
    if not isinstance(key, X25519PrivateKey):
        raise HandoverKeyError(
            _("{path} is not an X25519 private key (make one with `custos handover keygen`)").format(path=safe(path))
        )
    return key


def load_sender_public(path: Path) -> Ed25519PublicKey:
    """The sender's audit public key (``custos.audit.key.pub``, PEM or raw 32 bytes)."""
    try:
        return load_public_key(Path(path))
    except AuditError as exc:
        raise HandoverKeyError(_("sender key: {problem}").format(problem=exc)) from None


def fingerprint(key: X25519PublicKey) -> str:
    """The recipient fingerprint a package records (hex SHA-256 of the raw public key)."""
    return recipient_fingerprint(key)


def _load(path: Path, *, private: bool, what: str) -> object:
    """The key at ``path``; ``what`` (marked with N_) names it in messages."""
    what, shown = _(what), safe(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        raise HandoverKeyError(_("{what} {path} not found").format(what=what, path=shown)) from None
    except OSError as exc:
        raise HandoverKeyError(
            _("cannot read {what} {path}: {error}").format(what=what, path=shown, error=exc.strerror or exc)
        ) from None
    try:
        mode = os.fstat(fd).st_mode
        if private and stat.S_IMODE(mode) & 0o077:
            raise HandoverKeyError(
                _("{what} {path} is readable by group or others (mode {mode}); run: chmod 600 {path}").format(
                    what=what, path=shown, mode=f"{stat.S_IMODE(mode):04o}"
                )
            )
        data = os.read(fd, MAX_KEY_FILE)
    finally:
        os.close(fd)
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            if private:
                return serialization.load_pem_private_key(data, password=None)
            return serialization.load_pem_public_key(data)
        if len(data) == 32:
            return X25519PrivateKey.from_private_bytes(data) if private else X25519PublicKey.from_public_bytes(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise HandoverKeyError(
            _("{what} {path} is unreadable ({error})").format(what=what, path=shown, error=exc)
        ) from None
    raise HandoverKeyError(_("{what} {path} is neither PEM nor a raw 32-byte key").format(what=what, path=shown))
