"""PDF pages to pictures for OCR (pypdfium2, part of the `ocr` extra): pages without a text layer rendered
whole, and the pictures drawn on pages that have one (a typed header above a pasted scan) taken out as stored."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from PIL import Image

from scanner.ocr.pictures import MAX_PIXELS, MAX_SIDE, MIN_PIXELS, MIN_SIDE

DPI = 200  # ID-card digits on an A4 scan are about 30 px high at 200 dpi: enough, and twice as fast as 300
MAX_PAGE_PIXELS = 40_000_000  # an A0 drawing at 200 dpi; beyond this the page is rendered smaller
PAGE_COVER = 0.8  # a picture over this share of its page, under invisible text, is the page's own scan


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


def drawn_pictures(path: Path, numbers: Iterable[int]) -> Iterator[tuple[int, int, Image.Image | None]]:
    """(page number, picture number on the page, picture in RGB) for each picture drawn on pages `numbers`,
    in the page's drawing order (numbered among all its pictures, icons included), as stored in the file: not
    rendered, so text drawn over it is left out. Icons and logos are not decoded. A picture covering the page
    under invisible text is a searchable scan whose OCR text is the page's text layer: not read again. A picture
    too large to decode safely, or damaged, is yielded as None."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    document = pdfium.PdfDocument(str(path))
    try:
        for number in numbers:
            page = document[number - 1]
            try:
                pictures = list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))
                for index, picture in enumerate(pictures, start=1):
                    width, height = picture.get_px_size()
                    if min(width, height) < MIN_SIDE or width * height < MIN_PIXELS:
                        continue
                    if width * height > MAX_PIXELS:
                        yield number, index, None
                        continue
                    if _covers(page, picture) and _text_invisible(page, pdfium_c):
                        continue
                    try:
                        image = picture.get_bitmap(render=False).to_pil().convert("RGB")
                    except (pdfium.PdfiumError, OSError, ValueError):
                        yield number, index, None
                        continue
                    if max(image.size) > MAX_SIDE:
                        image.thumbnail((MAX_SIDE, MAX_SIDE))
                    yield number, index, image
            finally:
                page.close()
    finally:
        document.close()


def _covers(page, picture) -> bool:
    left, bottom, right, top = picture.get_bounds()
    width, height = page.get_size()
    return (right - left) * (top - bottom) >= PAGE_COVER * width * height


def _text_invisible(page, pdfium_c) -> bool:
    """Most of the page's text drawn invisible (render mode 3): the text layer OCR software lays over a scan."""
    texts = list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]))
    hidden = sum(pdfium_c.FPDFTextObj_GetTextRenderMode(t.raw) == pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE for t in texts)
    return bool(texts) and hidden * 2 > len(texts)
