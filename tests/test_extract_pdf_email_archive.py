"""PDF, e-mail (.eml/.msg) and archive (.zip/.tar) extractors, on fixtures built at test time."""

from __future__ import annotations

import io
import struct
import tarfile
import tracemalloc
import zipfile
from email.header import Header
from email.message import EmailMessage
from pathlib import Path

import pytest

from scanner.extract.archive import ArchiveLimits, TarExtractor, ZipExtractor, _member, safe_filename
from scanner.extract.base import Embedded, ExtractionError, TextBlock
from scanner.extract.email_message import EmlExtractor, MsgExtractor
from scanner.extract.pdf import PdfExtractor, _whole_code_points
from scanner.extract.registry import extractor_for
from scanner.states import FileStatus
from tests.sample_files import members_opened, zip_bytes

PHONE = "13800138000"
EMAIL = "zhang.wei@example.com"
CSV_GBK = f"姓名,手机\n张伟,{PHONE}\n".encode("gbk")


def collect(extractor, path: Path) -> list[TextBlock | tuple[Embedded, bytes]]:
    """Everything `path` yields; an Embedded's bytes are read at once, since its copy lives only until the next."""
    items: list[TextBlock | tuple[Embedded, bytes]] = []
    for item in extractor.blocks(path):
        items.append((item, item.path.read_bytes()) if isinstance(item, Embedded) else item)
    return items


def texts(items) -> list[TextBlock]:
    blocks = [i for i in items if isinstance(i, TextBlock)]
    offset = 0
    for block in blocks:  # the contract every extractor keeps: cumulative offsets, texts end with "\n"
        assert block.offset == offset and block.text.endswith("\n")
        offset += len(block.text)
    return blocks


def embedded(items) -> list[tuple[Embedded, bytes]]:
    return [i for i in items if isinstance(i, tuple)]


def failure(extractor, path: Path) -> ExtractionError:
    with pytest.raises(ExtractionError) as info:
        collect(extractor, path)
    return info.value


def test_registry_finds_every_new_extractor():
    for name, cls in [
        ("a.pdf", PdfExtractor), ("a.eml", EmlExtractor), ("a.msg", MsgExtractor),
        ("a.zip", ZipExtractor), ("a.tar", TarExtractor), ("a.tgz", TarExtractor), ("a.tar.xz", TarExtractor),
    ]:  # fmt: skip
        assert type(extractor_for(name)) is cls


# --- PDF -------------------------------------------------------------------------------------------------------


