"""`custos watch`: the main process. It holds the single-instance lock, starts the worker processes, the
watchdog observers and the heartbeat, turns events into queued paths, and walks the roots to reconcile.

SIGTERM or SIGINT stops it within seconds, whatever it is doing: the main loop checks between chunks of work,
observers stop, workers get `STOP_GRACE` seconds to finish the file in hand and are then killed, their jobs
put back in the queue; the status row says "stopped". After kill -9 the next start finds the lock free, puts
the dead workers' jobs back in the queue and reconciles; nothing queued is lost and nothing is recorded twice.

Every heartbeat interval the loop also checks that each root is still the directory it watches (a root moved
away and replaced is watched again and reconciled) and polls folders inotify could not watch.
"""

from __future__ import annotations

import dataclasses
import fcntl
import multiprocessing
import os
import queue
import signal
import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from scanner import __version__
from scanner.daemon.changes import ChangeApplier
from scanner.daemon.config import RootConfig, WatchConfig
from scanner.daemon.heartbeat import Heartbeat, beat_host, status_values
from scanner.daemon.log import event, setup
from scanner.daemon.reconcile import SETTLED_STATUSES_TO_RECHECK, reconcile
from scanner.daemon.watcher import Change, Watcher
from scanner.i18n import _
from scanner.states import DaemonState, FileStatus, OcrMode
from scanner.store.daemon_status import DaemonStatusStore
from scanner.store.hosts import HostStatusStore
from scanner.store.moves import FileMoves
from scanner.store.store import Store
from scanner.store.work_queue import WorkQueue

if TYPE_CHECKING:
    from scanner.alerts.dispatch import AlertDispatcher

STOP_GRACE = 5.0  # seconds a worker may take to finish its file after SIGTERM; then it is killed, its job requeued
DRAIN_BATCH = 10_000  # changes taken from the watcher per loop turn
ALERTS_STOP_WAIT = 2.0  # seconds the alert delivery gets at stop to send what is due
RUNNER_NAME = "actions"  # the action runner's process among the workers (scanner.daemon.action_runner)
STALL_SECONDS = 120.0  # a main loop with no progress this long stops the heartbeat: a stuck daemon is not "running"


class DaemonError(RuntimeError):
    """The daemon cannot start (another instance, unusable database); one line for the operator."""


