"""Encoding detection and streaming decode, reproducing the project's canonical decoding exactly.

Canonical order (the corpus scorer's `decode_bytes`): UTF-8 BOM → utf-8-sig; UTF-16 BOM → utf-16; else
strict UTF-8 if the whole file is valid; else GB18030 with replacement characters. Files are opened in
binary and decoded here, so no newline translation ever happens: CRLF stays two characters and every
offset a detector reports indexes the same text the scorer and the reviewer see.
"""

from __future__ import annotations

import codecs
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from scanner.extract.base import ExtractionError, error_from_os
from scanner.states import FileStatus

READ_SIZE = 1 << 20  # bytes per read; memory stays bounded by this and block_chars, never by file size
HEAD_SIZE = 8 << 10  # bytes inspected for NULs and BOM-less UTF-16
MAX_REPLACEMENT_RATIO = 0.05
# A few stray bytes in a small, otherwise good GBK file must not hide it from the scan.
MIN_REPLACEMENTS = 8

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x7fELF", "an ELF executable"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"PK\x03\x04", "a ZIP container (zip, docx, xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE container (doc, xls, WPS)"),
    (b"%PDF-", "a PDF document"),
)
# O_NONBLOCK so that opening a FIFO that slipped through never hangs the scanner; it does not change how
# regular files read. O_BINARY (Windows only) keeps the C runtime from translating CRLF.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_OPEN_FLAGS |= getattr(os, "O_BINARY", 0)


def sniff(head: bytes) -> str | None:
    """The encoding a byte-order mark selects ("utf-8-sig" or "utf-16"), or None without a BOM."""
    if head.startswith(_UTF8_BOM):
        return "utf-8-sig"
    if head[:2] in _UTF16_BOMS:
        return "utf-16"
    return None


