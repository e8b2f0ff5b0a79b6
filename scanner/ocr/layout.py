"""Recognized lines in reading order: rows top to bottom, boxes left to right within a row, as one text.

A card prints a label and its value as separate boxes on one row ("姓名" … "张三"); joined by a space on one
line, the detector sees the label as context for the value, as it would in a typed document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle on the upright image, in pixels."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> int:
        return max(self.bottom - self.top, 1)

    def __str__(self) -> str:
        return f"{self.left},{self.top},{self.right},{self.bottom}"


@dataclass(frozen=True)
class RecognizedLine:
    """One piece of text the recognizer read, its confidence (0..1) and where it sits."""

    text: str
    score: float
    box: Box


@dataclass(frozen=True)
class PlacedText:
    """The lines of one picture as text; `spans[i]` is (start, end) of `lines[i]` in `text`."""

    text: str
    lines: tuple[RecognizedLine, ...]
    spans: tuple[tuple[int, int], ...]
    row_ends: tuple[int, ...] = ()  # the end of each row in `text`, past its line end

    def row_ranges(self) -> list[tuple[int, int, Box]]:
        """(start, end, box) per row; the ranges tile `text`, so every offset in it lies in one row."""
        out, start = [], 0
        for end in self.row_ends:
            box = self.box_at(start, end - 1)
            if box is not None:
                out.append((start, end, box))
            start = end
        return out

    def box_at(self, start: int, end: int) -> Box | None:
        """The box around the lines that the text range [start, end) touches, None if it touches none."""
        touched = [line.box for line, (s, e) in zip(self.lines, self.spans, strict=True) if s < end and start < e]
        if not touched:
            return None
        return Box(
            min(b.left for b in touched), min(b.top for b in touched),
            max(b.right for b in touched), max(b.bottom for b in touched),
        )  # fmt: skip


def rows(lines: Sequence[RecognizedLine]) -> list[list[RecognizedLine]]:
    """Lines grouped into rows: a line whose middle lies within half a line height of a row's joins it."""
    grouped: list[list[RecognizedLine]] = []
    for line in sorted(lines, key=lambda item: (item.box.middle, item.box.left)):
        row = grouped[-1] if grouped else None
        if row and abs(line.box.middle - _row_middle(row)) <= min(line.box.height, row[0].box.height) / 2:
            row.append(line)
        else:
            grouped.append([line])
    return [sorted(row, key=lambda item: item.box.left) for row in grouped]


def place(lines: Sequence[RecognizedLine]) -> PlacedText:
    """The reading-order text of `lines`: a row per line of text, its boxes joined by one space."""
    parts: list[str] = []
    ordered: list[RecognizedLine] = []
    spans: list[tuple[int, int]] = []
    row_ends: list[int] = []
    offset = 0
    for row in rows(lines):
        for i, line in enumerate(row):
            if i:
                parts.append(" ")
                offset += 1
            parts.append(line.text)
            ordered.append(line)
            spans.append((offset, offset + len(line.text)))
            offset += len(line.text)
        parts.append("\n")
        offset += 1
        row_ends.append(offset)
    return PlacedText("".join(parts), tuple(ordered), tuple(spans), tuple(row_ends))


def _row_middle(row: list[RecognizedLine]) -> float:
    return sum(line.box.middle for line in row) / len(row)
