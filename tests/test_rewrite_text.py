"""TextRewriter on real files: masked spans replaced, every other byte (BOM, CRLF, bad bytes) copied exactly."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scanner.actions.rewrite.base import Edit, RewriteError, Rewriter
from scanner.actions.rewrite.text import TextRewriter
from scanner.extract.decode import READ_SIZE, detect_encoding, iter_text
from scanner.extract.plaintext import PLAIN_TEXT_SUFFIXES
from tests.rewrite_fixtures import mask, masker_for


@dataclass(frozen=True)
class Secret:
    """A value to mask: `value` as the scan decoded it; `raw` its bytes when they are not `value` encoded."""

    value: str
    raw: bytes | None = None


# (recorded encoding as decode.py names it, BOM written first, codec of the bytes after the BOM)
ENCODINGS = {
    "utf-8": ("utf-8", b"", "utf-8"),
    "utf-8-sig": ("utf-8-sig", codecs.BOM_UTF8, "utf-8"),
    "gb18030": ("gb18030", b"", "gb18030"),
    "utf-16-le-bom": ("utf-16", codecs.BOM_UTF16_LE, "utf-16-le"),
    "utf-16-be-bom": ("utf-16", codecs.BOM_UTF16_BE, "utf-16-be"),
}
EMAIL, PHONE, ID_CARD = "alice.wang@example.com", "13800138000", "11010519491231002X"


def build(parts: list[str | bytes | Secret], bom: bytes, body: str) -> tuple[bytes, bytes, list[str]]:
    """The file's bytes, the bytes expected after masking (the same raw pieces, secrets swapped), the values."""
    data, masked, values = [bom], [bom], []
    for part in parts:
        if isinstance(part, Secret):
            data.append(part.raw if part.raw is not None else part.value.encode(body))
            masked.append(mask(part.value).encode(body))
            values.append(part.value)
        else:
            raw = part if isinstance(part, bytes) else part.encode(body)
            data.append(raw)
            masked.append(raw)
    return b"".join(data), b"".join(masked), values


def locate(text: str, values: list[str]) -> list[Edit]:
    """Edits addressed as the scan stores them: offsets into the whole decoded text, in file order."""
    edits, pos = [], 0
    for finding_id, value in enumerate(values, start=1):
        start = text.index(value, pos)
        pos = start + len(value)
        edits.append(Edit(finding_id, start, pos, f"line {text.count(chr(10), 0, start) + 1}"))
    return edits


def mask_file(
    tmp_path: Path, data: bytes, recorded: str, values: list[str], suffix: str = ".txt", **kwargs
) -> tuple[bytes, list[Edit]]:
    """Write `data`, check the scanner decodes it as `recorded`, mask `values` at the scan's offsets; return dst."""
    src, dst = tmp_path / f"src{suffix}", tmp_path / f".src{suffix}.custos-tmp"
    src.write_bytes(data)
    assert detect_encoding(src) == recorded
    edits = locate("".join(iter_text(src, recorded)), values)
    expected = {edit.finding_id: value for edit, value in zip(edits, values, strict=True)}
    seen: list[int] = []
    TextRewriter(**kwargs).mask_copy(src, dst, edits, masker_for(expected, seen), recorded)
    assert seen == [edit.finding_id for edit in edits]
    assert src.read_bytes() == data
    out = dst.read_bytes()
    dst.unlink()
    return out, edits


def sample(crlf: bool) -> list[str | bytes | Secret]:
    nl = "\r\n" if crlf else "\n"
    return [
        f"客户档案 Customer record{nl}姓名：王小明{nl}邮箱：",
        Secret(EMAIL),
        "，手机",
        Secret(PHONE),
        f"。{nl}身份证号码",
        Secret(ID_CARD),
        f"{nl}备注：无{nl}",
    ]


