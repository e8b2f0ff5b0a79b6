"""Legacy Word 97-2003 (.doc) and WPS Writer (.wps) documents: their text, paragraph by paragraph.

Both are OLE compound files whose "WordDocument" stream opens with a File Information Block (FIB). The piece
table in the FIB's table stream ("0Table" or "1Table") says where each run of characters lies in
"WordDocument", as 8-bit cp1252 or as UTF-16LE ([MS-DOC] 2.4.1, "Retrieving Text"). Every story is read: the
body, then footnotes, headers and footers, comments, endnotes and text boxes, in the order Word stores them.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

from scanner.extract.base import ExtractionError, TextBlock
from scanner.extract.office_crypto import check_not_encrypted, damage_reported
from scanner.extract.ole import first_stream, open_ole, read_stream, require_ole
from scanner.states import FileStatus

_FIB_IDENT = 0xA5EC
_NFIB_WORD97 = 0x00C1
_F_ENCRYPTED, _F_WHICH_TABLE, _F_OBFUSCATED = 0x0100, 0x0200, 0x8000
_CCP_OFFSET = 76  # FibRgLw97.ccpText; the other stories' lengths follow it
_CLX_OFFSET = 0x01A2  # FibRgFcLcb97.fcClx, lcbClx
_COMPRESSED = 0x40000000
# Stories in the order their characters follow the body's ([MS-DOC] 2.4.1); ccpMcr (macros) is always 0.
_STORIES = ("", "footnote ", "header/footer ", None, "comment ", "endnote ", "text box ", "header text box ")
# Word's marks: paragraph and table-cell ends split paragraphs; line, page and column breaks end a line; field
# delimiters, pictures and anchors are no text. The rest of C0 would only glue values together.
_PARAGRAPH_ENDS = ("\r", "\x07")
_TRANSLATION = {code: " " for code in range(0x20) if chr(code) not in "\t\r\x07"}
_TRANSLATION.update({0x0B: "\n", 0x0C: "\n", 0x0E: "\n", 0x1E: "-", 0x1F: None})


class LegacyWordExtractor:
    """Reads .doc (Word 97-2003) and .wps (WPS Writer, same binary format): one block per paragraph."""

    def __init__(self) -> None:
        self.encoding: str | None = None

    def blocks(self, path: Path) -> Iterator[TextBlock]:
        """Every story's non-empty paragraphs ("paragraph 3", "footnote paragraph 1"); raises ExtractionError
        for encrypted, damaged, oversized or pre-97 files."""
        kind = _kind(path)
        require_ole(path, kind)
        check_not_encrypted(path)
        with damage_reported(path, kind), open_ole(path) as ole:
            if first_stream(ole, "WordDocument") is None:
                raise ExtractionError(FileStatus.UNSUPPORTED, f"{path}: {kind}: not supported (no WordDocument stream)")
            word = read_stream(ole, "WordDocument", path)
            table_name = "1Table" if _fib_flags(word, path, kind) & _F_WHICH_TABLE else "0Table"
            if first_stream(ole, table_name) is None:
                raise ExtractionError(FileStatus.UNSUPPORTED, f"{path}: {kind}: not supported (no {table_name} stream)")
            text = document_text(word, read_stream(ole, table_name, path))
        yield from paragraph_blocks(text, story_lengths(word))


def document_text(word: bytes, table: bytes) -> str:
    """All characters of the document, in CP order, from the piece table; ValueError when it is damaged."""
    (fc_clx, lcb_clx) = struct.unpack_from("<iI", word, _CLX_OFFSET)
    plc = _piece_table(table[fc_clx : fc_clx + lcb_clx])
    count = (len(plc) - 4) // 12
    if count < 1 or len(plc) != 4 + 12 * count:
        raise ValueError("piece table of a wrong size")
    cps = struct.unpack_from(f"<{count + 1}i", plc)
    if cps[-1] - cps[0] > len(word):  # pieces that overlap: a small file that would unpack to gigabytes
        raise ValueError("the piece table claims more text than the WordDocument stream holds")
    pieces = []
    for index in range(count):
        (fc,) = struct.unpack_from("<I", plc, 4 * (count + 1) + 8 * index + 2)
        chars = cps[index + 1] - cps[index]
        if chars < 0:
            raise ValueError("piece table out of order")
        start, width, codec = ((fc & ~_COMPRESSED) // 2, 1, "cp1252") if fc & _COMPRESSED else (fc, 2, "utf-16-le")
        raw = word[start : start + chars * width]
        if len(raw) != chars * width:
            raise ValueError("piece table points past the end of the WordDocument stream")
        pieces.append(raw.decode(codec, "replace"))
    return "".join(pieces)


def story_lengths(word: bytes) -> tuple[int, ...]:
    """Characters in each story (`_STORIES`), from the FIB."""
    return struct.unpack_from(f"<{len(_STORIES)}i", word, _CCP_OFFSET)


def paragraph_blocks(text: str, lengths: tuple[int, ...]) -> Iterator[TextBlock]:
    """One block per non-empty paragraph, its Word marks turned into plain text, located by story and number."""
    offset = 0
    for prefix, story in _stories(text, lengths):
        for number, paragraph in enumerate(_paragraphs(story), start=1):
            shown = paragraph.translate(_TRANSLATION)
            if shown.strip():
                yield TextBlock(shown + "\n", offset, f"{prefix}paragraph {number}")
                offset += len(shown) + 1


def _stories(text: str, lengths: tuple[int, ...]) -> Iterator[tuple[str, str]]:
    start = 0
    for prefix, length in zip(_STORIES, lengths, strict=True):
        story = text[start : start + max(length, 0)]
        start += max(length, 0)
        if prefix is not None:
            yield prefix, story
    # Characters past the stories' declared lengths still belong to the file: read them, never drop them.
    yield "other text ", text[start:]


def _paragraphs(story: str) -> Iterator[str]:
    start = 0
    for index, char in enumerate(story):
        if char in _PARAGRAPH_ENDS:
            yield story[start:index]
            start = index + 1
    if start < len(story):
        yield story[start:]


def _piece_table(clx: bytes) -> bytes:
    """The PlcPcd inside a Clx: skip the Prc (formatting) entries, then the Pcdt holds it."""
    pos = 0
    while pos < len(clx):
        if clx[pos] == 0x01:
            (size,) = struct.unpack_from("<H", clx, pos + 1)
            pos += 3 + size
        elif clx[pos] == 0x02:
            (size,) = struct.unpack_from("<I", clx, pos + 1)
            return clx[pos + 5 : pos + 5 + size]
        else:
            break
    raise ValueError("no piece table in the table stream")


def _fib_flags(word: bytes, path: Path, kind: str) -> int:
    ident, nfib = struct.unpack_from("<HH", word, 0)
    if ident != _FIB_IDENT:
        raise ValueError("no Word File Information Block")
    if nfib < _NFIB_WORD97:
        raise ExtractionError(
            FileStatus.UNSUPPORTED,
            f"{path}: {kind} in the Word 6.0/95 format: not supported; save it as .docx and rescan",
        )
    (flags,) = struct.unpack_from("<H", word, 0x0A)
    if flags & (_F_ENCRYPTED | _F_OBFUSCATED):
        raise ExtractionError(
            FileStatus.ENCRYPTED, f"{path}: password-protected; it may hold personal data that could not be inspected"
        )
    return flags


def _kind(path: Path) -> str:
    return "legacy WPS document (.wps)" if path.suffix.lower() in (".wps", ".wpt") else "legacy Word (.doc)"
