"""OCR in the scan: the pure parts (document kind, layout, turning boxes back), the switches (--no-ocr, no
engine), and one real picture read end to end. The targets on the whole drawn set are in test_ocr_targets.py."""

from __future__ import annotations

import importlib.util

import pytest

from scanner.extract.base import ExtractionError
from scanner.extract.registry import extractor_for
from scanner.ocr.document_kind import document_kind
from scanner.ocr.layout import Box, RecognizedLine, place
from scanner.ocr.orientation import unturn
from scanner.record_keys import record_of_location
from scanner.states import DocumentKind, FileStatus
from tests.ocr_fixtures import ID_FRONT, docx_with_picture, scan
from tests.ocr_scanning import file_scanner, scan_file

needs_engine = pytest.mark.skipif(importlib.util.find_spec("rapidocr") is None, reason="the ocr extra is not installed")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("姓名 王小明\n性别 男 民族 汉\n出生 1990年1月2日\n住址 北京市\n公民身份号码 110101199001021234\n",
         DocumentKind.RESIDENT_ID_FRONT),
        ("姓名 王小明\n性别男\n公民身份号\n", DocumentKind.RESIDENT_ID_FRONT),  # a label misread, the number gone
        ("中华人民共和国\n居民身份证\n签发机关 北京市公安局\n有效期限 2015.01.02-2035.01.02\n",
         DocumentKind.RESIDENT_ID_BACK),
        ("居民身分证\n签发机关 上海市公安局\n", DocumentKind.RESIDENT_ID_BACK),
        ("中国工商银行 借记卡\n6222 0267 3229 7050\n银联 UnionPay\n", DocumentKind.BANK_CARD),
        ("招商银行\n6225 88** **** 1234\n有效期 03/30\n", DocumentKind.BANK_CARD),
        ("客户信息登记表\n姓名 张三\n身份证号码 110101199001021234\n开户银行 中国银行\n", None),
        ("购物小票\n订单号 123456789012345678\n金额 12.00 元\n", None),
    ],
)  # fmt: skip
def test_document_kind_from_the_printed_labels(text, kind):
    assert document_kind(text) == kind


def line(text: str, left: int, top: int, right: int, bottom: int) -> RecognizedLine:
    return RecognizedLine(text, 0.99, Box(left, top, right, bottom))


def test_layout_puts_a_label_and_its_value_on_one_line_and_rows_in_order():
    placed = place([
        line("110101199001021234", 260, 440, 640, 480), line("公民身份号码", 60, 445, 230, 475),
        line("王小明", 150, 46, 260, 90), line("姓名", 60, 52, 120, 84),
    ])  # fmt: skip
    assert placed.text == "姓名 王小明\n公民身份号码 110101199001021234\n"
    start = placed.text.index("1101")
    assert placed.box_at(start, start + 18) == Box(260, 440, 640, 480)
    assert [(s, e) for s, e, _ in placed.row_ranges()] == [(0, 7), (7, len(placed.text))]


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_box_on_the_turned_picture_maps_back_onto_the_picture_as_shown(turn):
    from PIL import Image, ImageDraw

    shown = Image.new("L", (300, 200), 0)
    ImageDraw.Draw(shown).rectangle((40, 20, 99, 49), fill=255)
    turned = shown.rotate(turn, expand=True)
    left, top, right, bottom = turned.getbbox()
    assert unturn(Box(left, top, right, bottom), turn, 300, 200) == Box(40, 20, 100, 50)


def test_a_picture_box_is_one_record_the_picture():
    assert record_of_location("image 3 box 10,20,300,60") == "image 3"
    assert record_of_location("page 2 box 0,0,5,5") == "page 2"


def test_without_ocr_a_picture_is_needs_ocr_with_the_reason(tmp_path):
    path = scan(ID_FRONT, 1, level=0).save(tmp_path / "id.png")
    with pytest.raises(ExtractionError) as caught:
        list(extractor_for(path.name, content=path, ocr=False).blocks(path))
    assert caught.value.status == FileStatus.NEEDS_OCR
    assert "--no-ocr" in caught.value.message


def test_a_scanned_pdf_without_ocr_stays_needs_ocr(tmp_path):
    path = tmp_path / "scan.pdf"
    scan(ID_FRONT, 2, level=0).image.save(path, "PDF", resolution=100)
    with pytest.raises(ExtractionError) as caught:
        list(extractor_for(path.name, ocr=False).blocks(path))
    assert caught.value.status == FileStatus.NEEDS_OCR


def test_a_damaged_picture_is_corrupt_not_a_crash(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 not a picture")
    if importlib.util.find_spec("rapidocr") is None:
        pytest.skip("the ocr extra is not installed")
    with pytest.raises(ExtractionError) as caught:
        list(extractor_for(path.name, ocr=True).blocks(path))
    assert caught.value.status == FileStatus.CORRUPT


@needs_engine
@pytest.mark.slow  # over 2 s: the default run keeps to its five minutes
def test_a_turned_id_card_photo_and_the_same_card_in_a_contract(detector, tmp_path):
    """One real read each: a phone photo stored turned with its EXIF tag, and a docx with the scan pasted in."""
    from scanner.fingerprint import fingerprint
    from tests.ocr_scanning import KEY

    card = scan(ID_FRONT, 7, level=0.5, turn=90, exif=True)
    photo = card.save(tmp_path / "photo.jpg")
    scanner = file_scanner(detector)
    result = scan_file(scanner, photo)
    assert result.status == FileStatus.OCR_DONE
    assert result.error.startswith("1 picture read by OCR")
    ids = [f for f in result.findings if f.entity_type == "CN_RESIDENT_ID"]
    assert [f.fingerprint for f in ids] == [fingerprint(KEY, "CN_RESIDENT_ID", card.truth.resident_id)]
    assert ids[0].location.startswith("image 1 box ")
    assert ids[0].record == "image 1"
    assert {f.preview for f in result.findings if f.entity_type == "CN_ID_CARD_IMAGE"} == {"居民身份证(正面)"}

    contract = docx_with_picture(tmp_path / "contract.docx", "附件：客户身份证复印件", photo)
    inside = scan_file(scanner, contract)
    assert any(f.fingerprint == ids[0].fingerprint and f.location.startswith("image 1 box") for f in inside.findings)
    assert inside.status == FileStatus.OCR_DONE  # its text partly by OCR
