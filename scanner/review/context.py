"""Masked context lines around a finding, read from the file as the scanner decoded it.

Every known finding span in those lines is replaced by its masked preview; then, as for any text from the
share, `scanner.display_mask.mask_for_display` stars what the detectors did not report but looks like personal
data — runs of six or more digits, e-mail addresses, name-shaped tokens (访客(刘芳) → 访客(刘*)): a context line
never shows a plain value, even one the detectors missed. Plain-text formats only; for spreadsheets, documents
and PDFs the review UI shows the location and the preview instead.
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from scanner.display_mask import mask_keeping
from scanner.extract.base import ExtractionError
from scanner.extract.decode import detect_encoding, iter_text
from scanner.extract.plaintext import PLAIN_TEXT_SUFFIXES
from scanner.extract.registry import format_label

Span = tuple[int, int, str]  # start, end (character offsets into the decoded file), masked preview
HEAD = 300  # characters shown of a context line
AROUND = 150  # characters shown either side of the finding on its own line
MASK = "*"
# A word cut by the window may be the rest of a value: star it when short, else its digits at the cut.
_CUT_WORD_LEFT = re.compile(r"^(?:[A-Za-z0-9@._%+\-]{1,64}(?![A-Za-z0-9@._%+\-])|[0-9 .\-]+)")
_CUT_WORD_RIGHT = re.compile(r"(?:(?<![A-Za-z0-9@._%+\-])[A-Za-z0-9@._%+\-]{1,64}|[0-9 .\-]+)$")


@dataclass(frozen=True)
class _Shown:
    """The part of one line that is shown: ``text`` starts at file offset ``offset``."""

    number: int
    start: int  # the line's first offset
    end: int  # the offset of its newline (or of the end of the file)
    offset: int
    text: str


def masked_context(
    root: str,
    rel_path: str,
    encoding: str | None,
    findings: list[Span],
    target: tuple[int, int],
    lines: int = 2,
    file_meta: Mapping[str, object] | None = None,
) -> list[tuple[int, str]] | None:
    """(line number, masked text) of the target's lines and ``lines`` lines either side.

    None when the format is not plain text, or the file is missing, unreadable, or no longer what was scanned
    (size or mtime differ from ``file_meta``, a `ReviewQueries.file_meta` record).
    """
    path = Path(root) / rel_path
    if format_label(rel_path) not in PLAIN_TEXT_SUFFIXES or not _unchanged(path, file_meta):
        return None
    try:
        picked = _pick(_shown_lines(iter_text(path, encoding or detect_encoding(path)), target, lines), target, lines)
    except (ExtractionError, OSError, LookupError):
        return None
    if not picked:  # the offsets lie past the end: not the content the finding was recorded on
        return None
    return [(line.number, _mask(line, findings)) for line in picked]


def _unchanged(path: Path, meta: Mapping[str, object] | None) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return meta is None or (meta.get("size"), meta.get("mtime_ns")) == (st.st_size, st.st_mtime_ns)


def _shown_lines(pieces: Iterable[str], target: tuple[int, int], lines: int) -> Iterator[_Shown]:
    """Each line of the decoded text reduced to what is shown: the window around the target on the target's
    first line, the head of any other line. Only characters a window can show are kept, so a file of one
    enormous line costs no more memory than a short one; lines well before the target are only counted."""
    t0, t1 = target
    number, line_start, pos = 1, 0, 0
    kept: list[tuple[int, str]] = []  # (offset, text): fragments of the current line that a window may show

    def keep(lo: int, text: str) -> None:
        for a, b in ((line_start, line_start + HEAD), (t0 - AROUND, t1 + AROUND)):
            a, b = max(a, lo), min(b, lo + len(text))
            if a < b:
                kept.append((a, text[a - lo : b - lo]))

    def finish(line_end: int) -> _Shown:
        lo, hi = line_start, min(line_end, line_start + HEAD)
        if line_start <= t0 <= line_end:
            lo, hi = max(line_start, t0 - AROUND), min(line_end, t1 + AROUND)
        parts, at = [], lo
        for offset, text in sorted(kept):
            if offset + len(text) > at and offset < hi:
                parts.append(text[at - offset : hi - offset] if offset <= at else text[: hi - offset])
                at = min(offset + len(text), hi)
        return _Shown(number, line_start, line_end, lo, "".join(parts))

    for piece in pieces:
        i = _skip_before(piece, min(len(piece), t0 - pos), lines)
        if i:
            number, line_start, kept = number + piece.count("\n", 0, i), pos + i, []
        while (nl := piece.find("\n", i)) >= 0:
            keep(pos + i, piece[i:nl])
            yield finish(pos + nl)
            number, line_start, i = number + 1, pos + nl + 1, nl + 1
            kept = []
        if i < len(piece):
            keep(pos + i, piece[i:])
        pos += len(piece)
    if pos > line_start:
        yield finish(pos)


def _skip_before(piece: str, limit: int, lines: int) -> int:
    """Where to start reading ``piece``: after all but the last few lines that end before ``limit``."""
    j = limit
    for _ in range(lines + 2 if limit > 0 else 0):
        j = piece.rfind("\n", 0, j)
        if j < 0:
            return 0
    return j + 1 if limit > 0 else 0


def _pick(shown: Iterator[_Shown], target: tuple[int, int], lines: int) -> list[_Shown]:
    """The lines the target spans and ``lines`` either side; stops reading once past them."""
    t0, t1 = target
    before: deque[_Shown] = deque(maxlen=lines or None)
    picked: list[_Shown] = []
    after = -1  # lines taken after the target's last line; -1 until that line is reached
    for line in shown:
        if not picked and line.end < t0:
            if lines:
                before.append(line)
            continue
        if not picked:
            picked.extend(before)
        if after >= 0:
            after += 1
        picked.append(line)
        if after < 0 and line.end >= t1:
            after = 0
        if after >= lines:
            break
    return picked


def _mask(line: _Shown, findings: list[Span]) -> str:
    """The shown text with finding spans replaced by their previews, words cut by the window starred, and the
    display mask over the rest (read with the previews in place, so a name beside a preview keeps its context;
    the previews themselves are left as they are)."""
    text, lo = line.text, line.offset
    hi = lo + len(text)
    hidden = [False] * len(text)
    for pattern, cut in ((_CUT_WORD_LEFT, lo > line.start), (_CUT_WORD_RIGHT, hi < line.end)):
        if cut and (match := pattern.search(text)):
            hidden[match.start() : match.end()] = [True] * (match.end() - match.start())
    spans = sorted((s, e, p) for s, e, p in findings if s < hi and e > lo)
    out: list[str] = []
    kept: list[bool] = []  # per character of out: part of a preview, shown as it is
    pos = lo

    def plain(until: int) -> None:
        out.extend(MASK if hidden[i - lo] else text[i - lo] for i in range(pos, until))
        kept.extend([False] * (until - pos))

    for start, end, preview in spans:
        if end <= pos:
            continue
        whole = start >= pos and end <= hi and start >= lo
        start = max(start, pos)
        plain(start)
        shown = preview if whole else MASK * (min(end, hi) - start)
        out.extend(shown)
        kept.extend([True] * len(shown))
        pos = min(end, hi)
    plain(hi)
    while out and out[-1] == "\r":
        out.pop()
    previews = [(i, i + 1) for i, keep in enumerate(kept[: len(out)]) if keep]
    return mask_keeping("".join(out), previews)
