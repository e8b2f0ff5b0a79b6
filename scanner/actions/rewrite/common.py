"""Helpers every in-place masker shares: edit order checks, spreading a mask over pieces, writing the copy."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from scanner.actions.rewrite.base import Edit, RewriteError

CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def ordered_edits(edits: Sequence[Edit]) -> list[Edit]:
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for edit in ordered:
        if edit.start < 0 or edit.end < edit.start:
            raise RewriteError(f"finding {edit.finding_id} ({edit.location}): bad offsets {edit.start}..{edit.end}")
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.start < a.end:
            raise RewriteError(
                f"findings {a.finding_id} ({a.location}) and {b.finding_id} ({b.location}) overlap; mask them one at"
                " a time, rescanning in between"
            )
    return ordered


def spread(texts: Sequence[str], start: int, end: int, masked: str) -> list[str]:
    """`texts` with [start, end) of their concatenation replaced by `masked`, character for character, so each
    piece keeps its share; the last piece touched takes what is left over (or is short of what is missing)."""
    covered, pos = [], 0
    for i, text in enumerate(texts):
        a, b = max(start - pos, 0), min(end - pos, len(text))
        if a < b:
            covered.append((i, a, b))
        pos += len(text)
    out, rest = list(texts), masked
    for n, (i, a, b) in enumerate(covered):
        share = rest if n == len(covered) - 1 else rest[: b - a]
        out[i] = texts[i][:a] + share + texts[i][b:]
        rest = rest[len(share) :]
    return out


def write_copy(src: Path, dst: Path, save: Callable[[BinaryIO], None]) -> None:
    """Create the new file `dst` (never an existing one), let `save` write it, then flush, fsync and give it
    src's permission bits; on any failure `dst` is removed."""
    try:
        mode = stat.S_IMODE(os.stat(src).st_mode) & 0o777  # no setuid/setgid on a copy
        fd = os.open(dst, CREATE_FLAGS, 0o600)  # private until complete
    except OSError as exc:
        raise RewriteError(f"{dst}: cannot create the masked copy ({exc.strerror}); nothing was changed") from exc
    try:
        with os.fdopen(fd, "wb") as out:
            save(out)
            os.chmod(out.fileno() if os.chmod in os.supports_fd else dst, mode)
            out.flush()
            os.fsync(out.fileno())  # after chmod, so the mode is durable with the content
    except BaseException as exc:
        with contextlib.suppress(OSError):  # the original error is the one to report
            dst.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise RewriteError(f"{src}: masking failed ({exc.strerror}); the file is unchanged") from exc
        raise
