"""Can this process write Custos's state here? Asked before any work starts, so a read-only or foreign folder is
one line naming the path and the reason, not "unable to open database file" after the detector has loaded."""

from __future__ import annotations

import errno
import grp
import os
import pwd
import stat
from pathlib import Path


class StateAccessError(Exception):
    """A file or folder Custos must write is not writable by this process; the message says which and why."""


def check_database_writable(db: Path) -> None:
    """The database ``db`` (and the keys, the vault, the WAL files beside it) can be created or written."""
    if getattr(db, "target", None) is not None:  # PostgreSQL: only the state folder (keys, vault, logs) is local
        db = Path(db)
    if db.exists():
        if db.is_dir():
            raise StateAccessError(f"{db}: is a folder, not a findings database; give --db a file name")
        if not _can(db, os.R_OK | os.W_OK):
            raise StateAccessError(f"{db}: cannot write the findings database: {_why(db)}")
        folder = db.parent
        if not _can(folder, os.W_OK | os.X_OK):  # the write-ahead log and the keys are created beside it
            raise StateAccessError(
                f"{folder}: cannot write beside the findings database {db.name} (its -wal/-shm files, keys, vault): "
                f"{_why(folder)}"
            )
        return
    check_folder_writable(db.parent, "create the findings database there")


def check_not_root_in_foreign_state(db: Path) -> None:
    """Refuse root in a state folder another account owns (the service account's /var/lib/custos): what root
    created there (a vault item, -wal and -shm files, a work folder, all mode 0600) would lock that account out."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return
    folder = db.parent
    try:
        owner = folder.stat().st_uid
    except OSError:
        return  # not there yet: whoever creates it owns it
    if owner != 0:
        name = _user(owner)
        raise StateAccessError(
            f"{folder} belongs to {name}: run Custos as that account (sudo -u {name} custos …), not as root, so "
            f"that the files it creates there stay readable by {name}"
        )


def check_output_writable(path: Path) -> None:
    """An export can be written to ``path``: an existing file (or /dev/stdout) writable, else its folder."""
    if path.exists():
        if not _can(path, os.W_OK):
            raise StateAccessError(f"{path}: cannot write the findings export: {_why(path)}")
        return
    check_folder_writable(path.parent, "write the findings export there")


def check_folder_writable(folder: Path, purpose: str) -> None:
    """``folder`` exists and is writable, or could be created under its nearest existing ancestor."""
    existing = folder
    while not existing.exists():
        if existing.is_symlink():  # a dangling link: mkdir would fail on it
            raise StateAccessError(f"{existing}: cannot {purpose}: a broken symbolic link")
        existing = existing.parent
    if not existing.is_dir():
        raise StateAccessError(f"{existing}: cannot {purpose}: it is a file, not a folder")
    if not _can(existing, os.W_OK | os.X_OK):
        raise StateAccessError(f"{existing}: cannot {purpose}: {_why(existing)}")


def _can(path: Path, mode: int) -> bool:
    if os.access in os.supports_effective_ids:  # what the kernel will allow this process (its effective user)
        return os.access(path, mode, effective_ids=True)
    return os.access(path, mode)


def _why(path: Path) -> str:
    """Why, e.g. "permission denied (folder owned by root:root, mode 0755; custos runs as alice)", or that the
    filesystem is read-only."""
    if _read_only_filesystem(path):
        return "the filesystem holding it is read-only"
    st = path.stat()
    kind = "folder" if stat.S_ISDIR(st.st_mode) else "file"
    owner = f"{_user(st.st_uid)}:{_group(st.st_gid)}"
    return (
        f"{os.strerror(errno.EACCES).lower()} ({kind} owned by {owner}, mode {stat.S_IMODE(st.st_mode):04o}; "
        f"custos runs as {_user(os.geteuid())})"
    )


def _read_only_filesystem(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _group(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)
