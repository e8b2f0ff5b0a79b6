"""Member names: relative POSIX paths that can be written beneath a folder on any system, checked on write and
again on open (a package is untrusted input to its reader)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from scanner.display import safe
from scanner.display_mask import mask_for_display
from scanner.handover.format import PackageError

MAX_NAME_CHARS = 1024
MAX_PART_BYTES = 255
_DEVICE = re.compile(r"(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def shown_name(name: str) -> str:
    """A member name for a message: what may be personal data masked, then escaped (it came from a file)."""
    return safe(mask_for_display(name))


def name_problem(name: object) -> str | None:
    """Why ``name`` is not a safe member name, or None."""
    if not isinstance(name, str) or not name:
        return "it is empty or not text"
    if len(name) > MAX_NAME_CHARS:
        return f"it is longer than {MAX_NAME_CHARS} characters"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "it is not valid Unicode"
    if "\x00" in name:
        return "it contains a NUL character"
    if _CONTROL.search(name):
        return "it contains a control character"
    if "\\" in name:
        return "it contains a backslash (only '/' separates folders)"
    if ":" in name:
        return "it contains ':' (a drive letter or an alternate data stream on Windows)"
    if name.startswith("/"):
        return "it is an absolute path"
    for part in name.split("/"):
        if part in ("", ".", ".."):
            return "it has an empty, '.' or '..' component (path traversal)"
        if len(part.encode("utf-8")) > MAX_PART_BYTES:
            return f"a component is longer than {MAX_PART_BYTES} bytes"
        if part[-1] in ". ":
            return "a component ends in '.' or a space (Windows drops them, so two names could collide)"
        if _DEVICE.fullmatch(part.split(".", 1)[0].rstrip(" ")):
            return "a component is a device name (CON, NUL, COM1, …)"
    return None


def check_name(name: object, member: int) -> str:
    problem = name_problem(name)
    if problem:
        shown = shown_name(name) if isinstance(name, str) else safe(repr(name))
        raise PackageError(f"member {member}: name {shown!r} is refused: {problem}")
    return name  # type: ignore[return-value]


def check_distinct(names: Iterable[str]) -> None:
    """No two members land on the same file, and none is both a file and a folder (case-insensitively, for the
    file systems that are)."""
    files: dict[str, int] = {}
    folders: dict[str, int] = {}
    for member, name in enumerate(names, start=1):
        key = name.casefold()
        if key in files or key in folders:
            other = files.get(key) or folders[key]
            raise PackageError(f"member {member}: name {shown_name(name)!r} collides with member {other}")
        parts = key.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder in files:
                raise PackageError(
                    f"member {member}: name {shown_name(name)!r} needs member {files[folder]} to be a folder"
                )
            folders.setdefault(folder, member)
        files[key] = member