class Daemon:
    def __init__(self, config: WatchConfig, db: Path, log_level: str) -> None:
        self.config = dataclasses.replace(config, ocr=config.ocr_mode())  # decided once, for every worker
        self.db = db
        self.log_level = log_level
        self.roots = {str(r.path): r for r in config.roots}
        self.stopping = threading.Event()
        self._ctx = multiprocessing.get_context("spawn")
        self._worker_stop = self._ctx.Event()
        self._workers: dict[str, multiprocessing.process.BaseProcess] = {}
        self._entries: dict[str, object] = {}  # each process's entry function, to restart it alike
        self.state = DaemonState.STARTING
        self.last_event_at: float | None = None
        self.errors = 0
        self.last_error: str | None = None
        self.watch: dict[str, str] = {}
        self.progress_at = time.monotonic()  # the main loop's last sign of life, read by the heartbeat
        self._next_poll: dict[tuple[str, str], float] = {}

    def run(self) -> int:
        setup(self.log_level)
        lock = _acquire_lock(self.db)
        self.started = time.time()
        try:
            with Store(self.db) as store:
                self.store, self.work, self.moves = store, WorkQueue(store), FileMoves(store)
                self.status, self.hosts = DaemonStatusStore(store), HostStatusStore(store)
                self.changes = ChangeApplier(self.roots, self.moves, self.work, self.config.settle_seconds,
                                             self._error)  # fmt: skip
                orphans = self.work.requeue_orphans()
                self._status(DaemonState.STARTING, pid=os.getpid(), host=socket.gethostname(), started_at=self.started,
                             roots=list(self.roots), workers=self.config.workers, version=__version__)  # fmt: skip
                event("starting", pid=os.getpid(), db=self.db, roots=len(self.roots), workers=self.config.workers,
                      ocr=self.config.ocr, requeued=orphans)  # fmt: skip
                self._install_signals()
                self._check_ocr()
                for n in range(self.config.workers):
                    self._start_worker(f"worker-{n + 1}")
                self._start_ocr_workers()
                if self.config.runs_actions():  # this host's approved actions, from wherever they were approved
                    self._start_worker(RUNNER_NAME, _action_runner_entry)
                watcher = Watcher(self.config.roots)
                watcher.start()  # before the walk: nothing changed during it is missed
                self.watch = watcher.describe()
                event("watching", **{f"root{n}": f"{root}({mode})" for n, (root, mode) in
                                     enumerate(self.watch.items(), 1)})  # fmt: skip
                self._status(DaemonState.RUNNING)
                stall_after = max(STALL_SECONDS, 10 * self.config.heartbeat_seconds)
                heartbeat = Heartbeat(self.db, self.config.heartbeat_seconds, self.started, self._snapshot,
                                      lambda: self.progress_at, stall_after)  # fmt: skip
                heartbeat.start()
                alerts = _start_alerts(self.config, self.db)
                try:
                    self._loop(watcher)
                finally:
                    self._status(DaemonState.DRAINING)
                    watcher.stop()
                    self._stop_workers()
                    if alerts is not None:
                        alerts.stop(ALERTS_STOP_WAIT)  # what is left waits in the outbox for the next start
                    heartbeat.stop()
                    self._status(DaemonState.STOPPED)
                    depth = self.work.depth(time.time())
                    event("stopped", queued=depth.queued, ocr_queued=depth.ocr_queued)
        finally:
            lock.close()
        return 0

    # --- main loop -------------------------------------------------------------------------------------
    def _loop(self, watcher: Watcher) -> None:
        self._reconcile_all(first=True)
        interval = self.config.reconcile_interval
        next_reconcile = time.monotonic() + interval if interval else None
        next_check = 0.0
        while not self.stopping.is_set():
            self._progress()
            self._drain(watcher.changes, timeout=0.5)
            now = time.monotonic()
            if watcher.reconcile_requested.is_set() or (next_reconcile is not None and now >= next_reconcile):
                watcher.reconcile_requested.clear()
                self._reconcile_all()
                if interval:
                    next_reconcile = time.monotonic() + interval
            if now >= next_check:
                self._check_workers()
                for root in watcher.check_roots():
                    self._reconcile(root)
                self._poll_unwatched(watcher)
                self.watch = watcher.describe()
                next_check = now + self.config.heartbeat_seconds

    def _drain(self, changes: queue.Queue[Change], timeout: float) -> None:
        try:
            batch = [changes.get(timeout=timeout)]
        except queue.Empty:
            return
        while len(batch) < DRAIN_BATCH:
            try:
                batch.append(changes.get_nowait())
            except queue.Empty:
                break
        self.changes.apply(batch, self.stopping.is_set, self._progress)
        self.last_event_at = time.time()

    def _reconcile_all(self, first: bool = False) -> None:
        """Every root. The first walk also queues the files left needs_ocr when this daemon can read pictures
        (the extra was installed, OCR was switched on, or OCR jobs were lost with a crash); later walks do not,
        so a picture that cannot be read is not read again every walk."""
        recheck = SETTLED_STATUSES_TO_RECHECK | ({FileStatus.NEEDS_OCR} if first and self._reads_pictures() else set())
        for root in self.config.roots:
            if self.stopping.is_set():
                return
            self._reconcile(root, recheck=frozenset(recheck))

    def _reads_pictures(self) -> bool:
        from scanner.ocr.engine import available

        return self.config.ocr != OcrMode.OFF and available() is None

    def _reconcile(
        self, root: RootConfig, folder: str = "", recheck: frozenset[FileStatus] = SETTLED_STATUSES_TO_RECHECK
    ) -> None:
        try:
            reconcile(root, self.moves, self.work, self.config.settle_seconds, folder=folder,
                      should_stop=self.stopping.is_set, progress=self._progress, recheck=recheck)  # fmt: skip
        except Exception as exc:  # noqa: BLE001
            self._error("reconcile_error", exc, root=root.path, **({"folder": folder} if folder else {}))

    def _poll_unwatched(self, watcher: Watcher) -> None:
        """Walk each folder inotify could not watch, every `poll_interval` of its root, after trying its
        watch again (walked once more when the watch works: changes before it took effect were missed)."""
        now = time.monotonic()
        for root, folder in watcher.unwatched():
            key = (str(root.path), folder)
            if self.stopping.is_set() or now < self._next_poll.get(key, 0.0):
                continue
            if watcher.retry_watch(root, folder):
                self._next_poll.pop(key, None)
            else:
                self._next_poll[key] = now + root.poll_interval
            self._reconcile(root, folder)

    def _progress(self) -> None:
        self.progress_at = time.monotonic()

    # --- workers ---------------------------------------------------------------------------------------
    def _check_ocr(self) -> None:
        """`ocr = "background"` where OCR cannot run: the scan workers read as inline, and record why not."""
        from scanner.ocr.engine import available

        if self.config.ocr == OcrMode.BACKGROUND and (why := available()):
            event("ocr_unavailable", "warning", reason=why, action="pictures recorded as needs_ocr")
            self.config = dataclasses.replace(self.config, ocr=OcrMode.INLINE)

    def _start_worker(self, name: str, entry=None) -> None:  # noqa: ANN001 - a module-level function
        """A scan worker, or (``entry``) the action runner; a process that dies is started again the same way."""
        entry = entry or self._entries.get(name, _worker_entry)
        process = self._ctx.Process(
            target=entry, args=(self.config, self.db, name, self._worker_stop, self.log_level), name=name
        )
        process.start()
        self._workers[name], self._entries[name] = process, entry

    def _start_ocr_workers(self) -> None:
        """In the background mode, the OCR workers, once the OCR queue holds a job: a share without pictures never
        loads the recognizer (about 600 MB a process)."""
        if self.config.ocr != OcrMode.BACKGROUND or "ocr-1" in self._workers or not self.work.has_ocr_jobs():
            return
        for n in range(self.config.ocr_workers):
            self._start_worker(f"ocr-{n + 1}", _ocr_worker_entry)

    def _check_workers(self) -> None:
        self._start_ocr_workers()
        for name, process in list(self._workers.items()):
            if not process.is_alive() and not self.stopping.is_set():
                self._error("worker_died", f"exit code {process.exitcode}", worker=name, action="restarting")
                self._start_worker(name)

    def _stop_workers(self) -> None:
        """Ask the workers to stop; one still busy after STOP_GRACE is killed and its job put back in the queue."""
        self._worker_stop.set()
        deadline = time.monotonic() + STOP_GRACE
        for process in self._workers.values():
            process.join(timeout=max(0.1, deadline - time.monotonic()))
        for name, process in self._workers.items():
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
                requeued = self.work.release(name)
                event("worker_abandoned", "warning", worker=name, requeued=requeued,
                      reason=f"still busy {STOP_GRACE:g} s after stop")  # fmt: skip

    # --- status ----------------------------------------------------------------------------------------
    def _snapshot(self) -> dict[str, object]:
        """What the main loop knows, for the status row (read by the heartbeat thread)."""
        return {"state": self.state, "last_event_at": self.last_event_at, "errors": self.errors,
                "last_error": self.last_error, "watch": dict(self.watch)}  # fmt: skip

    def _status(self, state: str, **extra: object) -> None:
        self.state = state
        values = status_values(self.store, self.work, self.started, self._snapshot())
        self.status.update(**values, **extra)
        beat_host(self.hosts, values, self.started)

    def _error(self, name: str, exc: object, **fields: object) -> None:
        self.errors += 1
        self.last_error = f"{name}: {exc}"
        event(name, "error", error=exc, **fields)

    def _install_signals(self) -> None:
        def stop(signum, _frame) -> None:
            event("signal", signal=signal.Signals(signum).name, action="stopping")
            self.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)


