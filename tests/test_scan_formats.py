"""End to end over document formats: fixtures built at test time, scanned into a real database."""

from __future__ import annotations

import io
import sqlite3
import struct
import zipfile
from email.message import EmailMessage

import pytest

from scanner.classify import Policy
from scanner.detect.rulepack import merged_policy
from scanner.extract.archive_limits import ArchiveLimits
from scanner.scan import Scanner, ScanOptions
from scanner.store.store import Store
from tests.sample_files import members_opened, zip_bytes

MOBILE, ID = "13800138000", "11010519491231002X"
CSV_GBK = f"姓名,手机,身份证号\r\n王芳,{MOBILE},{ID}\r\n".encode("gbk")


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "客户"
    sheet.append(["姓名", "手机", "身份证号"])
    sheet.append(["王芳", 13800138000, ID])  # Excel keeps long numbers as floats
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def docx_bytes() -> bytes:
    from docx import Document

    doc = Document()
    doc.add_paragraph("借款合同")
    para = doc.add_paragraph("借款人电话：")
    for piece in ("138", "0013", "8000"):  # one value split over three runs
        para.add_run(piece)
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "姓名", "身份证号"
    table.cell(1, 0).text, table.cell(1, 1).text = "王芳", ID
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def pdf_bytes() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.drawString(72, 760, "Contract")
    pdf.showPage()
    pdf.drawString(72, 760, f"Borrower ID card: {ID}  mobile: {MOBILE}")
    pdf.save()
    return out.getvalue()


def eml_bytes() -> bytes:
    msg = EmailMessage()
    msg["From"] = "王芳 <wang.fang@example.com>"
    msg["To"] = "客服 <service@example.cn>"
    msg["Subject"] = "投诉：快递破损"
    msg.set_content(f"你好，我的手机 {MOBILE}，请回电。", charset="gbk")
    msg.add_attachment(CSV_GBK, maintype="text", subtype="csv", filename="客户明细.csv")
    return msg.as_bytes()


def encrypted_zip_bytes() -> bytes:
    """zipfile cannot write encrypted archives: set the 'encrypted' flag bit in the local and central headers."""
    data = bytearray(zip_bytes({"secret.csv": CSV_GBK}))
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    for offset in (local + 6, central + 8):
        (flags,) = struct.unpack_from("<H", data, offset)
        struct.pack_into("<H", data, offset, flags | 0x1)
    return bytes(data)


