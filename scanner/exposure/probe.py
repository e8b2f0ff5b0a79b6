"""Reading who can read a file: owner, group, mode bits and POSIX ACL, never through a symbolic link.

A path is looked at with lstat and opened with O_NOFOLLOW; the open file must be the inode lstat saw, and both
the mode and the ACL are read through that descriptor (fstat, acl_get_fd via pylibacl), so a name swapped for a
link between the two steps is refused rather than followed. A filesystem without POSIX ACLs (vfat, some network
shares, pipes) gives ``acl=None``: the mode bits are then all there is.

The level is what the strongest reader gets: `all` when "other" may read; `broad_group` when a group that may
read is broad (see `groups`); `group` when the owning group, a named user or a named group may read; else `owner`.
Under an extended ACL the mask limits named users, named groups and the owning group, as the kernel applies it.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

try:
    import posix1e  # the `acl` extra (pylibacl builds against Debian's libacl1-dev)
except ImportError:  # without it ACLs are not read: the mode bits are all there is
    posix1e = None

from scanner.exposure.groups import BroadGroups
from scanner.states import ExposureLevel

_NO_ACL = (errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS)
_TAGS = {} if posix1e is None else {
    posix1e.ACL_USER_OBJ: "u", posix1e.ACL_USER: "u", posix1e.ACL_GROUP_OBJ: "g", posix1e.ACL_GROUP: "g",
    posix1e.ACL_MASK: "m", posix1e.ACL_OTHER: "o",
}  # fmt: skip
_ENTRY = re.compile(r"([ugmo]):([0-9]*):([r-][w-][x-])")


class ProbeRefused(OSError):
    """The path is not a regular file reached without a link (a symlink, a folder, a device), or it changed."""


@dataclass(frozen=True)
class AclEntry:
    """One ACL entry in getfacl's short form: tag u/g/m/o, the numeric id for a named user or group (else None)."""

    tag: str
    qualifier: int | None
    perms: str  # "rw-", "r--", ...

    @property
    def reads(self) -> bool:
        return self.perms.startswith("r")

    @property
    def text(self) -> str:
        return f"{self.tag}:{'' if self.qualifier is None else self.qualifier}:{self.perms}"


@dataclass(frozen=True)
class Exposure:
    """Who can read one file, as read through its descriptor."""

    uid: int
    gid: int
    mode: int  # permission and special bits (st_mode & 0o7777)
    acl: tuple[AclEntry, ...] | None  # every entry when the ACL says more than the mode; () when it does not;
    # None on a filesystem without POSIX ACLs
    level: ExposureLevel
    readers: tuple[str, ...]  # who besides the owner may read: "other", "group users (broad)", "user 1001"

    @property
    def acl_text(self) -> str | None:
        """The ACL as stored and restored: "u::rw-,u:1001:r--,g::r--,m::r--,o::---" ('' minimal, None none)."""
        return None if self.acl is None else ",".join(e.text for e in self.acl)

    @property
    def mode_text(self) -> str:
        return stat.filemode(stat.S_IFREG | self.mode)[1:] + ("+" if self.acl else "")


def probe(target: Path | int, groups: BroadGroups | None = None) -> Exposure:
    """The exposure of a path (never followed if it is a link) or of an open descriptor."""
    groups = groups or BroadGroups()
    if isinstance(target, int):
        return _from_fd(target, groups)
    seen = os.stat(target, follow_symlinks=False)
    if not stat.S_ISREG(seen.st_mode):
        why = errno.ELOOP if stat.S_ISLNK(seen.st_mode) else errno.EINVAL
        raise ProbeRefused(why, "not a regular file", str(target))
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ProbeRefused(errno.ELOOP, "a symbolic link", str(target)) from None
        raise
    try:
        opened = os.fstat(fd)
        if (opened.st_dev, opened.st_ino) != (seen.st_dev, seen.st_ino):
            raise ProbeRefused(errno.ESTALE, "replaced while being looked at", str(target))
        return _from_fd(fd, groups)
    finally:
        os.close(fd)


def read_acl(fd: int) -> tuple[AclEntry, ...] | None:
    """The access ACL of an open file: all entries if extended, () if it only mirrors the mode, None if the
    filesystem has no POSIX ACLs (or the `acl` extra, which reads them, is not installed)."""
    if posix1e is None:
        return None
    try:
        if not posix1e.has_extended(fd):
            return ()
        acl = posix1e.ACL(fd=fd)
    except OSError as exc:
        if exc.errno in _NO_ACL:
            return None
        raise
    return tuple(_entry(e) for e in acl)


def _entry(entry: posix1e.Entry) -> AclEntry:
    named = entry.tag_type in (posix1e.ACL_USER, posix1e.ACL_GROUP)
    p = entry.permset
    perms = ("r" if p.read else "-") + ("w" if p.write else "-") + ("x" if p.execute else "-")
    return AclEntry(_TAGS[entry.tag_type], entry.qualifier if named else None, perms)


def _from_fd(fd: int, groups: BroadGroups) -> Exposure:
    st = os.fstat(fd)
    acl = read_acl(fd)
    mode = stat.S_IMODE(st.st_mode)
    level, readers = judge(mode, st.st_uid, st.st_gid, acl, groups)
    return Exposure(st.st_uid, st.st_gid, mode, acl, level, readers)


def judge(
    mode: int, uid: int, gid: int, acl: tuple[AclEntry, ...] | None, groups: BroadGroups
) -> tuple[ExposureLevel, tuple[str, ...]]:
    """The level and who makes it so, from the mode bits and the ACL entries (a pure function)."""
    readers: list[str] = []
    if mode & stat.S_IROTH:
        readers.append("other")
    reading_gids: list[int] = []
    named_users: list[int] = []
    if acl:
        mask = next((e for e in acl if e.tag == "m"), None)
        masked = mask is not None and not mask.reads
        for e in acl:
            if e.tag == "g" and e.reads and not masked:
                reading_gids.append(gid if e.qualifier is None else e.qualifier)
            elif e.tag == "u" and e.qualifier is not None and e.qualifier != uid and e.reads and not masked:
                named_users.append(e.qualifier)
    elif mode & stat.S_IRGRP:
        reading_gids.append(gid)
    broad = [g for g in dict.fromkeys(reading_gids) if groups.is_broad(g)]
    readers += [f"group {groups.label(g)}{' (broad)' if g in broad else ''}" for g in dict.fromkeys(reading_gids)]
    readers += [f"user {u}" for u in named_users]
    if mode & stat.S_IROTH:
        level = ExposureLevel.ALL
    elif broad:
        level = ExposureLevel.BROAD_GROUP
    elif reading_gids or named_users:
        level = ExposureLevel.GROUP
    else:
        level = ExposureLevel.OWNER
    return level, tuple(readers)


def parse_acl_text(text: str) -> tuple[AclEntry, ...]:
    """Entries from `Exposure.acl_text` as stored (strict: anything else is refused)."""
    entries = []
    for part in filter(None, text.split(",")):
        match = _ENTRY.fullmatch(part)
        if match is None:
            raise ValueError(f"not an ACL entry: {part!r}")
        tag, qualifier, perms = match.groups()
        if qualifier and tag not in "ug":
            raise ValueError(f"not an ACL entry: {part!r}")
        entries.append(AclEntry(tag, int(qualifier) if qualifier else None, perms))
    return tuple(entries)
