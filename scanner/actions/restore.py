"""Putting a vault item's bytes back beneath a directory without following a link on the way (see beneath).

Missing folders are made one component at a time (mkdirat, then opened with O_NOFOLLOW), the file is written to
a new temp name in the final folder's dirfd and linked or renamed into place there; a symbolic link anywhere on
the way — planted before the restore or while it runs — is refused, never followed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePath

from scanner.actions.beneath import opened_dir, path_parts
from scanner.fsio import place_at
from scanner.store.actions import ActionStore

TEMP_PREFIX = ".custos-restore-"


def write_beneath(
    root: Path,
    parts: Sequence[str],
    chunks: Iterable[bytes],
    *,
    mode: int,
    mtime_ns: int,
    overwrite: bool,
    create_dirs: bool,
) -> None:
    """Write ``chunks`` to ``root``/``parts`` with ``mode`` and ``mtime_ns``, publishing only once the stream
    ended (the vault's stream raises, at the latest at its end, if anything fails to verify).

    Raises UnsafeTarget for a link or non-directory on the way, FileExistsError when the file exists and not
    ``overwrite``, OSError otherwise; nothing is left behind in any of these cases."""
    *folders, name = parts
    with opened_dir(root, list(folders), create=create_dirs) as dir_fd:
        if not overwrite and _exists(dir_fd, name):
            raise FileExistsError(name)
        tmp = f"{TEMP_PREFIX}{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=dir_fd)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                out.flush()
                os.fchmod(out.fileno(), mode)
                os.utime(out.fileno(), ns=(time.time_ns(), mtime_ns))
                os.fsync(out.fileno())
            place_at(dir_fd, tmp, name, overwrite)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp, dir_fd=dir_fd)
        os.fsync(dir_fd)


def original_place(actions: ActionStore, vault_id: str, original_path: str) -> tuple[Path, list[str]]:
    """Where a vault item goes back to: beneath the scan root of the action that vaulted it; an item no action
    knows goes back beneath / (its recorded path is absolute, and no link on it is followed either)."""
    for action in actions.actions():
        if action.vault_id == vault_id:
            return Path(action.root), path_parts(action.rel_path)
    original = PurePath(original_path)
    if not original.is_absolute():
        raise ValueError("its recorded path is not absolute")  # the caller names the path, masked
    return Path(original.anchor), path_parts("/".join(original.parts[1:]))


def _exists(dir_fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True