def bomb_bytes(size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("zeros.txt", "w") as member:
        chunk = b"\0" * (1 << 20)
        for _ in range(size >> 20):
            member.write(chunk)
    return out.getvalue()


@pytest.fixture()
def scanned(tmp_path, packs, detector, monkeypatch):
    share = tmp_path / "share"
    share.mkdir()
    xlsx = xlsx_bytes()
    pdf = pdf_bytes()
    files = {
        "客户.xlsx": xlsx,
        "合同.docx": docx_bytes(),
        "合同.pdf": pdf,
        "投诉.eml": eml_bytes(),
        "归档.zip": zip_bytes({"内层.zip": zip_bytes({"名单.csv": CSV_GBK}), "说明.txt": "无个人信息".encode()}),
        "bomb.zip": bomb_bytes(64 << 20),
        "加密.zip": encrypted_zip_bytes(),
        "坏表.xlsx": xlsx[: len(xlsx) // 2],
        "截断.pdf": pdf[: int(len(pdf) * 0.4)],
        "旧文档.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 legacy word",
    }
    for name, data in files.items():
        (share / name).write_bytes(data)
    options = ScanOptions(archive_limits=ArchiveLimits(max_ratio=100))
    with Store(tmp_path / "f.db") as store:
        scanner = Scanner(
            store, detector, key=b"k" * 32, policy=Policy.from_mapping(merged_policy(packs)), options=options
        )
        opened = members_opened(monkeypatch)
        _, stats = scanner.scan(share)
    con = sqlite3.connect(tmp_path / "f.db")
    yield con, stats, opened
    con.close()


# A row's path as exported: an archive member is "archive.zip:inner/path" (files.member holds the inner path).
SHOWN = "CASE WHEN fi.member = '' THEN fi.rel_path ELSE fi.rel_path || ':' || fi.member END"


def findings(con, path):
    sql = f"SELECT f.entity_type, f.location FROM findings f JOIN files fi ON fi.id = f.file_id WHERE {SHOWN} = ?"
    return sorted(con.execute(sql + " AND f.state = 'active'", (path,)).fetchall())


def status(con, path):
    row = con.execute(f"SELECT status FROM files fi WHERE {SHOWN} = ?", (path,)).fetchone()
    return row[0] if row else None


def test_spreadsheet_cells_with_locations_and_header_context(scanned):
    con, _, _ = scanned
    assert findings(con, "客户.xlsx") == [
        ("CN_MOBILE", "客户!B2"),
        ("CN_RESIDENT_ID", "客户!C2"),
        ("PERSON", "客户!A2"),  # a bare 王芳 is a name because its column is headed 姓名
    ]


def test_word_document_paragraphs_runs_and_tables(scanned):
    con, _, _ = scanned
    got = findings(con, "合同.docx")
    assert ("CN_MOBILE", "paragraph 2") in got  # the number was split over three runs
    assert ("CN_RESIDENT_ID", "table 1 row 2 col 2") in got
    assert ("PERSON", "table 1 row 2 col 1") in got


def test_pdf_pages(scanned):
    con, _, _ = scanned
    assert findings(con, "合同.pdf") == [("CN_MOBILE", "page 2"), ("CN_RESIDENT_ID", "page 2")]


def test_gbk_email_headers_body_and_csv_attachment(scanned):
    con, _, _ = scanned
    got = findings(con, "投诉.eml")
    assert ("EMAIL_ADDRESS", "header From") in got and ("EMAIL_ADDRESS", "header To") in got
    assert ("CN_MOBILE", "body") in got
    assert ("CN_MOBILE", "attachment 客户明细.csv line 2") in got
    assert ("CN_RESIDENT_ID", "attachment 客户明细.csv line 2") in got


def test_zip_inside_zip_members_are_files_of_their_own(scanned):
    con, _, _ = scanned
    assert status(con, "归档.zip") == "scanned"
    assert status(con, "归档.zip:内层.zip") == "scanned"
    assert {e for e, _ in findings(con, "归档.zip:内层.zip:名单.csv")} == {"CN_MOBILE", "CN_RESIDENT_ID", "PERSON"}
    assert findings(con, "归档.zip:说明.txt") == []


def test_bombs_encrypted_corrupt_and_truncated_files_are_recorded_and_the_scan_goes_on(scanned):
    con, stats, opened = scanned
    assert status(con, "bomb.zip") == "suspicious"
    assert status(con, "加密.zip") == "encrypted"
    assert status(con, "坏表.xlsx") == "corrupt"
    assert status(con, "截断.pdf") in {"corrupt", "needs_ocr"}
    assert status(con, "旧文档.doc") == "corrupt"  # an OLE signature and nothing after it: not a Word file
    assert stats.files_failed == 5 and not stats.unsupported  # every file not inspected is counted
    assert "zeros.txt" not in opened, "the bomb is rejected from its declared sizes, not by inflating it"
    assert "名单.csv" in opened  # members of the other archives were read


def test_an_unchanged_archive_keeps_its_members(tmp_path, packs, detector):
    share = tmp_path / "share"
    share.mkdir()
    (share / "a.zip").write_bytes(zip_bytes({"名单.csv": CSV_GBK}))
    with Store(tmp_path / "f.db") as store:
        scanner = Scanner(store, detector, key=b"k" * 32, policy=Policy.from_mapping(merged_policy(packs)))
        scanner.scan(share)
        scanner.scan(share)
        member = store.file(str(share.resolve()), "a.zip", "名单.csv")
    assert member.status == "scanned" and member.scan_count == 1
