"""The narrower mode and ACL a `tighten_access` action proposes, and setting a mode and ACL through a descriptor.

Tightening takes every permission from "other", the group bits from a broad owning group, and the entries of
broad named groups from the ACL; named users and ordinary groups keep what they have (someone granted them on
purpose). The ACL mask is recomputed as setfacl does (the union of the group class), and the mode's group bits
follow it. Special bits (setuid, setgid, sticky) are left as they were.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

try:
    import posix1e  # the `acl` extra
except ImportError:
    posix1e = None

from scanner.exposure.groups import BroadGroups
from scanner.exposure.probe import AclEntry, judge, parse_acl_text
from scanner.states import ExposureLevel

_NONE = "---"


@dataclass(frozen=True)
class Access:
    """A mode and ACL as `Exposure` holds them: ``acl`` all entries when extended, () minimal, None unsupported."""

    mode: int
    acl: tuple[AclEntry, ...] | None

    @property
    def acl_text(self) -> str | None:
        return None if self.acl is None else ",".join(e.text for e in self.acl)

    @classmethod
    def stored(cls, mode: int, acl_text: str | None) -> Access:
        return cls(mode, None if acl_text is None else parse_acl_text(acl_text))

    def shown(self) -> str:
        """ "rw-r----- (0640)", with the ACL's named entries after it: for methods and messages."""
        text = f"{stat.filemode(stat.S_IFREG | self.mode)[1:]} ({self.mode:04o})"
        named = [e.text for e in self.acl or () if e.qualifier is not None]
        return text + (f" ACL {','.join(named)}" if named else "")


def narrower(current: Access, gid: int, groups: BroadGroups) -> Access | None:
    """What tightening makes of ``current`` (the mode and ACL of a file owned by group ``gid``); None when it
    would change nothing."""
    owning_broad = groups.is_broad(gid)
    mode = current.mode & ~0o007
    if owning_broad:
        mode &= ~0o070
    acl = current.acl
    if acl:
        kept = []
        for e in acl:
            if e.tag == "o" or (e.tag == "g" and e.qualifier is None and owning_broad):
                e = AclEntry(e.tag, None, _NONE)
            elif e.tag == "g" and e.qualifier is not None and groups.is_broad(e.qualifier):
                continue
            kept.append(e)
        acl = _with_mask(tuple(kept))
        mask = next((e for e in acl if e.tag == "m"), None)
        if mask is not None:
            mode = (mode & ~0o070) | (_bits(mask.perms) << 3)
    target = Access(mode, acl)
    return None if target == current else target


def level_after(target: Access, uid: int, gid: int, groups: BroadGroups) -> ExposureLevel:
    return judge(target.mode, uid, gid, target.acl, groups)[0]


def set_access(fd: int, target: Access) -> None:
    """Give the open file this mode and ACL (through its descriptor: no path is followed)."""
    if posix1e is None and target.acl:
        raise OSError('setting a POSIX ACL needs the acl extra: pip install "custos[acl]"')
    if target.acl:
        posix1e.ACL(text=target.acl_text).applyto(fd)
    elif target.acl == () and posix1e is not None and posix1e.has_extended(fd):
        posix1e.ACL(mode=target.mode & 0o777).applyto(fd)  # back to an ACL that only mirrors the mode
    os.fchmod(fd, target.mode)  # the group bits are the mask under an extended ACL: the same value


def _with_mask(entries: tuple[AclEntry, ...]) -> tuple[AclEntry, ...]:
    group_class = [e for e in entries if e.tag == "g" or (e.tag == "u" and e.qualifier is not None)]
    union = 0
    for e in group_class:
        union |= _bits(e.perms)
    perms = "".join(c if union & bit else "-" for c, bit in zip("rwx", (4, 2, 1), strict=True))
    return tuple(AclEntry("m", None, perms) if e.tag == "m" else e for e in entries)


def _bits(perms: str) -> int:
    return sum(bit for c, bit in zip(perms, (4, 2, 1), strict=True) if c != "-")
