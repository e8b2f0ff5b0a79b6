"""Detection over a file's text blocks in bounded memory, with overlapping chunks.

Plain-text blocks are joined into chunks of about `chunk_chars`; each chunk carries `overlap` characters of
the previous one as leading context, and a detection is reported only by the chunk in whose report range it
starts, so a value straddling a chunk boundary is found exactly once. Structured blocks (cells, pages) carry
their own location and are detected one by one.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from scanner.detect.engine import Detection, Detector
from scanner.detect.tables import TableContext, sniff_delimiter, split_header
from scanner.extract.base import TextBlock

DELIMITED_SUFFIXES = frozenset({".csv", ".tsv"})


@dataclass(frozen=True)
class LocatedDetection:
    """A detection with offsets into the file's whole extracted text, and where a person finds it."""

    detection: Detection
    location: str


class ChunkedDetector:
    """Runs a `Detector` over a stream of text blocks."""

    def __init__(self, detector: Detector, *, chunk_chars: int = 1 << 20, overlap: int = 4096) -> None:
        if overlap * 4 > chunk_chars:
            raise ValueError("overlap must be well below chunk size")
        self.detector = detector
        self.chunk_chars = chunk_chars
        self.overlap = overlap

    def detect(self, blocks: Iterable[TextBlock], *, suffix: str = "") -> Iterator[LocatedDetection]:
        buf, buf_start, report_from, line_base = "", 0, 0, 1
        header: list[str] | None = None
        delimiter = ","
        for block in blocks:
            if block.location is not None:
                for det in self.detector.detect(block.text):
                    yield LocatedDetection(_shift(det, block.offset), block.location)
                continue
            buf += block.text
            if header is None and suffix in DELIMITED_SUFFIXES and "\n" in buf:
                first_line = buf.split("\n", 1)[0].rstrip("\r")
                delimiter = sniff_delimiter(first_line, suffix)
                header = split_header(first_line, delimiter)
            while len(buf) >= self.chunk_chars + self.overlap:
                cut = self._cut_point(buf)
                yield from self._emit(buf, buf_start, report_from, buf_start + cut, line_base, header, delimiter)
                keep_from = cut - self.overlap
                line_base += buf.count("\n", 0, keep_from)
                buf, buf_start, report_from = buf[keep_from:], buf_start + keep_from, buf_start + cut
        if suffix in DELIMITED_SUFFIXES and header is None and buf:
            delimiter = sniff_delimiter(buf.rstrip("\r"), suffix)
            header = split_header(buf.rstrip("\r"), delimiter)
        yield from self._emit(buf, buf_start, report_from, buf_start + len(buf) + 1, line_base, header, delimiter)

    def _cut_point(self, buf: str) -> int:
        """End of the report range: a line end near the chunk size, so windows stay line-aligned."""
        newline = buf.rfind("\n", self.chunk_chars * 3 // 4, self.chunk_chars)
        return newline + 1 if newline >= 0 else self.chunk_chars

    def _emit(
        self,
        buf: str,
        buf_start: int,
        report_from: int,
        report_to: int,
        line_base: int,
        header: list[str] | None,
        delimiter: str,
    ) -> Iterator[LocatedDetection]:
        if not buf:
            return
        tables = TableContext(buf, header=header, delimiter=delimiter)
        newlines = [i for i, ch in enumerate(buf) if ch == "\n"] if "\n" in buf else []
        for det in self.detector.detect(buf, field_context=tables):
            absolute = buf_start + det.start
            if report_from <= absolute < report_to:
                line = line_base + bisect.bisect_left(newlines, det.start)
                yield LocatedDetection(_shift(det, buf_start), f"line {line}")


def _shift(det: Detection, offset: int) -> Detection:
    return det if offset == 0 else replace(det, start=det.start + offset, end=det.end + offset)
