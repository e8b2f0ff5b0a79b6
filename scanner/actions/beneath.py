"""Reaching a share file for an action without ever leaving the share.

The scan root is opened once as a directory; every component of the relative path is then opened from its
parent's descriptor with O_NOFOLLOW|O_DIRECTORY, and the file itself with O_NOFOLLOW, so a folder swapped for a
symbolic link — before the action or while it runs — is refused instead of followed. Everything the action does
afterwards goes through those descriptors: read and hash the file through its fd, create the masked copy in the
parent's dirfd, rename and unlink relative to it after checking the name still refers to the inode that was
checked. A file with more than one hard link is refused: another name, maybe outside the share, would keep or
lose the data without the reviewer having decided so.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
CHUNK = 1 << 20


class UnsafeTarget(Exception):
    """The path cannot be acted on without following a link or touching a name outside the reviewer's decision."""


class HardLinked(UnsafeTarget):
    """The file has other names; changing it would change them too."""


def path_parts(rel_path: str) -> list[str]:
    """The components of a path relative to the root; '..', '.', empty and absolute components are refused."""
    parts = rel_path.split("/")
    if rel_path.startswith("/") or any(p in ("", ".", "..") or "\0" in p for p in parts):
        raise UnsafeTarget(f"{rel_path!r} is not a plain path beneath the root ('..', '.', empty or absolute part)")
    return parts


@contextmanager
def opened_dir(root: Path, rel_dir: list[str], *, create: bool = False) -> Iterator[int]:
    """A descriptor of ``root``/``rel_dir``, each component opened beneath the last without following a link.
    ``create`` makes missing components (like mkdir -p: mode 0777 less the umask)."""
    fd = _open_root(root)
    try:
        for name in rel_dir:
            child = _open_child_dir(fd, name, root, create)
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def _open_root(root: Path) -> int:
    try:
        return os.open(root, DIR_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise UnsafeTarget(f"the root {root} is not a plain directory (a symbolic link?)") from None
        raise


def _open_child_dir(fd: int, name: str, root: Path, create: bool) -> int:
    if create:
        with contextlib.suppress(FileExistsError):
            os.mkdir(name, 0o777, dir_fd=fd)
    try:
        return os.open(name, DIR_FLAGS, dir_fd=fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise UnsafeTarget(_refusal(fd, name, root)) from None
        raise


def _refusal(dir_fd: int, name: str, root: Path) -> str:
    try:
        mode = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
    except OSError:
        mode = 0
    if stat.S_ISLNK(mode):
        return f"{name!r} under {root} is a symbolic link, which is never followed (it could lead out of the share)"
    return f"{name!r} under {root} is not a directory"


class ShareFile:
    """A regular file beneath the root, open together with its parent directory; every action goes through these."""

    def __init__(self, path: Path, dir_fd: int, name: str, fd: int) -> None:
        self.path = path  # for messages and records only; never opened again by name
        self.dir_fd = dir_fd
        self.name = name
        self.fd = fd

    def stat(self) -> os.stat_result:
        return os.fstat(self.fd)

    def refuse_hard_links(self) -> None:
        links = self.stat().st_nlink
        if links > 1:
            raise HardLinked(
                f"{self.path} has {links} hard links (other names, maybe outside the share, share its content);"
                " nothing was changed; a reviewer must decide"
            )

    def sha256(self) -> str:
        """The content's SHA-256, read through the descriptor (from offset 0, whatever it is at)."""
        digest = hashlib.sha256()
        for chunk in self.chunks():
            digest.update(chunk)
        return digest.hexdigest()

    def chunks(self) -> Iterator[bytes]:
        offset = 0
        while chunk := os.pread(self.fd, CHUNK, offset):
            offset += len(chunk)
            yield chunk

    def require_same_name(self) -> None:
        """The name in the parent still refers to the inode that was opened and checked."""
        if not _is_same(self.dir_fd, self.name, self.stat()):
            raise UnsafeTarget(f"{self.path} was replaced by another file while the action ran; nothing more done")

    def new_sibling(self, prefix: str) -> tuple[str, int]:
        """Create a fresh file beside this one (same directory descriptor, never an existing name); (name, fd)."""
        suffix = Path(self.name).suffix
        name = f"{prefix}{secrets.token_hex(4)}{suffix}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        return name, os.open(name, flags, 0o600, dir_fd=self.dir_fd)

    def replace_with(self, sibling: str, sibling_fd: int) -> None:
        """Rename ``sibling`` over this file, inside the one parent directory, once both names are what we made."""
        self.require_same_name()
        if not _is_same(self.dir_fd, sibling, os.fstat(sibling_fd)):
            raise UnsafeTarget(f"the masked copy of {self.path} was swapped before it was put in place")
        os.replace(sibling, self.name, src_dir_fd=self.dir_fd, dst_dir_fd=self.dir_fd)
        os.fsync(self.dir_fd)

    def unlink(self) -> None:
        """Remove this name, checked to be this inode; fails if the inode still has a name afterwards."""
        self.require_same_name()
        os.unlink(self.name, dir_fd=self.dir_fd)
        os.fsync(self.dir_fd)
        self.require_unlinked()

    def rename_within(self, new_name: str) -> None:
        """Give the file another name in the same directory; the name is checked before and after."""
        self.require_same_name()
        os.rename(self.name, new_name, src_dir_fd=self.dir_fd, dst_dir_fd=self.dir_fd)
        old, self.name = self.name, new_name
        if not _is_same(self.dir_fd, new_name, self.stat()):
            with contextlib.suppress(OSError):  # someone swapped it in the gap: put theirs back where it was
                os.rename(new_name, old, src_dir_fd=self.dir_fd, dst_dir_fd=self.dir_fd)
            self.name = old
            raise UnsafeTarget(f"{self.path} was replaced by another file while the action ran; nothing more done")

    def require_unlinked(self) -> None:
        if self.stat().st_nlink != 0:
            raise UnsafeTarget(f"{self.path}: the name was swapped while it was removed; the file itself remains")


@contextmanager
def open_share_file(root: Path, rel_path: str, *, writable: bool = False) -> Iterator[ShareFile]:
    """Open ``root``/``rel_path`` beneath the root (see the module docstring). Raises UnsafeTarget for a link or
    a non-regular file, FileNotFoundError when a component is gone."""
    *parents, name = path_parts(rel_path)
    with opened_dir(Path(root), parents) as dir_fd:
        fd = open_leaf(dir_fd, name, Path(root) / rel_path, writable)
        try:
            yield ShareFile(Path(root) / rel_path, dir_fd, name, fd)
        finally:
            os.close(fd)


def open_leaf(dir_fd: int, name: str, shown: Path, writable: bool = False) -> int:
    """Open a regular file in ``dir_fd`` without following a link (O_NONBLOCK: a FIFO must not hang us)."""
    access = os.O_RDWR if writable else os.O_RDONLY
    try:
        fd = os.open(name, access | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeTarget(f"{shown} is a symbolic link, which is never followed") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UnsafeTarget(f"{shown} is not a regular file; nothing was changed")
    return fd


def _is_same(dir_fd: int, name: str, st: os.stat_result) -> bool:
    try:
        now = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino)
