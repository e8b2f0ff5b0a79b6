"""Rolls of Chinese names written without separators (委员：李鹏乔石李瑞环彭真朱镕基…, 王涛王海王群王广宪).

A run of Chinese text that tiles into surname-led names — each a surname and one or two given characters, none of
them a dictionary word — and holds at least `MIN_NAMES` of them, with few tiles left over, is a list of people.
Prose does not tile so: characters that are no surname keep opening tiles. Notes in brackets after a name ((女),
(藏族)) end one tile and start the next.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterator, Sequence

MIN_NAMES = 5
_MAX_OTHER_SHARE = 0.15  # tiles that are no name (an unknown surname, a label) a roll may hold
_MIN_SURNAME_SHARE = 0.3  # a roll of two- and three-character names has a surname every 2.5 characters
_ROLL = re.compile(rf"(?:[\u4e00-\u9fff]|[（(][\u4e00-\u9fff]{{1,3}}[）)]){{{2 * MIN_NAMES},}}")
_NOTE = re.compile(r"[（(][\u4e00-\u9fff]{1,3}[）)]")


def name_rolls(
    text: str,
    surnames: Container[str],
    compound_surnames: Container[str],
    is_word: Callable[[str, int], bool],
    hit_ends: Sequence[int] | None = None,
) -> Iterator[tuple[int, int]]:
    """The (start, end) of every name in the rolls of ``text``: in every run of Chinese text, or only in the runs
    holding one of the sorted ``hit_ends``, if given. ``is_word(candidate, surname_len)`` vetoes a tile (金额,
    成都仓: a dictionary word, not a name)."""
    runs = _ROLL.finditer(text) if hit_ends is None else _runs_around(text, hit_ends)
    for run in runs:
        if run is None:
            continue
        start, end = run.span()
        pieces = _pieces(text, start, end)
        letters = sum(e - s for s, e in pieces)
        if sum(text[i] in surnames for s, e in pieces for i in range(s, e)) < _MIN_SURNAME_SHARE * letters:
            continue
        names: list[tuple[int, int]] = []
        others = 0
        for piece_start, piece_end in pieces:
            for s, e, is_name in _tiles(text[piece_start:piece_end], surnames, compound_surnames, is_word):
                if is_name:
                    names.append((piece_start + s, piece_start + e))
                else:
                    others += 1
        if len(names) >= MIN_NAMES and others <= _MAX_OTHER_SHARE * (len(names) + others):
            yield from names


def _runs_around(text: str, hit_ends: Sequence[int]) -> Iterator[re.Match[str] | None]:
    """The long runs (as `_ROLL` matches) that hold the hits, each once: the run is found by walking back from the
    hit over Chinese characters and bracketed notes, then matching forward."""
    covered = -1
    for hit in hit_ends:
        if hit <= covered:
            continue
        start = hit - 1
        while start > 0 and (_is_cjk(text[start - 1]) or text[start - 1] in "（()）"):
            start -= 1
        match = _ROLL.match(text, start)
        while match is None and start < hit - 1:  # the walk went back past a stray bracket
            start += 1
            match = _ROLL.match(text, start)
        covered = match.end() if match else hit
        yield match


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The runs of Chinese characters between the bracketed notes of a roll."""
    pieces = []
    pos = start
    for note in _NOTE.finditer(text, start, end):
        if note.start() > pos:
            pieces.append((pos, note.start()))
        pos = note.end()
    if pos < end:
        pieces.append((pos, end))
    return pieces


def _tiles(
    piece: str, surnames: Container[str], compounds: Container[str], is_word: Callable[[str, int], bool]
) -> list[tuple[int, int, bool]]:
    """``piece`` cut into tiles of one to four characters, each marked whether it is a name: the cut with the
    fewest tiles that are no name, then the fewest tiles (three-character names are the common case). A roll
    still holds a name the lexicon does not know (尉健行) or one that is also a word (万里): such a tile is
    skipped, its neighbours stay cut right."""
    n = len(piece)
    cost: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (tiles that are no name, tiles) to cover piece[i:]
    step: list[tuple[int, bool]] = [(0, False)] * (n + 1)
    for i in range(n - 1, -1, -1):
        best = None
        for surname_len in (2, 1):
            if piece[i : i + surname_len] not in (compounds if surname_len == 2 else surnames):
                continue
            for given in (2, 1):
                end = i + surname_len + given
                if end <= n and not is_word(piece[i:end], surname_len):
                    option = (cost[end][0], cost[end][1] + 1)
                    if best is None or option < best[0]:
                        best = (option, end, True)
        for end in range(i + 1, min(n, i + 3) + 1):
            option = (cost[end][0] + 1, cost[end][1] + 1)
            if best is None or option < best[0]:
                best = (option, end, False)
        cost[i], step[i] = best[0], (best[1], best[2])
    tiles = []
    pos = 0
    while pos < n:
        end, is_name = step[pos]
        tiles.append((pos, end, is_name))
        pos = end
    return tiles
