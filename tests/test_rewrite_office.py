"""XlsxRewriter and DocxRewriter on real files built at test time, checked by extracting the masked copy again."""

from __future__ import annotations

import hashlib
import io
import stat
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from lxml import etree
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.comments import Comment
from openpyxl.styles import Font

from scanner.actions.rewrite.base import Edit, RewriteError, Rewriter
from scanner.actions.rewrite.common import spread
from scanner.actions.rewrite.docx import DocxRewriter
from scanner.actions.rewrite.registry import rewriter_for
from scanner.actions.rewrite.xlsx import XlsxRewriter
from scanner.extract.spreadsheet import XlsxExtractor
from scanner.extract.wordprocessing import DocxExtractor
from tests.rewrite_fixtures import mask, masker_for

PHONE, PHONE2, MOBILE = "13800138000", "13912345678", "13700137000"
ID_CARD, EMAIL = "110101199003074578", "alice.wang@example.com"
HEADER_PHONE, FOOTER_PHONE, NOTE_PHONE, COMMENT_PHONE, BOX_PHONE = (
    "13600136000", "13500135000", "13400134000", "13300133000", "13200132000",
)  # fmt: skip


def mask_all(edit: Edit, value: str) -> str:
    return mask(value)


def extractor_for(path: Path) -> XlsxExtractor | DocxExtractor:
    return XlsxExtractor() if path.suffix in (".xlsx", ".xlsm") else DocxExtractor()


def extracted(path: Path) -> str:
    return "".join(block.text for block in extractor_for(path).blocks(path))


def locate(path: Path, wanted: list[tuple[str, str]]) -> list[Edit]:
    """Edits as the scan stores them: for each (location, value) the value's offsets in the whole extracted text."""
    spans: list[tuple[str, int, str]] = []  # (location, offset of its text in the whole text, its text)
    for block in extractor_for(path).blocks(path):
        if block.cells:
            spans += [(c.location, block.offset + c.start, block.text[c.start : c.end]) for c in block.cells]
        else:
            spans.append((block.location, block.offset, block.text))
    edits = []
    for finding_id, (location, value) in enumerate(wanted, start=1):
        base, text = next((o, t) for loc, o, t in spans if loc == location and value in t)
        start = base + text.index(value)
        edits.append(Edit(finding_id, start, start + len(value), location))
    return edits


