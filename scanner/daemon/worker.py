"""A worker process: loads the detection engine once, then claims queued paths and scans them until told to stop.

A claimed job is leased, and the lease renewed while the file is scanned (`LeaseKeeper`); a worker that dies
(kill -9) leaves its job to be taken over by another worker of its host when the lease ends, or when the daemon
restarts. Scanning twice is harmless: an unchanged file is skipped by size/mtime and hash, so a file is recorded
once per content. A file whose mtime is younger than the settle time is put back. Each worker beats its own row
in host_workers (`HostWorkers`: state, files done, errors) at most every heartbeat interval, and while it scans.

With `[daemon] ocr = "background"` the scan workers read with OCR off: a file left with pictures or scanned pages
unread is recorded needs_ocr ("queued for OCR") and queued for OCR. An OCR worker (`ocr_worker`), at the lowest CPU
priority, takes those jobs only while no other job is ready and reads the file again, whole and with OCR, as it
is then: a file changed since it was queued is read afresh, never recorded on the content seen before.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.daemon.config import WatchConfig
from scanner.daemon.heartbeat import publish_progress
from scanner.daemon.lease import LeaseKeeper
from scanner.daemon.log import event, setup
from scanner.daemon.priority import lower_priority
from scanner.daemon.watcher import root_is_present
from scanner.discover import FileRef
from scanner.scan import Scanner, ScanOptions, ScanRun
from scanner.selection import behind_symlink
from scanner.states import FileStatus, JobReason, OcrMode, ScanRunStatus, ScanWorkerState
from scanner.store.daemon_status import DaemonStatusStore
from scanner.store.engine import db_errors
from scanner.store.host_workers import HostWorkers
from scanner.store.moves import FileMoves
from scanner.store.store import Store
from scanner.store.work_queue import ANY_JOB, OCR_JOBS, SCAN_JOBS, Job, WorkQueue

if TYPE_CHECKING:
    from scanner.daemon.daemon import WorkerStop

LEASE_SECONDS = 120.0
IDLE_SLEEP = 0.5
RETRY_SECONDS = 30.0
ALERTS_STOP_WAIT = 2.0  # seconds to write the last alerts into the outbox when the worker stops
DELETE_BATCH = 500  # deleted paths checked and marked gone per transaction


def worker_main(
    config: WatchConfig, db: Path, name: str, stop: WorkerStop, log_level: str, *, ocr_worker: bool = False
) -> None:
    """Entry point of a worker process (multiprocessing 'spawn': everything it needs is passed in); an
    ``ocr_worker`` lowers its priority first, so every thread it starts inherits it."""
    setup(log_level)
    if ocr_worker:
        event("ocr_worker", worker=name, pid=os.getpid(), threads_lowered=len(lower_priority()))
    from scanner.alerts.attach import alerts_on_violations
    from scanner.build import build_scanner
    from scanner.detect.rulepack import load_default_packs
    from scanner.zones.guard import attach_guard

    packs = load_default_packs()
    with Store(db) as store:
        mode = config.ocr_mode()
        options = ScanOptions(max_file_size=config.max_file_size, ocr=ocr_worker or mode == OcrMode.INLINE,
                              ocr_queued=not ocr_worker and mode == OcrMode.BACKGROUND)  # fmt: skip
        scanner = build_scanner(store, db, packs, options=options)
        guard = attach_guard(scanner, store, config.zones)  # zone policies judged after each file
        alerts = config.alerts if guard else None  # recorded in the outbox here; the daemon's main process sends
        lane = OCR_JOBS if ocr_worker else SCAN_JOBS if mode == OcrMode.BACKGROUND else ANY_JOB
        try:
            with alerts_on_violations(alerts, db, deliver=False, wait_s=ALERTS_STOP_WAIT):
                _Worker(config, store, scanner, db, name, lane).run(stop)
        finally:
            if guard:
                guard.close()


class _Worker:
    def __init__(self, config: WatchConfig, store: Store, scanner: Scanner, db: Path, name: str, lane: str) -> None:
        self.config = config
        self.lane = lane  # which jobs it takes (scanner.store.work_queue)
        self.store = store
        self.scanner = scanner
        self.db = db
        self.name = name
        self.work = WorkQueue(store)
        self.moves = FileMoves(store)
        self.status = DaemonStatusStore(store)
        self.roots = {str(r.path): r for r in config.roots}
        self.runs: dict[str, ScanRun] = {}  # one run per root, open while this worker lives
        self.beats = HostWorkers(store)
        self.started_at, self.files_done, self.errors, self._beat_at = time.time(), 0, 0, 0.0

    def run(self, stop: WorkerStop) -> None:
        event("worker_ready", worker=self.name, pid=os.getpid())
        try:
            while not stop.is_set():
                self._beat(ScanWorkerState.RUNNING)
                job = self.work.claim(self.name, time.time(), LEASE_SECONDS, lane=self.lane)
                if job is None:  # the OCR lane waits for the others to be idle: no sooner time to compute
                    wait = None if self.lane == OCR_JOBS else self.work.next_ready_in(time.time(), self.lane)
                    stop.wait(IDLE_SLEEP if wait is None else min(IDLE_SLEEP, max(wait, 0.05)))
                elif job.reason == JobReason.DELETED:
                    more = self.work.claim_deletions(self.name, job.root, time.time(), LEASE_SECONDS, DELETE_BATCH - 1)
                    self._handle_deletions([job, *more])
                else:
                    self._handle(job)
        finally:
            self.work.release(self.name)
            for run in self.runs.values():
                self.scanner.finish_run(run, ScanRunStatus.COMPLETED)
            self._beat(ScanWorkerState.STOPPED, force=True)
            event("worker_stopped", worker=self.name)

    def _beat(self, state: ScanWorkerState, beats: HostWorkers | None = None, *, force: bool = False) -> None:
        """This worker's heartbeat row, at most every heartbeat interval (``force``: now)."""
        now = time.time()
        if not force and now < self._beat_at + self.config.heartbeat_seconds:
            return
        self._beat_at = now
        try:
            (beats or self.beats).beat(
                self.name, state=state, pid=os.getpid(), files_done=self.files_done, errors=self.errors,
                queue_depth=None, started_at=self.started_at, now=now,
            )  # fmt: skip
        except db_errors() as exc:  # a busy database: the next beat writes it
            event("heartbeat_error", "warning", worker=self.name, error=exc)

    def _handle(self, job: Job) -> None:
        root = self.roots.get(job.root)
        if root is None or not root.wants(job.rel_path):
            self.work.complete(job.id, self.name)
            return
        path = Path(job.root) / job.rel_path
        if behind_symlink(root.path, job.rel_path):  # the walks never reach it: it is not in this root (any more)
            self._gone(job, root.path)
            return
        try:
            st = os.stat(path, follow_symlinks=False)
        except FileNotFoundError:
            self._gone(job, root.path)
            return
        except OSError as exc:
            self.work.fail(job.id, self.name, str(exc), retry_at=time.time() + RETRY_SECONDS)
            return
        if not stat.S_ISREG(st.st_mode):
            self.work.complete(job.id, self.name)
            return
        settled_at = st.st_mtime_ns / 1e9 + self.config.settle_seconds
        if settled_at > time.time():
            self.work.postpone(job.id, self.name, not_before=settled_at + 0.05)  # still being written
            return
        self._scan(job, FileRef(path, job.rel_path, st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino))

    def _scan(self, job: Job, ref: FileRef) -> None:
        run = self._run_for(job.root)
        run.stats.files_seen += 1
        before = run.stats.findings
        every = min(LEASE_SECONDS / 3, self.config.heartbeat_seconds)
        keeper = LeaseKeeper(self.db, job, self.store.host, self.name, lease_seconds=LEASE_SECONDS, every=every,
                             beat=lambda beats: self._beat(ScanWorkerState.SCANNING, beats, force=True))  # fmt: skip
        try:
            outcome = self.scanner.scan_file(run, ref, reread=self._reread(job, ref))
        except Exception as exc:  # noqa: BLE001 - one bad file must never stop the worker
            event("scan_error", "error", path=ref.path, error=exc)
            self.errors += 1
            self.work.fail(job.id, self.name, f"{type(exc).__name__}: {exc}", retry_at=time.time() + RETRY_SECONDS)
            return
        finally:
            keeper.stop()
        self.files_done += 1
        record = self.store.file(job.root, job.rel_path)
        queued_ocr = False
        if record and record.status == FileStatus.CHANGED_DURING_SCAN:
            now = time.time()
            self.work.enqueue(
                job.root, job.rel_path, FileStatus.CHANGED_DURING_SCAN, now + self.config.settle_seconds, now
            )
        elif outcome is not None and any(r.ocr_queued for r in outcome.results):
            queued_ocr = self.work.enqueue_ocr(job.root, job.rel_path, time.time())
        if not self.work.complete(job.id, self.name):  # stalled past its lease: another worker took it over
            event("job_taken_over", "warning", worker=self.name, path=ref.path)
        self.scanner.finish_run(run, ScanRunStatus.RUNNING)
        publish_progress(self.status, self.store, self.work)  # shown by `custos status` now, not a heartbeat later
        # findings: what the file holds now (an unchanged file moved keeps its findings); new: found by this scan
        event("scanned", path=ref.path, status=record.status if record else "?",
              findings=self.moves.active_findings(job.root, job.rel_path), new=run.stats.findings - before,
              reason=job.reason, **({"ocr_queued": "yes"} if queued_ocr else {}))  # fmt: skip

    def _reread(self, job: Job, ref: FileRef) -> bool:
        """An OCR job is read again whole unless the file is recorded as read by OCR with this size and mtime."""
        if job.reason != JobReason.OCR:
            return False
        record = self.store.file(job.root, job.rel_path)
        done = record is not None and record.status == FileStatus.OCR_DONE
        return not (done and (record.size, record.mtime_ns) == (ref.size, ref.mtime_ns))

    def _handle_deletions(self, jobs: list[Job]) -> None:
        """Deleted paths of one root, checked as a batch: the missing ones are marked gone in one transaction
        (a mass deletion is thousands of them); a path that exists again is handled like any other job."""
        root = self.roots.get(jobs[0].root)
        missing, others = [], []
        for job in jobs:
            if root is None or not root.wants(job.rel_path) or not _missing(root.path, job.rel_path):
                others.append(job)
            else:
                missing.append(job)
        if missing and not root_is_present(root.path):
            event("root_unavailable", "warning", root=root.path, files=len(missing), action="postponed")
            for job in missing:
                self.work.postpone(job.id, self.name, not_before=time.time() + RETRY_SECONDS)
        elif missing:
            self.moves.mark_files_gone(jobs[0].root, [job.rel_path for job in missing])
            self._retired(jobs[0].root)
            self.work.complete_many([job.id for job in missing], self.name)
            first = Path(jobs[0].root) / missing[0].rel_path
            event("gone", path=first, **({"and_more": len(missing) - 1} if len(missing) > 1 else {}))
        for job in others:
            self._handle(job)

    def _gone(self, job: Job, root: Path) -> None:
        if not root_is_present(root):
            event("root_unavailable", "warning", root=root, action="postponed")
            self.work.postpone(job.id, self.name, not_before=time.time() + RETRY_SECONDS)
            return
        if self.moves.mark_file_gone(job.root, job.rel_path):
            event("gone", path=Path(job.root) / job.rel_path)
            self._retired(job.root)
        self.work.complete(job.id, self.name)

    def _retired(self, root: str) -> None:
        """Files marked gone: their zone violations resolve."""
        if self.scanner.observer:
            self.scanner.observer.run_done(root)

    def _run_for(self, root: str) -> ScanRun:
        if root not in self.runs:
            from scanner import __version__

            self.runs[root] = self.scanner.begin_run(root, f"{__version__} watch")
        return self.runs[root]


def _missing(root: Path, rel: str) -> bool:
    """Not in the root: gone, or only reachable through a folder that is now a symbolic link."""
    if behind_symlink(root, rel):
        return True
    try:
        os.lstat(root / rel)
    except FileNotFoundError:
        return True
    except OSError:
        return False  # unreadable is not gone: the job's own handling retries it
    return False