def test_is_a_rewriter_for_every_plain_text_suffix():
    rewriter: Rewriter = TextRewriter()
    assert TextRewriter.SUFFIXES == PLAIN_TEXT_SUFFIXES
    assert {".txt", ".csv", ".json", ".md", ".log"} <= rewriter.SUFFIXES


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
@pytest.mark.parametrize("kind", ENCODINGS)
def test_masks_values_and_keeps_every_other_byte(tmp_path, kind, crlf):
    recorded, bom, body = ENCODINGS[kind]
    data, expected, values = build(sample(crlf), bom, body)
    out, _ = mask_file(tmp_path, data, recorded, values)
    assert out == expected
    assert out.startswith(bom) and out.count(b"\r\n") == data.count(b"\r\n")
    assert mask(EMAIL).encode(body) in out and EMAIL.encode(body) not in out


def test_bomless_utf16_le(tmp_path):
    parts = ["user: ", Secret(EMAIL), "\r\nphone: ", Secret(PHONE), "\r\n" + "plain ascii padding line\r\n" * 20]
    data, expected, values = build(parts, b"", "utf-16-le")
    out, _ = mask_file(tmp_path, data, "utf-16-le", values)
    assert out == expected


@pytest.mark.parametrize("kind", ENCODINGS)
@pytest.mark.parametrize("read_bytes", [4, 5, 7, 16])
def test_values_straddling_read_boundaries(tmp_path, kind, read_bytes):
    recorded, bom, body = ENCODINGS[kind]
    for shift in range(24):
        # Multi-byte characters and a surrogate pair put read boundaries inside characters as well as values.
        parts = ["前" * (shift % 5) + "x" * shift + "😀：", Secret(f"王{EMAIL}"), "中", Secret(PHONE), "尾\r\n"]
        data, expected, values = build(parts, bom, body)
        out, _ = mask_file(tmp_path, data, recorded, values, read_bytes=read_bytes)
        assert out == expected, (shift, read_bytes)


@pytest.mark.parametrize("kind", ENCODINGS)
def test_edits_at_start_and_end_of_file(tmp_path, kind):
    recorded, bom, body = ENCODINGS[kind]
    data, expected, values = build([Secret(EMAIL), "\r\n中间一行\r\n", Secret(PHONE)], bom, body)
    out, edits = mask_file(tmp_path, data, recorded, values, read_bytes=8)
    assert edits[0].start == 0 and edits[-1].end == len(EMAIL) + 8 + len(PHONE)
    assert out == expected


def test_replacement_may_change_length(tmp_path):
    src, dst = tmp_path / "a.txt", tmp_path / ".a.txt.tmp"
    src.write_bytes("联系 alice@example.com 或 bob@example.com。\r\n".encode())
    edits = [Edit(1, 3, 20, "line 1"), Edit(2, 23, 38, "line 1")]

    def short_mask(edit: Edit, value: str) -> str:
        assert value in {"alice@example.com", "bob@example.com"}
        return value[0] + "***" + value[value.index("@") :]

    TextRewriter(read_bytes=5).mask_copy(src, dst, edits, short_mask, "utf-8")
    assert dst.read_bytes().decode() == "联系 a***@example.com 或 b***@example.com。\r\n"


def test_gb18030_stray_and_truncated_bytes_survive(tmp_path):
    # The scan decodes GB18030 leniently: one U+FFFD per bad byte, one for a sequence cut off by the end of file.
    parts: list[str | bytes | Secret] = [
        "开头",
        b"\x80",
        "邮箱",
        Secret(EMAIL),
        b"\xff\x80",
        Secret("电话\ufffd" + PHONE, raw="电话".encode("gb18030") + b"\x80" + PHONE.encode()),
        "。中文内容" * 30,
        Secret("末尾\ufffd", raw="末尾".encode("gb18030") + b"\x81\x30\x81"),
    ]
    data, expected, values = build(parts, b"", "gb18030")
    for read_bytes in (4, 5, 6, 1 << 20):
        out, _ = mask_file(tmp_path, data, "gb18030", values, read_bytes=read_bytes)
        assert out == expected


def test_unmasked_tail_of_cut_off_gb18030_sequence_is_copied(tmp_path):
    data, expected, values = build(["姓名", Secret(PHONE), "中文" * 40, b"\x81\x30"], b"", "gb18030")
    out, _ = mask_file(tmp_path, data, "gb18030", values, read_bytes=4)
    assert out == expected and out.endswith(b"\x81\x30")