def make_pdf(path: Path, pages: list[str | None]) -> Path:
    """One page per entry: CJK text drawn in STSong-Light, or (None) only shapes, like a scan."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    for text in pages:
        if text is None:
            c.rect(72, 72, 300, 400, fill=1)
        else:
            c.setFont("STSong-Light", 12)
            c.drawString(72, 720, text)
        c.showPage()
    c.save()
    return path


@pytest.fixture
def cjk_pdf(tmp_path: Path) -> Path:
    return make_pdf(tmp_path / "客户.pdf", [f"客户 张伟 手机 {PHONE}", f"邮箱 {EMAIL} 联系人"])


def test_pdf_one_block_per_page_with_chinese_text(cjk_pdf: Path):
    blocks = texts(collect(PdfExtractor(), cjk_pdf))
    # pypdf 7 round-trips STSong-Light (CID) text exactly, spaces as drawn.
    assert [(b.location, b.text) for b in blocks] == [
        ("page 1", f"客户 张伟 手机 {PHONE}\n"),
        ("page 2", f"邮箱 {EMAIL} 联系人\n"),
    ]


def test_pdf_without_text_layer_needs_ocr(tmp_path: Path):
    error = failure(PdfExtractor(), make_pdf(tmp_path / "scan.pdf", [None, None]))
    assert error.status == FileStatus.NEEDS_OCR
    assert "2 pages without a text layer (scanned?); needs OCR" in error.message


def test_pdf_mixing_text_and_scanned_pages_yields_the_text_pages(tmp_path: Path):
    blocks = texts(collect(PdfExtractor(), make_pdf(tmp_path / "mixed.pdf", [None, f"手机 {PHONE}"])))
    assert [b.location for b in blocks] == ["page 2"]


def test_truncated_pdf_is_corrupt(cjk_pdf: Path, tmp_path: Path):
    data = cjk_pdf.read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) * 6 // 10])
    error = failure(PdfExtractor(), cut)
    assert error.status == FileStatus.CORRUPT and "truncated" in error.message


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_pdf_with_an_open_password_is_encrypted(cjk_pdf: Path, tmp_path: Path, algorithm: str):
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=cjk_pdf)
    writer.encrypt("secret", algorithm=algorithm)
    writer.write(tmp_path / "locked.pdf")
    error = failure(PdfExtractor(), tmp_path / "locked.pdf")
    assert error.status == FileStatus.ENCRYPTED and "password" in error.message


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_pdf_with_only_an_owner_password_is_read(cjk_pdf: Path, tmp_path: Path, algorithm: str):
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=cjk_pdf)
    writer.encrypt(user_password="", owner_password="owner", algorithm=algorithm)
    writer.write(tmp_path / "restricted.pdf")
    blocks = texts(collect(PdfExtractor(), tmp_path / "restricted.pdf"))
    assert PHONE in blocks[0].text and EMAIL in blocks[1].text


def test_pdf_text_keeps_astral_name_characters_and_drops_lone_surrogates():
    # What pypdf's "surrogatepass" decoding can hand back: 𠮷 as a surrogate pair, and a lone surrogate.
    assert _whole_code_points("吉\ud842\udfb7\ud800") == "吉𠮷\ufffd"


def test_missing_pdf_is_vanished(tmp_path: Path):
    assert failure(PdfExtractor(), tmp_path / "gone.pdf").status == FileStatus.VANISHED


# --- E-mail ----------------------------------------------------------------------------------------------------


def gbk_word(text: str, charset: str = "gbk") -> str:
    """An RFC 2047 encoded word as Chinese mail clients write it: `charset` label over GBK bytes."""
    return Header(text.encode("gbk"), "gbk").encode().replace("=?gbk?", f"=?{charset}?")


def write_eml(path: Path, headers: dict[str, str], body: EmailMessage, replace: dict[bytes, bytes] = {}) -> Path:  # noqa: B006
    """Hand-written top headers (as a client encodes them) over a MIME body built by EmailMessage."""
    data = body.as_bytes()
    for old, new in replace.items():
        assert old in data
        data = data.replace(old, new)
    top = "".join(f"{name}: {value}\n" for name, value in headers.items()).encode("ascii")
    path.write_bytes(top + data)
    return path


def test_gbk_email_headers_bodies_and_attachment(tmp_path: Path):
    body = EmailMessage()
    body.set_content(f"您好，客户张伟的手机是 {PHONE}。\n", charset="gbk")
    body.add_alternative(f"<p>您好，手机 <b>{PHONE}</b></p>\n", subtype="html", charset="gbk")
    # filename=(charset, language, value) writes RFC 2231: filename*=gbk''%BF%CD...
    body.add_attachment(CSV_GBK, maintype="text", subtype="csv", filename=("gbk", "", "客户明细.csv"))
    headers = {
        "From": f"{gbk_word('张伟')} <{EMAIL}>",
        "To": f"{gbk_word('李娜', 'GB2312')} <li.na@example.cn>",
        "Subject": gbk_word("客户资料（手机）"),
    }
    items = collect(EmlExtractor(), write_eml(tmp_path / "m.eml", headers, body))
    blocks = texts(items)
    assert [(b.location, b.text) for b in blocks[:3]] == [
        ("header From", f"张伟 <{EMAIL}>\n"),
        ("header To", "李娜 <li.na@example.cn>\n"),
        ("header Subject", "客户资料（手机）\n"),
    ]
    assert blocks[3].location == "body" and blocks[3].text == f"您好，客户张伟的手机是 {PHONE}。\n"
    assert blocks[4].location == "body (html)" and f"<b>{PHONE}</b>" in blocks[4].text
    [(attachment, data)] = embedded(items)
    assert (attachment.name, attachment.member, data) == ("客户明细.csv", False, CSV_GBK)
    assert attachment.path.name == "客户明细.csv" and not attachment.path.exists()  # removed once consumed


def test_mislabelled_gb2312_raw_gbk_headers_and_encoded_word_filename(tmp_path: Path):
    # 镕 and 喆 exist in GBK only: clients still label them gb2312, and Python's gb2312 codec rejects them.
    body = EmailMessage()
    body.set_content("朱镕基 王喆\n", charset="gbk")
    body.add_attachment(b"a,b\n", maintype="application", subtype="octet-stream", filename="PLACEHOLDER.csv")
    path = write_eml(
        tmp_path / "m.eml",
        {"Subject": gbk_word("王喆的资料", "gb2312"), "Reply-To": "RAWGBK <boss@example.cn>"},
        body,
        {
            b'charset="gbk"': b'charset="gb2312"',
            b'filename="PLACEHOLDER.csv"': f'filename="{gbk_word("喆的名单.csv", "GB2312")}"'.encode(),
        },
    )
    path.write_bytes(path.read_bytes().replace(b"RAWGBK", "王经理".encode("gbk")))  # 8-bit header, no RFC 2047
    items = collect(EmlExtractor(), path)
    assert [(b.location, b.text) for b in texts(items)] == [
        ("header Reply-To", "王经理 <boss@example.cn>\n"),
        ("header Subject", "王喆的资料\n"),
        ("body", "朱镕基 王喆\n"),
        ("attachment 1 name", "喆的名单.csv\n"),  # names are scanned as text too
    ]
    assert [e.name for e, _ in embedded(items)] == ["喆的名单.csv"]


def test_unknown_charset_falls_back_to_gb18030(tmp_path: Path):
    body = EmailMessage()
    body.set_content(f"手机 {PHONE}\n", charset="gbk")
    path = write_eml(tmp_path / "m.eml", {}, body, {b'charset="gbk"': b'charset="x-no-such-charset"'})
    assert [b.text for b in texts(collect(EmlExtractor(), path))] == [f"手机 {PHONE}\n"]


def test_nameless_parts_get_a_name_from_their_type_and_inline_images_are_skipped(tmp_path: Path):
    body = EmailMessage()
    body.set_content("see below\n")
    body.add_related(b"%PDF-1.4 fake", maintype="application", subtype="pdf")
    body.add_related(b"\x89PNG fake", maintype="image", subtype="png")  # a logo: nothing could read it
    items = collect(EmlExtractor(), write_eml(tmp_path / "m.eml", {}, body))
    # Numbered among the leaf parts: text 1, pdf 2, png 3.
    assert [(e.name, d) for e, d in embedded(items)] == [("part-2.pdf", b"%PDF-1.4 fake")]
    # With OCR on, a picture pasted into the body is handed over too (OCR skips logos by their size).
    items = collect(EmlExtractor(ocr=True), tmp_path / "m.eml")
    assert [e.name for e, _ in embedded(items)] == ["part-2.pdf", "part-3.png"]


def test_attached_message_is_handed_back_as_an_eml(tmp_path: Path):
    inner = EmailMessage()
    inner["From"] = f"张伟 <{EMAIL}>"
    inner["Subject"] = "转发的客户资料"
    inner.set_content(f"手机 {PHONE}\n", charset="gbk")
    outer = EmailMessage()
    outer.set_content("见附件\n")
    outer.add_attachment(inner)  # message/rfc822
    items = collect(EmlExtractor(), write_eml(tmp_path / "fwd.eml", {"Subject": "Fwd"}, outer))
    [(attachment, data)] = embedded(items)
    assert attachment.name == "attached.eml" and not attachment.member
    (tmp_path / "attached.eml").write_bytes(data)
    inner_blocks = texts(collect(EmlExtractor(), tmp_path / "attached.eml"))
    assert [(b.location, b.text) for b in inner_blocks] == [
        ("header From", f"张伟 <{EMAIL}>\n"),
        ("header Subject", "转发的客户资料\n"),
        ("body", f"手机 {PHONE}\n"),
    ]


def make_msg(path: Path) -> Path:
    """A minimal Outlook .msg (compound file) written with extract-msg's own OLE writer."""
    from extract_msg.ole_writer import OleWriter

    def utf16(text: str) -> bytes:
        return text.encode("utf-16-le")

    writer = OleWriter()
    # Top-level property stream: 8 reserved bytes, next recipient/attachment ids, their counts, 8 reserved.
    writer.addEntry("__properties_version1.0", bytes(8) + struct.pack("<IIII", 1, 1, 0, 1) + bytes(8))
    writer.addEntry("__nameid_version1.0", storage=True)
    for stream in ("00020102", "00030102", "00040102"):
        writer.addEntry(f"__nameid_version1.0/__substg1.0_{stream}", b"")
    writer.addEntry("__substg1.0_001A001F", utf16("IPM.Note"))
    writer.addEntry("__substg1.0_0037001F", utf16("客户资料"))
    writer.addEntry("__substg1.0_1000001F", utf16(f"手机 {PHONE}\r\n"))
    transport = f"From: 张伟 <{EMAIL}>\r\nTo: 李娜 <li.na@example.cn>\r\nCc: 王芳 <wf@example.cn>\r\n\r\n"
    writer.addEntry("__substg1.0_007D001F", utf16(transport))
    attachment = "__attach_version1.0_#00000000"
    writer.addEntry(attachment, storage=True)
    # PR_ATTACH_METHOD (0x3705, PT_LONG) = 1: the data is in the attachment's binary stream.
    writer.addEntry(f"{attachment}/__properties_version1.0", bytes(8) + struct.pack("<IIQ", 0x37050003, 6, 1))
    writer.addEntry(f"{attachment}/__substg1.0_3707001F", utf16("客户明细.csv"))
    writer.addEntry(f"{attachment}/__substg1.0_37010102", CSV_GBK)
    writer.write(str(path))
    return path


