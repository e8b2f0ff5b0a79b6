"""Legacy Word/PowerPoint and WPS files (.doc .wps .ppt .dps .et), and text recognised by content whatever its name:
real files written at test time (tests/legacy_office.py), read through the registry as a scan would."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from scanner.extract.base import ExtractionError, TextBlock
from scanner.extract.ole import open_ole, read_stream
from scanner.extract.plaintext import PlainTextExtractor
from scanner.extract.registry import extractor_for
from scanner.extract.sniff import not_text_reason
from scanner.states import FileStatus
from tests.legacy_office import biff8_workbook, compound_file, presentation, word_document

BODY = [  # (text, stored as 8-bit): the pieces of a document body
    ("借款合同\r甲方：张三  电话 13800138000\r", False),
    ("Email zhang.san@example.com\r", True),
    ("姓名\x07王芳\x07\x07", False),
]


def read(path: Path) -> list[TextBlock]:
    extractor = extractor_for(path.name, content=path)
    return [b for b in extractor.blocks(path) if isinstance(b, TextBlock)]


def failure(path: Path) -> ExtractionError:
    with pytest.raises(ExtractionError) as err:
        read(path)
    return err.value


@pytest.mark.parametrize("name", ["合同.doc", "合同.wps"])
def test_word_97_and_wps_documents_read_every_piece_and_story(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(word_document(BODY, header="页眉 身份证 11010519491231002X\r"))
    blocks = read(path)
    assert [(b.text, b.location) for b in blocks] == [
        ("借款合同\n", "paragraph 1"),
        ("甲方：张三  电话 13800138000\n", "paragraph 2"),
        ("Email zhang.san@example.com\n", "paragraph 3"),  # an 8-bit (cp1252) piece between UTF-16 ones
        ("姓名\n", "paragraph 4"),  # table cells end with Word's cell mark
        ("王芳\n", "paragraph 5"),
        ("页眉 身份证 11010519491231002X\n", "header/footer paragraph 1"),
    ]
    assert [b.offset for b in blocks] == [0, 5, 27, 55, 58, 61]


def test_word_marks_do_not_glue_values_together(tmp_path):
    path = tmp_path / "a.doc"
    path.write_bytes(word_document([("电话\x1313800138000\x14链接\x15\x0b第二行\x0c\r", False)]))
    [block] = read(path)
    assert block.text == "电话 13800138000 链接 \n第二行\n\n"


def test_encrypted_word_97_6_and_damaged_documents_are_reported_not_skipped(tmp_path):
    encrypted = tmp_path / "加密.doc"
    encrypted.write_bytes(word_document(BODY, encrypted=True))
    assert failure(encrypted).status == FileStatus.ENCRYPTED

    word6 = tmp_path / "旧.doc"
    word6.write_bytes(word_document(BODY, nfib=0x65))
    error = failure(word6)
    assert error.status == FileStatus.UNSUPPORTED and "Word 6.0/95 format: not supported" in error.message

    data = word_document(BODY)
    truncated = tmp_path / "截断.doc"
    truncated.write_bytes(data[:1536])
    assert failure(truncated).status == FileStatus.CORRUPT

    good = tmp_path / "好.doc"
    good.write_bytes(data)
    with open_ole(good) as ole:
        word = read_stream(ole, "WordDocument", good)
    assert read(good)  # the same WordDocument stream reads with its own table
    bad_table = tmp_path / "坏.doc"  # a piece table whose size runs past its stream
    bad_table.write_bytes(compound_file({"WordDocument": word, "1Table": b"\x02\xff\xff\xff\x7f"}))
    error = failure(bad_table)
    assert error.status == FileStatus.CORRUPT and "damaged or truncated legacy Word (.doc)" in error.message


def test_wps_files_in_wps_s_own_older_format_are_listed_as_not_supported_with_the_reason(tmp_path):
    for name, kind in (("旧.wps", "legacy WPS document (.wps)"), ("旧.dps", "legacy WPS presentation (.dps)"),
                       ("旧.et", "legacy WPS spreadsheet (.et)")):  # fmt: skip
        path = tmp_path / name
        path.write_bytes(b"WPS\x00\x01" + os.urandom(600))  # not an OLE container
        error = failure(path)
        assert error.status == FileStatus.UNSUPPORTED and f"{kind}: not supported" in error.message
    other = tmp_path / "别的.dps"
    other.write_bytes(compound_file({"WpsContent": b"\x01" * 100}))
    error = failure(other)
    assert error.status == FileStatus.UNSUPPORTED
    assert "legacy WPS presentation (.dps): not supported (no PowerPoint Document stream)" in error.message
    no_book = tmp_path / "别的.et"
    no_book.write_bytes(compound_file({"WpsSheet": b"\x01" * 100}))
    assert failure(no_book).status == FileStatus.UNSUPPORTED


@pytest.mark.parametrize("name", ["客户.ppt", "客户.dps"])
def test_powerpoint_97_and_wps_presentations_read_slides_and_notes(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(presentation(["客户名单\r张三 13800138000", "Call 13912345678", "第三页"], ["备注：李四"]))
    assert [(b.text, b.location) for b in read(path)] == [
        ("客户名单\n张三 13800138000\n", "slide 1"),
        ("Call 13912345678\n", "slide 2"),  # an 8-bit text atom
        ("第三页\n", "slide 3"),
        ("备注：李四\n", "notes 1"),
    ]


def test_a_presentation_record_running_past_its_stream_is_corrupt(tmp_path):
    path = tmp_path / "坏.ppt"
    path.write_bytes(compound_file({"PowerPoint Document": b"\x0f\x00\xe8\x03\xff\xff\x00\x00" + bytes(5000)}))
    error = failure(path)
    assert error.status == FileStatus.CORRUPT and "legacy PowerPoint (.ppt)" in error.message


def test_wps_spreadsheets_in_excel_97_format_read_as_workbooks(tmp_path):
    path = tmp_path / "员工.et"
    path.write_bytes(biff8_workbook("员工", [["姓名", "手机"], ["张三", "13800138000"]]))
    blocks = read(path)
    assert [b.text for b in blocks] == ["员工\n", "姓名\t手机\n", "张三\t13800138000\n"]
    assert [(c.location, c.label) for c in blocks[2].cells] == [("员工!A2", "姓名"), ("员工!B2", "手机")]


def test_overlapping_pieces_cannot_multiply_a_small_document(tmp_path):
    one = tmp_path / "一份.doc"
    one.write_bytes(word_document([("张三 13800138000 " * 100, False)]))
    with open_ole(one) as ole:
        word = read_stream(ole, "WordDocument", one)
    chars, copies = 1600, 2000  # every piece the same 3.2 KB of text: 6 MB of text from a 9 KB file
    plc = struct.pack(f"<{copies + 1}i", *range(0, chars * (copies + 1), chars))
    plc += struct.pack("<HIH", 0, 1024, 0) * copies
    table = b"\x02" + struct.pack("<I", len(plc)) + plc
    word = bytearray(word)
    struct.pack_into("<iI", word, 0x01A2, 0, len(table))  # fcClx, lcbClx
    bomb = tmp_path / "炸弹.doc"
    bomb.write_bytes(compound_file({"WordDocument": bytes(word), "1Table": table}))
    assert bomb.stat().st_size < 32 << 10
    error = failure(bomb)
    assert error.status == FileStatus.CORRUPT and "more text than the WordDocument stream holds" in error.message


def test_a_stream_over_the_limit_is_too_large_not_read(tmp_path):
    path = tmp_path / "大.doc"
    path.write_bytes(word_document(BODY))
    with open_ole(path) as ole, pytest.raises(ExtractionError) as err:
        read_stream(ole, "WordDocument", path, limit=1024)
    assert err.value.status == FileStatus.TOO_LARGE and "WordDocument stream" in err.value.message


# --- text by content ------------------------------------------------------------------------------------

TEXTS = {
    "GB18030": "姓名：张三 电话 13800138000\n".encode("gb18030") * 50,
    "UTF-16 with BOM": "BEGIN:VCARD\r\nFN:张三\r\n".encode("utf-16"),
    "UTF-16 without BOM": "姓名=张三\r\nphone=13800138000\r\n".encode("utf-16-le") * 20,
    "UTF-8 cut inside a character": "客户张三".encode()[:-1],
    "UTF-8 with a BOM and colour escapes": "\ufeff\x1b[31mERROR\x1b[0m 张三\n".encode(),
    "empty": b"",
}
BINARIES = {
    "random bytes": (os.urandom(8192), "binary content"),
    "a PNG image": (b"\x89PNG\r\n\x1a\n" + os.urandom(64), "a PNG image"),
    "control characters": (bytes(range(1, 32)) * 40, "control characters"),
    "an SQLite database": (b"SQLite format 3\x00" + bytes(100), "an SQLite database"),
}


@pytest.mark.parametrize("data", TEXTS.values(), ids=TEXTS.keys())
def test_text_by_content(data):
    assert not_text_reason(data) is None


@pytest.mark.parametrize(("data", "reason"), BINARIES.values(), ids=BINARIES.keys())
def test_binary_by_content_says_why(data, reason):
    assert reason in not_text_reason(data)


@pytest.mark.parametrize("name", ["dump.sql", "app.ini", "db.yaml", "card.vcf", "jdbc.properties", "README", ".env",
                                  "客户.bak", "nginx.conf", "export.dat"])  # fmt: skip
def test_files_of_any_name_are_read_when_their_content_is_text(tmp_path, name):
    path = tmp_path / name
    path.write_bytes("name=张三\nmobile=13800138000\n".encode("gb18030"))
    assert isinstance(extractor_for(name, content=path), PlainTextExtractor)
    assert "".join(b.text for b in read(path)) == "name=张三\nmobile=13800138000\n"


def test_a_binary_file_of_unknown_format_is_not_read_and_says_why(tmp_path):
    path = tmp_path / "blob.bin"
    path.write_bytes(b"\x00\x01\x02" + os.urandom(4096))
    assert extractor_for(path.name) is None  # without its content, a name alone decides nothing
    with pytest.raises(ExtractionError) as err:
        extractor_for(path.name, content=path)
    assert err.value.status == FileStatus.UNSUPPORTED
    assert err.value.message == "blob.bin: no reader for .bin files, and it is not text (binary content: NUL bytes)"
