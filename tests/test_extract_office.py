"""Office extractors on real files built at test time: exact block texts, cell locations, labels and errors."""

from __future__ import annotations

import io
import os
import struct
import tracemalloc
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import Workbook
from pptx import Presentation
from pptx.util import Inches

from scanner.extract.base import ExtractionError, TextBlock
from scanner.extract.office_crypto import check_not_encrypted
from scanner.extract.spreadsheet import XlsExtractor, XlsxExtractor, format_value
from scanner.extract.wordprocessing import DocxExtractor, PptxExtractor
from scanner.states import FileStatus


def cells_of(block: TextBlock) -> list[tuple[str, str, str | None]]:
    """(cell text, location, label) for each cell of a block."""
    return [(block.text[c.start : c.end], c.location, c.label) for c in block.cells]


def assert_offsets_cumulative(blocks: list[TextBlock]) -> None:
    offset = 0
    for block in blocks:
        assert block.offset == offset
        offset += len(block.text)


# --- xlsx ---------------------------------------------------------------------------------------------------


def build_xlsx(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["姓名", "手机", "身份证号", "生日"])
    ws.append(["张三", 13800138000.0, "110101199003074578", datetime(1990, 3, 7)])
    # row 3 stays empty; row 4 has a gap, a formula Excel never computed and a date
    ws["A4"] = "李四"
    ws["C4"] = '=A4&"x"'
    ws["D4"] = date(1985, 12, 1)
    ws["A5"] = 0.00001
    ws["B5"] = 42
    ws["C5"] = "   "
    notes = wb.create_sheet("Notes")
    notes.append(["  Remark ", None, "Mobile"])
    notes.append(["call back", None, 1.5e16])
    wb.save(path)
    return path


def test_xlsx_rows_cells_labels_and_offsets(tmp_path):
    blocks = list(XlsxExtractor().blocks(build_xlsx(tmp_path / "客户.xlsx")))
    titles = [(b.location, b.text) for b in blocks if b.location]
    assert titles == [("sheet title 1", "客户\n"), ("sheet title 2", "Notes\n")]  # titles are scanned as text
    assert_offsets_cumulative(blocks)
    blocks = [b for b in blocks if not b.location]

    assert [b.text for b in blocks] == [
        "姓名\t手机\t身份证号\t生日\n",
        "张三\t13800138000\t110101199003074578\t1990-03-07\n",
        "李四\t1985-12-01\n",
        "0.00001\t42\n",
        "  Remark \tMobile\n",
        "call back\t15000000000000000\n",
    ]
    assert cells_of(blocks[0])[1] == ("手机", "客户!B1", None)
    assert cells_of(blocks[1]) == [
        ("张三", "客户!A2", "姓名"),
        ("13800138000", "客户!B2", "手机"),
        ("110101199003074578", "客户!C2", "身份证号"),
        ("1990-03-07", "客户!D2", "生日"),
    ]
    assert cells_of(blocks[2]) == [("李四", "客户!A4", "姓名"), ("1985-12-01", "客户!D4", "生日")]
    # the second sheet has its own header; labels are stripped and lower-cased
    assert cells_of(blocks[5]) == [("call back", "Notes!A2", "remark"), ("15000000000000000", "Notes!C2", "mobile")]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (13800138000.0, "13800138000"),
        (1.10101199001011e17, "110101199001011000"),  # the digits Excel stored, not the binary float's
        (1e-05, "0.00001"),
        (3.25, "3.25"),
        (-7, "-7"),
        (True, "TRUE"),
        (datetime(2024, 1, 2, 3, 4, 5), "2024-01-02 03:04:05"),
        (time(8, 30), "08:30:00"),
        ("  ", None),
        (None, None),
    ],
)
def test_format_value_reads_like_excel(value, text):
    assert format_value(value) == text


@pytest.mark.slow
def test_xlsx_large_sheet_streams_in_bounded_memory(tmp_path):
    path = tmp_path / "big.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("data")
    ws.append(["姓名", "手机", "备注"])
    for i in range(50_000):
        ws.append([f"客户{i}", 13800000000 + i, "x" * 20])
    wb.save(path)

    tracemalloc.start()
    try:
        count = 0
        last = None
        for block in XlsxExtractor().blocks(path):
            count += 1
            last = block
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 50_002  # the sheet's title, then every row
    assert cells_of(last)[1] == ("13800049999", "data!B50001", "手机")
    assert peak < 60 * 2**20


# --- xls --------------------------------------------------------------------------------------------------


