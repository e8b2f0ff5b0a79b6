"""Numbers as people write them: digit groups split by spaces, dots, dashes, OCR gaps or a line break.

`6501 0219 9307 0825 4X`, `1 5 9 1 4 2 7 3 0 8 8`, `+86 15565 0190 23`, `91 110000 600037341L` and an ID wrapped
over two lines are each one *run*: groups of digits (and the letters IDs and codes carry) joined by one kind of
separator, with at most one line break. A rule that accepts regrouping (`regroup` in its pack) matches the run's
characters without separators; the match maps back to the run's characters in the original text, so a finding
covers the first digit to the last one, offsets exact.

Only runs that hold at least ten digits in a row of groups count (`RUN_ANCHOR`), so dates, times, versions
and IP addresses are never reassembled; the one-pass matcher looks for the same anchors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

MIN_DIGITS = 10  # the shortest value a regrouping rule reports (mobile, landline) has 10–11 digits
_LONGEST = 24  # characters of a run without separators: 18-character IDs and codes, 19-digit cards, +cc
RUN_REACH = 96  # a run reaches at most this far either side of a hit inside it (24 characters, separators, a break)
_SEPARATORS = (" ", ".", "-")
_BREAK = r"[ \t]*\r?\n[ \t]*"
_TOKEN = r"[0-9A-Z]*\d[0-9A-Z]*[xX]?"
_LETTERS = r"[A-Z]{1,2}"  # a group of code letters after the first (9137 0102 0692 3514 XY)
_DELIMITERS = frozenset(",\t|;")
_PLAIN = re.compile(r"[0-9A-Za-z+]+")


def _run_anchor() -> str:
    """Ten digits or more in groups joined by one separator (one branch per place the first separator sits,
    so a plain digit run never matches): what the one-pass matcher looks for."""
    branches = []
    for sep in (re.escape(s) for s in _SEPARATORS):
        branches += [rf"\d{{{i}}}{sep}\d(?:{sep}?\d){{{MIN_DIGITS - 1 - i},}}" for i in range(1, MIN_DIGITS - 1)]
        branches.append(rf"\d{{{MIN_DIGITS - 1},}}{sep}\d")
    return "|".join(branches)


RUN_ANCHOR = _run_anchor()
# A number wrapped at a line end: four digits, the break, and a continuation that is no date or time.
WRAP_ANCHOR = r"\d{4}" + _BREAK + r"\d[0-9A-Z]*(?![0-9A-Za-z\-:/.])"
_ANCHORS = re.compile(f"{RUN_ANCHOR}|{WRAP_ANCHOR}")


def _run_pattern(sep: str) -> re.Pattern[str]:
    s = re.escape(sep)
    return re.compile(
        r"(?<![0-9A-Za-z+])(?<!\d[ .\-/:])(?<!\d\n)(?<!\d\r\n)"  # never from inside a longer number or date
        rf"\+?{_TOKEN}(?:(?:{s}|{_BREAK})(?:{_TOKEN}|{_LETTERS}))+"
        r"(?![0-9A-Za-z])(?![.\-/:]\d)"
    )


_RUNS = tuple((sep, _run_pattern(sep)) for sep in _SEPARATORS)


@dataclass(frozen=True)
class DigitRun:
    """One run of digit groups: its span in the text, its characters without separators and where each was."""

    start: int
    end: int
    compact: str
    offsets: tuple[int, ...]  # offsets[i]: where compact[i] stands in the text
    gapped: bool  # most groups one character long: OCR gaps, not a way people group numbers
    wrapped: bool  # crosses a line break

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The text span of compact[start:end]: its first character to its last."""
        return self.offsets[start], self.offsets[end - 1] + 1


def find_runs(text: str, regions: Iterable[tuple[int, int]]) -> list[DigitRun]:
    """Runs wholly inside the regions (each a span of whole lines), once each, in text order."""
    found: dict[tuple[int, int], DigitRun] = {}
    for pos, endpos in regions:
        for sep, pattern in _RUNS:
            for match in pattern.finditer(text, pos, endpos):
                if (match.end() == endpos and _goes_on(text, endpos)) or match.span() in found:
                    continue  # cut by the region's end: the run goes on
                run = _digit_run(text, match.start(), match.end(), sep)
                if run is not None:
                    found[match.span()] = run
    return [found[span] for span in sorted(found)]


def _goes_on(text: str, pos: int) -> bool:
    """Whether a run read up to ``pos`` would not end there in the whole text (the run pattern's look-ahead)."""
    if pos >= len(text):
        return False
    return _RUN_CHARS_AFTER.match(text, pos, pos + 1).end() > pos or (
        text[pos] in "/:" and text[pos + 1 : pos + 2].isdigit()
    )


def _digit_run(text: str, start: int, end: int, sep: str) -> DigitRun | None:
    written = text[start:end]
    wrapped = "\n" in written
    if wrapped and (written.count("\n") > 1 or text[start - 1 : start] in _DELIMITERS):
        return None  # a delimited row's last cell does not go on in the next row's first
    groups = [(m.start() + start, m.group()) for m in _PLAIN.finditer(written)]
    compact = "".join(g for _, g in groups)
    if not MIN_DIGITS <= len(compact.lstrip("+")) <= _LONGEST:  # the length first: most runs fail here
        return None
    if sum(map(str.isdigit, compact)) * 2 < len(compact):
        return None
    if sep == "." and not _plausible_dotted([g for _, g in groups]):
        return None
    if not _ANCHORS.search(text, start, min(len(text), end + 1)):  # the costliest check last
        return None
    offsets = tuple(at + i for at, group in groups for i in range(len(group)))
    single = sum(len(g) == 1 for _, g in groups)
    return DigitRun(start, end, compact, offsets, gapped=single * 2 > len(groups), wrapped=wrapped)


def _plausible_dotted(groups: list[str]) -> bool:
    """138.0013.8000 is a phone; 1.2.3.4 and 192.168.100.200 are versions and addresses, never reassembled."""
    return all(len(g) >= 3 for g in groups) and not (len(groups) == 4 and all(len(g) <= 3 for g in groups))


def whole_run_value(pattern: re.Pattern[str], run: DigitRun) -> tuple[int, int] | None:
    """The text span of ``pattern``'s value when it covers the whole run (a run is one value or none)."""
    match = pattern.search(run.compact)
    if match is None:
        return None
    start, end = match.span("value") if "value" in pattern.groupindex else match.span()
    if start != 0 or end != len(run.compact):
        return None
    return run.span(start, end)


_RUN_CHARS_AFTER = re.compile(r"[0-9A-Za-z+ .\-\t\r\n]*")
_RUN_CHARS_BEFORE = re.compile(r"[0-9A-Za-z+ .\-\t\r\n]*$")


def runs_near(text: str, hit_ends: Iterable[int], reach: int = RUN_REACH) -> Iterator[tuple[int, int]]:
    """The stretch of characters a run can hold around each of the matcher's hits (a hit ends inside a run),
    at most ``reach`` characters either side: Chinese text, commas and quotes bound it."""
    for end in hit_ends:
        if end and _RUN_CHARS_AFTER.match(text, end - 1, end).end() < end:
            end -= 1  # the matcher's hit took the character after the run (a look-ahead made consuming)
        low = max(0, end - reach)
        start = _RUN_CHARS_BEFORE.search(text, low, end).start()
        stop = _RUN_CHARS_AFTER.match(text, end, min(len(text), end + reach)).end()
        yield start, stop
