"""Real legacy Office and WPS files for tests, written here: no .doc/.ppt/.et writer is installed.

`compound_file` writes an OLE compound file (CFB version 3, [MS-CFB]): 512-byte sectors, one FAT sector chain
per stream, streams padded to 4 KiB so none needs the mini stream. The builders put what Word 97 (.doc, and
WPS's .wps), PowerPoint 97 (.ppt, WPS's .dps) and Excel 97 (WPS's .et) keep in them: a File Information Block
and piece table ([MS-DOC] 2.4.1), a record tree with text atoms ([MS-PPT] 2.3), a BIFF8 workbook stream.
catdoc (Debian package catdoc) reads these files too, except the text of 8-bit pieces in a .doc that mixes
8-bit and UTF-16 pieces: it ignores the piece table, which Word writes that way after edits.
"""

from __future__ import annotations

import struct

SECTOR = 512
FREE, END_OF_CHAIN, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
MIN_STREAM = 4096  # the mini-stream cutoff: bigger streams live in ordinary sectors


def compound_file(streams: dict[str, bytes]) -> bytes:
    """An OLE compound file holding `streams` at its top level."""
    names = sorted(streams, key=lambda n: (len(n), n.upper()))  # the directory's sort order
    datas = [streams[n].ljust(MIN_STREAM, b"\0") for n in names]
    data_sectors = [-(-len(d) // SECTOR) for d in datas]
    dir_entries = 1 + len(names)
    dir_sectors = -(-dir_entries * 128 // SECTOR)
    used = sum(data_sectors) + dir_sectors
    fat_sectors = 1
    while (used + fat_sectors) > fat_sectors * (SECTOR // 4):
        fat_sectors += 1
    assert fat_sectors <= 109, "no DIFAT sectors in this writer"
    fat: list[int] = []
    starts = []
    for count in data_sectors:
        starts.append(len(fat))
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [END_OF_CHAIN]
    dir_start = len(fat)
    fat += [len(fat) + i + 1 for i in range(dir_sectors - 1)] + [END_OF_CHAIN]
    fat_start = len(fat)
    fat += [FAT_SECTOR] * fat_sectors
    fat += [FREE] * (fat_sectors * (SECTOR // 4) - len(fat))

    directory = _entry("Root Entry", 5, child=1 if names else NO_STREAM, start=END_OF_CHAIN, size=0)
    for index, (name, data, start) in enumerate(zip(names, datas, starts, strict=True), start=1):
        right = index + 1 if index < len(names) else NO_STREAM  # a chain of right siblings, in sort order
        directory += _entry(name, 2, right=right, start=start, size=len(data))
    directory = directory.ljust(dir_sectors * SECTOR, b"\0")

    difat = [fat_start + i for i in range(fat_sectors)] + [FREE] * (109 - fat_sectors)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", bytes(16), 0x003E, 0x0003, 0xFFFE, 9, 6, bytes(6),
        0, fat_sectors, dir_start, 0, MIN_STREAM, END_OF_CHAIN, 0, END_OF_CHAIN, 0,
    ) + struct.pack("<109I", *difat)  # fmt: skip
    body = b"".join(d.ljust(n * SECTOR, b"\0") for d, n in zip(datas, data_sectors, strict=True))
    return header + body + directory + struct.pack(f"<{len(fat)}I", *fat)


def _entry(name: str, kind: int, *, child=NO_STREAM, right=NO_STREAM, start: int, size: int) -> bytes:
    encoded = name.encode("utf-16-le") + b"\0\0"
    return struct.pack(
        "<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, NO_STREAM, right, child, bytes(16), 0, 0, 0, start, size
    )


# --- Word 97 (.doc, .wps) -------------------------------------------------------------------------------


def word_document(body: list[tuple[str, bool]], header: str = "", *, encrypted: bool = False, nfib: int = 0xC1
                  ) -> bytes:  # fmt: skip
    """A .doc whose body is the given pieces (text, stored as 8-bit?) and whose header story is `header`."""
    text_start = 1024
    word = bytearray(text_start)
    flags = 0x1200 | (0x0100 if encrypted else 0)  # fExtChar (always set), fWhichTblStm: the table is "1Table"
    struct.pack_into("<HHHHHH", word, 0, 0xA5EC, nfib, 0, 0x0804, 0, flags)
    struct.pack_into("<H", word, 32, 14)  # csw
    struct.pack_into("<H", word, 62, 22)  # cslw
    pieces = [*body, (header, False)] if header else body
    body_chars = sum(len(t) for t, _ in body)
    struct.pack_into("<iii", word, 76, body_chars, 0, len(header))  # ccpText, ccpFtn, ccpHdd
    struct.pack_into("<H", word, 152, 0x5D)  # cbRgFcLcb
    cps, pcds = [0], b""
    for text, compressed in pieces:
        fc = len(word)
        if compressed:
            word += text.encode("cp1252")
            fc = (fc * 2) | 0x40000000
        else:
            word += text.encode("utf-16-le")
        cps.append(cps[-1] + len(text))
        pcds += struct.pack("<HIH", 0, fc, 0)
    plc = struct.pack(f"<{len(cps)}i", *cps) + pcds
    table = b"\x01\x02\x00\x00\x00" + b"\x02" + struct.pack("<I", len(plc)) + plc  # a Prc, then the Pcdt
    struct.pack_into("<iI", word, 0x01A2, 0, len(table))  # fcClx, lcbClx
    struct.pack_into("<II", word, 0x18, text_start, len(word))  # fcMin, fcMac: where older readers look
    struct.pack_into("<i", word, 64, len(word))  # cbMac
    return compound_file({"WordDocument": bytes(word), "1Table": table})


# --- PowerPoint 97 (.ppt, .dps) -------------------------------------------------------------------------


def _record(record_type: int, payload: bytes = b"", *, container: bool = False, instance: int = 0) -> bytes:
    version = 0xF if container else 0
    return struct.pack("<HHI", (instance << 4) | version, record_type, len(payload)) + payload


def presentation(slides: list[str], notes: list[str] = ()) -> bytes:
    """A .ppt whose slide list holds one title per slide (the odd ones as 8-bit text) and notes."""

    def slide_list(texts: list[str], instance: int) -> bytes:
        items = b""
        for n, text in enumerate(texts):
            items += _record(0x03F3, bytes(20))  # SlidePersistAtom
            items += _record(0x0F9F, struct.pack("<I", 0))  # TextHeaderAtom: a title
            ascii_only = all(ord(c) < 256 for c in text)
            items += _record(0x0FA8, text.encode("latin-1")) if ascii_only and n % 2 else _record(
                0x0FA0, text.encode("utf-16-le")
            )  # fmt: skip
        return _record(0x0FF0, items, container=True, instance=instance)

    document = _record(0x03E9, bytes(40))  # DocumentAtom
    document += slide_list(slides, 0) + (slide_list(list(notes), 2) if notes else b"")
    stream = _record(0x03E8, document, container=True)
    current_user = struct.pack("<IIHHHBBH", 20, 0xE391C05F, 0, 0, 0, 3, 0, 0)
    return compound_file({"PowerPoint Document": stream, "Current User": current_user})


# --- Excel 97 BIFF8 (.et) ------------------------------------------------------------------------------


def biff8_workbook(sheet: str, rows: list[list[str]]) -> bytes:
    """An OLE file whose "Workbook" stream holds one sheet of text cells (shared strings)."""

    def rec(kind: int, data: bytes = b"") -> bytes:
        return struct.pack("<HH", kind, len(data)) + data

    strings = [value for row in rows for value in row]
    sst = struct.pack("<II", len(strings), len(strings))
    sst += b"".join(struct.pack("<HB", len(s), 1) + s.encode("utf-16-le") for s in strings)
    xf = rec(0x00E0, struct.pack("<HHHBBBBIIH", 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0x20C0))
    head = rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0)) + xf + rec(0x00FC, sst)
    name = struct.pack("<BB", len(sheet), 1) + sheet.encode("utf-16-le")
    sheet_pos = len(head) + len(rec(0x0085, bytes(6) + name)) + len(rec(0x000A))
    body = rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0, 0, 0, 0))
    index = 0
    for r, row in enumerate(rows):
        for c, _ in enumerate(row):
            body += rec(0x00FD, struct.pack("<HHHI", r, c, 0, index))
            index += 1
    workbook = head + rec(0x0085, struct.pack("<IBB", sheet_pos, 0, 0) + name) + rec(0x000A) + body + rec(0x000A)
    return compound_file({"Workbook": workbook})
