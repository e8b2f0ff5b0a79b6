"""Can this process write Custos's state here? Asked before any work starts, so a read-only or foreign folder is
one line naming the path and the reason, not "unable to open database file" after the detector has loaded."""

from __future__ import annotations

import grp
import os
import pwd
import stat
from pathlib import Path

from scanner.i18n import N_, _


class StateAccessError(Exception):
    """A file or folder Custos must write is not writable by this process; the message says which and why."""


def check_database_writable(db: Path) -> None:
    """The database ``db`` (and the keys, the vault, the WAL files beside it) can be created or written."""
    if getattr(db, "target", None) is not None:  # PostgreSQL: only the state folder (keys, vault, logs) is local
        db = Path(db)
    if db.exists():
        if db.is_dir():
            raise StateAccessError(
                _("{path}: is a folder, not a findings database; give --db a file name").format(path=db)
            )
        if not _can(db, os.R_OK | os.W_OK):
            raise StateAccessError(_("{path}: cannot write the findings database: {why}").format(path=db, why=_why(db)))
        folder = db.parent
        if not _can(folder, os.W_OK | os.X_OK):  # the write-ahead log and the keys are created beside it
            raise StateAccessError(
                _(
                    "{folder}: cannot write beside the findings database {name} (its -wal/-shm files, keys, vault): "
                    "{why}"
                ).format(folder=folder, name=db.name, why=_why(folder))
            )
        return
    check_folder_writable(db.parent, N_("create the findings database there"))


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
            _(
                "{folder} belongs to {name}: run Custos as that account (sudo -u {name} custos …), not as root, so "
                "that the files it creates there stay readable by {name}"
            ).format(folder=folder, name=name)
        )


def check_output_writable(path: Path) -> None:
    """An export can be written to ``path``: an existing file (or /dev/stdout) writable, else its folder."""
    if path.exists():
        if not _can(path, os.W_OK):
            raise StateAccessError(
                _("{path}: cannot write the findings export: {why}").format(path=path, why=_why(path))
            )
        return
    check_folder_writable(path.parent, N_("write the findings export there"))


def check_folder_writable(folder: Path, purpose: str) -> None:
    """``folder`` exists and is writable, or could be created under its nearest existing ancestor; ``purpose`` is
    marked with N_ and translated here."""
    purpose = _(purpose)
    existing = folder
    while not existing.exists():
        if existing.is_symlink():  # a dangling link: mkdir would fail on it
            raise StateAccessError(
                _("{path}: cannot {purpose}: a broken symbolic link").format(path=existing, purpose=purpose)
            )
        existing = existing.parent
    if not existing.is_dir():
        raise StateAccessError(
            _("{path}: cannot {purpose}: it is a file, not a folder").format(path=existing, purpose=purpose)
        )
    if not _can(existing, os.W_OK | os.X_OK):
        raise StateAccessError(
            _("{path}: cannot {purpose}: {why}").format(path=existing, purpose=purpose, why=_why(existing))
        )


def _can(path: Path, mode: int) -> bool:
    if os.access in os.supports_effective_ids:  # what the kernel will allow this process (its effective user)
        return os.access(path, mode, effective_ids=True)
    return os.access(path, mode)


def _why(path: Path) -> str:
    """Why, e.g. "permission denied (folder owned by root:root, mode 0755; custos runs as alice)", or that the
    filesystem is read-only."""
    if _read_only_filesystem(path):
        return _("the filesystem holding it is read-only")
    st = path.stat()
    message = (
        N_("permission denied (folder owned by {owner}, mode {mode}; custos runs as {user})")
        if stat.S_ISDIR(st.st_mode)
        else N_("permission denied (file owned by {owner}, mode {mode}; custos runs as {user})")
    )
    return _(message).format(
        owner=f"{_user(st.st_uid)}:{_group(st.st_gid)}",
        mode=f"{stat.S_IMODE(st.st_mode):04o}",
        user=_user(os.geteuid()),
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
