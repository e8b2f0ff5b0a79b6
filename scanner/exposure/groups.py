"""Which groups count as broad: a group almost every user is in (named in a list), or one with many members.

A site may add names and lower the member limit (`[exposure]` in custos.toml), never the reverse: configuration
only makes the judgement stricter.
"""

from __future__ import annotations

import grp
import pwd
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

DEFAULT_BROAD_GROUPS = frozenset({"users", "staff", "domain users", "everyone", "authenticated users"})
DEFAULT_MAX_MEMBERS = 50


class GroupDirectory(Protocol):
    """Names and sizes of groups by gid."""

    def name(self, gid: int) -> str | None: ...

    def members(self, gid: int) -> int: ...


class SystemGroups:
    """The machine's groups through NSS (/etc/group, LDAP, winbind): members listed in the group plus users whose
    primary group it is. Read once per instance: a scan asks about the same few groups again and again."""

    def name(self, gid: int) -> str | None:
        return self._groups.get(gid, (None, 0))[0]

    def members(self, gid: int) -> int:
        return self._groups.get(gid, (None, 0))[1]

    @cached_property
    def _groups(self) -> dict[int, tuple[str, int]]:
        primary: dict[int, set[str]] = {}
        for user in pwd.getpwall():
            primary.setdefault(user.pw_gid, set()).add(user.pw_name)
        return {g.gr_gid: (g.gr_name, len(set(g.gr_mem) | primary.get(g.gr_gid, set()))) for g in grp.getgrall()}


@dataclass(frozen=True)
class GroupTable:
    """Groups given as data, in group(5) lines ("name:x:gid:member,member"): for tests and other hosts' lists."""

    rows: Mapping[int, tuple[str, int]]

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> GroupTable:
        rows = {}
        for line in lines:
            parts = line.strip().split(":")
            if len(parts) == 4 and parts[2].isdigit():
                members = [m for m in parts[3].split(",") if m]
                rows[int(parts[2])] = (parts[0], len(members))
        return cls(rows)

    def name(self, gid: int) -> str | None:
        return self.rows.get(gid, (None, 0))[0]

    def members(self, gid: int) -> int:
        return self.rows.get(gid, (None, 0))[1]


@dataclass(frozen=True)
class BroadGroups:
    """The judgement "this group is broad": its name is in ``names`` (compared case-folded) or it has more than
    ``max_members`` members."""

    names: frozenset[str] = DEFAULT_BROAD_GROUPS
    max_members: int = DEFAULT_MAX_MEMBERS
    directory: GroupDirectory = field(default_factory=SystemGroups, compare=False)

    def stricter(self, names: Iterable[str] = (), max_members: int | None = None) -> BroadGroups:
        """A site's additions: more names, a lower limit; never fewer names or a higher limit."""
        limit = self.max_members if max_members is None else min(self.max_members, max_members)
        return BroadGroups(self.names | {n.casefold() for n in names}, limit, self.directory)

    def is_broad(self, gid: int) -> bool:
        name = self.directory.name(gid)
        return (name is not None and name.casefold() in self.names) or self.directory.members(gid) > self.max_members

    def label(self, gid: int) -> str:
        """The group as shown: its name, else its number."""
        return self.directory.name(gid) or str(gid)
