"""Detection over a file's text blocks in bounded memory, with overlapping chunks.

Plain-text blocks are joined into chunks of about `chunk_chars`; each chunk carries `overlap` characters of
the previous one as leading context, and a detection is reported only by the chunk in whose report range it
starts, so a value straddling a chunk boundary is found exactly once. Structured blocks (cells, pages) carry
their own location and are detected one by one. A name accepted anywhere in the file is then found at its other
mentions in the same and later texts of the file (`DocumentNames`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from scanner.detect.engine import Detection, Detector
from scanner.detect.name_mentions import DocumentNames
from scanner.detect.pack_recognizer import LabelledSpans
from scanner.detect.tables import TableContext, sniff_delimiter, split_header
from scanner.extract.base import Cell, TextBlock

DELIMITED_SUFFIXES = frozenset({".csv", ".tsv"})
CELL_BATCH_CHARS = 32 * 1024  # spreadsheet rows are detected together, not one Presidio call per row


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

    def detect(
        self, blocks: Iterable[TextBlock], *, suffix: str = "", header_line: str | None = None
    ) -> Iterator[LocatedDetection]:
        """Located detections in ``blocks``. ``header_line``: a delimited file's first line, given when the
        blocks are a later range of the file (parallel scans split huge files); the range then has no header
        row of its own, and offsets and line numbers are local to the range."""
        buf, buf_start, report_from, line_base = "", 0, 0, 1
        header: list[str] | None = None
        delimiter = ","
        ranged = header_line is not None
        if ranged and suffix in DELIMITED_SUFFIXES:
            delimiter = sniff_delimiter(header_line.rstrip("\r"), suffix)
            header = split_header(header_line.rstrip("\r"), delimiter)
        batch: list[TextBlock] = []
        batch_chars = 0
        names = DocumentNames()  # names accepted in this document, found again at their other mentions
        for block in blocks:
            if block.cells:
                batch.append(block)
                batch_chars += len(block.text)
                if batch_chars >= CELL_BATCH_CHARS:
                    yield from self._emit_cells(batch, names)
                    batch, batch_chars = [], 0
                continue
            if batch:
                yield from self._emit_cells(batch, names)
                batch, batch_chars = [], 0
            if block.location is not None:
                found = self.detector.detect(block.text, field_context=TableContext(block.text))
                for det in names.complete(block.text, found):
                    yield LocatedDetection(det.shifted(block.offset), block.location)
                continue
            buf += block.text
            if header is None and suffix in DELIMITED_SUFFIXES and "\n" in buf:
                first_line = buf.split("\n", 1)[0].rstrip("\r")
                delimiter = sniff_delimiter(first_line, suffix)
                header = split_header(first_line, delimiter)
            while len(buf) >= self.chunk_chars + self.overlap:
                cut = self._cut_point(buf)
                yield from self._emit(
                    buf, buf_start, report_from, buf_start + cut, line_base, header, delimiter, names, ranged
                )
                keep_from = cut - self.overlap
                line_base += buf.count("\n", 0, keep_from)
                buf, buf_start, report_from = buf[keep_from:], buf_start + keep_from, buf_start + cut
        if batch:
            yield from self._emit_cells(batch, names)
        if suffix in DELIMITED_SUFFIXES and header is None and buf:
            delimiter = sniff_delimiter(buf.rstrip("\r"), suffix)
            header = split_header(buf.rstrip("\r"), delimiter)
        yield from self._emit(
            buf, buf_start, report_from, buf_start + len(buf) + 1, line_base, header, delimiter, names, ranged
        )

    def _emit_cells(self, batch: list[TextBlock], names: DocumentNames) -> Iterator[LocatedDetection]:
        """Detect a run of cell blocks as one text; each detection takes its cell's location and offset."""
        text = "".join(b.text for b in batch)
        cells: list[Cell] = []
        bases: list[int] = []  # per cell: the block offset to map a batch position back to the file's text
        pos = 0
        for block in batch:
            for cell in block.cells:
                cells.append(Cell(cell.start + pos, cell.end + pos, cell.location, cell.label))
                bases.append(block.offset - pos)
            pos += len(block.text)
        labels = _CellLabels(cells)
        for det in names.complete(text, self.detector.detect(text, field_context=labels)):
            i = labels.cell_at(det.start)
            if i is None:  # spans a cell separator: not a value of any one cell
                continue
            yield LocatedDetection(det.shifted(bases[i]), cells[i].location)

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
        names: DocumentNames,
        ranged: bool = False,
    ) -> Iterator[LocatedDetection]:
        if not buf:
            return
        first_is_header = buf_start == 0 and not ranged
        tables = TableContext(buf, header=header, delimiter=delimiter, header_is_first_line=first_is_header)
        line, counted_to = line_base, 0  # detections come sorted: count newlines once, as we go
        for det in names.complete(buf, self.detector.detect(buf, field_context=tables)):
            absolute = buf_start + det.start
            if report_from <= absolute < report_to:
                line += buf.count("\n", counted_to, det.start)
                counted_to = det.start
                yield LocatedDetection(det.shifted(buf_start), f"line {line}")


class _CellLabels(LabelledSpans):
    """Column headers of a batch of cells: per span for the context enhancer, per header for gated rules."""

    def __init__(self, cells: list[Cell]) -> None:
        self.cells = cells
        self._starts = [c.start for c in cells]

    def cell_at(self, start: int) -> int | None:
        i = bisect.bisect_right(self._starts, start) - 1
        return i if i >= 0 and start < self.cells[i].end else None

    def __call__(self, start: int, end: int) -> tuple[str, ...]:
        i = self.cell_at(start)
        return (self.cells[i].label,) if i is not None and self.cells[i].label else ()

    def labelled_spans(self, accept: Callable[[str], bool]) -> list[tuple[int, int]]:
        verdicts: dict[str, bool] = {}
        spans = []
        for cell in self.cells:
            if cell.label:
                if cell.label not in verdicts:
                    verdicts[cell.label] = accept(cell.label)
                if verdicts[cell.label]:
                    spans.append((cell.start, cell.end))
        return spans
