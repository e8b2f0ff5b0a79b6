"""The encrypted vault: every original goes in here before it is masked or deleted; quarantine moves files in.

Layout of the vault root (mode 0700; every file 0600):
  <id>.blob   the content, AES-256-GCM in chunks with a fresh random data key per item (see vault_format)
  <id>.key    that data key, wrapped by the master key
  <id>.json   metadata — original path (sealed: AES-256-GCM under a key derived from the master key, since a
              file name can itself be personal data), the path as shown (masked), size, sha256, mode, mtime_ns,
              stored_at, the caller's note — with an HMAC under the master key; an item exists once this file
              is in place (it is written last)
  vault.json  a check value that tells a wrong master key from a damaged item; .tmp-* crash leftovers
Every write goes to a temp name, is fsynced, renamed into place, and the directory fsynced.

Purging crypto-shreds: the key file is overwritten with random bytes, fsynced and unlinked, then the metadata
becomes a tombstone (kept for the record) and the blob is removed. On SSDs and copy-on-write or journaling
filesystems the overwrite may not reach the old blocks (research/secure-deletion.md), and a surviving wrapped
key is useful only together with the master key. So keep the master key OFF the vault's volume and out of its
backups: point ``master_key_path`` at a separate mounted volume or at a file exported from an HSM or
systemd-creds (LoadCredentialEncrypted=); the CLI takes that path from the environment variable
CUSTOS_VAULT_KEY. A new master key is only ever created for a new vault: an existing vault refuses to open
without its own key rather than mint one that could not read it.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import os
import re
import secrets
import stat
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from scanner.actions import vault_format
from scanner.actions.beneath import UnsafeTarget
from scanner.actions.restore import write_beneath
from scanner.actions.vault_format import BlobError, VaultError, VaultIntegrityError
from scanner.store.lossless import storable, unstorable

__all__ = ["Vault", "VaultError", "VaultIntegrityError", "VaultItem", "holds_items"]

ITEM_ID = re.compile(r"[0-9a-f]{32}")
SOURCE_IDENTITY = ("st_dev", "st_ino", "st_size", "st_mtime_ns", "st_ctime_ns")


@dataclass(frozen=True)
class VaultItem:
    """One stored original, or its tombstone once purged. ``note`` is the caller's (finding ids, reason), never PII."""

    id: str
    original_path: str
    size: int
    sha256: str
    mode: int
    mtime_ns: int
    stored_at: str
    note: dict[str, Any] = field(default_factory=dict)
    purged: bool = False
    purged_at: str | None = None
    shown_path: str = ""  # the original path with the personal data found in it masked; what listings show

    @property
    def display_path(self) -> str:
        """What to show of the original path: masked (items from before paths were sealed show it as stored)."""
        return self.shown_path or self.original_path

    def shown_destination(self, dest: Path | str) -> str:
        """Where the item goes (or went) back to, with the part that repeats the original path masked."""
        dest, original = str(dest), self.original_path.lstrip("/")
        if original and dest.endswith(original):
            return dest[: len(dest) - len(original)] + self.display_path.lstrip("/")
        return dest


