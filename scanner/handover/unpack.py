"""Opening a package into a folder: plaintext is written only there, each member to a temp file beside its final
name, and all are published together once every member passed its tag and hash checks. Nothing is overwritten,
no symbolic link is followed, and a failed open removes every file and folder it made."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from scanner.display import safe
from scanner.fsio import place_at
from scanner.handover.format import PackageError
from scanner.handover.manifest import Manifest
from scanner.handover.names import shown_name
from scanner.handover.reader import PackageFile
from scanner.handover.verify import CheckedPackage
from scanner.i18n import _

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
TEMP_PREFIX = ".custos-open-"


def open_package(path: Path, recipient_private: X25519PrivateKey, sender: Ed25519PublicKey, dest: Path) -> Manifest:
    """Check the package and write its members beneath ``dest`` (created if missing); the verified manifest.
    Raises PackageError naming the first problem; then nothing of the package is left in ``dest``."""
    with PackageFile(path) as package:
        checked = CheckedPackage(package, sender, recipient_private)
        manifest = checked.manifest
        assert manifest is not None
        target = Destination(Path(dest))
        try:
            target.prepare(m.name for m in manifest.members)
            for entry in manifest.members:
                target.write(entry.name, checked.member_plaintext(entry.index))
            target.publish()
        except BaseException:
            target.rollback()
            raise
    return manifest


class Destination:
    """The folder members are written into, reached only through directory descriptors opened with O_NOFOLLOW."""

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.abspath(root))
        self._made_root: list[Path] = []  # the root and missing parents we created, outermost first
        self._made_dirs: list[list[str]] = []  # folders made beneath the root, in order
        self._pending: list[tuple[list[str], str]] = []  # (name's parts, temp name in its folder)
        self._placed: list[list[str]] = []

    def prepare(self, names: Iterable[str]) -> None:
        """Make the root (refusing a link on its path) and refuse before writing if any member's name is taken."""
        _refuse_links_on(self.root)
        for missing in reversed([self.root, *self.root.parents]):
            if not os.path.lexists(missing):
                os.mkdir(missing, 0o700)
                self._made_root.append(missing)
        for name in names:
            parts = name.split("/")
            if self._taken(parts):
                raise PackageError(
                    _("{name} already exists in {folder}; refusing to overwrite it").format(
                        name=shown_name(name), folder=safe(self.root)
                    )
                )

    def write(self, name: str, chunks: Iterable[bytes]) -> None:
        """Write ``chunks`` to a new temp file beside ``name``'s place, fsynced; published later by ``publish``."""
        parts = name.split("/")
        with self._opened(parts[:-1], create=True) as dir_fd:
            tmp = f"{TEMP_PREFIX}{secrets.token_hex(6)}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                         dir_fd=dir_fd)  # fmt: skip
            self._pending.append((parts, tmp))
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())

    def publish(self) -> None:
        for parts, tmp in list(self._pending):
            with self._opened(parts[:-1], create=False) as dir_fd:
                try:
                    place_at(dir_fd, tmp, parts[-1], overwrite=False)
                except FileExistsError:
                    shown = shown_name("/".join(parts))
                    raise PackageError(
                        _("{name} appeared in {folder} while opening; nothing was written").format(
                            name=shown, folder=safe(self.root)
                        )
                    ) from None
                self._pending.remove((parts, tmp))
                self._placed.append(parts)
                os.fsync(dir_fd)

    def rollback(self) -> None:
        """Remove every temp file, published file and folder this open made (best effort, innermost first)."""
        for parts, name in [*((p, t) for p, t in self._pending), *((p, p[-1]) for p in self._placed)]:
            with contextlib.suppress(OSError, PackageError), self._opened(parts[:-1], create=False) as dir_fd:
                os.unlink(name, dir_fd=dir_fd)
        for parts in reversed(self._made_dirs):
            with contextlib.suppress(OSError, PackageError), self._opened(parts[:-1], create=False) as dir_fd:
                os.rmdir(parts[-1], dir_fd=dir_fd)
        for made in reversed(self._made_root):
            with contextlib.suppress(OSError):
                os.rmdir(made)
        self._pending, self._placed, self._made_dirs, self._made_root = [], [], [], []

    def _taken(self, parts: list[str]) -> bool:
        try:
            with self._opened(parts[:-1], create=False) as dir_fd:
                os.stat(parts[-1], dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            return False
        return True

    @contextlib.contextmanager
    def _opened(self, folders: list[str], *, create: bool):
        """A descriptor of root/folders, each opened beneath the last with O_NOFOLLOW; FileNotFoundError if a
        folder is missing and not ``create``."""
        fd = _open_dir(self.root, None, self.root)
        try:
            for depth, name in enumerate(folders):
                if create:
                    try:
                        os.mkdir(name, 0o700, dir_fd=fd)
                        self._made_dirs.append(folders[: depth + 1])
                    except FileExistsError:
                        pass
                child = _open_dir(name, fd, self.root)
                os.close(fd)
                fd = child
            yield fd
        finally:
            os.close(fd)


def _open_dir(name: str | Path, dir_fd: int | None, root: Path) -> int:
    try:
        return os.open(name, DIR_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            refused = (
                _("{folder} is a symbolic link or not a folder; refusing to write through it").format(folder=safe(root))
                if dir_fd is None
                else _("{name} in {folder} is a symbolic link or not a folder; refusing to write through it").format(
                    name=shown_name(str(name)), folder=safe(root)
                )
            )
            raise PackageError(refused) from None
        raise


def _refuse_links_on(path: Path) -> None:
    """No component of ``path`` (as given, made absolute) may be a symbolic link: give the real path instead."""
    for part in [*reversed(path.parents), path]:
        with contextlib.suppress(FileNotFoundError):
            if stat.S_ISLNK(os.lstat(part).st_mode):
                raise PackageError(
                    _(
                        "the destination {path} goes through the symbolic link {link}; give the real path (links are"
                        " never followed)"
                    ).format(path=safe(path), link=safe(part))
                )
