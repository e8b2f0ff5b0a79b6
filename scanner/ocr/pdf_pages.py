"""PDF pages without a text layer rendered to pictures for OCR (pypdfium2, part of the `ocr` extra)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from PIL import Image

DPI = 200  # ID-card digits on an A4 scan are about 30 px high at 200 dpi: enough, and twice as fast as 300
MAX_PAGE_PIXELS = 40_000_000  # an A0 drawing at 200 dpi; beyond this the page is rendered smaller


def rendering_unavailable() -> str | None:
    """None when pages can be rendered, else why not."""
    import importlib.util

    if importlib.util.find_spec("pypdfium2") is None:
        return "pypdfium2 is not installed (pip install 'custos[ocr]')"
    return None


def rendered(path: Path, numbers: Iterable[int]) -> Iterator[tuple[int, Image.Image]]:
    """(page number, picture) for each 1-based page number asked for, rendered at DPI in RGB."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        for number in numbers:
            page = document[number - 1]
            try:
                width, height = page.get_size()  # points
                scale = DPI / 72
                if width * height * scale * scale > MAX_PAGE_PIXELS:
                    scale = (MAX_PAGE_PIXELS / (width * height)) ** 0.5
                bitmap = page.render(scale=scale)
                yield number, bitmap.to_pil().convert("RGB")
            finally:
                page.close()
    finally:
        document.close()
