"""Whether a PDF page with a text layer also holds a picture worth reading by OCR (a scan of an ID card pasted
under a typed header): a walk of the page's resource dictionaries, nothing decoded or rendered, so text pages
without pictures cost about a millisecond more. Which pictures are really drawn is then pdfium's to say
(scanner/ocr/pdf_pages.py)."""

from __future__ import annotations

from typing import Any

from scanner.ocr.pictures import MIN_PIXELS, MIN_SIDE

_MAX_FORM_DEPTH = 4  # pictures inside form XObjects inside form XObjects …; deeper nesting is not looked into


def holds_picture(page: Any) -> bool:
    """True when the page's resources name an image larger than an icon or a logo (directly or in a form)."""
    try:
        return _any_picture(page.get("/Resources"), 0, set())
    except Exception:  # noqa: BLE001 - a damaged resource dictionary only means no pictures are looked for
        return False


def _any_picture(resources: Any, depth: int, seen: set[int]) -> bool:
    resources = resources.get_object() if resources is not None else None
    xobjects = resources.get("/XObject") if hasattr(resources, "get") else None
    xobjects = xobjects.get_object() if xobjects is not None else None
    if not hasattr(xobjects, "values"):
        return False
    for ref in xobjects.values():
        obj = ref.get_object()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        subtype = obj.get("/Subtype")
        if subtype == "/Image" and _large(obj):
            return True
        if subtype == "/Form" and depth < _MAX_FORM_DEPTH and _any_picture(obj.get("/Resources"), depth + 1, seen):
            return True
    return False


def _large(image: Any) -> bool:
    width, height = int(image.get("/Width", 0)), int(image.get("/Height", 0))
    return min(width, height) >= MIN_SIDE and width * height >= MIN_PIXELS
