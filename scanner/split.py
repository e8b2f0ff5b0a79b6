"""One huge plain-text file scanned by several workers: line-aligned byte ranges, merged back into one file's rows.

Ranges are cut just after a b"\\n" (UTF-8, GB18030; UTF-16 files are never split), at a point where the file's
decoder holds nothing back, so each range decodes on its own to exactly its share of the whole text. Each
worker reads some text before and after its range as context and keeps only detections that start inside it;
offsets and line numbers are then shifted by the characters and newlines of the ranges before it.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from scanner.detect.stream import LocatedDetection
from scanner.discover import FileRef
from scanner.extract.base import ExtractionError, TextBlock, error_from_os
from scanner.extract.decode import READ_SIZE, detect_encoding, iter_text
from scanner.extract.plaintext import PLAIN_TEXT_SUFFIXES
from scanner.extract.registry import STRUCTURED_TEXT_SUFFIXES, format_label
from scanner.file_scan import FileOutcome, FileResult, FileScanner, ScanOptions
from scanner.fingerprint import file_sha256
from scanner.states import FileStatus
from scanner.store.store import NewFinding

CUT_SEARCH = 1 << 20  # bytes searched after a nominal cut for a line end; none found: no cut there
_LINE = re.compile(r"line (\d+)")


@dataclass(frozen=True)
class SplitPlan:
    """A file to scan as ranges: `cuts` are byte offsets, from 0 to the file's size."""

    ref: FileRef
    sha256: str
    encoding: str
    header_line: str  # the file's first line: later ranges of a CSV keep their columns' headers
    cuts: tuple[int, ...]

    @property
    def ranges(self) -> int:
        return len(self.cuts) - 1


@dataclass(frozen=True)
class RangeResult:
    """One range's findings, offsets and lines local to the range, and its size in characters and newlines."""

    index: int
    chars: int
    newlines: int
    findings: tuple[NewFinding, ...]
    names: tuple[NewFinding, ...] = ()  # the file's "name" findings, carried by range 0 (its path, not its text)


def splittable(ref: FileRef, options: ScanOptions) -> bool:
    """Worth splitting: a plain-text file over the threshold that the scan will read at all (an SQL dump or
    HTML page is read whole: its columns and form labels come from its extractor, which ranges do not use)."""
    label = format_label(ref.rel)
    return (
        options.split_bytes < ref.size <= options.max_file_size
        and label in PLAIN_TEXT_SUFFIXES
        and label not in STRUCTURED_TEXT_SUFFIXES
    )


def plan(files: FileScanner, ref: FileRef, known_sha256: str | None) -> FileOutcome | SplitPlan:
    """Hash and check the file as a whole, then choose its cuts; a file that cannot be split is scanned here."""
    try:
        sha256 = file_sha256(ref.path)
    except OSError as exc:
        error = error_from_os(ref.path, exc)
        return FileOutcome((files.problem(ref, error.status, error.message),))
    if sha256 == known_sha256:
        return FileOutcome(unchanged=True)
    try:
        encoding = detect_encoding(ref.path)
        if encoding.startswith("utf-16"):
            return files.scan_content(ref, sha256)
        next(iter(iter_text(ref.path, encoding)), None)  # the whole-file scan's check of the first MiB
        header = _first_line(ref.path, encoding)
        cuts = _cuts(ref.path, ref.size, files.options.split_range_bytes, encoding)
    except ExtractionError as exc:
        return FileOutcome((files.problem(ref, exc.status, exc.message),))
    except OSError as exc:
        error = error_from_os(ref.path, exc)
        return FileOutcome((files.problem(ref, error.status, error.message),))
    if header is None or len(cuts) < 3:
        return files.scan_content(ref, sha256)
    return SplitPlan(ref, sha256, encoding, header, cuts)


def scan_range(files: FileScanner, split: SplitPlan, index: int) -> RangeResult:
    """Detect one range with its context; raises ExtractionError as the whole-file scan would."""
    start, path, overlap = split.cuts[index], split.ref.path, files.options.overlap
    counts = _Counts()
    with _open(path) as f:
        lead = _lead(f, start, overlap, split.encoding)
        blocks = _blocks(f, path, split, index, lead, counts, overlap)
        located = files.chunked.detect(
            blocks, suffix=format_label(split.ref.rel), header_line=split.header_line if index else None
        )
        located = list(located)  # counts are complete once the blocks are consumed
    lead_newlines = lead.count("\n")
    kept = [
        _shift(item, -len(lead), -lead_newlines)
        for item in located
        if len(lead) <= item.detection.start < len(lead) + counts.chars
    ]
    names = files.names_in(split.ref.rel).findings if index == 0 else ()
    return RangeResult(index, counts.chars, counts.newlines, tuple(files.findings(kept)), names)


def merge(split: SplitPlan, results: Sequence[RangeResult]) -> FileOutcome:
    """The file's one row: range findings moved to whole-file offsets and lines, if it did not change meanwhile."""
    ref = split.ref
    try:
        after = os.stat(ref.path)
    except OSError as exc:
        error = error_from_os(ref.path, exc)
        return FileOutcome((FileResult(ref.rel, error.status, error.message, ref.size, ref.mtime_ns),))
    if (after.st_size, after.st_mtime_ns) != (ref.size, ref.mtime_ns):
        message = f"{ref.rel}: changed while it was being scanned; it will be scanned again"
        return FileOutcome((FileResult(ref.rel, FileStatus.CHANGED_DURING_SCAN, message, ref.size, ref.mtime_ns),))
    findings: list[NewFinding] = [name for result in results for name in result.names]
    chars = newlines = 0
    for result in sorted(results, key=lambda r: r.index):
        for f in result.findings:
            location = _moved_down(f.location, newlines)
            findings.append(replace(f, start=f.start + chars, end=f.end + chars, location=location))
        chars += result.chars
        newlines += result.newlines
    own = FileResult(
        ref.rel,
        FileStatus.SCANNED,
        None,
        ref.size,
        ref.mtime_ns,
        ref.dev,
        ref.ino,
        split.sha256,
        split.encoding,
        tuple(findings),
    )
    return FileOutcome((own,))