def test_outlook_msg(tmp_path: Path):
    items = collect(MsgExtractor(), make_msg(tmp_path / "m.msg"))
    assert [(b.location, b.text) for b in texts(items)] == [
        ("header From", f"张伟 <{EMAIL}>\n"),
        ("header To", "李娜 <li.na@example.cn>\n"),
        ("header Cc", "王芳 <wf@example.cn>\n"),
        ("header Subject", "客户资料\n"),
        ("body", f"手机 {PHONE}\r\n"),
        ("attachment 1 name", "客户明细.csv\n"),
    ]
    [(attachment, data)] = embedded(items)
    assert (attachment.name, attachment.member, data) == ("客户明细.csv", False, CSV_GBK)


def test_damaged_msg_is_corrupt(tmp_path: Path):
    (tmp_path / "bad.msg").write_bytes(b"not an OLE file at all\n" * 40)
    assert failure(MsgExtractor(), tmp_path / "bad.msg").status == FileStatus.CORRUPT


# --- Archives --------------------------------------------------------------------------------------------------


def test_zip_members_with_utf8_and_gbk_names(tmp_path: Path):
    # zipfile writes any non-ASCII name as UTF-8 (flag 0x800), so the GBK name goes in as a same-length ASCII
    # placeholder whose bytes are then replaced: what a Chinese Windows zip tool writes, flag clear.
    # 乗 ends in byte 0x5C ("\"): the name must be decoded before backslashes become slashes.
    gbk_name = "报表\\乗客名单.txt".encode("gbk")
    placeholder = b"P" * len(gbk_name)
    data = zip_bytes({"客户/明细.csv": CSV_GBK, placeholder.decode(): b"passenger list\n"})
    assert data.count(placeholder) == 2  # local header and central directory
    (tmp_path / "a.zip").write_bytes(data.replace(placeholder, gbk_name))
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        assert not zf.infolist()[1].flag_bits & 0x800
    items = collect(ZipExtractor(), tmp_path / "a.zip")
    assert [(e.name, e.member, d) for e, d in embedded(items)] == [
        ("客户/明细.csv", True, CSV_GBK),
        ("报表/乗客名单.txt", True, b"passenger list\n"),
    ]
    assert [e.path.name for e, _ in embedded(items)] == ["明细.csv", "乗客名单.txt"]


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_zip_compression_methods(tmp_path: Path, method: int):
    # bzip2 and LZMA members are read in 64-byte steps (zipfile bounds only deflate's output per read).
    text = b"".join(b"%06d,13800138000\n" % i for i in range(20_000))
    (tmp_path / "a.zip").write_bytes(zip_bytes({"a.csv": text}, method))
    assert [(e.name, d) for e, d in embedded(collect(ZipExtractor(), tmp_path / "a.zip"))] == [("a.csv", text)]