def build_biff8(path: Path, sheet: str, cells: list[tuple[int, int, object]]) -> Path:
    """A minimal BIFF8 workbook stream (no OLE wrapper, which xlrd accepts): no .xls writer is installed."""

    def rec(kind: int, data: bytes = b"") -> bytes:
        return struct.pack("<HH", kind, len(data)) + data

    def xf(number_format: int) -> bytes:
        return rec(0x00E0, struct.pack("<HHHBBBBIIH", 0, number_format, 0, 0x20, 0, 0, 0, 0, 0, 0x20C0))

    strings = [v for _, _, v in cells if isinstance(v, str)]
    sst = struct.pack("<II", len(strings), len(strings))
    sst += b"".join(struct.pack("<HB", len(s), 1) + s.encode("utf-16-le") for s in strings)
    bof = struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0)
    head = rec(0x0809, bof) + xf(0) + xf(14) + rec(0x00FC, sst)  # XF 1 has number format 14: a date
    name = struct.pack("<BB", len(sheet), 1) + sheet.encode("utf-16-le")
    sheet_pos = len(head) + len(rec(0x0085, bytes(6) + name)) + len(rec(0x000A))
    body = rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0, 0, 0, 0))
    for r, c, value in cells:
        if isinstance(value, str):
            body += rec(0x00FD, struct.pack("<HHHI", r, c, 0, strings.index(value)))
        elif isinstance(value, bool):
            body += rec(0x0205, struct.pack("<HHHBB", r, c, 0, int(value), 0))
        elif isinstance(value, date):
            serial = (value - date(1899, 12, 30)).days
            body += rec(0x0203, struct.pack("<HHHd", r, c, 1, float(serial)))
        else:
            body += rec(0x0203, struct.pack("<HHHd", r, c, 0, float(value)))
    path.write_bytes(head + rec(0x0085, struct.pack("<IBB", sheet_pos, 0, 0) + name) + rec(0x000A) + body + rec(0x000A))
    return path


def test_xls_rows_cells_labels(tmp_path):
    cells = [(0, 0, "姓名"), (0, 1, "手机"), (0, 2, "生日"), (1, 0, "张三"), (1, 1, 13800138000.0)]
    cells += [(1, 2, date(1990, 3, 7)), (3, 0, "李四"), (3, 1, True)]
    blocks = list(XlsExtractor().blocks(build_biff8(tmp_path / "客户.xls", "客户", cells)))
    assert (blocks[0].location, blocks[0].text) == ("sheet title 1", "客户\n")
    assert_offsets_cumulative(blocks)
    blocks = blocks[1:]

    assert [b.text for b in blocks] == ["姓名\t手机\t生日\n", "张三\t13800138000\t1990-03-07\n", "李四\tTRUE\n"]
    assert cells_of(blocks[1])[1:] == [("13800138000", "客户!B2", "手机"), ("1990-03-07", "客户!C2", "生日")]
    assert cells_of(blocks[2]) == [("李四", "客户!A4", "姓名"), ("TRUE", "客户!B4", "手机")]


