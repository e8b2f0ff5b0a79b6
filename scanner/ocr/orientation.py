"""Turning a picture upright before it is read: the EXIF orientation tag first (pictures.py), then, when the
recognizer reads little with confidence or reads mostly tall boxes, the other quarter turns; the turn whose
reading is the most confident wins. Boxes are given back on the picture as shown (EXIF applied), unturned.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from scanner.ocr.engine import Recognizer
from scanner.ocr.layout import Box, RecognizedLine

CONFIDENT = 0.85  # mean line score above which an upright-looking reading is taken without trying turns
_TALL = 1.5  # a box this many times taller than wide is a line of turned text


@dataclass(frozen=True)
class Reading:
    """The lines read off a picture turned upright, the turn that made it so, and the picture's size as shown."""

    lines: tuple[RecognizedLine, ...]  # boxes on the upright picture: their reading order is the layout's
    turn: int  # degrees counter-clockwise the picture was turned before reading
    confidence: float  # mean score per character
    size: tuple[int, int] = (0, 0)  # (width, height) of the picture as shown, before the turn

    def shown(self, box: Box) -> Box:
        """`box` (on the upright picture) on the picture as shown."""
        return unturn(box, self.turn, *self.size)

    @property
    def quality(self) -> float:
        """Confidently read characters: the measure turns are compared by."""
        return sum(line.score * len(line.text) for line in self.lines if line.score >= 0.5)


def read_upright(image: Image.Image, recognizer: Recognizer) -> Reading:
    """The most confident reading of `image` at 0°, and at 90°, 180° and 270° when 0° looks turned."""
    best = _reading(image, 0, recognizer)
    if best.confidence >= CONFIDENT and not _mostly_tall(best.lines):
        return Reading(best.lines, 0, best.confidence, image.size)
    order = (90, 270, 180) if _mostly_tall(best.lines) else (180, 90, 270)
    for turn in order:
        attempt = _reading(image.rotate(turn, expand=True), turn, recognizer)
        if _score(attempt) > _score(best):
            best = attempt
        if best.confidence >= CONFIDENT and not _mostly_tall(best.lines):
            break
    return Reading(best.lines, best.turn, best.confidence, image.size)


def unturn(box: Box, turn: int, width: int, height: int) -> Box:
    """`box` on the picture turned `turn` degrees counter-clockwise, mapped back onto the (width × height)
    picture before the turn."""
    corners = [(box.left, box.top), (box.right, box.bottom)]
    if turn == 90:
        points = [(width - y, x) for x, y in corners]
    elif turn == 180:
        points = [(width - x, height - y) for x, y in corners]
    elif turn == 270:
        points = [(y, height - x) for x, y in corners]
    else:
        return box
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return Box(min(xs), min(ys), max(xs), max(ys))


def _reading(image: Image.Image, turn: int, recognizer: Recognizer) -> Reading:
    lines = tuple(recognizer.read(image))
    chars = sum(len(line.text) for line in lines)
    confidence = sum(line.score * len(line.text) for line in lines) / chars if chars else 0.0
    return Reading(lines, turn, confidence)


def _mostly_tall(lines: tuple[RecognizedLine, ...]) -> bool:
    long = [line for line in lines if len(line.text) > 1]
    tall = [line for line in long if line.box.bottom - line.box.top > _TALL * (line.box.right - line.box.left)]
    return bool(long) and len(tall) * 2 >= len(long)


def _score(reading: Reading) -> float:
    return reading.quality * (0.5 if _mostly_tall(reading.lines) else 1.0)