def test_traversal_names_are_reported_as_given_but_never_leave_the_temp_directory(tmp_path: Path):
    (tmp_path / "evil.zip").write_bytes(zip_bytes({"../../evil.csv": b"a\n", "/abs/x.csv": b"b\n"}))
    seen = [
        (e.name, e.path.parent.name.startswith("custos-zip-"))
        for e, _ in collect(ZipExtractor(), tmp_path / "evil.zip")
    ]
    assert seen == [("../../evil.csv", True), ("/abs/x.csv", True)]


def test_zip_inside_zip_is_one_member_and_temp_copies_go_away(tmp_path: Path):
    inner = zip_bytes({"b.csv": CSV_GBK})
    (tmp_path / "outer.zip").write_bytes(zip_bytes({"dir/": b"", "inner.zip": inner, "c.txt": b"x\n"}))
    seen = []
    for item in ZipExtractor().blocks(tmp_path / "outer.zip"):
        assert all(not previous.exists() for previous in seen)  # the last copy is gone once we ask again
        seen.append(item.path)
        if item.name == "inner.zip":
            assert item.path.read_bytes() == inner and zipfile.is_zipfile(item.path)
    assert len(seen) == 2 and not seen[0].parent.exists()


def test_zip_bomb_is_refused_from_declared_sizes_without_inflating_it(tmp_path: Path, monkeypatch):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("zeros.bin", "w") as f:
        chunk = bytes(1 << 20)
        for _ in range(200):
            f.write(chunk)
    assert bomb.stat().st_size < 300_000
    opened = members_opened(monkeypatch)
    tracemalloc.start()
    try:
        error = failure(ZipExtractor(), bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert error.status == FileStatus.SUSPICIOUS and "zip bomb" in error.message and "ratio 1,0" in error.message
    assert opened == [] and peak < 50 << 20  # refused before a single byte was decompressed
    (tmp_path / "fine.zip").write_bytes(zip_bytes({"a.csv": b"x\n"}))
    assert [e.name for e, _ in collect(ZipExtractor(), tmp_path / "fine.zip")] == ["a.csv"]
    assert set(opened) == {"a.csv"}  # the count sees a member that is read


def test_zip_header_lying_about_its_size_never_yields_more_than_declared(tmp_path: Path):
    # Both the local and central headers claim 1,000 bytes for 400 KB of data: zipfile stops at the declared
    # size and its CRC check fails, so the archive is reported as damaged and nothing is handed over.
    data = bytearray(zip_bytes({"a.txt": b"0123456789abcdef" * 25_000}))
    real = len(b"0123456789abcdef") * 25_000
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.index(signature) + size_at
        assert struct.unpack_from("<I", data, at)[0] == real
        struct.pack_into("<I", data, at, 1000)
    (tmp_path / "liar.zip").write_bytes(bytes(data))
    error = failure(ZipExtractor(), tmp_path / "liar.zip")
    assert error.status == FileStatus.CORRUPT and "CRC" in error.message


def test_copy_refuses_more_bytes_than_declared(tmp_path: Path):
    # zipfile and tarfile already stop at the declared size; the copy's own count is the second line of defence.
    with pytest.raises(ExtractionError) as info:
        list(_member(tmp_path / "a.zip", str(tmp_path), "x.bin", io.BytesIO(bytes(3000)), 1000, 1024))
    assert (
        info.value.status == FileStatus.SUSPICIOUS
        and "more than the 1,000 bytes its header declares" in info.value.message
    )


def test_encrypted_zip(tmp_path: Path):
    # zipfile cannot write encrypted zips; setting bit 0 of the general-purpose flags in the local header
    # (offset 6) and the central directory entry (offset 8) of a stored member marks it as ZipCrypto-protected.
    data = bytearray(zip_bytes({"secret.xlsx": b"not really encrypted", "readme.txt": b"hi\n"}, zipfile.ZIP_STORED))
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature) + flags_at
        struct.pack_into("<H", data, at, struct.unpack_from("<H", data, at)[0] | 0x1)
    (tmp_path / "locked.zip").write_bytes(bytes(data))
    error = failure(ZipExtractor(), tmp_path / "locked.zip")
    assert error.status == FileStatus.ENCRYPTED and "1 of 2 members are password-protected" in error.message
    assert "secret.xlsx" in error.message


