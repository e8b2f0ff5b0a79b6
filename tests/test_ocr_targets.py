"""The issue's targets on drawn scans, through the real scan path (FileScanner, OCR, detection):
resident ID recall ≥ 0.95 at precision ≥ 0.98, names on ID-card pictures recall ≥ 0.85, ID-card classification
accuracy ≥ 0.95. The set mixes damage levels, quarter turns and EXIF tags (tests/ocr_fixtures.fixture_set);
an image-only PDF and an xlsx with pictures are read as well. Slow: about a second per picture."""

from __future__ import annotations

import importlib.util

import pytest

from scanner.fingerprint import fingerprint
from scanner.states import FileStatus
from tests.ocr_fixtures import ID_FRONT, fixture_set, scan
from tests.ocr_scanning import KEY, file_scanner, scan_file, score
from tests.ocr_scoring import Tally

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("rapidocr") is None, reason="the ocr extra is not installed"),
]

COUNT = 90


def test_targets_on_the_drawn_set(detector, tmp_path):
    tally = score(file_scanner(detector), list(fixture_set(COUNT)), tmp_path, Tally())
    print(tally.summary())
    assert tally.id_recall >= 0.95, tally.misses
    assert tally.id_precision >= 0.98, tally.misses
    assert tally.name_recall >= 0.85, tally.misses
    assert tally.kind_accuracy >= 0.95, tally.misses


def test_an_image_only_pdf_is_read_page_by_page(detector, tmp_path):
    cards = [scan(ID_FRONT, 40 + i, level=0.6, turn=(0, 180, 0)[i]) for i in range(3)]
    path = tmp_path / "scans.pdf"
    first, *rest = [c.image for c in cards]
    first.save(path, "PDF", resolution=150, save_all=True, append_images=rest)
    result = scan_file(file_scanner(detector), path)
    assert result.status == FileStatus.OCR_DONE
    assert "3 pictures read by OCR" in result.error
    located = {f.fingerprint: f.location.split(" box")[0] for f in result.findings if f.entity_type == "CN_RESIDENT_ID"}
    expected = {fingerprint(KEY, "CN_RESIDENT_ID", c.truth.resident_id): f"page {i}" for i, c in enumerate(cards, 1)}
    assert located == expected


def test_pictures_in_a_workbook_are_read_once_each(detector, tmp_path):
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image as SheetImage

    card = scan(ID_FRONT, 50, level=0.4)
    picture = card.save(tmp_path / "card.png")
    book = Workbook()
    book.active["A1"] = "客户资料"
    book.active.add_image(SheetImage(str(picture)), "B2")
    book.create_sheet("copy").add_image(SheetImage(str(picture)), "B2")  # the same scan twice
    path = tmp_path / "clients.xlsx"
    book.save(path)
    result = scan_file(file_scanner(detector), path)
    ids = [f for f in result.findings if f.entity_type == "CN_RESIDENT_ID"]
    assert [f.fingerprint for f in ids] == [fingerprint(KEY, "CN_RESIDENT_ID", card.truth.resident_id)]
    assert "1 skipped as a repeat" in result.error or "1 picture read" in result.error
