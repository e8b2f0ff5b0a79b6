"""Legacy PowerPoint 97-2003 (.ppt) and WPS Presentation (.dps) files: the text of every slide, note and shape.

Both are OLE compound files whose "PowerPoint Document" stream is a tree of records ([MS-PPT] 2.3). Text sits in
text atoms (UTF-16LE `TextCharsAtom`, 8-bit `TextBytesAtom`, `CString`); the slide it belongs to comes from
the `SlidePersistAtom` that opens each slide's text in the slide list, or from the slide record holding it.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

from scanner.extract.base import ExtractionError, TextBlock
from scanner.extract.office_crypto import check_not_encrypted, damage_reported
from scanner.extract.ole import first_stream, open_ole, read_stream, require_ole
from scanner.states import FileStatus

_STREAM = "PowerPoint Document"
_CONTAINER_VERSION = 0xF
_SLIDE_LIST, _SLIDE_PERSIST = 0x0FF0, 0x03F3
_SLIDE, _NOTES, _MAIN_MASTER = 0x03EE, 0x03F0, 0x03F8
_TEXT_ATOMS = {0x0FA0: "utf-16-le", 0x0FBA: "utf-16-le", 0x0FA8: "latin-1"}  # chars, CString, bytes
_LIST_KINDS = {0: "slide", 1: "master", 2: "notes"}  # SlideListWithText's instance
_HOLDERS = {_SLIDE: "slide record", _NOTES: "notes record", _MAIN_MASTER: "master"}
_TRANSLATION = {code: " " for code in range(0x20) if code not in (0x09, 0x0A)}
_TRANSLATION.update({0x0B: "\n", 0x0D: "\n"})  # vertical tab: a line break; CR: a paragraph end


class LegacySlidesExtractor:
    """Reads .ppt (PowerPoint 97-2003) and .dps (WPS Presentation, same binary format): a block per text."""

    def __init__(self) -> None:
        self.encoding: str | None = None

    def blocks(self, path: Path) -> Iterator[TextBlock]:
        """Every text atom's text ("slide 2", "notes 1"); raises ExtractionError for encrypted, damaged,
        oversized or unsupported files."""
        kind = _kind(path)
        require_ole(path, kind)
        check_not_encrypted(path)
        with damage_reported(path, kind):
            with open_ole(path) as ole:
                if first_stream(ole, _STREAM) is None:
                    raise ExtractionError(
                        FileStatus.UNSUPPORTED, f"{path}: {kind}: not supported (no {_STREAM} stream)"
                    )
                stream = read_stream(ole, _STREAM, path)
            atoms = list(text_atoms(stream))  # parsed whole first: a damaged record fails before any text is used
        offset = 0
        for location, text in atoms:
            shown = text.translate(_TRANSLATION).strip()
            if shown:
                yield TextBlock(shown + "\n", offset, location)
                offset += len(shown) + 1


def text_atoms(stream: bytes) -> Iterator[tuple[str, str]]:
    """(location, text) of every text atom in the record tree, in stream order; ValueError when damaged."""
    open_containers: list[tuple[int, int, int]] = []  # (end, type, instance), innermost last
    counters: dict[str, int] = {}
    list_item = 0  # the slide-list entry the text belongs to, numbered per list
    pos = 0
    while pos + 8 <= len(stream):
        while open_containers and open_containers[-1][0] <= pos:
            open_containers.pop()
        version_instance, record_type, length = struct.unpack_from("<HHI", stream, pos)
        end = pos + 8 + length
        if end > len(stream):
            raise ValueError(f"record at byte {pos} runs past the end of the stream")
        version, instance = version_instance & 0xF, version_instance >> 4
        if version == _CONTAINER_VERSION:
            if record_type == _SLIDE_LIST:
                list_item = 0
            elif record_type in _HOLDERS:
                counters[_HOLDERS[record_type]] = counters.get(_HOLDERS[record_type], 0) + 1
            open_containers.append((end, record_type, instance))
            pos += 8
            continue
        if record_type == _SLIDE_PERSIST:
            list_item += 1
        elif record_type in _TEXT_ATOMS:
            text = stream[pos + 8 : end].decode(_TEXT_ATOMS[record_type], "replace")
            yield _location(open_containers, counters, list_item), text
        pos = end


def _location(open_containers: list[tuple[int, int, int]], counters: dict[str, int], list_item: int) -> str:
    for _, record_type, instance in reversed(open_containers):
        if record_type == _SLIDE_LIST:
            return f"{_LIST_KINDS.get(instance, 'slide list')} {max(list_item, 1)}"
        if record_type in _HOLDERS:
            holder = _HOLDERS[record_type]
            return holder if record_type == _MAIN_MASTER else f"{holder} {counters[holder]}"
    return "other text"


def _kind(path: Path) -> str:
    if path.suffix.lower() in (".dps", ".dpt"):
        return "legacy WPS presentation (.dps)"
    return "legacy PowerPoint (.ppt)"