def test_masker_refusal_removes_dst_and_leaves_src(tmp_path):
    src, dst = tmp_path / "a.txt", tmp_path / ".a.txt.tmp"
    data = ("前言\n" * 200 + f"邮箱 {EMAIL}\n" + "正文\n" * 200 + f"电话 {PHONE}\n").encode()
    src.write_bytes(data)
    edits = locate(data.decode(), [EMAIL, PHONE])
    masker = masker_for({1: EMAIL, 2: "13900139000"})  # the file no longer holds what was scanned
    with pytest.raises(RewriteError, match="finding 2"):
        TextRewriter(read_bytes=64).mask_copy(src, dst, edits, masker, "utf-8")
    assert not dst.exists()
    assert src.read_bytes() == data


def test_overlapping_edits_are_rejected(tmp_path):
    src, dst = tmp_path / "a.txt", tmp_path / ".a.txt.tmp"
    src.write_text(f"{EMAIL}\n", encoding="utf-8")
    edits = [Edit(1, 0, 10, "line 1"), Edit(2, 5, 15, "line 1")]
    with pytest.raises(RewriteError, match="overlap"):
        TextRewriter().mask_copy(src, dst, edits, masker_for({}), "utf-8")
    assert not dst.exists()


def test_edit_past_end_names_the_finding(tmp_path):
    src, dst = tmp_path / "a.txt", tmp_path / ".a.txt.tmp"
    src.write_text(f"电话 {PHONE}\n", encoding="utf-8")
    edits = [Edit(3, 3, 14, "line 1"), Edit(7, 20, 31, "line 2")]
    with pytest.raises(RewriteError, match=r"finding 7 \(line 2\).*rescan"):
        TextRewriter(read_bytes=4).mask_copy(src, dst, edits, masker_for({3: PHONE}), "utf-8")
    assert not dst.exists()
    assert src.read_text(encoding="utf-8") == f"电话 {PHONE}\n"


@pytest.mark.parametrize(
    ("data", "recorded", "message"),
    [
        ("电话 13800138000\n".encode("gb18030"), "utf-8", "no longer utf-8 text"),
        ("电话 13800138000\n".encode("utf-16-le"), "utf-16", "no longer utf-16 text"),
        (codecs.BOM_UTF16_LE + "电话 13800138000\n".encode("utf-16-le") + b"\x00", "utf-16", "no longer utf-16"),
        (b"phone 13800138000\n", "latin-1", "cannot be rewritten"),
        (b"phone 13800138000\n", None, "no text encoding"),
    ],
)
def test_wrong_encoding_is_refused(tmp_path, data, recorded, message):
    src, dst = tmp_path / "a.txt", tmp_path / ".a.txt.tmp"
    src.write_bytes(data)
    with pytest.raises(RewriteError, match=f"{message}.*rescan"):
        TextRewriter(read_bytes=4).mask_copy(src, dst, [Edit(1, 3, 14, "line 1")], masker_for({1: PHONE}), recorded)
    assert not dst.exists()
    assert src.read_bytes() == data


@pytest.mark.parametrize("recorded", ["utf-8", "gb18030", "utf-16"])
def test_unencodable_replacement_is_refused(tmp_path, recorded):
    src, dst = tmp_path / "a.txt", tmp_path / ".a.txt.tmp"
    src.write_bytes(f"电话 {PHONE}\n".encode(recorded))
    with pytest.raises(RewriteError, match="cannot be written"):
        TextRewriter().mask_copy(src, dst, [Edit(1, 3, 14, "line 1")], lambda edit, value: "\udc80" * 11, recorded)
    assert not dst.exists()


def test_dst_is_exclusive_and_gets_src_permissions(tmp_path):
    src, dst = tmp_path / "a.txt", tmp_path / ".a.txt.tmp"
    src.write_text(f"电话 {PHONE}\n", encoding="utf-8")
    os.chmod(src, 0o640)
    TextRewriter().mask_copy(src, dst, [Edit(1, 3, 14, "line 1")], masker_for({1: PHONE}), "utf-8")
    assert stat.S_IMODE(dst.stat().st_mode) == 0o640
    assert dst.read_text(encoding="utf-8") == f"电话 {mask(PHONE)}\n"
    with pytest.raises(RewriteError, match="cannot create"):
        TextRewriter().mask_copy(src, dst, [Edit(1, 3, 14, "line 1")], masker_for({1: PHONE}), "utf-8")
    assert dst.read_text(encoding="utf-8") == f"电话 {mask(PHONE)}\n"  # someone else's file is never removed


