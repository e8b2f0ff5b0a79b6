"""Helpers for the exposure tests: a share with one file holding a resident ID (sensitive) and one holding only a
phone number (general), a group table given as data, and whether `setfacl` (Debian's `acl`) is installed."""

from __future__ import annotations

import shutil
from pathlib import Path

from scanner.exposure.groups import BroadGroups, GroupTable

ID_NOTE = "客户：张伟先生\n身份证号：110105199003071239\n"
PHONE_NOTE = "客户：李娜\n手机：13912345678\n"
try:
    import posix1e  # noqa: F401  (the acl extra: without it ACLs are not read)

    HAS_ACL_LIB = True
except ImportError:
    HAS_ACL_LIB = False
HAS_SETFACL = shutil.which("setfacl") is not None and HAS_ACL_LIB
# gid 4242 is an ordinary team, 4343 "users" (broad by name), 4444 a group of 60 people (broad by size)
GROUPS = BroadGroups(
    directory=GroupTable.from_lines([
        "finance:x:4242:ann,bob",
        "users:x:4343:",
        "allstaff:x:4444:" + ",".join(f"u{i}" for i in range(60)),
    ])
)  # fmt: skip


def exposure_share(root: Path) -> Path:
    """``root`` with 身份证/客户.txt (sensitive) and 电话.txt (general only)."""
    (root / "身份证").mkdir(parents=True)
    (root / "身份证" / "客户.txt").write_text(ID_NOTE, encoding="utf-8")
    (root / "电话.txt").write_text(PHONE_NOTE, encoding="utf-8")
    return root