class Vault:
    """Encrypted, verified copies of originals; put, read back, restore, crypto-shred."""

    def __init__(self, root: Path, master_key_path: Path, *, chunk_size: int = vault_format.DEFAULT_CHUNK_SIZE) -> None:
        vault_format.check_chunk_size(chunk_size)
        self.root = Path(root)
        self.chunk_size = chunk_size
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self.root.stat().st_mode & 0o077:
            raise VaultError(f"vault directory {self.root} is open to group/others; run: chmod 700 {self.root}")
        master_key = vault_format.open_master_key(self.root, Path(master_key_path))
        self._wrapping_key = vault_format.derive_key(master_key, "key-wrap")
        self._metadata_key = vault_format.derive_key(master_key, "metadata")
        self._path_key = vault_format.derive_key(master_key, "path")

    def put(
        self,
        src: Path,
        note: dict[str, Any] | None = None,
        *,
        expected_sha256: str | None = None,
        source_fd: int | None = None,
        shown_path: str | None = None,
    ) -> VaultItem:
        """Encrypt ``src`` into the vault, decrypt it back to check, and return the item; ``src`` is not touched.
        With ``source_fd`` (a file the caller opened safely, e.g. beneath a share root) the content is read
        through it and ``src`` is only recorded as the original path.

        Raises VaultError, storing nothing, if ``src`` is not a regular file, changed while being read, does not
        hash to ``expected_sha256`` (pass the hash recorded at scan time), or the copy does not read back.
        ``shown_path``: the path with its personal data masked, for listings (default: the path as given).
        """
        note = _checked_note(note)
        item_id = secrets.token_hex(vault_format.ID_SIZE)
        data_key = AESGCM.generate_key(bit_length=vault_format.KEY_SIZE * 8)
        blob_tmp = self._temp(f"{item_id}.blob")
        try:
            with _open_source(src, source_fd) as source:
                before = os.fstat(source.fileno())
                sha256, size = self._encrypt(source, blob_tmp, item_id, data_key)
                _check_unchanged(src, before, os.fstat(source.fileno()), size, by_name=source_fd is None)
                if expected_sha256 is not None and sha256 != expected_sha256:
                    raise VaultError(f"{src} no longer has the content that was scanned (sha256 differs); rescan it")
                self._check_reads_back(src, blob_tmp, item_id, data_key, sha256)
                item = VaultItem(
                    id=item_id,
                    original_path=str(src),
                    size=size,
                    sha256=sha256,
                    mode=stat.S_IMODE(before.st_mode),
                    mtime_ns=before.st_mtime_ns,
                    stored_at=_now(),
                    note=note,
                    shown_path=str(src) if shown_path is None else shown_path,
                )
                self._commit(item, blob_tmp, data_key)
        except BaseException as exc:
            self._discard(item_id)
            if isinstance(exc, OSError):
                raise VaultError(f"cannot vault {src}: {exc.strerror or exc}") from exc
            raise
        return item

    def item(self, item_id: str) -> VaultItem:
        """The item's metadata, authenticated; raises VaultError if there is no such item."""
        path = self._path(item_id, ".json")
        try:
            record = json.loads(path.read_bytes())
            mac = record.pop("mac")
            authentic = (
                hmac.compare_digest(mac, vault_format.metadata_mac(self._metadata_key, record))
                and record["id"] == item_id
            )
        except FileNotFoundError:
            raise VaultError(f"no vault item {item_id} in {self.root}") from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise VaultIntegrityError(f"vault item {item_id}: metadata {path} is unreadable ({exc!r})") from exc
        if not authentic:
            raise VaultIntegrityError(
                f"vault item {item_id}: metadata {path} fails authentication (altered, another item's, "
                "or the wrong master key)"
            )
        version = record.pop("format", None)
        if version not in vault_format.READABLE_METADATA_VERSIONS:
            raise VaultError(f"vault item {item_id} has a metadata format this Custos does not read; upgrade Custos")
        record = unstorable(record)
        if "original_path_sealed" in record:
            try:
                sealed = record.pop("original_path_sealed")
                record["original_path"] = vault_format.open_text(self._path_key, sealed, bytes.fromhex(item_id))
            except BlobError as exc:
                raise VaultIntegrityError(f"vault item {item_id}: {exc}") from exc
        return VaultItem(**record)

    def items(self) -> list[VaultItem]:
        """Every item, tombstones included, oldest first; crash leftovers are not items. Raises
        VaultIntegrityError naming the first item whose metadata fails authentication."""
        ids = (path.stem for path in self.root.glob("*.json") if ITEM_ID.fullmatch(path.stem))
        return sorted((self.item(item_id) for item_id in ids), key=lambda item: (item.stored_at, item.id))

    def open_plaintext(self, item_id: str) -> Iterator[bytes]:
        """Stream the decrypted content. Each chunk is authenticated before it is yielded, but only a finished
        iteration proves the whole (size and sha256 are checked at the end): publish nothing before that."""
        item = self._live_item(item_id)
        return self._checked_plaintext(item, self._data_key(item_id))

    def verify(self, item_id: str) -> bool:
        """True if the item decrypts end to end to its recorded sha256; False if damaged, tampered with or
        unreadable under this master key. Raises VaultError for an unknown or purged item."""
        try:
            for _chunk in self.open_plaintext(item_id):
                pass
        except VaultIntegrityError:
            return False
        return True

    def restore(self, item_id: str, dest: Path, *, overwrite: bool = False) -> Path:
        """Write the original to ``dest`` with its mode and mtime, atomically and only once it verified.
        An existing ``dest`` is replaced only with ``overwrite``; a ``dest`` with a '..' component is refused.
        The folders above ``dest``'s folder are followed as given; that folder and the file itself are never links."""
        dest = Path(dest)
        if ".." in dest.parts:
            raise VaultError(f"refusing to restore to {dest}: it contains a '..' component")
        item = self._live_item(item_id)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise VaultError(f"vault item {item.id}: cannot restore to {dest}: {exc.strerror or exc}") from exc
        return self._restore_to(item, dest.parent, [dest.name], overwrite, create_dirs=False)

    def restore_into(self, item_id: str, directory: Path, *, overwrite: bool = False) -> Path:
        """Restore under ``directory`` at the original path made relative (/srv/a.txt → directory/srv/a.txt),
        refusing an original path with '..' and any symbolic link beneath ``directory`` on the way."""
        item = self._live_item(item_id)
        original = PurePath(item.original_path)
        relative = PurePath(*original.parts[1:]) if original.anchor else original
        if not relative.parts or ".." in relative.parts:
            raise VaultError(f"vault item {item_id}: refusing to restore {item.display_path!r} under a directory")
        Path(directory).mkdir(parents=True, exist_ok=True)
        return self._restore_to(item, Path(directory).resolve(), list(relative.parts), overwrite, create_dirs=True)

    def restore_beneath(self, item_id: str, root: Path, parts: list[str], *, overwrite: bool = False) -> Path:
        """Restore to ``root``/``parts`` (the original place beneath its scan root), re-creating missing folders
        and never following a symbolic link beneath ``root``."""
        return self._restore_to(self._live_item(item_id), Path(root), parts, overwrite, create_dirs=True)

    def purge(self, item_id: str) -> None:
        """Crypto-shred the item: destroy its data key, keep a tombstone, remove the blob. Repeating is harmless."""
        item = self.item(item_id)
        vault_format.shred(self._path(item_id, ".key"))
        if not item.purged:
            self._write_metadata(replace(item, purged=True, purged_at=_now()))
        self._path(item_id, ".blob").unlink(missing_ok=True)
        vault_format.fsync_dir(self.root)

    def _encrypt(self, source: BinaryIO, blob_tmp: Path, item_id: str, data_key: bytes) -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0

        def read(count: int) -> bytes:
            nonlocal size
            data = self._read_source(source, count)
            digest.update(data)
            size += len(data)
            return data

        with vault_format.create_private(blob_tmp) as out:
            for piece in vault_format.seal_stream(read, data_key, bytes.fromhex(item_id), self.chunk_size):
                out.write(piece)
            vault_format.flush_and_sync(out)
        return digest.hexdigest(), size

    def _read_source(self, source: BinaryIO, count: int) -> bytes:
        """The one place the source is read, at most ``count`` bytes at a time (tests hook it)."""
        return source.read(count)

    def _check_reads_back(self, src: Path, blob: Path, item_id: str, data_key: bytes, sha256: str) -> None:
        """A vault copy that cannot be read back is worse than none: decrypt it end to end before committing."""
        digest = hashlib.sha256()
        try:
            for chunk in self._decrypt(blob, item_id, data_key):
                digest.update(chunk)
        except VaultIntegrityError as exc:
            raise VaultError(f"the vault copy of {src} does not read back ({exc}); nothing was stored") from exc
        if digest.hexdigest() != sha256:
            raise VaultError(f"the vault copy of {src} reads back different bytes; nothing was stored")

    def _commit(self, item: VaultItem, blob_tmp: Path, data_key: bytes) -> None:
        key_tmp = self._temp(f"{item.id}.key")
        with vault_format.create_private(key_tmp) as out:
            out.write(vault_format.wrap_data_key(self._wrapping_key, data_key, bytes.fromhex(item.id)))
            vault_format.flush_and_sync(out)
        os.replace(key_tmp, self._path(item.id, ".key"))
        os.replace(blob_tmp, self._path(item.id, ".blob"))
        vault_format.fsync_dir(self.root)
        self._write_metadata(item)  # the commit point

    def _discard(self, item_id: str) -> None:
        """Undo a failed put: the metadata first, so the item never exists without its key and blob."""
        self._path(item_id, ".json").unlink(missing_ok=True)
        for path in [self._path(item_id, ".key"), *self.root.glob(f"{vault_format.TEMP_PREFIX}*-{item_id}.key")]:
            vault_format.shred(path)
        for path in [self._path(item_id, ".blob"), *self.root.glob(f"{vault_format.TEMP_PREFIX}*-{item_id}.*")]:
            path.unlink(missing_ok=True)

    def _write_metadata(self, item: VaultItem) -> None:
        record = {"format": vault_format.METADATA_VERSION, **asdict(item)}
        plain = record.pop("original_path")
        record["original_path_sealed"] = vault_format.seal_text(self._path_key, plain, bytes.fromhex(item.id))
        record = storable(record)  # the shown path of a name that is not UTF-8, losslessly
        record["mac"] = vault_format.metadata_mac(self._metadata_key, record)
        vault_format.write_atomic(
            self._path(item.id, ".json"), json.dumps(record, ensure_ascii=False, indent=1).encode()
        )

    def _live_item(self, item_id: str) -> VaultItem:
        item = self.item(item_id)
        if item.purged:
            raise VaultError(
                f"vault item {item_id} ({item.display_path}) was purged on {item.purged_at}; "
                "its key was destroyed and the content cannot be recovered"
            )
        return item

    def _data_key(self, item_id: str) -> bytes:
        try:
            wrapped = self._path(item_id, ".key").read_bytes()
            return vault_format.unwrap_data_key(self._wrapping_key, wrapped, bytes.fromhex(item_id))
        except FileNotFoundError:
            raise VaultIntegrityError(f"vault item {item_id}: its key file is missing (interrupted purge?)") from None
        except BlobError as exc:
            raise VaultIntegrityError(f"vault item {item_id}: {exc}") from exc

    def _checked_plaintext(self, item: VaultItem, data_key: bytes) -> Iterator[bytes]:
        digest, size = hashlib.sha256(), 0
        for chunk in self._decrypt(self._path(item.id, ".blob"), item.id, data_key):
            digest.update(chunk)
            size += len(chunk)
            yield chunk
        if size != item.size or digest.hexdigest() != item.sha256:
            raise VaultIntegrityError(f"vault item {item.id}: decrypted content does not match its recorded sha256")

    def _decrypt(self, blob: Path, item_id: str, data_key: bytes) -> Iterator[bytes]:
        try:
            with open(blob, "rb") as fh:
                yield from vault_format.open_stream(fh.read, data_key, bytes.fromhex(item_id))
        except FileNotFoundError:
            raise VaultIntegrityError(f"vault item {item_id}: its blob {blob} is missing") from None
        except BlobError as exc:
            raise VaultIntegrityError(f"vault item {item_id}: {exc}; the stored copy is damaged") from exc

    def _restore_to(self, item: VaultItem, root: Path, parts: list[str], overwrite: bool, create_dirs: bool) -> Path:
        dest = root.joinpath(*parts)
        shown = item.shown_destination(dest)
        try:
            write_beneath(root, parts, self.open_plaintext(item.id), mode=item.mode, mtime_ns=item.mtime_ns,
                          overwrite=overwrite, create_dirs=create_dirs)  # fmt: skip
        except FileExistsError:
            raise VaultError(f"{shown} exists; pass overwrite=True to replace it") from None
        except UnsafeTarget as exc:
            raise VaultError(f"vault item {item.id}: refusing to restore to {shown}: {exc}") from exc
        except OSError as exc:
            raise VaultError(f"vault item {item.id}: cannot restore to {shown}: {exc.strerror or exc}") from exc
        return dest

    def _path(self, item_id: str, suffix: str) -> Path:
        if not isinstance(item_id, str) or not ITEM_ID.fullmatch(item_id):
            raise VaultError(f"{item_id!r} is not a vault item id (32 lowercase hex digits)")
        return self.root / f"{item_id}{suffix}"

    def _temp(self, name: str) -> Path:
        return self.root / f"{vault_format.TEMP_PREFIX}{secrets.token_hex(4)}-{name}"


