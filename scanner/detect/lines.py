"""Line boundaries in a text: detectors read a value's own line (and the one above) for evidence."""

from __future__ import annotations


def line_start(text: str, pos: int) -> int:
    """Index of the first character of the line holding ``pos``."""
    return text.rfind("\n", 0, max(0, pos)) + 1


def line_end(text: str, pos: int) -> int:
    """Index of the newline ending the line holding ``pos`` (or the text's length)."""
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def line_span(text: str, pos: int) -> tuple[int, int]:
    return line_start(text, pos), line_end(text, pos)


def line_at(text: str, pos: int) -> str:
    """The line holding ``pos``, without its newline."""
    return text[line_start(text, pos) : line_end(text, pos)]
