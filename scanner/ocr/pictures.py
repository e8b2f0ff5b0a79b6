"""Opening pictures for OCR: every frame of a file (multi-page TIFF), upright by its EXIF tag, in RGB; pictures
too small to hold a document (icons, logos) are recognised as such, and decompression bombs refused."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from scanner.extract.base import ExtractionError
from scanner.states import FileStatus

MIN_SIDE = 48  # px: a card photographed or scanned at any usable resolution is larger on both sides
MIN_PIXELS = 30_000  # px²: icons and logos (a 200 × 60 banner is 12,000)
MAX_PIXELS = 80_000_000  # px²: an A3 scan at 600 dpi is 70 M; beyond this the decoder could exhaust memory
MAX_FRAMES = 500
MAX_SIDE = 4000  # px: read larger pictures shrunk to this (the recognizer works at about 2000 anyway)


def frames(source: Path | BinaryIO, name: str) -> Iterator[Image.Image]:
    """Each frame of the picture `source` (named `name` in messages) upright and in RGB; ExtractionError for a
    file that is not a picture Pillow reads, is damaged, or would decode to more than MAX_PIXELS."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as picture:
                _check_size(picture, name)
                for number, frame in enumerate(ImageSequence.Iterator(picture), start=1):
                    if number > MAX_FRAMES:
                        return
                    _check_size(frame, name)
                    yield _prepared(frame)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ExtractionError(FileStatus.SUSPICIOUS, f"{name}: picture too large to decode safely ({exc})") from exc
    except UnidentifiedImageError as exc:
        raise ExtractionError(FileStatus.CORRUPT, f"{name}: not a picture this scanner can read ({exc})") from exc
    except (OSError, ValueError, SyntaxError) as exc:  # Pillow's decoders report damage through these
        raise ExtractionError(FileStatus.CORRUPT, f"{name}: damaged or truncated picture ({exc})") from exc


def too_small(image: Image.Image) -> bool:
    """An icon, a logo or a thumbnail: no document is legible at this size."""
    width, height = image.size
    return min(width, height) < MIN_SIDE or width * height < MIN_PIXELS


def _check_size(picture: Image.Image, name: str) -> None:
    width, height = picture.size
    if width * height > MAX_PIXELS:
        raise ExtractionError(
            FileStatus.TOO_LARGE, f"{name}: {width} × {height} pixels is more than OCR reads ({MAX_PIXELS:,})"
        )


def _prepared(frame: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(frame) or frame
    image = image.convert("RGB")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    return image