def holds_items(root: Path) -> bool:
    """Whether the vault at ``root`` holds any item (a purged one's tombstone too), without opening it: an absent
    or empty vault needs neither its directory nor its master key to be listed."""
    try:
        return any(ITEM_ID.fullmatch(entry.stem) for entry in Path(root).glob("*.json"))
    except OSError:
        return True  # unreadable: let opening it say why


def _checked_note(note: dict[str, Any] | None) -> dict[str, Any]:
    try:
        return json.loads(json.dumps(note or {}))
    except (TypeError, ValueError) as exc:
        raise VaultError(f"the vault note must be JSON-serialisable ({exc})") from exc


def _open_source(src: Path, source_fd: int | None) -> BinaryIO:
    if source_fd is not None:
        fd = os.dup(source_fd)
        os.lseek(fd, 0, os.SEEK_SET)
    else:
        try:  # O_NONBLOCK: opening a FIFO must not hang; O_NOFOLLOW: a symlink's target is what would be changed
            fd = os.open(src, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise VaultError(f"{src} is a symbolic link; vault the file it points to") from None
            raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise VaultError(f"{src} is not a regular file; only regular files can be vaulted")
    return os.fdopen(fd, "rb")


def _check_unchanged(src: Path, before: os.stat_result, after: os.stat_result, size_read: int, by_name: bool) -> None:
    """Not written to while read; and, when opened by name here, that name still refers to it (a caller that
    passed a descriptor checks its own name, beneath its root)."""
    changed = size_read != before.st_size or any(getattr(before, f) != getattr(after, f) for f in SOURCE_IDENTITY)
    replaced = False
    if by_name:
        try:
            now = os.stat(src, follow_symlinks=False)
            replaced = (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino)
        except FileNotFoundError:
            replaced = True
    if changed or replaced:
        raise VaultError(f"{src} changed while it was copied into the vault; nothing was stored, retry once it is idle")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
