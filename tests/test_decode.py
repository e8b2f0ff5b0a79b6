"""Encoding detection and streaming decode against the scorer's canonical `decode_bytes`, on real files."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.extract import decode
from scanner.extract.base import ExtractionError
from scanner.extract.decode import detect_encoding, iter_text, looks_binary, sniff
from scanner.extract.plaintext import PlainTextExtractor
from tests.privileges import bound_by_modes

REPO = Path(__file__).resolve().parents[1]
MIB = 1 << 20


def decode_bytes(data: bytes) -> str:
    """The corpus scorer's canonical rule (BOM, then strict UTF-8, then GB18030), kept here so that the tests
    read nothing outside the repository."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", "replace")


CN = "姓名：张三，手机：13800138000，身份证：11010519491231002X\r\n地址：杭州市西湖区文三路90号\n"
GB18030_ONLY = "𠮷䶮😀€ 鿰 "  # outside GBK: 4-byte GB18030 sequences

CASES: dict[str, tuple[bytes, str]] = {
    "utf8": (CN.encode(), "utf-8"),
    "ascii": (b"Name: John Smith, phone +1 415 555 0100\n", "utf-8"),
    "utf8_bom_crlf": (b"\xef\xbb\xbf" + "姓名,手机\r\n张三,13800138000\r\n".encode(), "utf-8-sig"),
    "gbk": (CN.encode("gbk"), "gb18030"),
    "gb18030_only": ((CN + GB18030_ONLY).encode("gb18030"), "gb18030"),
    "utf16le_bom": ("\ufeff姓名\t手机\r\n张三\t13800138000😀\r\n".encode("utf-16-le"), "utf-16"),
    "utf16be_bom": ("\ufeff姓名\t手机\r\n张三\t13800138000😀\r\n".encode("utf-16-be"), "utf-16"),
    "empty": (b"", "utf-8"),
    # UTF-8 with one stray byte: GB18030 mojibake with >5 % replacements, still scanned, not "undecodable".
    "utf8_stray_byte": ("姓名：张三，电话：13800138000。\n".encode() * 50 + b"\xff", "gb18030"),
}


def _write(tmp_path: Path, data: bytes, name: str = "f.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _decode(path: Path, block_chars: int = 1 << 20) -> tuple[str, list[str]]:
    encoding = detect_encoding(path)
    return encoding, list(iter_text(path, encoding, block_chars))


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("block_chars", [1, 7, 1 << 20])
def test_matches_scorer(tmp_path: Path, name: str, block_chars: int) -> None:
    data, expected_encoding = CASES[name]
    encoding, pieces = _decode(_write(tmp_path, data), block_chars)
    assert encoding == expected_encoding
    assert "".join(pieces) == decode_bytes(data)
    assert all(0 < len(p) <= block_chars for p in pieces)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("read_size", [1, 2, 3, 5])
def test_every_read_boundary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, read_size: int) -> None:
    # Tiny reads put a read boundary inside every multibyte sequence, BOM and surrogate pair.
    monkeypatch.setattr(decode, "READ_SIZE", read_size)
    data, expected_encoding = CASES[name]
    encoding, pieces = _decode(_write(tmp_path, data), block_chars=3)
    assert encoding == expected_encoding
    assert "".join(pieces) == decode_bytes(data)


def test_utf8_bom_stripped_crlf_kept(tmp_path: Path) -> None:
    path = _write(tmp_path, b"\xef\xbb\xbf" + "张三\r\nab\r\n".encode())
    encoding, pieces = _decode(path)
    assert encoding == "utf-8-sig"
    assert "".join(pieces) == "张三\r\nab\r\n"
    assert len("".join(pieces)) == 8


def test_gbk_file_decodes_as_gb18030(tmp_path: Path) -> None:
    path = _write(tmp_path, "客户：李四 13912345678\r\n".encode("gbk"))
    assert _decode(path) == ("gb18030", ["客户：李四 13912345678\r\n"])


def test_gb18030_only_characters(tmp_path: Path) -> None:
    with pytest.raises(UnicodeEncodeError):
        GB18030_ONLY.encode("gbk")
    path = _write(tmp_path, ("王五" + GB18030_ONLY).encode("gb18030"))
    assert _decode(path) == ("gb18030", ["王五" + GB18030_ONLY])