def test_xls_that_is_really_html_is_corrupt(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text("<html><body><table><tr><td>张三</td></tr></table></body></html>", encoding="utf-8")
    with pytest.raises(ExtractionError) as err:
        list(XlsExtractor().blocks(path))
    assert err.value.status == FileStatus.CORRUPT
    assert str(path) in err.value.message and "HTML" in err.value.message


def test_xls_garbage_is_corrupt(tmp_path):
    path = tmp_path / "junk.xls"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(ExtractionError) as err:
        list(XlsExtractor().blocks(path))
    assert err.value.status == FileStatus.CORRUPT
    assert str(path) in err.value.message


# --- docx -------------------------------------------------------------------------------------------------

_TEXT_BOX_RUN = (
    f'<w:r {nsdecls("w", "wp", "a")} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    ' xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'
    ' xmlns:v="urn:schemas-microsoft-com:vml"><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
    "<wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>框内 13900139000"
    "</w:t></w:r></w:p></w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>"
    "</mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>框内 13900139000</w:t>"
    "</w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
)


def build_docx(path: Path) -> Path:
    doc = Document()
    doc.add_paragraph("客户资料")  # paragraph 1
    doc.add_paragraph("")  # paragraph 2: empty, yields nothing but still counts
    p = doc.add_paragraph("手机：")  # paragraph 3: a number split over three runs
    for part in ("138", "0013", "8000"):
        p.add_run(part)
    table = doc.add_table(rows=4, cols=3)
    for row, values in enumerate([("姓名", "手机", "身份证号"), ("张三", "13800138000", "110101199003074578")]):
        for col, value in enumerate(values):
            table.cell(row, col).text = value
    table.cell(2, 0).merge(table.cell(2, 1)).text = "横向合并"
    table.cell(2, 2).merge(table.cell(3, 2)).text = "纵向合并"
    table.cell(3, 0).text = "李四"
    boxed = doc.add_paragraph("见文本框")  # paragraph 4
    boxed._p.append(parse_xml(_TEXT_BOX_RUN))
    tracked = doc.add_paragraph("修订：")  # paragraph 5: a tracked insertion python-docx's .text leaves out
    tracked._p.append(
        parse_xml(f'<w:ins {nsdecls("w")} w:id="1" w:author="a"><w:r><w:t>13700137000</w:t></w:r></w:ins>')
    )
    doc.add_comment(p.runs, text="请核对 13600136000", author="审核")
    section = doc.sections[0]
    section.header.paragraphs[0].text = "机密 页眉"
    section.footer.paragraphs[0].text = "联系人 王五"
    doc.save(path)
    return path


def test_docx_paragraphs_tables_headers_and_text_boxes(tmp_path):
    blocks = list(DocxExtractor().blocks(build_docx(tmp_path / "客户.docx")))

    located = [(b.text, b.location) for b in blocks if not b.cells]
    assert located == [
        ("客户资料\n", "paragraph 1"),
        ("手机：13800138000\n", "paragraph 3"),
        ("见文本框\n", "paragraph 4"),
        ("修订：13700137000\n", "paragraph 5"),
        ("机密 页眉\n", "header"),
        ("联系人 王五\n", "footer"),
        ("请核对 13600136000\n", "comment 1"),
        ("框内 13900139000\n", "text box 1"),  # once: the VML fallback copy is not read
    ]
    rows = [cells_of(b) for b in blocks if b.cells]
    assert rows == [
        [
            ("姓名", "table 1 row 1 col 1", None),
            ("手机", "table 1 row 1 col 2", None),
            ("身份证号", "table 1 row 1 col 3", None),
        ],
        [
            ("张三", "table 1 row 2 col 1", "姓名"),
            ("13800138000", "table 1 row 2 col 2", "手机"),
            ("110101199003074578", "table 1 row 2 col 3", "身份证号"),
        ],
        [("横向合并", "table 1 row 3 col 1", "姓名"), ("纵向合并", "table 1 row 3 col 3", "身份证号")],
        [("李四", "table 1 row 4 col 1", "姓名")],  # the vertical merge is reported once, at row 3
    ]
    assert [b for b in blocks if b.cells][1].text == "张三\t13800138000\t110101199003074578\n"
    assert_offsets_cumulative(blocks)


def test_docx_footnotes_are_read_numbered_as_shown(tmp_path):
    # python-docx cannot write footnotes: add the part, its relationship and content type to a saved file.
    source = tmp_path / "src.docx"
    Document().save(source)
    notes = (
        f'<w:footnotes {nsdecls("w")}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r>'
        '</w:p></w:footnote><w:footnote w:id="1"><w:p><w:r><w:t>注：联系 13500135000</w:t></w:r></w:p>'
        "</w:footnote></w:footnotes>"
    )
    additions = {
        "[Content_Types].xml": ('<Override PartName="/word/footnotes.xml" ContentType="application/'
                                'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>'),
        "word/_rels/document.xml.rels": ('<Relationship Id="rId99" Target="footnotes.xml" Type="http://schemas.'
                                         'openxmlformats.org/officeDocument/2006/relationships/footnotes"/>'
                                         "</Relationships>"),
    }  # fmt: skip
    path = tmp_path / "notes.docx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename in additions:
                closing = additions[info.filename].rsplit("<", 1)[1]
                data = data.decode("utf-8").replace(f"<{closing}", additions[info.filename]).encode("utf-8")
            out.writestr(info, data)
        out.writestr("word/footnotes.xml", notes)

    assert [(b.text, b.location) for b in DocxExtractor().blocks(path)] == [("注：联系 13500135000\n", "footnote 1")]


# --- pptx -------------------------------------------------------------------------------------------------


def build_pptx(path: Path) -> Path:
    prs = Presentation()
    prs.slides.add_slide(prs.slide_layouts[6])  # slide 1: blank
    slide = prs.slides.add_slide(prs.slide_layouts[5])  # slide 2: title only
    slide.shapes.title.text = "客户名单"
    box = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(3), Inches(1))
    box.text_frame.text = "联系 13800138000"
    group = slide.shapes.add_group_shape()
    group.shapes.add_textbox(Inches(1), Inches(2), Inches(3), Inches(1)).text_frame.text = "组内 王五"
    table = slide.shapes.add_table(3, 2, Inches(1), Inches(3), Inches(4), Inches(2)).table
    for (row, col), value in {(0, 0): "姓名", (0, 1): "手机", (1, 0): "张三", (1, 1): "13900139000"}.items():
        table.cell(row, col).text = value
    table.cell(2, 0).merge(table.cell(2, 1))
    table.cell(2, 0).text = "合并"
    slide.notes_slide.notes_text_frame.text = "备注 110101199003074578"
    prs.save(path)
    return path


