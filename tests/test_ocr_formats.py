"""OCR beyond a single picture file: pictures drawn on PDF pages that have a text layer, pictures attached to
e-mails, multi-page TIFF, BMP, WebP and HEIC, and the in-memory cache that reads a scan copied into many folders
once. The fast tests check what is found and decoded without the recognizer; the slow ones read for real."""

from __future__ import annotations

import importlib.util
import io
import shutil
from email.message import EmailMessage
from pathlib import Path

import pytest
from PIL import Image

from scanner.extract.base import DocumentSeen, TextBlock
from scanner.extract.image import OCR_OFF
from scanner.extract.pdf import PdfExtractor
from scanner.fingerprint import fingerprint
from scanner.ocr.pictures import frames
from scanner.ocr.reading_cache import PictureText, ReadingCache
from scanner.states import FileStatus
from tests.ocr_fixtures import BANK_CARD, ID_BACK, ID_FRONT, scan
from tests.ocr_scanning import KEY, file_scanner, scan_file

needs_engine = pytest.mark.skipif(importlib.util.find_spec("rapidocr") is None, reason="the ocr extra is not installed")
needs_pdfium = pytest.mark.skipif(
    importlib.util.find_spec("pypdfium2") is None, reason="the ocr extra is not installed"
)


def typed_pdf(path: Path, pictures: dict[int, Path], pages: int = 3, *, hidden_text_over: int | None = None) -> Path:
    """A PDF of `pages` typed pages; page N also shows the picture `pictures[N]` (a pasted scan) under its
    header. Page `hidden_text_over` is a searchable scan instead: a page-size picture under invisible text."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    page_width, page_height = A4
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for number in range(1, pages + 1):
        if number == hidden_text_over:
            pdf.drawImage(str(pictures[number]), 0, 0, width=page_width, height=page_height)
            text = pdf.beginText(72, 700)
            text.setTextRenderMode(3)  # invisible: the OCR layer a scanner lays over its picture
            text.textLine(f"searchable scan page {number}")
            pdf.drawText(text)
        else:
            pdf.drawString(72, 800, f"Customer file, page {number}: copy of the identity card below")
            if number in pictures:
                pdf.drawImage(str(pictures[number]), 72, 400, width=428, height=270)
        pdf.showPage()
    pdf.save()
    return path


def logo(path: Path) -> Path:
    Image.new("RGB", (120, 40), (200, 30, 30)).save(path)  # 4,800 px²: a logo, not a document
    return path


def test_only_pages_naming_a_large_picture_are_looked_into(tmp_path):
    from pypdf import PdfReader

    from scanner.extract.pdf_pictures import holds_picture

    card = scan(ID_FRONT, 61, level=0.2).save(tmp_path / "card.png")
    path = typed_pdf(tmp_path / "file.pdf", {2: card, 3: logo(tmp_path / "logo.png")})
    assert [holds_picture(page) for page in PdfReader(path).pages] == [False, True, False]


@needs_pdfium
def test_pictures_drawn_on_text_pages_are_taken_out_as_stored(tmp_path):
    from scanner.ocr.pdf_pages import drawn_pictures

    card = scan(ID_FRONT, 62, level=0.2)
    back = scan(ID_BACK, 63, level=0.2)
    pictures = {1: card.save(tmp_path / "front.png"), 2: back.save(tmp_path / "back.png")}
    path = typed_pdf(tmp_path / "file.pdf", pictures, hidden_text_over=2)
    drawn = list(drawn_pictures(path, [1, 2, 3]))
    assert [(page, index) for page, index, _ in drawn] == [(1, 1)]  # page 2 is a searchable scan: its text is read
    assert drawn[0][2].tobytes() == card.image.convert("RGB").tobytes()  # the picture's own pixels, not a render


def test_with_ocr_off_a_text_pdf_with_a_pasted_scan_says_which_pages_were_not_read(tmp_path):
    card = scan(ID_FRONT, 64, level=0.2).save(tmp_path / "card.png")
    extractor = PdfExtractor(ocr=False)
    blocks = list(extractor.blocks(typed_pdf(tmp_path / "file.pdf", {2: card})))
    assert [b.location for b in blocks] == ["page 1", "page 2", "page 3"]
    assert extractor.notes == [f"needs_ocr: pictures on pages 2 not read: {OCR_OFF}"]


def test_the_reading_cache_keeps_the_most_recently_used():
    cache = ReadingCache(capacity=2)
    reading = PictureText("姓名 张三\n", ((0, 6, "1,2,3,4"),), None, "1,2,3,4", False)
    for key in ("a", "b"):
        cache.put(key, reading)
    assert cache.get("a") is reading  # "a" is now the most recent, so "b" goes first
    cache.put("c", reading)
    assert (cache.get("a"), cache.get("b"), cache.get("c"), len(cache)) == (reading, None, reading, 2)


@pytest.mark.parametrize("suffix", [".tiff", ".bmp", ".webp", ".heic"])
def test_each_picture_format_decodes_to_its_pages(tmp_path, suffix):
    pages = [scan(ID_FRONT, 65, level=0.2).image.convert("RGB"), scan(BANK_CARD, 66, level=0.2).image.convert("RGB")]
    path = tmp_path / f"scan{suffix}"
    if suffix == ".heic":
        encoder = pytest.importorskip("pillow_heif", reason="pillow-heif (test extra) writes the HEIC")
        encoder.from_pillow(pages[0]).save(path, quality=90)
        from scanner.extract.image import _register_heif

        _register_heif(path)
        pages = pages[:1]
    elif suffix == ".tiff":
        pages[0].save(path, save_all=True, append_images=pages[1:], compression="tiff_deflate")
    else:
        pages = pages[:1]
        pages[0].save(path)
    read = list(frames(path, path.name))
    assert [image.size for image in read] == [page.size for page in pages]
    if suffix in (".tiff", ".bmp"):  # lossless: the very pixels
        assert [image.tobytes() for image in read] == [page.tobytes() for page in pages]


@pytest.mark.slow
@needs_engine
def test_a_scan_pasted_under_a_typed_header_is_read_and_located_on_its_page(detector, tmp_path):
    card = scan(ID_FRONT, 67, level=0.3)
    path = typed_pdf(tmp_path / "file.pdf", {2: card.save(tmp_path / "card.jpg"), 3: logo(tmp_path / "logo.png")})
    result = scan_file(file_scanner(detector), path)
    assert result.status == FileStatus.OCR_DONE
    assert result.error.startswith("1 picture read by OCR")
    ids = [f for f in result.findings if f.entity_type == "CN_RESIDENT_ID"]
    assert [f.fingerprint for f in ids] == [fingerprint(KEY, "CN_RESIDENT_ID", card.truth.resident_id)]
    assert ids[0].location.startswith("page 2 image 1 box ")
    assert ids[0].record == "page 2 image 1"
    kinds = [(f.preview, f.location.split(" box")[0]) for f in result.findings if f.entity_type == "CN_ID_CARD_IMAGE"]
    assert kinds == [("居民身份证(正面)", "page 2 image 1")]


@pytest.mark.slow
@needs_engine
def test_a_scan_copied_into_another_folder_is_not_read_again(detector, tmp_path):
    from scanner.ocr.engine import recognizer

    card = scan(ID_FRONT, 68, level=0.4, turn=180)  # a turned one: several engine calls saved, not one
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = card.save(tmp_path / "a" / "id.png")
    second = Path(shutil.copyfile(first, tmp_path / "b" / "copy of id.png"))
    scanner = file_scanner(detector)
    engine = recognizer()
    before = engine.calls
    original = scan_file(scanner, first)
    read_calls = engine.calls - before
    copy = scan_file(scanner, second)
    assert read_calls >= 2 and engine.calls - before == read_calls  # the copy cost no engine call
    assert "identical to one read before" in copy.error
    found = [(f.entity_type, f.fingerprint, f.location, f.preview) for f in original.findings]
    assert [(f.entity_type, f.fingerprint, f.location, f.preview) for f in copy.findings] == found
    assert fingerprint(KEY, "CN_RESIDENT_ID", card.truth.resident_id) in {f[1] for f in found}


@pytest.mark.slow
@needs_engine
def test_scans_attached_to_an_email_are_read_and_named_by_their_attachment(detector, tmp_path):
    front, bank, pasted = scan(ID_FRONT, 69, level=0.3), scan(BANK_CARD, 70, level=0.3), scan(ID_FRONT, 71, level=0.3)
    jpeg, pdf, png = io.BytesIO(), io.BytesIO(), io.BytesIO()
    front.image.convert("RGB").save(jpeg, "JPEG", quality=90)
    bank.image.convert("RGB").save(pdf, "PDF", resolution=150)
    pasted.image.save(png, "PNG")
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", "开户资料"
    message.set_content("见附件\n")
    message.add_attachment(jpeg.getvalue(), maintype="image", subtype="jpeg", filename="scan.jpg")
    message.add_attachment(pdf.getvalue(), maintype="application", subtype="pdf", filename="card.pdf")
    message.add_attachment(png.getvalue(), maintype="image", subtype="png", disposition="inline")  # no name
    path = tmp_path / "mail.eml"
    path.write_bytes(bytes(message))
    result = scan_file(file_scanner(detector), path)
    located = {
        f.fingerprint: f.location.split(" box")[0]
        for f in result.findings
        if f.entity_type in ("CN_RESIDENT_ID", "CN_BANK_CARD")
    }
    assert located == {
        fingerprint(KEY, "CN_RESIDENT_ID", front.truth.resident_id): "attachment scan.jpg image 1",
        fingerprint(KEY, "CN_BANK_CARD", bank.truth.card_number): "attachment card.pdf page 1",
        fingerprint(KEY, "CN_RESIDENT_ID", pasted.truth.resident_id): "attachment part-4.png image 1",
    }
    assert "attachment scan.jpg: 1 picture read by OCR" in result.error
    assert result.status == FileStatus.OCR_DONE  # its attachments' text by OCR
    kinds = {f.location.split(" box")[0] for f in result.findings if f.entity_type.endswith("_IMAGE")}
    assert kinds == {"attachment scan.jpg image 1", "attachment card.pdf page 1", "attachment part-4.png image 1"}


@pytest.mark.slow
@needs_engine
def test_a_multi_page_tiff_a_bmp_a_webp_and_a_heic_are_read(detector, tmp_path):
    cards = [scan(ID_FRONT, 72 + i, level=0.3) for i in range(5)]
    tiff = tmp_path / "scans.tiff"
    cards[0].image.save(tiff, save_all=True, append_images=[cards[1].image], compression="tiff_deflate")
    paths = {tiff: (cards[0], cards[1]), cards[2].save(tmp_path / "scan.bmp"): (cards[2],)}
    paths[cards[3].save(tmp_path / "scan.webp", quality=90)] = (cards[3],)
    if importlib.util.find_spec("pillow_heif") is not None and importlib.util.find_spec("pi_heif") is not None:
        import pillow_heif

        pillow_heif.from_pillow(cards[4].image.convert("RGB")).save(tmp_path / "scan.heic", quality=90)
        paths[tmp_path / "scan.heic"] = (cards[4],)
    scanner = file_scanner(detector)
    for path, drawn in paths.items():
        result = scan_file(scanner, path)
        located = {
            f.fingerprint: f.location.split(" box")[0] for f in result.findings if f.entity_type == "CN_RESIDENT_ID"
        }
        where = ["image 1"] if len(drawn) == 1 else [f"page {n}" for n in range(1, len(drawn) + 1)]
        expected = {
            fingerprint(KEY, "CN_RESIDENT_ID", c.truth.resident_id): w for c, w in zip(drawn, where, strict=True)
        }
        assert located == expected, (path.name, result.error)


def test_blocks_of_a_text_pdf_without_pictures_are_text_only(tmp_path):
    """No picture, no OCR: a typed PDF yields its pages' text and nothing else, OCR on or off."""
    path = typed_pdf(tmp_path / "typed.pdf", {})
    for ocr in (False, True):
        extractor = PdfExtractor(ocr=ocr)
        items = list(extractor.blocks(path))
        assert all(isinstance(i, TextBlock) and not isinstance(i, DocumentSeen) for i in items)
        assert [i.location for i in items] == ["page 1", "page 2", "page 3"] and extractor.notes == []