@pytest.mark.parametrize(("codec", "expected"), [("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be")])
def test_bomless_utf16(tmp_path: Path, codec: str, expected: str) -> None:
    text = "Name\tPhone\r\nZhang San 张三\t13800138000\r\n" * 20
    path = _write(tmp_path, text.encode(codec))
    # The scorer has no BOM-less UTF-16 rule (it would yield NUL-riddled text); ours reads it as text.
    assert _decode(path) == (expected, [text])


def test_int16_array_is_binary_not_utf16(tmp_path: Path) -> None:
    path = _write(tmp_path, b"\x00\x01\x02\x03" * 512)
    with pytest.raises(ExtractionError) as err:
        detect_encoding(path)
    assert err.value.status == "binary"


def test_late_invalid_utf8_falls_back_to_gb18030(tmp_path: Path) -> None:
    line = "订单 20231205 张三 13800138000 杭州市西湖区文三路 90 号\n".encode()
    data = line * (3 * MIB // len(line) + 1) + "王五".encode("gbk") + b"\n"
    assert len(data) > 3 * MIB
    encoding, pieces = _decode(_write(tmp_path, data))
    assert encoding == "gb18030"
    assert "".join(pieces) == decode_bytes(data)


@pytest.mark.parametrize(
    ("prefix_len", "char", "codec", "bom"),
    [
        (MIB - 1, "张", "utf-8", b""),  # 3-byte sequence split 1 + 2 across the read boundary
        (MIB - 2, "张", "utf-8", b""),
        (MIB - 3, "𠮷", "gb18030", b""),  # 4-byte GB18030 sequence split 3 + 1
        (MIB - 1, "𠮷", "gb18030", b""),  # ... and 1 + 3
        (MIB - 2, "😀", "utf-16-le", b"\xff\xfe"),  # surrogate pair split 2 + 2
    ],
)
def test_char_straddling_read_and_block_boundary(
    tmp_path: Path, prefix_len: int, char: str, codec: str, bom: bytes
) -> None:
    unit = 2 if codec.startswith("utf-16") else 1
    prefix = "a" * ((prefix_len - len(bom)) // unit)
    text = prefix + char + "尾" * 10
    data = bom + text.encode(codec)
    assert len(bom) + len(prefix.encode(codec)) == prefix_len
    path = _write(tmp_path, data)
    encoding = detect_encoding(path)
    for block_chars in (len(prefix), len(prefix) + 1, 4096):
        pieces = list(iter_text(path, encoding, block_chars))
        assert "".join(pieces) == decode_bytes(data) == text
        for piece in pieces:
            piece.encode("utf-8")  # raises on a lone surrogate


def test_blocks_end_after_newline_when_possible(tmp_path: Path) -> None:
    text = "".join(f"line {i:04d} 张三\r\n" for i in range(500))
    pieces = list(iter_text(_write(tmp_path, text.encode()), "utf-8", block_chars=100))
    assert "".join(pieces) == text
    assert all(p.endswith("\r\n") for p in pieces)


@pytest.mark.parametrize(
    "data",
    [b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, b"text with a NUL\x00 in it", b"GIF89a...", b"MZ\x90\x00\x03"],
)
def test_binary(tmp_path: Path, data: bytes) -> None:
    assert looks_binary(data)
    with pytest.raises(ExtractionError) as err:
        detect_encoding(_write(tmp_path, data))
    assert err.value.status == "binary"
    assert str(tmp_path) in err.value.message


def test_text_is_not_binary() -> None:
    assert not looks_binary("MZ-2023 订单\n".encode())
    assert not looks_binary(b"\xff\xfe" + "a".encode("utf-16-le"))  # NULs after a UTF-16 BOM are text
    assert sniff(b"\xef\xbb\xbfabc") == "utf-8-sig"
    assert sniff(b"\xfe\xff\x00a") == "utf-16"
    assert sniff(b"abc") is None


def test_garbage_is_undecodable(tmp_path: Path) -> None:
    rng = random.Random(7)
    data = b"x" + bytes(rng.randrange(1, 256) for _ in range(8192))  # no NULs, so not "binary"
    path = _write(tmp_path, data)
    assert detect_encoding(path) == "gb18030"
    with pytest.raises(ExtractionError) as err:
        list(iter_text(path, "gb18030"))
    assert err.value.status == "undecodable"


def test_a_few_bad_bytes_in_small_gbk_file_are_tolerated(tmp_path: Path) -> None:
    # 1 of 16 characters replaced: over 5 %, but under the floor of MIN_REPLACEMENTS.
    data = "张三 13800138000".encode("gbk") + b"\xff"
    assert "".join(iter_text(_write(tmp_path, data), "gb18030")) == decode_bytes(data)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [(b"\xff\xfe" + "张三".encode("utf-16-le") + b"\x00", "utf-16"), (b"\xef\xbb\xbfab\xffc", "utf-8-sig")],
)
def test_strict_decode_failure_is_undecodable(tmp_path: Path, data: bytes, encoding: str) -> None:
    with pytest.raises(UnicodeDecodeError):
        decode_bytes(data)  # the scorer cannot decode these either
    path = _write(tmp_path, data)
    assert detect_encoding(path) == encoding
    with pytest.raises(ExtractionError) as err:
        list(iter_text(path, encoding))
    assert err.value.status == "undecodable"


def test_empty_file(tmp_path: Path) -> None:
    path = _write(tmp_path, b"")
    assert _decode(path) == ("utf-8", [])
    assert list(PlainTextExtractor().blocks(path)) == []


def test_vanished_file(tmp_path: Path) -> None:
    missing = tmp_path / "gone.txt"
    for call in (lambda: detect_encoding(missing), lambda: list(iter_text(missing, "utf-8"))):
        with pytest.raises(ExtractionError) as err:
            call()
        assert err.value.status == "vanished"
        assert str(missing) in err.value.message


def test_directory_is_io_error(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError) as err:
        detect_encoding(tmp_path)
    assert err.value.status == "io_error"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []
    worker = threading.Thread(target=lambda: outcome.append(_raises(lambda: detect_encoding(fifo))), daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive(), "opening a FIFO blocked"
    assert isinstance(outcome[0], ExtractionError) and outcome[0].status == "unsupported"


def _raises(call: Callable[[], object]) -> BaseException:
    try:
        call()
    except BaseException as exc:  # noqa: BLE001 - handed back to the test thread
        return exc
    raise AssertionError("no exception")


def run_without_dac_override(code: str) -> object:
    """Run `code` (which prints JSON) in a child where file modes bind; skip if that cannot be arranged."""
    preexec = bound_by_modes()
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=preexec,
        )
    except subprocess.SubprocessError as exc:
        pytest.skip(f"running as root and cannot drop CAP_DAC_OVERRIDE in a child process: {exc}")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_permission_denied(tmp_path: Path) -> None:
    path = _write(tmp_path, b"secret 13800138000")
    path.chmod(0)
    code = f"""
import json
from pathlib import Path
from scanner.extract.base import ExtractionError
from scanner.extract.decode import detect_encoding
try:
    detect_encoding(Path({str(path)!r}))
except ExtractionError as exc:
    print(json.dumps([exc.status, exc.message]))
else:
    print(json.dumps(None))
"""
    status, message = run_without_dac_override(code)  # type: ignore[misc]
    assert status == "permission_denied"
    assert str(path) in message


def test_plaintext_extractor_blocks(tmp_path: Path) -> None:
    data = ("客户 张三 13800138000\r\n" * 200).encode("gbk")
    path = _write(tmp_path, data, "客户.csv")
    extractor = PlainTextExtractor(block_chars=64)
    assert extractor.encoding is None
    blocks = list(extractor.blocks(path))
    assert extractor.encoding == "gb18030"
    assert "".join(b.text for b in blocks) == decode_bytes(data)
    offset = 0
    for block in blocks:
        assert block.offset == offset and block.location is None
        offset += len(block.text)


def test_64_mib_file_streams_in_bounded_memory(tmp_path: Path) -> None:
    line = "2023-12-05 INFO user=张三 phone=13800138000 ip=10.0.0.1 msg=登录成功\n".encode()
    path = tmp_path / "big.log"
    with path.open("wb") as f:
        chunk = line * (MIB // len(line))
        for _ in range(64):
            f.write(chunk)
    size = path.stat().st_size
    assert size > 63 * MIB
    tracemalloc.start()
    try:
        extractor = PlainTextExtractor()
        total = 0
        for block in extractor.blocks(path):
            total += len(block.text.encode())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == size
    # Bounded by read and block size (about 13 MiB here whatever the file size), never by the 64 MiB file.
    assert peak < 16 * MIB, f"peak {peak / MIB:.1f} MiB"