@dataclass
class _Counts:
    chars: int = 0
    newlines: int = 0


def _blocks(
    f: BinaryIO, path: Path, split: SplitPlan, index: int, lead: str, counts: _Counts, overlap: int
) -> Iterator[TextBlock]:
    """The lead-in, the range decoded exactly (strictly for UTF-8, as the whole-file scan does), the tail."""
    start, end = split.cuts[index], split.cuts[index + 1]
    encoding = split.encoding if index == 0 else _without_bom(split.encoding)
    lenient = codecs.lookup(encoding).name == "gb18030"
    decoder = codecs.getincrementaldecoder(encoding)("replace" if lenient else "strict")
    last = end == split.ref.size
    offset = 0
    if lead:
        yield TextBlock(lead, 0)
        offset = len(lead)
    f.seek(start)
    position = start
    while position < end:
        chunk = f.read(min(READ_SIZE, end - position))
        if not chunk:
            break
        try:
            text = decoder.decode(chunk, final=last and position + len(chunk) >= end)
        except UnicodeDecodeError as exc:
            raise ExtractionError(
                FileStatus.UNDECODABLE,
                f"{path}: not valid {split.encoding} near byte {position + exc.start} ({exc.reason}); the file"
                " is damaged or truncated, or changed while it was being read",
            ) from exc
        position += len(chunk)
        if text:
            counts.chars += len(text)
            counts.newlines += text.count("\n")
            yield TextBlock(text, offset)
            offset += len(text)
    if not last:
        tail = f.read(overlap).decode(_without_bom(split.encoding), "replace")
        yield TextBlock(tail, offset)


def _lead(f: BinaryIO, start: int, overlap: int, encoding: str) -> str:
    """About `overlap` bytes before `start`, from a line start when there is one: context for the range."""
    if start == 0:
        return ""
    begin = max(0, start - 2 * overlap)
    f.seek(begin)
    raw = f.read(start - begin)
    if begin == 0:
        return raw.decode(encoding, "replace")
    newline = raw.find(b"\n", 0, max(len(raw) - overlap, 0))
    raw = raw[newline + 1 :] if newline >= 0 else raw[-overlap:]
    return raw.decode(_without_bom(encoding), "replace")


def _cuts(path: Path, size: int, range_bytes: int, encoding: str) -> tuple[int, ...]:
    """Range boundaries: a clean line end at or after every `range_bytes`; the last range is never tiny."""
    with _open(path) as f:
        if codecs.lookup(encoding).name == "gb18030":
            cuts = _decoded_cuts(f, size, range_bytes)
        else:
            cuts = _newline_cuts(f, size, range_bytes)
    return (0, *cuts, size)


def _newline_cuts(f: BinaryIO, size: int, range_bytes: int) -> list[int]:
    """UTF-8 (checked valid as a whole) decodes cleanly on either side of any newline: seek and look."""
    cuts, target = [], range_bytes
    while target + range_bytes // 2 < size:
        f.seek(target)
        newline = f.read(CUT_SEARCH).find(b"\n")
        if newline < 0:
            target += range_bytes
            continue
        cuts.append(target + newline + 1)
        target = cuts[-1] + range_bytes
    return [c for c in cuts if c < size]


def _decoded_cuts(f: BinaryIO, size: int, range_bytes: int) -> list[int]:
    """GB18030's decoder may hold damaged bytes back across a newline: decode the file as the whole-file scan
    does and cut only where it holds nothing."""
    decoder = codecs.getincrementaldecoder("gb18030")("replace")
    cuts, target, position = [], range_bytes, 0
    while chunk := f.read(READ_SIZE):
        done = 0
        while target + range_bytes // 2 < size:
            newline = chunk.find(b"\n", max(target - position, done))
            if newline < 0:
                break
            decoder.decode(chunk[done : newline + 1])
            done = newline + 1
            if not decoder.getstate()[0]:
                cuts.append(position + done)
                target = cuts[-1] + range_bytes
        decoder.decode(chunk[done:])
        position += len(chunk)
    return [c for c in cuts if c < size]


def _first_line(path: Path, encoding: str) -> str | None:
    with _open(path) as f:
        head = f.read(CUT_SEARCH)
    newline = head.find(b"\n")
    return None if newline < 0 else head[:newline].decode(encoding, "replace")


def _shift(item: LocatedDetection, chars: int, lines: int) -> LocatedDetection:
    return LocatedDetection(item.detection.shifted(chars), _moved_down(item.location, lines))


def _moved_down(location: str, lines: int) -> str:
    """A "line N" location ``lines`` further down; other locations as they are."""
    line = _LINE.fullmatch(location)
    return f"line {int(line.group(1)) + lines}" if line else location


def _without_bom(encoding: str) -> str:
    return "utf-8" if encoding == "utf-8-sig" else encoding


def _open(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")  # noqa: SIM115 - the callers' with-blocks close it
    except OSError as exc:
        raise error_from_os(path, exc) from exc