def test_masked_csv_stays_valid_csv(tmp_path):
    rows = [["姓名", "备注", "手机", "邮箱"]] + [
        [f"王{i}", f'地址, 第{i}号 "楼"', f"1380013{i:04d}", f"user{i}@example.com"] for i in range(50)
    ]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)  # quoting and CRLF, as spreadsheets write them
    text = buf.getvalue()
    values = [cell for row in rows[1:] for cell in row[2:]]
    out, _ = mask_file(tmp_path, codecs.BOM_UTF8 + text.encode(), "utf-8-sig", values, suffix=".csv", read_bytes=32)
    masked = list(csv.reader(io.StringIO(out.decode("utf-8-sig"), newline="")))
    assert masked == [rows[0]] + [row[:2] + [mask(row[2]), mask(row[3])] for row in rows[1:]]


def test_masked_json_stays_valid_json(tmp_path):
    records = [{"name": f"张{i}", "phone": f"1390013{i:04d}", "note": '无\n"引号"', "id": i} for i in range(40)]
    text = json.dumps(records, ensure_ascii=False, indent=2)
    values = [record["phone"] for record in records]
    out, _ = mask_file(tmp_path, text.encode("gb18030"), "gb18030", values, suffix=".json", read_bytes=16)
    assert json.loads(out.decode("gb18030")) == [{**r, "phone": mask(r["phone"])} for r in records]


class CountingReader:
    """The real source file, counting what each read asks for and returns."""

    def __init__(self, raw) -> None:
        self.raw, self.asked, self.got = raw, [], []

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.asked.append(size)
        self.got.append(len(data))
        return data

    def fileno(self) -> int:
        return self.raw.fileno()

    def __enter__(self) -> CountingReader:
        return self

    def __exit__(self, *exc) -> None:
        self.raw.close()


class CountingTextRewriter(TextRewriter):
    def open_source(self, src: Path) -> CountingReader:
        self.reader = CountingReader(super().open_source(src))
        return self.reader


def big_file_lines(masked: bool) -> Iterator[tuple[str, str | None]]:
    """About 50 MB of CRLF lines; every 997th carries an e-mail address to mask. Yields (line, value or None)."""
    for i in range(820_000):
        if i % 997 == 0:
            value = f"customer{i}@example.com"
            yield f"{i:07d} 客户邮箱 {mask(value) if masked else value}\r\n", value
        else:
            yield f"{i:07d} 普通日志行，没有个人信息 plain log line\r\n", None


def test_fifty_megabytes_stream_in_bounded_reads(tmp_path):
    src, dst = tmp_path / "big.log", tmp_path / ".big.log.tmp"
    edits, expected, offset = [], {}, 0
    with open(src, "wb") as f:
        for line, value in big_file_lines(masked=False):
            if value is not None:
                start = offset + line.index(value)
                edits.append(Edit(len(edits) + 1, start, start + len(value), f"line {len(edits)}"))
                expected[len(edits)] = value
            offset += len(line)
            f.write(line.encode())
    size = src.stat().st_size
    assert size > 50_000_000
    rewriter = CountingTextRewriter()
    rewriter.mask_copy(src, dst, edits, masker_for(expected), "utf-8")

    assert max(rewriter.reader.asked) <= READ_SIZE and max(rewriter.reader.got) <= READ_SIZE
    assert sum(rewriter.reader.got) == size and len(rewriter.reader.got) <= size // READ_SIZE + 3
    want = hashlib.sha256()
    for line, _ in big_file_lines(masked=True):
        want.update(line.encode())
    got = hashlib.sha256()
    with open(dst, "rb") as f:
        while chunk := f.read(READ_SIZE):
            got.update(chunk)
    assert got.hexdigest() == want.hexdigest()
    src.unlink()  # pytest keeps recent tmp dirs; do not leave 100 MB behind
    dst.unlink()
