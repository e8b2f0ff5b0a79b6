"""The scan pipeline for one root: discover → extract → detect → classify → store.

A file is skipped when its size and mtime are unchanged since its last successful scan, or when they changed
but its content hash did not. A file that changes while it is being read is recorded as such and scanned
again next time, so findings always belong to the content hash stored beside them.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from scanner import __version__
from scanner.classify import Policy, classify
from scanner.detect.engine import Detector
from scanner.detect.rulepack import MaskStyle
from scanner.detect.stream import ChunkedDetector, LocatedDetection
from scanner.discover import DEFAULT_EXCLUDES, FileRef, WalkProblem, walk
from scanner.extract.archive_limits import ArchiveLimits
from scanner.extract.base import (
    SUSPICIOUS,
    TOO_LARGE,
    UNSUPPORTED,
    ExtractionError,
    Extractor,
    TextBlock,
    error_from_os,
)
from scanner.extract.registry import extractor_for, format_label
from scanner.fingerprint import file_sha256, fingerprint
from scanner.mask import mask_value
from scanner.store.store import NewFinding, Store

_NAME_MASK = MaskStyle("name")  # for detections from NER, which have no rule
SCANNED = "scanned"
CHANGED_DURING_SCAN = "changed_during_scan"


@dataclass(frozen=True)
class ScanOptions:
    max_file_size: int = 1 << 30
    follow_symlinks: bool = False
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    chunk_chars: int = 1 << 20
    overlap: int = 4096
    archive_limits: ArchiveLimits = ArchiveLimits()


@dataclass(frozen=True)
class _Document:
    """What one file yielded: located detections (its own and its attachments'), encoding, notes."""

    located: list[LocatedDetection]
    encoding: str | None
    notes: str | None


@dataclass
class ScanStats:
    """Counts for one run; `problems` by status, `unsupported` by extension."""

    files_seen: int = 0
    files_scanned: int = 0
    files_unchanged: int = 0
    files_failed: int = 0
    bytes_scanned: int = 0
    findings: int = 0
    problems: Counter[str] = field(default_factory=Counter)
    unsupported: Counter[str] = field(default_factory=Counter)


Progress = Callable[[str, ScanStats], None]


class Scanner:
    """Scans roots into a `Store` with one `Detector`."""

    def __init__(
        self,
        store: Store,
        detector: Detector,
        *,
        key: bytes,
        policy: Policy,
        options: ScanOptions = ScanOptions(),
        today: date | None = None,
    ) -> None:
        self.store = store
        self.detector = detector
        self.chunked = ChunkedDetector(detector, chunk_chars=options.chunk_chars, overlap=options.overlap)
        self.key = key
        self.policy = policy
        self.options = options
        self.today = today or detector.today

    def scan(self, root: Path, progress: Progress | None = None) -> tuple[int, ScanStats]:
        """Scan every file under ``root``; returns the run id and its counts."""
        root = root.resolve()
        root_key = str(root)
        packs = ", ".join(sorted({r.pack_ref for r in self.detector.rules.values()}))
        run_id = self.store.begin_run(root_key, packs, __version__)
        stats = ScanStats()
        status = "interrupted"
        try:
            for item in walk(root, follow_symlinks=self.options.follow_symlinks, exclude=self.options.exclude):
                stats.files_seen += 1
                if isinstance(item, WalkProblem):
                    self._record_problem(root_key, run_id, item.rel, item.status, item.message, stats)
                else:
                    self.scan_file(root_key, item, run_id, stats)
                if progress:
                    progress(item.rel, stats)
            self.store.mark_missing(root_key, run_id)
            status = "completed"
        finally:
            self.store.finish_run(
                run_id,
                status,
                files_seen=stats.files_seen,
                files_scanned=stats.files_scanned,
                files_unchanged=stats.files_unchanged,
                files_failed=stats.files_failed,
                bytes_scanned=stats.bytes_scanned,
                findings=stats.findings,
            )
        return run_id, stats

    def rescan_one(self, root_key: str, rel: str) -> ScanStats:
        """Scan one file of a root again as a run of its own (after an action changed it, or on stale findings)."""
        packs = ", ".join(sorted({r.pack_ref for r in self.detector.rules.values()}))
        run_id = self.store.begin_run(root_key, packs, __version__)
        stats = ScanStats(files_seen=1)
        path = Path(root_key) / rel
        try:
            st = os.stat(path, follow_symlinks=False)
        except FileNotFoundError:
            self.store.finish_run(run_id, "completed", files_seen=1)
            return stats
        self.scan_file(root_key, FileRef(path, rel, st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino), run_id, stats)
        self.store.finish_run(
            run_id, "completed", files_seen=1, files_scanned=stats.files_scanned, files_unchanged=stats.files_unchanged,
            files_failed=stats.files_failed, bytes_scanned=stats.bytes_scanned, findings=stats.findings,
        )  # fmt: skip
        return stats

    def scan_file(self, root_key: str, ref: FileRef, run_id: int, stats: ScanStats) -> None:
        """Scan one file (or skip it as unchanged) and record the outcome."""
        previous = self.store.file(root_key, ref.rel)
        if previous and previous.status == SCANNED and (previous.size, previous.mtime_ns) == (ref.size, ref.mtime_ns):
            self._keep_unchanged(root_key, previous.id, ref, run_id, stats)
            return
        if ref.size > self.options.max_file_size:
            message = (
                f"{ref.rel}: {ref.size:,} bytes exceeds the {self.options.max_file_size:,}-byte limit (--max-size)"
            )
            self._record_problem(root_key, run_id, ref.rel, TOO_LARGE, message, stats, ref)
            return
        extractor = self._extractor_for(ref.rel)
        if extractor is None:
            self._record_unsupported(root_key, run_id, ref.rel, stats, ref)
            return
        try:
            sha256 = file_sha256(ref.path)
            if previous and previous.status == SCANNED and previous.sha256 == sha256:
                self._keep_unchanged(root_key, previous.id, ref, run_id, stats)
                return
            document = self._extract(extractor, ref.path, ref.rel, root_key, run_id, stats, depth=0)
            after = os.stat(ref.path)
        except ExtractionError as exc:
            self._record_problem(root_key, run_id, ref.rel, exc.status, exc.message, stats, ref)
            return
        except OSError as exc:
            error = error_from_os(ref.path, exc)
            self._record_problem(root_key, run_id, ref.rel, error.status, error.message, stats, ref)
            return
        findings = list(self._findings(document.located))
        if (after.st_size, after.st_mtime_ns) != (ref.size, ref.mtime_ns):
            message = f"{ref.rel}: changed while it was being scanned; it will be scanned again"
            self._record_problem(root_key, run_id, ref.rel, CHANGED_DURING_SCAN, message, stats, ref)
            return
        self.store.record_scan(
            root=root_key, rel_path=ref.rel, run_id=run_id, status=SCANNED, size=ref.size, mtime_ns=ref.mtime_ns,
            dev=ref.dev, ino=ref.ino, sha256=sha256, encoding=document.encoding, error=document.notes,
            findings=findings,
        )  # fmt: skip
        self._count_scanned(stats, ref.size, len(findings))

    def _extractor_for(self, name: str) -> Extractor | None:
        return extractor_for(name, self.options.chunk_chars, self.options.archive_limits)

    def _extract(
        self, extractor: Extractor, path: Path, name: str, root_key: str, run_id: int, stats: ScanStats, depth: int
    ) -> _Document:
        """Extract and detect one file; archive members are scanned as files of their own on the way,
        attachments join this file's findings under an "attachment NAME" location."""
        attached: list[LocatedDetection] = []
        notes: list[str] = []

        def text_blocks() -> Iterator[TextBlock]:
            for item in extractor.blocks(path):
                if isinstance(item, TextBlock):
                    yield item
                elif item.member:
                    self._scan_member(f"{name}:{item.name}", item.path, root_key, run_id, stats, depth + 1)
                else:
                    attached.extend(self._attachment(item.name, item.path, root_key, run_id, stats, depth + 1, notes))

        located = list(self.chunked.detect(text_blocks(), suffix=format_label(name)))
        return _Document([*located, *attached], extractor.encoding, "; ".join(notes) or None)

    def _attachment(
        self, name: str, path: Path, root_key: str, run_id: int, stats: ScanStats, depth: int, notes: list[str]
    ) -> list[LocatedDetection]:
        if depth > self.options.archive_limits.max_depth:
            notes.append(f"attachment {name}: nested deeper than {self.options.archive_limits.max_depth} levels")
            return []
        extractor = self._extractor_for(name)
        if extractor is None:
            notes.append(
                f"attachment {name}: {UNSUPPORTED}: {format_label(name)} files are not inspected by this version"
            )
            return []
        try:
            inner = self._extract(extractor, path, name, root_key, run_id, stats, depth)
        except ExtractionError as exc:
            notes.append(f"attachment {name}: {exc.status}: {exc.message}")
            return []
        if inner.notes:
            notes.append(inner.notes)
        return [LocatedDetection(d.detection, f"attachment {name} {d.location}") for d in inner.located]

    def _scan_member(self, rel: str, path: Path, root_key: str, run_id: int, stats: ScanStats, depth: int) -> None:
        """An archive member: its own row ("a.zip:inner/b.csv"), rescanned only when its archive changes."""
        stats.files_seen += 1
        size = path.stat().st_size
        if depth > self.options.archive_limits.max_depth:
            message = f"{rel}: archives nested deeper than {self.options.archive_limits.max_depth} levels"
            self._record_problem(root_key, run_id, rel, SUSPICIOUS, message, stats)
            return
        extractor = self._extractor_for(rel)
        if extractor is None:
            self._record_unsupported(root_key, run_id, rel, stats)
            return
        try:
            document = self._extract(extractor, path, rel, root_key, run_id, stats, depth)
        except ExtractionError as exc:
            self._record_problem(root_key, run_id, rel, exc.status, exc.message, stats)
            return
        findings = list(self._findings(document.located))
        self.store.record_scan(
            root=root_key, rel_path=rel, run_id=run_id, status=SCANNED, size=size, sha256=file_sha256(path),
            encoding=document.encoding, error=document.notes, findings=findings,
        )  # fmt: skip
        self._count_scanned(stats, size, len(findings))

    def _keep_unchanged(self, root_key: str, file_id: int, ref: FileRef, run_id: int, stats: ScanStats) -> None:
        self.store.record_unchanged(file_id, run_id, ref.size, ref.mtime_ns)
        self.store.keep_members(root_key, ref.rel, run_id)
        stats.files_unchanged += 1

    @staticmethod
    def _count_scanned(stats: ScanStats, size: int, findings: int) -> None:
        stats.files_scanned += 1
        stats.bytes_scanned += size
        stats.findings += findings

    def _record_unsupported(
        self, root_key: str, run_id: int, rel: str, stats: ScanStats, ref: FileRef | None = None
    ) -> None:
        stats.unsupported[format_label(rel)] += 1
        message = f"{format_label(rel)} files are not inspected by this version"
        self._record_problem(root_key, run_id, rel, UNSUPPORTED, message, stats, ref)

    def _findings(self, located: Iterator[LocatedDetection]) -> Iterator[NewFinding]:
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
            )

    def _record_problem(
        self,
        root_key: str,
        run_id: int,
        rel: str,
        status: str,
        message: str,
        stats: ScanStats,
        ref: FileRef | None = None,
    ) -> None:
        self.store.record_scan(
            root=root_key,
            rel_path=rel,
            run_id=run_id,
            status=status,
            error=message,
            size=ref.size if ref else None,
            mtime_ns=ref.mtime_ns if ref else None,
        )
        stats.problems[status] += 1
        if status != UNSUPPORTED:
            stats.files_failed += 1
