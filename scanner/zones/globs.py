"""Zone globs: `公共/**`, `*/共享/**`, `外包/*.xlsx`, matched against a file's path relative to its root.

Segment-wise, case-sensitive: `*` and `?` never cross '/', `[...]` is a character class, and a segment `**`
matches any number of folders (none included). A glob with no '/' matches a file's name in any folder. Bad
globs (empty, absolute, `..`, `**` inside a segment, an unclosed `[`) are refused with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scanner.i18n import _


class GlobError(ValueError):
    """A glob a zone cannot use; the message says why."""


def _segment(seg: str, glob: str) -> str:
    if "**" in seg:
        raise GlobError(_("{glob!r}: '**' must be a whole path segment (like 公共/**)").format(glob=glob))
    out, i = [], 0
    while i < len(seg):
        c = seg[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = seg.find("]", i + 2 if seg[i + 1 : i + 2] in ("!", "]") else i + 1)
            if end < 0:
                raise GlobError(_("{glob!r}: unclosed '['").format(glob=glob))
            body = seg[i + 1 : end]
            body = "^" + body[1:] if body.startswith("!") else body
            out.append("[" + body.replace("\\", "\\\\").replace("/", "") + "]")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def compile_glob(glob: str) -> str:
    """The regular expression (without anchors) of one zone glob; GlobError if it is not usable."""
    if not isinstance(glob, str) or not glob.strip():
        raise GlobError(_("an empty glob"))
    if glob.startswith("/") or "\\" in glob:
        raise GlobError(_("{glob!r}: globs are relative to a root, with '/' between folders").format(glob=glob))
    parts = glob.rstrip("/").split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise GlobError(_("{glob!r}: empty, '.' or '..' segments are not allowed").format(glob=glob))
    if len(parts) == 1 and parts[0] != "**":
        parts = ["**", parts[0]]  # a bare name pattern: in any folder
    regex = ""
    for n, part in enumerate(parts):
        last = n == len(parts) - 1
        if part == "**":
            regex += ".*" if last else "(?:[^/]+/)*"
        else:
            regex += _segment(part, glob) + ("" if last else "/")
    try:
        re.compile(regex)
    except re.error as exc:
        raise GlobError(_("{glob!r}: {error}").format(glob=glob, error=exc)) from None
    return regex


@dataclass(frozen=True)
class ZoneGlobs:
    """A zone's globs, compiled into one expression; `matches` takes a path relative to the root."""

    globs: tuple[str, ...]
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.globs:
            raise GlobError(_("no globs given"))
        joined = "|".join(f"(?:{compile_glob(g)})" for g in self.globs)
        object.__setattr__(self, "_regex", re.compile(f"(?:{joined})\\Z", re.S))

    def matches(self, rel_path: str) -> bool:
        return self._regex.match(rel_path.lstrip("/")) is not None
