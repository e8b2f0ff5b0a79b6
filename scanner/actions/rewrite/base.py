"""What every in-place masker takes: the findings to mask (`Edit`) and a callback that masks one value."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Edit:
    """One finding to mask, addressed exactly as the scan stored it."""

    finding_id: int
    start: int  # index into the file's whole extracted text (Python str indices), as findings.start
    end: int
    location: str  # as findings.location: "line 3", "Sheet1!B7", "paragraph 4", "table 1 row 2 col 3"


class RewriteError(Exception):
    """The file cannot be masked in place; the message says why and what to do instead. Nothing was changed."""


# (edit, the text now at the edit's place) -> the masked text to write there. It raises RewriteError when the
# text is not the value that was scanned (its keyed fingerprint differs): the file must not be touched then.
Masker = Callable[[Edit, str], str]


class Rewriter(Protocol):
    def mask_copy(self, src: Path, dst: Path, edits: Sequence[Edit], masker: Masker, encoding: str | None) -> None:
        """Write ``src`` with every edit masked to ``dst`` (a new file in the same directory), flushed and
        fsynced; ``src`` is only read. ``encoding`` is the one the scan recorded (files.encoding) for text."""