def binary_kind(head: bytes) -> str | None:
    """Describe why `head` looks like binary content ("a PNG image", "NUL bytes"), or None for text."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    # "MZ" alone could start a text line; real PE/DOS headers carry NULs right after it.
    if head.startswith(b"MZ") and b"\x00" in head[:64]:
        return "a Windows executable"
    if head[:2] not in _UTF16_BOMS and b"\x00" in head[:HEAD_SIZE]:
        return "NUL bytes"
    return None


def looks_binary(head: bytes) -> bool:
    """True for known binary magic, or NUL bytes in the first 8 KiB of a file without a UTF-16 BOM."""
    return binary_kind(head) is not None


def guess_bomless_utf16(head: bytes) -> str | None:
    """Return "utf-16-le"/"utf-16-be" when NULs fill one byte lane of `head` and almost never the other."""
    sample = head[:HEAD_SIZE]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sample[0 : 2 * pairs : 2].count(0)
    odd = sample[1 : 2 * pairs : 2].count(0)
    # CJK code units like U+4E00 (一) put a NUL in the other lane now and then, hence "almost".
    if odd >= 0.4 * pairs and even <= 0.05 * pairs:
        guess = "utf-16-le"
    elif even >= 0.4 * pairs and odd <= 0.05 * pairs:
        guess = "utf-16-be"
    else:
        return None
    # Arrays of 16-bit integers show the same NUL pattern; text decodes to printable characters.
    text = sample[: 2 * pairs].decode(guess, "replace")
    printable = sum(ch.isprintable() or ch in "\t\r\n\f" for ch in text)
    return guess if printable >= 0.9 * len(text) else None


def detect_encoding(path: Path) -> str:
    """Decide how `path` decodes, streaming it once; raise ExtractionError("binary") for binary content.

    Returns "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-8" or "gb18030".
    """
    with _open(path) as f:
        head = _read(f, path, max(READ_SIZE, HEAD_SIZE))
        if head[:2] in _UTF16_BOMS:
            return "utf-16"
        for magic, kind in _MAGIC:
            if head.startswith(magic):
                raise _binary(path, kind)
        guess = guess_bomless_utf16(head)
        if guess is not None:
            return guess
        kind = binary_kind(head)
        if kind is not None:
            raise _binary(path, kind)
        if head.startswith(_UTF8_BOM):
            return "utf-8-sig"
        return "utf-8" if _rest_is_utf8(f, path, head) else "gb18030"


def iter_text(path: Path, encoding: str, block_chars: int = 1 << 20) -> Iterator[str]:
    """Yield the decoded text of `path` in pieces of about `block_chars` characters.

    "".join(pieces) equals the canonical decode of the whole file. A piece ends after a newline when one
    falls in its second half, so a line rarely straddles two pieces. Raises ExtractionError
    ("undecodable") if a strict decode fails, or if more than 5 % of the text decoded from the first
    1 MiB are replacement characters both as GB18030 and as UTF-8.
    """
    if block_chars < 1:
        raise ValueError("block_chars must be at least 1")
    return _rechunk(_decoded_reads(path, encoding), block_chars)


def _decoded_reads(path: Path, encoding: str) -> Iterator[str]:
    lenient = codecs.lookup(encoding).name == "gb18030"
    decoder = codecs.getincrementaldecoder(encoding)("replace" if lenient else "strict")
    checked = not lenient
    consumed = 0
    with _open(path) as f:
        while True:
            chunk = _read(f, path)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                raise ExtractionError(
                    FileStatus.UNDECODABLE,
                    f"{path}: not valid {encoding} near byte {consumed + exc.start} ({exc.reason}); the file"
                    " is damaged or truncated, or changed while it was being read",
                ) from exc
            consumed += len(chunk)
            if text and not checked:
                _check_replacements(path, text, chunk)
                checked = True
            if text:
                yield text
            if not chunk:
                return


def _rechunk(pieces: Iterable[str], block_chars: int) -> Iterator[str]:
    # Decoded strings hold whole code points (strict decoders never emit lone surrogates and the UTF-16
    # decoder joins pairs split across reads), so any str index is a safe place to cut.
    pending: list[str] = []
    pending_len = 0
    for piece in pieces:
        pending.append(piece)
        pending_len += len(piece)
        if pending_len < block_chars:
            continue
        buf = "".join(pending)
        pending.clear()  # drop the parts now, not after the loop: peak memory is what this function guards
        start = 0
        while len(buf) - start >= block_chars:
            end = _cut(buf, start, block_chars)
            yield buf[start:end]
            start = end
        pending = [buf[start:]]
        pending_len = len(buf) - start
    if pending_len:
        yield "".join(pending)


def _cut(buf: str, start: int, block_chars: int) -> int:
    limit = start + block_chars
    newline = buf.rfind("\n", start + block_chars // 2, limit)
    return newline + 1 if newline >= 0 else limit


def _check_replacements(path: Path, text: str, raw: bytes) -> None:
    bad = text.count("\ufffd")
    if bad < MIN_REPLACEMENTS or bad <= MAX_REPLACEMENT_RATIO * len(text):
        return
    # UTF-8 text with a few stray bytes falls back to GB18030 as mojibake full of replacement characters,
    # yet its ASCII values (phone numbers, IDs, e-mail addresses) survive: scan it rather than drop it.
    as_utf8 = raw.decode("utf-8", "replace")
    if as_utf8.count("\ufffd") <= MAX_REPLACEMENT_RATIO * len(as_utf8):
        return
    raise ExtractionError(
        FileStatus.UNDECODABLE,
        f"{path}: neither UTF-8 nor GB18030 text ({bad} of the first {len(text)} characters cannot be"
        " decoded); it may be encrypted, binary, or in another encoding; open it to check",
    )


def _rest_is_utf8(f: BinaryIO, path: Path, head: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    chunk = head
    try:
        while chunk:
            decoder.decode(chunk)  # validation only; the text is discarded
            chunk = _read(f, path)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _open(path: Path) -> BinaryIO:
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise error_from_os(path, exc) from exc
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise ExtractionError(FileStatus.IO_ERROR, f"{path}: is a directory, not a file")
        if not stat.S_ISREG(mode):
            raise ExtractionError(
                FileStatus.UNSUPPORTED, f"{path}: not a regular file (FIFO, socket, device); not read"
            )
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _read(f: BinaryIO, path: Path, size: int | None = None) -> bytes:
    try:
        return f.read(READ_SIZE if size is None else size)
    except OSError as exc:
        raise error_from_os(path, exc) from exc


def _binary(path: Path, kind: str) -> ExtractionError:
    return ExtractionError(FileStatus.BINARY, f"{path}: binary content ({kind}), not text; not scanned as plain text")
