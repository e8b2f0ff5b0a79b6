"""Durability helpers shared by everything that writes: the vault, the audit log, keys, actions, secure delete."""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path
from typing import BinaryIO, TextIO

NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK}


def fsync_dir(directory: Path) -> None:
    """Make a new, renamed or removed directory entry survive a power loss."""
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def place(tmp: Path, dest: Path, overwrite: bool) -> None:
    """Give ``tmp`` the name ``dest`` atomically; without ``overwrite`` raise FileExistsError if ``dest`` exists."""
    if overwrite:
        os.replace(tmp, dest)
        return
    try:
        os.link(tmp, dest)  # never clobbers, even if dest appeared a moment ago
        return
    except OSError as exc:
        if exc.errno not in NO_HARD_LINKS:
            raise
    os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # no hard links here: claim the name
    os.replace(tmp, dest)


def place_at(dir_fd: int, tmp: str, name: str, overwrite: bool) -> None:
    """``place`` inside one directory descriptor: names are looked up in ``dir_fd`` and never followed."""
    if overwrite:
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        return
    try:
        os.link(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
        os.unlink(tmp, dir_fd=dir_fd)
        return
    except OSError as exc:
        if exc.errno not in NO_HARD_LINKS:
            raise
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    os.close(os.open(name, flags, 0o600, dir_fd=dir_fd))
    os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)


def write_new_private(path: Path, data: bytes) -> bool:
    """Create ``path`` holding ``data`` (mode 0600 whatever the umask, fsynced, directory fsynced) without ever
    replacing a file: False when it already exists (another process made it first), and the caller reads that."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        os.fchmod(fd, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        place(tmp, path, overwrite=False)
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return True


def open_private_output(path: Path, binary: bool = False) -> TextIO | BinaryIO:
    """``path`` opened for writing text (or bytes), created or truncated, mode 0600 whatever the umask: exports and
    reports name people's data and who handled it, like the database. Devices and pipes (/dev/stdout) keep their
    mode."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.fchmod(fd, 0o600)  # an existing file keeps its old mode otherwise
        if binary:
            return os.fdopen(fd, "wb")
        return os.fdopen(fd, "w", encoding="utf-8", newline="")
    except BaseException:
        os.close(fd)
        raise