def mask_file(rewriter: Rewriter, src: Path, wanted: list[tuple[str, str]]) -> Path:
    """Mask `wanted` in a copy of `src`; check src is untouched and the copy reads as src with just the masks."""
    before, text = src.read_bytes(), extracted(src)
    edits = locate(src, wanted)
    seen: list[int] = []
    dst = src.with_name(f".custos-tmp-1{src.suffix}")
    expected = {edit.finding_id: value for edit, (_, value) in zip(edits, wanted, strict=True)}
    rewriter.mask_copy(src, dst, edits, masker_for(expected, seen), None)
    assert sorted(seen) == [edit.finding_id for edit in edits]
    assert src.read_bytes() == before
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + mask(text[edit.start : edit.end]) + text[edit.end :]
    after = extracted(dst)
    assert after == text  # every value replaced by its mask, every other character where it was
    assert not any(value in after for _, value in wanted)
    return dst


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def with_zip_changes(path: Path, added: dict[str, bytes], edit=None) -> Path:
    """Rewrite the package at `path` with parts added and each part's bytes passed through `edit(name, data)`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            out.writestr(info, edit(info.filename, data) if edit else data)
        for name, data in added.items():
            out.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


def test_registry_hands_out_these_rewriters():
    assert isinstance(rewriter_for(Path("客户.xlsx")), XlsxRewriter)
    assert isinstance(rewriter_for(Path("宏.xlsm")), XlsxRewriter)
    assert isinstance(rewriter_for(Path("纪要.docx")), DocxRewriter)
    assert {".xlsx", ".xlsm"} == XlsxRewriter.SUFFIXES and {".docx"} == DocxRewriter.SUFFIXES


def test_spread_keeps_each_pieces_share_and_gives_the_rest_to_the_last():
    assert spread(["ab", "cde", "fg"], 1, 6, "XXXXX") == ["aX", "XXX", "Xg"]
    assert spread(["ab", "cde", "fg"], 1, 6, "XY") == ["aX", "Y", "g"]  # short: the last piece gets nothing
    assert spread(["ab", "cde", "fg"], 1, 6, "123456789") == ["a1", "234", "56789g"]
    assert spread(["ab", "", "cd"], 1, 3, "**") == ["a*", "", "*d"]


# --- xlsx -------------------------------------------------------------------------------------------------


def build_workbook(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["姓名", "手机", "备注", "金额"])
    ws.append(["张三", PHONE, f"邮箱 {EMAIL}，备用 {PHONE2}", 3])  # two values in one cell
    ws.append(["李四", float(MOBILE), "老客户", 4.5])  # a phone number stored as a number, as Excel often does
    ws["D4"] = "=D2+D3"
    ws["A2"].font = Font(bold=True)
    ws.column_dimensions["C"].width = 40
    ws["A3"].comment = Comment("审核：已核对", "王五")
    notes = wb.create_sheet("证件")
    notes.append(["身份证号", ID_CARD])
    notes.append(["无关", "nothing personal"])
    wb.save(path)
    return path


XLSX_VALUES = [("客户!B2", PHONE), ("客户!C2", EMAIL), ("客户!C2", PHONE2), ("客户!B3", MOBILE), ("证件!B1", ID_CARD)]


def test_xlsx_masks_cells_in_several_sheets_and_keeps_the_rest(tmp_path):
    src = build_workbook(tmp_path / "客户.xlsx")
    src.chmod(0o640)
    dst = mask_file(XlsxRewriter(), src, XLSX_VALUES)

    assert stat.S_IMODE(dst.stat().st_mode) == 0o640
    before, after = load_workbook(src), load_workbook(dst)
    assert after.sheetnames == before.sheetnames
    masked = {"客户!B2": mask(PHONE), "客户!C2": f"邮箱 {mask(EMAIL)}，备用 {mask(PHONE2)}", "客户!B3": mask(MOBILE)}
    masked["证件!B1"] = mask(ID_CARD)
    for sheet in before.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                location = f"{sheet.title}!{cell.coordinate}"
                assert after[sheet.title][cell.coordinate].value == masked.get(location, cell.value), location
    assert after["客户"]["B3"].data_type == "s"  # the number became the masked text
    assert after["客户"]["D4"].value == "=D2+D3"
    assert after["客户"]["A2"].font.bold and after["客户"].column_dimensions["C"].width == 40
    assert after["客户"]["A3"].comment.text == "审核：已核对"


def test_xlsx_rich_text_cell_keeps_each_runs_font(tmp_path):
    wb = Workbook()
    bold, italic = InlineFont(b=True), InlineFont(i=True)
    wb.active["A1"] = CellRichText(["手机 ", TextBlock(bold, PHONE[:7]), TextBlock(italic, PHONE[7:]), " 完"])
    src = tmp_path / "rich.xlsx"
    wb.save(src)
    dst = mask_file(XlsxRewriter(), src, [("Sheet!A1", PHONE)])

    parts = list(load_workbook(dst, rich_text=True).active["A1"].value)
    assert [str(p) for p in parts] == ["手机 ", mask(PHONE)[:7], mask(PHONE)[7:], " 完"]
    assert parts[1].font.b and parts[2].font.i


def test_xlsm_keeps_its_macro_project(tmp_path):
    src = build_workbook(tmp_path / "宏.xlsm")
    vba = b"\xcc\x61 not a real vbaProject, kept byte for byte"
    override = '<Override PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
    with_zip_changes(src, {"xl/vbaProject.bin": vba}, lambda n, d: d.replace(b"</Types>", override.encode()))
    dst = mask_file(XlsxRewriter(), src, XLSX_VALUES[:1])

    with zipfile.ZipFile(dst) as archive:
        assert archive.read("xl/vbaProject.bin") == vba
        assert b"sheet.macroEnabled.main+xml" in archive.read("[Content_Types].xml")


def test_xlsm_without_a_macro_project_is_refused(tmp_path):
    src = build_workbook(tmp_path / "宏.xlsm")
    with pytest.raises(RewriteError, match="without a macro project"):
        XlsxRewriter().mask_copy(src, tmp_path / "dst.xlsm", locate(src, XLSX_VALUES[:1]), mask_all, None)


def test_xlsx_formula_cell_is_refused(tmp_path):
    wb = Workbook()
    wb.active["A1"] = '="138"&"00138000"'
    src = tmp_path / "formula.xlsx"
    wb.save(src)  # openpyxl writes no cached result; give it the one Excel would have stored
    with_zip_changes(src, {}, lambda n, d: d.replace(b"<v></v>", f"<v>{PHONE}</v>".encode()))
    with pytest.raises(RewriteError, match="formula"):
        XlsxRewriter().mask_copy(src, tmp_path / "dst.xlsx", locate(src, [("Sheet!A1", PHONE)]), mask_all, None)
    assert not (tmp_path / "dst.xlsx").exists()


def test_xlsx_hyperlink_address_holding_the_value_is_refused(tmp_path):
    wb = Workbook()
    wb.active["A1"] = EMAIL
    wb.active["A1"].hyperlink = f"mailto:{EMAIL}"
    src = tmp_path / "link.xlsx"
    wb.save(src)
    with pytest.raises(RewriteError, match="hyperlink"):
        XlsxRewriter().mask_copy(src, tmp_path / "dst.xlsx", locate(src, [("Sheet!A1", EMAIL)]), mask_all, None)


def with_image(path: Path) -> None:
    pil = pytest.importorskip("PIL.Image")
    from openpyxl.drawing.image import Image

    wb = load_workbook(path)
    picture = io.BytesIO()
    pil.new("RGB", (4, 4), "red").save(picture, format="PNG")
    wb["证件"].add_image(Image(picture), "D1")
    wb.save(path)


@pytest.mark.parametrize(
    ("add", "kinds"),
    [
        (with_image, "images"),
        (lambda p: with_zip_changes(p, {"xl/drawings/drawing1.xml": b"<xdr:wsDr/>"}), "drawings"),
        (lambda p: with_zip_changes(p, {"xl/pivotCache/pivotCacheDefinition1.xml": b"<x/>"}), "pivot tables"),
        (lambda p: with_zip_changes(p, {"customXml/item1.xml": b"<x/>"}), "other parts"),
    ],
    ids=["image", "drawing-part", "pivot-cache", "unknown-part"],
)
def test_xlsx_with_parts_openpyxl_would_drop_is_refused(tmp_path, add, kinds):
    src = build_workbook(tmp_path / "图表.xlsx")
    add(src)
    digest = sha256(src)
    with pytest.raises(RewriteError, match=f"contains .*{kinds}.*quarantine the file instead") as err:
        XlsxRewriter().mask_copy(src, tmp_path / "dst.xlsx", locate(src, XLSX_VALUES[:1]), mask_all, None)
    assert "would drop them" in str(err.value)
    assert not (tmp_path / "dst.xlsx").exists() and sha256(src) == digest


# --- docx -------------------------------------------------------------------------------------------------

_TEXT_BOX = (
    f'<w:r {nsdecls("w", "wp", "a")} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    ' xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'
    ' xmlns:v="urn:schemas-microsoft-com:vml"><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
    f"<wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>框内 {BOX_PHONE}"
    "</w:t></w:r></w:p></w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>"
    f"</mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>框内 {BOX_PHONE}</w:t>"
    "</w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
)


def hyperlink(paragraph, text: str, address: str) -> None:
    rid = paragraph.part.relate_to(address, RT.HYPERLINK, is_external=True)
    run = f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'
    xml = f'<w:hyperlink {nsdecls("w", "r")} r:id="{rid}">{run}</w:hyperlink>'
    paragraph._p.append(parse_xml(xml))


def build_document(path: Path) -> Path:
    doc = Document()
    doc.add_paragraph("客户资料")  # paragraph 1
    doc.add_paragraph(f"手机：{PHONE}")  # paragraph 2: one run
    split = doc.add_paragraph("联系电话：")  # paragraph 3: three runs, bold / plain / italic
    split.add_run(PHONE2[:3]).bold = True
    split.add_run(PHONE2[3:7])
    split.add_run(PHONE2[7:]).italic = True
    two = doc.add_paragraph()  # paragraph 4: two values; the second starts in the run where the first ends
    two.add_run(f"身份证 {ID_CARD[:6]}")
    two.add_run(f"{ID_CARD[6:]} 邮箱 {EMAIL[:5]}").bold = True
    two.add_run(EMAIL[5:])
    doc.add_paragraph("会议纪要，无其他内容。")  # paragraph 5
    table = doc.add_table(rows=2, cols=2)
    for row, values in enumerate([("姓名", "手机"), ("张三", MOBILE)]):
        for col, value in enumerate(values):
            table.cell(row, col).text = value
    doc.add_paragraph("见文本框")._p.append(parse_xml(_TEXT_BOX))  # paragraph 6
    hyperlink(doc.add_paragraph("官网 "), f"客服 {PHONE}", "https://example.com/contact")  # paragraph 7
    doc.add_comment(doc.paragraphs[0].runs, text=f"请核对 {COMMENT_PHONE}", author="审核")
    doc.sections[0].header.paragraphs[0].text = f"机密 {HEADER_PHONE}"
    doc.sections[0].footer.paragraphs[0].text = f"联系人 王五 {FOOTER_PHONE}"
    doc.save(path)
    return add_footnote(path, f"注：联系 {NOTE_PHONE}")


def add_footnote(path: Path, text: str) -> Path:
    """python-docx cannot write footnotes: add the part, its relationship and its content type by hand."""
    notes = (
        f'<w:footnotes {nsdecls("w")}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r>'
        f'</w:p></w:footnote><w:footnote w:id="1"><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:footnote></w:footnotes>'
    )
    additions = {
        "[Content_Types].xml": (b"</Types>", b'<Override PartName="/word/footnotes.xml" ContentType="application/'
                                b'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>'),
        "word/_rels/document.xml.rels": (b"</Relationships>", b'<Relationship Id="rId99" Target="footnotes.xml" Type'
                                         b'="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                                         b'footnotes"/></Relationships>'),
    }  # fmt: skip

    def edit(name: str, data: bytes) -> bytes:
        return data.replace(*additions[name]) if name in additions else data

    return with_zip_changes(path, {"word/footnotes.xml": notes.encode()}, edit)


DOCX_VALUES = [
    ("paragraph 2", PHONE),
    ("paragraph 3", PHONE2),
    ("paragraph 4", ID_CARD),
    ("paragraph 4", EMAIL),
    ("table 1 row 2 col 2", MOBILE),
    ("paragraph 7", PHONE),
    ("header", HEADER_PHONE),
    ("footer", FOOTER_PHONE),
    ("footnote 1", NOTE_PHONE),
    ("comment 1", COMMENT_PHONE),
    ("text box 1", BOX_PHONE),
]


def test_docx_masks_every_story_and_keeps_the_rest(tmp_path):
    src = build_document(tmp_path / "纪要.docx")
    src.chmod(0o604)
    dst = mask_file(DocxRewriter(), src, DOCX_VALUES)

    assert stat.S_IMODE(dst.stat().st_mode) == 0o604
    before, after = Document(str(src)), Document(str(dst))
    for n in (0, 4):  # untouched paragraphs: the same XML
        assert etree.tostring(after.paragraphs[n]._p) == etree.tostring(before.paragraphs[n]._p)
    assert etree.tostring(after.tables[0].rows[0]._tr) == etree.tostring(before.tables[0].rows[0]._tr)
    assert after.tables[0].cell(1, 1).text == mask(MOBILE)
    assert after.sections[0].header.paragraphs[0].text == f"机密 {mask(HEADER_PHONE)}"
    with zipfile.ZipFile(dst) as archive:
        body = archive.read("word/document.xml").decode()
        assert "Fallback" not in body  # the Word 2007 copy of the text box would have kept the value
        assert NOTE_PHONE not in archive.read("word/footnotes.xml").decode()
    rels = after.part.rels.values()
    assert [r.target_ref for r in rels if r.reltype == RT.HYPERLINK] == ["https://example.com/contact"]


def test_docx_value_split_over_runs_keeps_each_runs_formatting(tmp_path):
    src = build_document(tmp_path / "纪要.docx")
    dst = mask_file(DocxRewriter(), src, DOCX_VALUES[1:4])

    split, two = Document(str(dst)).paragraphs[2:4]
    assert [(r.text, r.bold, r.italic) for r in split.runs] == [
        ("联系电话：", None, None),
        (mask(PHONE2)[:3], True, None),
        (mask(PHONE2)[3:7], None, None),
        (mask(PHONE2)[7:], None, True),
    ]
    id_mask, email_mask = mask(ID_CARD), mask(EMAIL)
    assert [(r.text, r.bold) for r in two.runs] == [
        (f"身份证 {id_mask[:6]}", None),
        (f"{id_mask[6:]} 邮箱 {email_mask[:5]}", True),
        (email_mask[5:], None),
    ]


def test_docx_value_through_non_breaking_hyphens(tmp_path):
    doc = Document()
    p = doc.add_paragraph("电话 138")
    xml = f"<w:r {nsdecls('w')}><w:noBreakHyphen/><w:t>0013</w:t><w:noBreakHyphen/><w:t>8000</w:t></w:r>"
    p._p.append(parse_xml(xml))
    src = tmp_path / "hyphen.docx"
    doc.save(src)
    dst = mask_file(DocxRewriter(), src, [("paragraph 1", "138-0013-8000")])
    assert Document(str(dst)).paragraphs[0].text == f"电话 {mask('138-0013-8000')}"


def test_docx_different_length_mask_ends_in_the_last_run(tmp_path):
    src = build_document(tmp_path / "纪要.docx")
    [edit] = locate(src, [("paragraph 3", PHONE2)])
    DocxRewriter().mask_copy(src, tmp_path / "dst.docx", [edit], lambda e, v: "[已遮蔽的号码]", None)
    runs = Document(str(tmp_path / "dst.docx")).paragraphs[2].runs
    assert [r.text for r in runs] == ["联系电话：", "[已遮", "蔽的号码", "]"]


def link_to_its_own_address(doc) -> tuple[str, str]:
    hyperlink(doc.add_paragraph(), EMAIL, f"mailto:{EMAIL}")
    return "paragraph 1", EMAIL


def also_in_a_tracked_deletion(doc) -> tuple[str, str]:
    deleted = f'<w:del {nsdecls("w")} w:id="1" w:author="a"><w:r><w:delText>{PHONE}</w:delText></w:r></w:del>'
    doc.add_paragraph(PHONE)._p.append(parse_xml(deleted))
    return "paragraph 1", PHONE


def across_two_paragraphs_of_a_cell(doc) -> tuple[str, str]:
    cell = doc.add_table(rows=1, cols=1).cell(0, 0)
    cell.text = PHONE[:3]
    cell.add_paragraph(PHONE[3:])
    return "table 1 row 1 col 1", f"{PHONE[:3]}\n{PHONE[3:]}"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (link_to_its_own_address, "also the address of its hyperlink"),
        (also_in_a_tracked_deletion, "also held in a tracked change"),
        (across_two_paragraphs_of_a_cell, "runs across a paragraph, cell or tab-stop boundary"),
    ],
    ids=["hyperlink-address", "tracked-deletion", "across-paragraphs"],
)
def test_docx_values_that_cannot_be_masked_in_place_are_refused(tmp_path, build, message):
    doc = Document()
    location, value = build(doc)
    src = tmp_path / "refused.docx"
    doc.save(src)
    digest = sha256(src)
    with pytest.raises(RewriteError, match=message):
        DocxRewriter().mask_copy(src, tmp_path / "dst.docx", locate(src, [(location, value)]), mask_all, None)
    assert not (tmp_path / "dst.docx").exists() and sha256(src) == digest


# --- both -------------------------------------------------------------------------------------------------

BOTH_FORMATS = pytest.mark.parametrize(
    ("build", "rewriter", "values", "suffix"),
    [(build_workbook, XlsxRewriter, XLSX_VALUES, ".xlsx"), (build_document, DocxRewriter, DOCX_VALUES, ".docx")],
    ids=["xlsx", "docx"],
)


@BOTH_FORMATS
def test_masker_refusal_leaves_no_copy_and_the_original_untouched(tmp_path, build, rewriter, values, suffix):
    src = build(tmp_path / f"src{suffix}")
    digest = sha256(src)
    edits = locate(src, values)

    def masker(edit: Edit, value: str) -> str:
        if edit is edits[-1]:  # as the real masker does when the value's fingerprint differs from the scan's
            raise RewriteError(f"finding {edit.finding_id}: the value changed since the scan")
        return mask(value)

    with pytest.raises(RewriteError, match="changed since the scan"):
        rewriter().mask_copy(src, tmp_path / "dst", edits, masker, None)
    assert not (tmp_path / "dst").exists() and sha256(src) == digest


@BOTH_FORMATS
def test_edits_that_no_longer_match_the_file_are_refused(tmp_path, build, rewriter, values, suffix):
    src = build(tmp_path / f"src{suffix}")
    [edit] = locate(src, values[:1])
    moved = Edit(edit.finding_id, edit.start, edit.end, "elsewhere")
    past_end = Edit(2, 10**6, 10**6 + 11, edit.location)
    for stale in (moved, past_end):
        with pytest.raises(RewriteError, match="no longer matches the scan; rescan it"):
            rewriter().mask_copy(src, tmp_path / "dst", [stale], mask_all, None)
        assert not (tmp_path / "dst").exists()


@BOTH_FORMATS
def test_masked_value_the_format_cannot_hold_is_refused(tmp_path, build, rewriter, values, suffix):
    src = build(tmp_path / f"src{suffix}")
    with pytest.raises(RewriteError, match="cannot be"):
        rewriter().mask_copy(src, tmp_path / "dst", locate(src, values[:1]), lambda e, v: "\x01" * len(v), None)
    assert not (tmp_path / "dst").exists()


def test_existing_dst_is_never_overwritten(tmp_path):
    src = build_workbook(tmp_path / "src.xlsx")
    dst = tmp_path / "dst.xlsx"
    dst.write_bytes(b"someone else's file")
    with pytest.raises(RewriteError, match="cannot create the masked copy"):
        XlsxRewriter().mask_copy(src, dst, locate(src, XLSX_VALUES[:1]), mask_all, None)
    assert dst.read_bytes() == b"someone else's file"


def test_encrypted_workbook_is_refused(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = build_workbook(tmp_path / "plain.xlsx")
    encrypted = io.BytesIO()
    with plain.open("rb") as fh:
        OOXMLFile(fh).encrypt("secret", encrypted)
    src = tmp_path / "工资.xlsx"
    src.write_bytes(encrypted.getvalue())
    with pytest.raises(RewriteError, match="password-protected"):
        XlsxRewriter().mask_copy(src, tmp_path / "dst.xlsx", [Edit(1, 0, 3, "Sheet!A1")], mask_all, None)