def _start_alerts(config: WatchConfig, db: Path) -> AlertDispatcher | None:
    """The one alert delivery thread: workers record violations and their alerts in the outbox; this sends them."""
    if config.alerts is None:
        return None
    from scanner.alerts.dispatch import AlertDispatcher

    event("alerts", channels=",".join(config.alerts.channels), min_severity=config.alerts.min_severity)
    return AlertDispatcher(config.alerts, db).start()


def _worker_entry(config: WatchConfig, db: Path, name: str, stop, log_level: str) -> None:
    """A worker stops when the daemon sets `stop`, on its own SIGTERM/SIGINT (systemd signals the whole
    group), or when the daemon is gone. The handler only sets a flag: calling `stop.set()` from it deadlocked
    when the signal came while the worker held that Event's lock (waiting on it), and the daemon then hung
    on the same lock."""
    request = WorkerStop(stop)
    signal.signal(signal.SIGTERM, request.note_signal)
    signal.signal(signal.SIGINT, request.note_signal)
    from scanner.daemon.worker import worker_main  # the scanner and Presidio load in workers, not in the daemon

    worker_main(config, db, name, request, log_level)


def _ocr_worker_entry(config: WatchConfig, db: Path, name: str, stop, log_level: str) -> None:
    """An OCR worker's process: a worker taking only the OCR queue's jobs, at the lowest CPU priority."""
    request = WorkerStop(stop)
    signal.signal(signal.SIGTERM, request.note_signal)
    signal.signal(signal.SIGINT, request.note_signal)
    from scanner.daemon.worker import worker_main

    worker_main(config, db, name, request, log_level, ocr_worker=True)


