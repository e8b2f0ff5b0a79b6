"""The hook for a statistical name tagger: prose windows that still hold name candidates the rules left undecided.

The rule-based finder (`names.ChineseNameRecognizer`) reports a name only with evidence. A surname-led candidate
on word boundaries, no dictionary word, but without evidence is *unresolved*. When a `NameResolver` is set on the
recognizer (`PackRecognizer.use_name_resolver`), the finder groups its unresolved candidates by window — the
sentence or line around them, at most `WINDOW_REACH` characters either side — and asks the resolver once per text
which spans in those windows are names. Without a resolver none of this is computed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

WINDOW_REACH = 80
_SENTENCE_ENDS = "。！？!?；;\n"


@dataclass(frozen=True)
class NameWindow:
    """A stretch of prose, ``text[start:end]``, and the (start, end) spans of its unresolved name candidates
    (offsets into the whole text; a candidate is its surname and up to two given characters)."""

    start: int
    end: int
    candidates: tuple[tuple[int, int], ...]


# Given the text and its windows, the (start, end) spans of PERSON names the resolver finds inside the windows.
NameResolver = Callable[[str, Sequence[NameWindow]], Iterable[tuple[int, int]]]


def windows_around(text: str, candidates: Iterable[tuple[int, int]]) -> list[NameWindow]:
    """The sentence (or line) around each candidate, windows that touch merged, candidates sorted."""
    windows: list[tuple[int, int, list[tuple[int, int]]]] = []
    for start, end in sorted(candidates):
        if windows and start < windows[-1][1]:
            windows[-1][2].append((start, end))
            continue
        left = max(0, start - WINDOW_REACH)
        opens = max(text.rfind(mark, left, start) for mark in _SENTENCE_ENDS) + 1
        right = min(len(text), end + WINDOW_REACH)
        closes = [i for i in (text.find(mark, end, right) for mark in _SENTENCE_ENDS) if i >= 0]
        window_start = max(opens, left)
        window_end = min(closes) + 1 if closes else right
        windows.append((window_start, window_end, [(start, end)]))
    return [NameWindow(s, e, tuple(c)) for s, e, c in windows]
