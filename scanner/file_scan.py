"""Extract and detect one file into the records the store keeps, without touching the store.

`FileScanner.scan` turns a file (and, for an archive, each member) into `FileResult`s: masked previews and keyed
fingerprints only, so the results can cross from a worker process to the single writer. The scanner (in-process
or through a pool) decides what is unchanged and writes the results.

Names are text too: each row's path (every component under the root; a member's path inside its archive) is
scanned into findings with location "name", whose start/end index the row's exported path, and the plain values
found there are masked in the row's messages and in the locations that name an attachment.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from scanner.classify import Policy, classify
from scanner.detect.engine import Detector
from scanner.detect.rulepack import MaskStyle
from scanner.detect.stream import ChunkedDetector, LocatedDetection
from scanner.discover import DEFAULT_EXCLUDES, FileRef
from scanner.extract.archive_limits import ArchiveLimits
from scanner.extract.base import DocumentSeen, ExtractionError, Extractor, PictureRead, TextBlock, error_from_os
from scanner.extract.image import OCR_OFF, OCR_QUEUED
from scanner.extract.registry import extractor_for, format_label
from scanner.fingerprint import file_sha256, fingerprint
from scanner.mask import mask_value
from scanner.name_mask import NAME_LOCATION, mask_path, scrub
from scanner.ocr.findings import document_finding
from scanner.record_keys import RecordSpans, record_of_location
from scanner.states import READ_FILE_STATUSES, FileStatus
from scanner.store.store import NewFinding, joined_path

_NAME_MASK = MaskStyle("name")  # for detections from NER, which have no rule


@dataclass(frozen=True)
class ScanOptions:
    """How a scan reads files; `jobs` > 1 scans with worker processes, and then splits plain-text files over
    `split_bytes` into line-aligned ranges of about `split_range_bytes` scanned side by side."""

    max_file_size: int = 1 << 30
    follow_symlinks: bool = False
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    chunk_chars: int = 1 << 20
    overlap: int = 4096
    archive_limits: ArchiveLimits = ArchiveLimits()
    jobs: int = 1
    split_bytes: int = 64 << 20
    split_range_bytes: int = 16 << 20
    ocr: bool = True  # read pictures (and scanned PDF pages, pictures in Office files) when the engine is installed
    ocr_queued: bool = False  # with ocr off: the daemon's OCR queue reads them later (`queued_for_ocr`)


@dataclass(frozen=True)
class FileResult:
    """One row for the store: a file (`member` "") or a member of the archive `rel` (`member` "inner/x.csv",
    nested archives joined by ':'), its status and findings."""

    rel: str
    status: str
    error: str | None = None
    size: int | None = None
    mtime_ns: int | None = None
    dev: int | None = None
    ino: int | None = None
    sha256: str | None = None
    encoding: str | None = None
    findings: tuple[NewFinding, ...] = ()
    member: str = ""
    names_scanned: bool = True  # False only for a walk problem recorded where no detector runs
    ocr_queued: bool = False  # pictures or scanned pages left unread for the daemon's OCR queue


@dataclass(frozen=True)
class FileOutcome:
    """What scanning one walked file gave: its rows (members first, the file's own row last), or "unchanged"."""

    results: tuple[FileResult, ...] = ()
    unchanged: bool = False


class NestedTooDeep(ExtractionError):
    """Archives inside archives beyond `max_depth`: the whole outer file is a bomb, not one of its members."""


@dataclass
class _Visit:
    """State of one walked file's scan: member rows so far, and how many members the row cap skipped."""

    rel: str
    results: list[FileResult] = field(default_factory=list)
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class _Entry:
    """One thing being extracted within a visit: the walked file itself, an archive member or an attachment.
    ``name`` is how it is shown ("a.zip:inner/b.csv" for a member), ``depth`` how deep it is nested."""

    path: Path
    name: str
    depth: int = 0

    def inner(self, name: str, path: Path) -> _Entry:
        return _Entry(path, name, self.depth + 1)


@dataclass(frozen=True)
class NamesFound:
    """What a scan of a path found: its "name" findings, and (plain, preview) pairs to scrub messages with."""

    findings: tuple[NewFinding, ...] = ()
    values: tuple[tuple[str, str], ...] = ()

    def scrub(self, text: str | None) -> str | None:
        return scrub(text, self.values) if text else text


@dataclass(frozen=True)
class _Document:
    findings: list[NewFinding]  # converted as they are found: no plain value outlives its detection
    encoding: str | None
    notes: str | None
    pictures_read: int = 0  # by OCR, attachments' included: the status is ocr_done

    @property
    def status(self) -> FileStatus:
        return FileStatus.OCR_DONE if self.pictures_read else FileStatus.SCANNED


class FileScanner:
    """Scans files with one `Detector`; pure apart from reading the file (and temporary copies of members)."""

    def __init__(
        self, detector: Detector, *, key: bytes, policy: Policy, options: ScanOptions, today: date | None = None
    ) -> None:
        self.detector = detector
        self.chunked = ChunkedDetector(detector, chunk_chars=options.chunk_chars, overlap=options.overlap)
        self.key = key
        self.policy = policy
        self.options = options
        self.limits = options.archive_limits
        self.today = today or detector.today

    def scan(self, ref: FileRef, known_sha256: str | None = None) -> FileOutcome:
        """Scan a walked file; "unchanged" when its content hash equals ``known_sha256`` (its last scan's)."""
        outcome = self._scan(ref, known_sha256)
        if self.options.ocr_queued and not self.options.ocr:
            return FileOutcome(tuple(queued_for_ocr(r) for r in outcome.results), outcome.unchanged)
        return outcome

    def _scan(self, ref: FileRef, known_sha256: str | None) -> FileOutcome:
        if ref.size > self.options.max_file_size:
            message = (
                f"{ref.rel}: {ref.size:,} bytes exceeds the {self.options.max_file_size:,}-byte limit (--max-size)"
            )
            return FileOutcome((self.problem(ref, FileStatus.TOO_LARGE, message),))
        try:  # before hashing: a large file of no known format is turned away on its first 8 KiB
            extractor = self._extractor_for(ref.rel, ref.path)
        except ExtractionError as exc:
            return FileOutcome((self.problem(ref, exc.status, exc.message),))
        if extractor is None:
            return FileOutcome((self.problem(ref, FileStatus.UNSUPPORTED, _unsupported(ref.rel)),))
        try:
            sha256 = file_sha256(ref.path)
        except OSError as exc:
            return FileOutcome((self.problem(ref, *_os_error(ref.path, exc)),))
        if sha256 == known_sha256:
            return FileOutcome(unchanged=True)
        return self.scan_content(ref, sha256, extractor)

    def scan_content(self, ref: FileRef, sha256: str, extractor: Extractor | None = None) -> FileOutcome:
        """Extract and detect a file whose hash is known; members' rows come before the file's own."""
        visit = _Visit(ref.rel)
        try:
            extractor = extractor or self._extractor_for(ref.rel, ref.path)
            if extractor is None:
                raise ExtractionError(FileStatus.UNSUPPORTED, _unsupported(ref.rel))
            document = self._extract(extractor, _Entry(ref.path, ref.rel), visit)
            after = os.stat(ref.path)
        except NestedTooDeep as exc:
            return FileOutcome((self.problem(ref, FileStatus.SUSPICIOUS, f"{ref.rel}: {exc.message}"),))
        except ExtractionError as exc:
            return FileOutcome((*visit.results, self.problem(ref, exc.status, exc.message)))
        except OSError as exc:
            return FileOutcome((*visit.results, self.problem(ref, *_os_error(ref.path, exc))))
        if (after.st_size, after.st_mtime_ns) != (ref.size, ref.mtime_ns):
            message = f"{ref.rel}: changed while it was being scanned; it will be scanned again"
            return FileOutcome((*visit.results, self.problem(ref, FileStatus.CHANGED_DURING_SCAN, message)))
        notes = document.notes
        if visit.skipped:
            cap = (
                f"{visit.skipped:,} members not scanned: only {self.limits.max_member_rows:,} member rows are"
                " recorded per archive; unpack it and scan the files directly, or raise the archive limits"
            )
            notes = f"{notes}; {cap}" if notes else cap
        names = self.names_in(ref.rel)
        own = FileResult(
            ref.rel, document.status, names.scrub(notes), ref.size, ref.mtime_ns, ref.dev, ref.ino, sha256,
            document.encoding, (*names.findings, *document.findings),
        )  # fmt: skip
        return FileOutcome((*visit.results, own))

    def placed(self, ref: FileRef, detected: FileOutcome, known_sha256: str | None = None) -> FileOutcome | None:
        """``detected`` (what `scan_content` gave for a copy of the walked file ``ref`` before it took its place)
        as the outcome of scanning ``ref``, if ``ref`` still holds exactly that content; else None: scan it."""
        *members, own = detected.results or (None,)
        if own is None or own.member or own.status not in READ_FILE_STATUSES or ref.size > self.options.max_file_size:
            return None
        try:
            sha256 = file_sha256(ref.path)
            after = os.stat(ref.path, follow_symlinks=False)
        except OSError:
            return None
        moved = (after.st_size, after.st_mtime_ns, after.st_ino) != (ref.size, ref.mtime_ns, ref.ino)
        if moved or sha256 != own.sha256:  # changed since it was stat'ed, or it is not the content detected
            return None
        if sha256 == known_sha256:
            return FileOutcome(unchanged=True)
        here = replace(own, size=ref.size, mtime_ns=ref.mtime_ns, dev=ref.dev, ino=ref.ino)
        return FileOutcome((*members, here))

    def problem(self, ref: FileRef, status: str, message: str) -> FileResult:
        """A walked file that could not be inspected (stat data kept so an unchanged retry is cheap to spot);
        its name is still scanned."""
        names = self.names_in(ref.rel)
        return FileResult(ref.rel, status, names.scrub(message), ref.size, ref.mtime_ns, findings=names.findings)

    def names_in(self, shown: str, start: int = 0) -> NamesFound:
        """Personal data in the path ``shown`` from ``start`` on (past "a.zip:" for a member): location "name",
        offsets into ``shown``. Path separators become line ends, so no value spans two components."""
        text = shown[start:].replace("/", "\n")
        located = [LocatedDetection(d.shifted(start), NAME_LOCATION) for d in self.detector.detect(text)]
        findings = tuple(self.findings(located))
        values = tuple((item.detection.value, f.preview) for item, f in zip(located, findings, strict=True))
        return NamesFound(findings, values)

    def findings(self, located: Iterable[LocatedDetection]) -> Iterator[NewFinding]:
        """Detections turned into what the store keeps: masked preview and keyed fingerprint, never the value."""
        for item in located:
            det = item.detection
            rule = self.detector.rules.get(det.rule_id)
            verdict = classify(det, rule, self.policy, self.today)
            yield NewFinding(
                entity_type=det.entity_type,
                start=det.start,
                end=det.end,
                location=item.location,
                score=det.score,
                rule_id=det.rule_id,
                pack=det.pack,
                sensitivity=verdict.sensitivity,
                flags=verdict.flags,
                preview=mask_value(det.value, rule.mask) if rule else mask_value(det.value, _NAME_MASK),
                fingerprint=fingerprint(self.key, det.entity_type, det.value),
                context_word=det.context_word,
                record=record_of_location(item.location),
            )

    def _extractor_for(self, name: str, content: Path) -> Extractor | None:
        """The extractor for `name` (a suffix of no known format: by `content`); ExtractionError if it is none."""
        return extractor_for(name, self.options.chunk_chars, self.limits, content, ocr=self.options.ocr)

    def _extract(self, extractor: Extractor, entry: _Entry, visit: _Visit) -> _Document:
        """Extract and detect one file; archive members become rows of their own on the way (up to the row
        cap), attachments join this file's findings under an "attachment NAME" location."""
        attached: list[LocatedDetection] = []
        documents: list[DocumentSeen] = []
        notes: list[str] = []
        pictures: list[PictureRead] = []
        records = RecordSpans(format_label(entry.name))

        def text_blocks() -> Iterator[TextBlock]:
            handled = 0
            with closing(extractor.blocks(entry.path)) as items:
                for item in items:
                    if isinstance(item, TextBlock):
                        records.feed(item)
                        yield item
                    elif isinstance(item, DocumentSeen):
                        documents.append(item)
                    elif isinstance(item, PictureRead):
                        pictures.append(item)
                    elif not item.member:
                        attached.extend(self._attachment(entry.inner(item.name, item.path), visit, notes, pictures))
                    elif len(visit.results) >= self.limits.max_member_rows:
                        visit.skipped += max(getattr(extractor, "members", 0) - handled, 1)
                        return
                    else:
                        handled += 1
                        self._scan_member(entry.inner(f"{entry.name}:{item.name}", item.path), visit)

        found = list(self.findings(self.chunked.detect(text_blocks(), suffix=format_label(entry.name))))
        found.extend(document_finding(seen, self.key) for seen in documents)
        notes.extend(getattr(extractor, "notes", ()))
        records.finish()
        if records.starts or records.outer:  # a record spans lines: known only once its end was read
            found = [_with_record(f, records.key(f.start, f.location)) for f in found]
        return _Document([*found, *attached], extractor.encoding, "; ".join(notes) or None, len(pictures))

    def _attachment(
        self, entry: _Entry, visit: _Visit, notes: list[str], pictures: list[PictureRead]
    ) -> list[NewFinding]:
        """An attachment's findings under "attachment NAME …", NAME masked where it holds personal data (its
        own findings, "attachment N name", come from the message's text); its pictures read join `pictures`."""
        plain = entry.name
        found = self.names_in(plain)
        name = mask_path(plain, [(f.start, f.end, f.preview) for f in found.findings])
        if entry.depth > self.limits.max_depth:
            notes.append(f"attachment {name}: nested deeper than {self.limits.max_depth} levels")
            return []
        try:
            extractor = self._extractor_for(plain, entry.path)
            if extractor is None:
                raise ExtractionError(FileStatus.UNSUPPORTED, _unsupported(plain))
            inner = self._extract(extractor, entry, visit)
        except NestedTooDeep:
            raise
        except ExtractionError as exc:
            notes.append(f"attachment {name}: {exc.status}: {found.scrub(exc.message)}")
            return []
        if inner.notes:  # named: a message with two scans attached says which was read by OCR, which not
            notes.append(f"attachment {name}: {found.scrub(inner.notes)}")
        pictures.extend(PictureRead(f"attachment {name}") for _ in range(inner.pictures_read))
        return [
            replace(f, location=f"attachment {name} {f.location}", record=f"attachment {name} {f.record}")
            for f in inner.findings
        ]

    def _scan_member(self, entry: _Entry, visit: _Visit) -> None:
        """An archive member: its own row (file "a.zip", member "inner/b.csv"), rescanned only when its archive
        changes; ``entry.name`` is the member's shown path, "a.zip:inner/b.csv"."""
        rel, path = entry.name, entry.path
        size = path.stat().st_size
        member = rel[len(visit.rel) + 1 :]
        names = self.names_in(joined_path(visit.rel, member), len(visit.rel) + 1)
        if entry.depth > self.limits.max_depth and format_label(rel) in _CONTAINERS:
            # 42.zip nests 16 archives 16 wide, five deep: one row for the outer file, not 16**5 member rows.
            raise NestedTooDeep(
                FileStatus.SUSPICIOUS,
                f"archives nested more than {self.limits.max_depth} levels deep ({names.scrub(rel)}); recursive"
                " archives like 42.zip are zip bombs; not unpacked, inspect it by hand in a sandbox",
            )
        try:
            extractor = self._extractor_for(rel, path)
            if extractor is None:
                raise ExtractionError(FileStatus.UNSUPPORTED, _unsupported(rel))
            document = self._extract(extractor, entry, visit)
        except NestedTooDeep:
            raise
        except ExtractionError as exc:
            message = names.scrub(exc.message)
            visit.results.append(FileResult(visit.rel, exc.status, message, findings=names.findings, member=member))
            return
        visit.results.append(
            FileResult(
                visit.rel, document.status, names.scrub(document.notes), size, sha256=file_sha256(path),
                encoding=document.encoding, findings=(*names.findings, *document.findings), member=member,
            )
        )  # fmt: skip


# Formats that can hold further files: nesting them past max_depth is what a recursive bomb does.
_CONTAINERS = frozenset({".zip", ".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tar.xz", ".eml", ".msg"})


def queued_for_ocr(result: FileResult) -> FileResult:
    """``result`` of a scan with OCR off for the daemon's OCR queue: a row needing OCR (a picture, a scanned PDF,
    pictures or pages noted as not read) says "queued for OCR" instead of "OCR is off", and is marked queued."""
    message = result.error or ""
    if OCR_OFF in message:
        message = message.replace(OCR_OFF, OCR_QUEUED)
    elif result.status == FileStatus.NEEDS_OCR:  # a scanned PDF's message gives no reason
        message = f"{message}; {OCR_QUEUED}" if message else OCR_QUEUED
    else:
        return result
    return replace(result, error=message, ocr_queued=True)


def _unsupported(name: str) -> str:
    return f"{format_label(name)} files are not inspected by this version"


def _os_error(path: Path, exc: OSError) -> tuple[str, str]:
    error = error_from_os(path, exc)
    return error.status, error.message


def _with_record(f: NewFinding, record: str) -> NewFinding:
    """``f`` in ``record`` (built directly: dataclasses.replace costs several times more per finding)."""
    if record == f.record:
        return f
    return NewFinding(
        f.entity_type, f.start, f.end, f.location, f.score, f.rule_id, f.pack, f.sensitivity, f.flags, f.preview,
        f.fingerprint, f.context_word, record,
    )  # fmt: skip