def _action_runner_entry(config: WatchConfig, db: Path, name: str, stop, log_level: str) -> None:
    """The action runner's process: stops as a worker does (the daemon's event, a signal, its daemon gone)."""
    request = WorkerStop(stop)
    signal.signal(signal.SIGTERM, request.note_signal)
    signal.signal(signal.SIGINT, request.note_signal)
    from scanner.daemon.action_runner import action_runner_main  # the detector loads here, not in the daemon

    action_runner_main(db, request, log_level)


class WorkerStop:
    """Whether a worker should stop: the daemon's event, a signal of its own, or its daemon gone (kill -9)."""

    def __init__(self, event) -> None:
        self.event = event
        self.signalled = False
        self.parent = os.getppid()

    def note_signal(self, *_: object) -> None:
        self.signalled = True  # no lock taken: safe whatever the signal interrupted

    def is_set(self) -> bool:
        return self.signalled or self.event.is_set() or os.getppid() != self.parent

    def wait(self, timeout: float) -> bool:
        self.event.wait(timeout)
        return self.is_set()


class _Lock:
    def __init__(self, fh) -> None:
        self.fh = fh

    def close(self) -> None:
        self.fh.close()


def _acquire_lock(db: Path) -> _Lock:
    """One daemon per database: an exclusive flock on <db>.watch.lock, released by the kernel on any exit."""
    path = db.with_name(db.name + ".watch.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")  # noqa: SIM115 - held for the daemon's lifetime
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        try:  # a shared hold means scans (custos scan shares this lock for its run), not another daemon
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            fh.close()
            raise DaemonError(
                _("another custos watch is running on {db} (pid {pid})").format(db=db, pid=holder)
            ) from None
        fh.close()
        raise DaemonError(
            _("a custos scan is writing to {db}; start the daemon when it has finished").format(db=db)
        ) from None
    fh.seek(0)
    fh.truncate()
    fh.write(str(os.getpid()))
    fh.flush()
    return _Lock(fh)
