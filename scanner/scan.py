"""The scan pipeline for one root: discover → extract → detect → classify → store.

A file is skipped when its size and mtime are unchanged since its last successful scan, or when they changed
but its content hash did not. A file that changes while it is being read is recorded as such and scanned
again next time, so findings always belong to the content hash stored beside them. With `jobs` > 1, worker
processes extract and detect (`scanner.pool`); this process alone writes the database.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scanner import __version__
from scanner.classify import Policy
from scanner.detect.engine import Detector
from scanner.discover import FileRef, WalkProblem, walk
from scanner.exposure.record import ExposureRecorder
from scanner.extract.registry import format_label
from scanner.file_scan import FileOutcome, FileResult, FileScanner, ScanOptions
from scanner.states import READ_FILE_STATUSES, FileStatus, ScanRunStatus
from scanner.store.store import FileRecord, Store, joined_path

if TYPE_CHECKING:  # scanner.pool is imported only when a pool is started
    from scanner.pool import EngineSpec

__all__ = ["ScanOptions", "ScanRun", "ScanStats", "Scanner"]


@dataclass
class ScanStats:
    """Counts for one run; `files_failed` counts every file not inspected, `problems` them by status and
    `unsupported` those of a format this version cannot read by extension."""

    files_seen: int = 0
    files_scanned: int = 0
    files_unchanged: int = 0
    files_failed: int = 0
    bytes_scanned: int = 0
    findings: int = 0
    problems: Counter[str] = field(default_factory=Counter)
    unsupported: Counter[str] = field(default_factory=Counter)


@dataclass
class ScanRun:
    """One scan run as it goes: the `scan_runs` row it is recorded under, the root it scans and its counts. Every
    run (`custos scan`, a rescan after an action, the daemon's runs per root) begins and ends through `Scanner`."""

    id: int
    root_key: str
    stats: ScanStats = field(default_factory=ScanStats)


Progress = Callable[[str, ScanStats], None]


class ScanObserver(Protocol):
    """Told when a walked file's outcome is recorded and when a run has marked missing files gone (the zone
    policies, `scanner.zones.guard.ZoneGuard`). It must not raise."""

    def file_done(self, root: str, rel_path: str) -> None: ...

    def run_done(self, root: str) -> None: ...


_DEFAULT_OPTIONS = ScanOptions()


class Scanner:
    """Scans roots into a `Store`: with one `Detector` in this process, or with `options.jobs` worker processes
    that each build theirs from `engine`."""

    def __init__(
        self,
        store: Store,
        detector: Detector | None,
        *,
        key: bytes,
        policy: Policy,
        options: ScanOptions = _DEFAULT_OPTIONS,
        today: date | None = None,
        engine: EngineSpec | None = None,
        exposure: ExposureRecorder | None = None,
    ) -> None:
        if options.jobs > 1 and engine is None:
            raise ValueError("jobs > 1 needs an EngineSpec: each worker process builds its own detector")
        if detector is None and engine is None:
            raise ValueError("a Scanner needs a detector or an EngineSpec")
        self.store = store
        self.detector = detector
        self.engine = engine
        self.key = key
        self.policy = policy
        self.options = options
        self.files = FileScanner(detector, key=key, policy=policy, options=options, today=today) if detector else None
        self.chunked = self.files.chunked if self.files else None
        self.today = today or (detector.today if detector else None)
        self.exposure = exposure or ExposureRecorder(store)  # who can read the files with sensitive findings
        self.observer: ScanObserver | None = None

    def scan(self, root: Path, progress: Progress | None = None) -> tuple[int, ScanStats]:
        """Scan every file under ``root``; returns the run id and its counts."""
        root = root.resolve()
        run = self.begin_run(str(root))
        status = ScanRunStatus.INTERRUPTED
        try:
            items = walk(root, follow_symlinks=self.options.follow_symlinks, exclude=self.options.exclude)
            if self.options.jobs > 1:
                self._scan_pooled(run, items, progress)
            else:
                for item in items:
                    run.stats.files_seen += 1
                    if isinstance(item, WalkProblem):
                        self._record(run, self._walk_problem(item))
                    else:
                        self.scan_file(run, item)
                    if progress:
                        progress(item.rel, run.stats)
            self.store.mark_missing(run.root_key, run.id)
            if self.observer:
                self.observer.run_done(run.root_key)
            status = ScanRunStatus.COMPLETED
        finally:
            self.finish_run(run, status)
        return run.id, run.stats

    def begin_run(self, root_key: str, tool: str = __version__) -> ScanRun:
        """Record the start of a run over ``root_key`` (``tool``: the version, and how it was started)."""
        return ScanRun(self.store.begin_run(root_key, self._packs(), tool), root_key)

    def finish_run(self, run: ScanRun, status: str) -> None:
        """Record a run's status and counts so far (the daemon updates its long runs as they go)."""
        stats = run.stats
        self.store.finish_run(
            run.id, status, files_seen=stats.files_seen, files_scanned=stats.files_scanned,
            files_unchanged=stats.files_unchanged, files_failed=stats.files_failed,
            bytes_scanned=stats.bytes_scanned, findings=stats.findings,
        )  # fmt: skip

    def rescan_one(self, root_key: str, rel: str, detected: FileOutcome | None = None) -> ScanStats:
        """Scan one file of a root again as a run of its own (after an action changed it, or on stale findings).
        ``detected``: what detecting the file's content already gave (a masked copy before it took the file's
        place), recorded without detecting again if the file still holds exactly that content. Size and mtime are
        not trusted here: a file an action found changed may keep both, so its content hash decides."""
        run = self.begin_run(root_key)
        run.stats.files_seen = 1
        path = Path(root_key) / rel
        try:
            st = os.stat(path, follow_symlinks=False)
        except FileNotFoundError:
            self.finish_run(run, ScanRunStatus.COMPLETED)
            return run.stats
        ref = FileRef(path, rel, st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)
        self.scan_file(run, ref, detected, trust_stat=False)
        self.finish_run(run, ScanRunStatus.COMPLETED)
        return run.stats

    def scan_file(
        self, run: ScanRun, ref: FileRef, detected: FileOutcome | None = None, *, trust_stat: bool = True,
        reread: bool = False,
    ) -> FileOutcome | None:  # fmt: skip
        """Scan one file in this process (or skip it as unchanged) and record the outcome, which it returns (None:
        unchanged by size and mtime). ``trust_stat``: a file whose size and mtime are as recorded is unchanged,
        without reading it (else its content hash decides). ``reread``: read it whatever was recorded (the daemon's
        OCR queue: the last scan left its pictures unread)."""
        previous = self.store.file(run.root_key, ref.rel)
        if trust_stat and not reread and _same_stat(previous, ref):
            self._keep_unchanged(run, previous, ref)
            return None
        known = None if reread else _known_sha256(previous)
        outcome = self.files.placed(ref, detected, known) if detected else None
        outcome = outcome or self.files.scan(ref, known)
        self.apply(run, ref, previous, outcome)
        return outcome

    def apply(self, run: ScanRun, ref: FileRef, previous: FileRecord | None, outcome: FileOutcome) -> None:
        """Write what scanning one walked file gave: each row in its own transaction, members first."""
        if outcome.unchanged:
            self._keep_unchanged(run, previous, ref)
            return
        for result in outcome.results:
            self._record(run, result)
        self.exposure.after_scan(run.root_key, ref.rel, [f for r in outcome.results for f in r.findings])
        if self.observer:
            self.observer.file_done(run.root_key, ref.rel)

    def _scan_pooled(self, run: ScanRun, items: Iterable[FileRef | WalkProblem], progress: Progress | None) -> None:
        from scanner.pool import ScanPool

        def settle(block: bool) -> None:
            for (ref, previous), outcome in pool.finished(block=block):
                self.apply(run, ref, previous, outcome)
                if progress:
                    progress(ref.rel, run.stats)

        with ScanPool(self.engine, key=self.key, policy=self.policy, options=self.options) as pool:
            for item in items:
                run.stats.files_seen += 1
                previous = None if isinstance(item, WalkProblem) else self.store.file(run.root_key, item.rel)
                if isinstance(item, WalkProblem):
                    self._record(run, self._walk_problem(item))
                elif _same_stat(previous, item) and previous.names_scanned:
                    self._keep_unchanged(run, previous, item)
                else:  # reported when its outcome comes back; a name not yet scanned: this process has no detector
                    known = _known_sha256(previous) if previous and previous.names_scanned else None
                    pool.submit(item, known, (item, previous))
                    settle(block=pool.full)
                    continue
                if progress:
                    progress(item.rel, run.stats)
                settle(block=False)
            while pool.pending:
                settle(block=True)

    def _keep_unchanged(self, run: ScanRun, previous: FileRecord, ref: FileRef) -> None:
        self.store.record_unchanged(previous.id, run.id, ref.size, ref.mtime_ns)
        self.store.keep_members(run.root_key, ref.rel, run.id)
        self.exposure.after_unchanged(previous.id, run.root_key, ref.rel)
        if not previous.names_scanned and self.files is not None:  # moved, or scanned before names were
            self.store.replace_name_findings(previous.id, run.id, self.files.names_in(ref.rel).findings)
        run.stats.files_unchanged += 1
        if self.observer:
            self.observer.file_done(run.root_key, ref.rel)

    def _walk_problem(self, item: WalkProblem) -> FileResult:
        """A path the walk could not enter or read; its name is scanned when this process has a detector."""
        if self.files is None:
            return FileResult(item.rel, item.status, item.message, names_scanned=False)
        names = self.files.names_in(item.rel)
        return FileResult(item.rel, item.status, names.scrub(item.message), findings=names.findings)

    def _record(self, run: ScanRun, result: FileResult) -> None:
        stats = run.stats
        self.store.record_scan(
            root=run.root_key, rel_path=result.rel, member=result.member, run_id=run.id, status=result.status,
            size=result.size, names_scanned=result.names_scanned,
            mtime_ns=result.mtime_ns, dev=result.dev, ino=result.ino, sha256=result.sha256,
            encoding=result.encoding, error=result.error, findings=result.findings,
        )  # fmt: skip
        if result.member:
            stats.files_seen += 1
        if result.status in READ_FILE_STATUSES:
            stats.files_scanned += 1
            stats.bytes_scanned += result.size or 0
            stats.findings += len(result.findings)
            return
        stats.problems[result.status] += 1
        stats.files_failed += 1  # not inspected, whatever the reason: a format this version cannot read included
        if result.status == FileStatus.UNSUPPORTED:
            stats.unsupported[format_label(joined_path(result.rel, result.member))] += 1

    def _packs(self) -> str:
        if self.detector is not None:
            return ", ".join(sorted({r.pack_ref for r in self.detector.rules.values()}))
        return self.engine.pack_refs()


def _same_stat(previous: FileRecord | None, ref: FileRef) -> bool:
    unchanged = previous and (previous.size, previous.mtime_ns) == (ref.size, ref.mtime_ns)
    return bool(unchanged and previous.status in READ_FILE_STATUSES)


def _known_sha256(previous: FileRecord | None) -> str | None:
    return previous.sha256 if previous and previous.status in READ_FILE_STATUSES else None