def test_truncated_or_fake_zip_is_corrupt(tmp_path: Path):
    data = zip_bytes({"a.csv": CSV_GBK * 100, "b.csv": CSV_GBK})
    (tmp_path / "cut.zip").write_bytes(data[: len(data) * 6 // 10])
    (tmp_path / "fake.zip").write_text("just text\n")
    for name in ("cut.zip", "fake.zip"):
        assert failure(ZipExtractor(), tmp_path / name).status == FileStatus.CORRUPT


def test_too_many_members_is_suspicious_and_too_much_data_too_large(tmp_path: Path):
    (tmp_path / "many.zip").write_bytes(zip_bytes({f"{i}.txt": b"x" for i in range(5)}))
    error = failure(ZipExtractor(ArchiveLimits(max_members=3)), tmp_path / "many.zip")
    assert error.status == FileStatus.SUSPICIOUS and "more than 3 members" in error.message
    error = failure(ZipExtractor(ArchiveLimits(max_total_bytes=4)), tmp_path / "many.zip")
    assert error.status == FileStatus.TOO_LARGE
    error = failure(ZipExtractor(ArchiveLimits(max_member_bytes=0)), tmp_path / "many.zip")
    assert error.status == FileStatus.TOO_LARGE and "'0.txt' is 1 bytes" in error.message


def make_tar(path: Path, mode: str, encoding: str = "utf-8") -> Path:
    with tarfile.open(path, mode, format=tarfile.GNU_FORMAT, encoding=encoding) as tf:
        for name, data in (("客户/明细.csv", CSV_GBK), ("notes.txt", b"hello\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        for kind, name in ((tarfile.DIRTYPE, "客户"), (tarfile.SYMTYPE, "link.csv"), (tarfile.LNKTYPE, "hard.csv")):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, "客户/明细.csv"
            tf.addfile(info)
    return path


@pytest.mark.parametrize(
    "mode, suffix", [("w:gz", ".tar.gz"), ("w:bz2", ".tar.bz2"), ("w:xz", ".tar.xz"), ("w", ".tar")]
)
def test_tar_regular_members_only(tmp_path: Path, mode: str, suffix: str):
    items = collect(TarExtractor(), make_tar(tmp_path / f"a{suffix}", mode))
    assert [(e.name, e.member, d) for e, d in embedded(items)] == [
        ("客户/明细.csv", True, CSV_GBK),
        ("notes.txt", True, b"hello\n"),
    ]


def test_tar_with_gbk_names(tmp_path: Path):
    items = collect(TarExtractor(), make_tar(tmp_path / "a.tgz", "w:gz", encoding="gbk"))
    assert [e.name for e, _ in embedded(items)] == ["客户/明细.csv", "notes.txt"]


def test_tar_bomb_and_damaged_tar(tmp_path: Path):
    bomb = tmp_path / "bomb.tar.gz"
    with tarfile.open(bomb, "w:gz") as tf:
        info = tarfile.TarInfo("zeros.bin")
        info.size = 20 << 20
        tf.addfile(info, io.BytesIO(bytes(info.size)))
    error = failure(TarExtractor(), bomb)
    assert error.status == FileStatus.SUSPICIOUS and "zip bomb" in error.message
    data = make_tar(tmp_path / "a.tar.gz", "w:gz").read_bytes()
    (tmp_path / "cut.tar.gz").write_bytes(data[: len(data) * 6 // 10])
    assert failure(TarExtractor(), tmp_path / "cut.tar.gz").status == FileStatus.CORRUPT


def test_safe_filename():
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\张伟\\客户.xlsx") == "客户.xlsx"
    assert safe_filename("..") == safe_filename("") == "member"
    assert safe_filename("a\x00b?.csv") == "ab_.csv"
    long = safe_filename("客户" * 80 + ".tar.gz")
    assert long.endswith("客户.tar.gz") and len(long) <= 100 and len(long.encode()) <= 200