def test_pptx_shapes_groups_tables_and_notes(tmp_path):
    blocks = list(PptxExtractor().blocks(build_pptx(tmp_path / "名单.pptx")))

    assert [(b.text, b.location) for b in blocks if not b.cells] == [
        ("客户名单\n", "slide 2"),
        ("联系 13800138000\n", "slide 2"),
        ("组内 王五\n", "slide 2"),
        ("备注 110101199003074578\n", "slide 2 notes"),
    ]
    assert [cells_of(b) for b in blocks if b.cells] == [
        [("姓名", "slide 2 table 1 row 1 col 1", None), ("手机", "slide 2 table 1 row 1 col 2", None)],
        [("张三", "slide 2 table 1 row 2 col 1", "姓名"), ("13900139000", "slide 2 table 1 row 2 col 2", "手机")],
        [("合并", "slide 2 table 1 row 3 col 1", "姓名")],
    ]
    assert_offsets_cumulative(blocks)


# --- encrypted and damaged files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "extractor", "suffix"),
    [(build_xlsx, XlsxExtractor, ".xlsx"), (build_docx, DocxExtractor, ".docx"), (build_pptx, PptxExtractor, ".pptx")],
    ids=["xlsx", "docx", "pptx"],
)
def test_encrypted_files_are_reported_encrypted(tmp_path, build, extractor, suffix):
    plain = build(tmp_path / f"plain{suffix}")
    encrypted = io.BytesIO()
    with plain.open("rb") as fh:
        OOXMLFile(fh).encrypt("secret", encrypted)
    path = tmp_path / f"工资{suffix}"
    path.write_bytes(encrypted.getvalue())

    check_not_encrypted(plain)  # the same file unencrypted passes
    with pytest.raises(ExtractionError) as err:
        list(extractor().blocks(path))
    assert err.value.status == FileStatus.ENCRYPTED
    assert str(path) in err.value.message and "password-protected" in err.value.message


def test_truncated_xlsx_is_corrupt(tmp_path):
    data = build_xlsx(tmp_path / "whole.xlsx").read_bytes()
    path = tmp_path / "half.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ExtractionError) as err:
        list(XlsxExtractor().blocks(path))
    assert err.value.status == FileStatus.CORRUPT
    assert err.value.message.startswith(f"{path}: damaged or truncated Excel (.xlsx) file (")


@pytest.mark.parametrize("extractor", [DocxExtractor, PptxExtractor], ids=["docx", "pptx"])
def test_random_bytes_are_corrupt(tmp_path, extractor):
    path = tmp_path / "noise.docx"
    path.write_bytes(os.urandom(2048))
    with pytest.raises(ExtractionError) as err:
        list(extractor().blocks(path))
    assert err.value.status == FileStatus.CORRUPT
    assert str(path) in err.value.message


def test_docx_too_large_to_parse_in_memory(tmp_path):
    path = build_docx(tmp_path / "big.docx")
    with pytest.raises(ExtractionError) as err:
        list(DocxExtractor(max_xml_bytes=1024).blocks(path))
    assert err.value.status == FileStatus.TOO_LARGE
    assert str(path) in err.value.message


def test_missing_file_is_vanished_not_corrupt(tmp_path):
    with pytest.raises(ExtractionError) as err:
        list(DocxExtractor().blocks(tmp_path / "gone.docx"))
    assert err.value.status == "vanished"


def test_docx_tab_stop_definitions_are_not_tab_characters(tmp_path):
    import docx
    from docx.shared import Cm

    from scanner.extract.wordprocessing import DocxExtractor

    document = docx.Document()
    paragraph = document.add_paragraph("姓名 张三")
    paragraph.paragraph_format.tab_stops.add_tab_stop(Cm(4))
    document.add_paragraph("A\tB")
    path = tmp_path / "tabs.docx"
    document.save(path)
    texts = [b.text for b in DocxExtractor().blocks(path)]
    assert texts[:2] == ["姓名 张三\n", "A\tB\n"]
