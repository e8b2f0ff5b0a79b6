"""`custos watch`: the main process. It holds the single-instance lock, starts the worker processes and the
watchdog observers, turns events into queued paths, walks the roots to reconcile, and writes the heartbeat.

SIGTERM or SIGINT drains: observers stop, workers finish the file in hand, their unfinished jobs go back to
the queue, the status row says "stopped". After kill -9 the next start finds the lock free, puts the dead
workers' jobs back in the queue and reconciles; nothing queued is lost and nothing is recorded twice.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import queue
import signal
import socket
import threading
import time
from pathlib import Path

from scanner import __version__
from scanner.daemon.config import RootConfig, WatchConfig
from scanner.daemon.log import event, setup
from scanner.daemon.reconcile import reconcile
from scanner.daemon.watcher import Change, Watcher
from scanner.store.daemon_status import DaemonStatusStore
from scanner.store.moves import FileMoves
from scanner.store.store import Store
from scanner.store.work_queue import WorkQueue

DRAIN_SECONDS = 60.0


class DaemonError(RuntimeError):
    """The daemon cannot start (another instance, unusable database); one line for the operator."""


class Daemon:
    def __init__(self, config: WatchConfig, db: Path, log_level: str) -> None:
        self.config = config
        self.db = db
        self.log_level = log_level
        self.roots = {str(r.path): r for r in config.roots}
        self.stopping = threading.Event()
        self._ctx = multiprocessing.get_context("spawn")
        self._worker_stop = self._ctx.Event()
        self._workers: dict[str, multiprocessing.process.BaseProcess] = {}
        self.last_event_at: float | None = None
        self.errors = 0
        self.last_error: str | None = None

    def run(self) -> int:
        setup(self.log_level)
        lock = _acquire_lock(self.db)
        started = time.time()
        try:
            with Store(self.db) as store:
                self.store, self.work, self.moves = store, WorkQueue(store), FileMoves(store)
                self.status = DaemonStatusStore(store)
                orphans = self.work.requeue_orphans()
                self._status("starting", started, pid=os.getpid(), host=socket.gethostname(), started_at=started,
                             roots=list(self.roots), workers=self.config.workers, version=__version__)  # fmt: skip
                event("starting", pid=os.getpid(), db=self.db, roots=len(self.roots), workers=self.config.workers,
                      requeued=orphans)  # fmt: skip
                self._install_signals()
                for n in range(self.config.workers):
                    self._start_worker(f"worker-{n + 1}")
                watcher = Watcher(self.config.roots)
                watcher.start()  # before the walk: nothing changed during it is missed
                event("watching", **{f"root{n}": f"{root}({mode})" for n, (root, mode) in
                                     enumerate(watcher.modes.items(), 1)})  # fmt: skip
                self._status("running", started)
                try:
                    self._loop(watcher, started)
                finally:
                    self._status("draining", started)
                    watcher.stop()
                    self._stop_workers()
                    self._status("stopped", started)
                    event("stopped", queued=self.work.depth(time.time()).queued)
        finally:
            lock.close()
        return 0

    # --- main loop -------------------------------------------------------------------------------------
    def _loop(self, watcher: Watcher, started: float) -> None:
        self._reconcile_all()
        next_reconcile = time.monotonic() + self.config.reconcile_interval if self.config.reconcile_interval else None
        next_beat = 0.0
        while not self.stopping.is_set():
            self._drain(watcher.changes, timeout=0.5)
            now = time.monotonic()
            if watcher.reconcile_requested.is_set() or (next_reconcile is not None and now >= next_reconcile):
                watcher.reconcile_requested.clear()
                self._reconcile_all()
                if self.config.reconcile_interval:
                    next_reconcile = time.monotonic() + self.config.reconcile_interval
            if now >= next_beat:
                self._check_workers()
                self._status("running", started)
                next_beat = now + self.config.heartbeat_seconds

    def _drain(self, changes: queue.Queue[Change], timeout: float) -> None:
        try:
            change = changes.get(timeout=timeout)
        except queue.Empty:
            return
        batch = [change]
        while len(batch) < 10_000:
            try:
                batch.append(changes.get_nowait())
            except queue.Empty:
                break
        for change in batch:
            try:
                self._apply(change)
            except Exception as exc:  # noqa: BLE001 - one odd event must not stop the daemon
                self._error("event_error", exc, path=change.rel)
        self.last_event_at = time.time()

    def _apply(self, change: Change) -> None:
        root, now = self.roots[change.root], time.time()
        settle = now + self.config.settle_seconds
        if change.kind == "changed" and root.wants(change.rel):
            self.work.enqueue(change.root, change.rel, "event", settle, now)
        elif change.kind == "deleted" or (change.kind == "moved" and not _kept(root, change.dest_rel)):
            self.work.enqueue(change.root, change.rel, "deleted", now, now)
        elif change.kind == "moved":
            if self.moves.rename_file(change.root, change.rel, change.dest_rel):
                event("moved", root=change.root, path=change.rel, to=change.dest_rel)
            self.work.enqueue(change.root, change.dest_rel, "moved", settle, now)
        elif change.kind == "dir_moved" and change.dest_rel is not None:
            moved = self.moves.rename_dir(change.root, change.rel, change.dest_rel)
            event("dir_moved", root=change.root, path=change.rel, to=change.dest_rel, files=moved)
        elif change.kind in ("dir_deleted", "dir_moved"):
            for rel in self.moves.recorded_under(change.root, change.rel):
                self.work.enqueue(change.root, rel, "deleted", now, now)

    def _reconcile_all(self) -> None:
        for root in self.config.roots:
            if self.stopping.is_set():
                return
            try:
                reconcile(root, self.moves, self.work, self.config.settle_seconds)
            except Exception as exc:  # noqa: BLE001
                self._error("reconcile_error", exc, root=root.path)

    # --- workers ---------------------------------------------------------------------------------------
    def _start_worker(self, name: str) -> None:
        process = self._ctx.Process(
            target=_worker_entry, args=(self.config, self.db, name, self._worker_stop, self.log_level), name=name
        )
        process.start()
        self._workers[name] = process

    def _check_workers(self) -> None:
        for name, process in list(self._workers.items()):
            if not process.is_alive() and not self.stopping.is_set():
                self._error("worker_died", f"exit code {process.exitcode}", worker=name, action="restarting")
                self._start_worker(name)

    def _stop_workers(self) -> None:
        self._worker_stop.set()
        deadline = time.monotonic() + DRAIN_SECONDS
        for process in self._workers.values():
            process.join(timeout=max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)

    # --- status ----------------------------------------------------------------------------------------
    def _status(self, state: str, started: float, **extra: object) -> None:
        now = time.time()
        depth = self.work.depth(now)
        scanned = self.store.scanned_since(started)
        elapsed = max(now - started, 1e-6)
        self.status.update(state=state, heartbeat_at=now, last_event_at=self.last_event_at,
                           queue_depth=depth.queued + depth.running, files_scanned=scanned,
                           files_per_s=round(scanned / elapsed, 2), errors=self.errors,
                           last_error=self.last_error, **extra)  # fmt: skip

    def _error(self, name: str, exc: object, **fields: object) -> None:
        self.errors += 1
        self.last_error = f"{name}: {exc}"
        event(name, "error", error=exc, **fields)

    def _install_signals(self) -> None:
        def stop(signum, _frame) -> None:
            event("signal", signal=signal.Signals(signum).name, action="draining")
            self.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)


def _kept(root: RootConfig, rel: str | None) -> bool:
    return rel is not None and root.wants(rel)


def _worker_entry(config: WatchConfig, db: Path, name: str, stop, log_level: str) -> None:
    """Workers finish the file in hand on SIGTERM/SIGINT (systemd signals the whole group)."""
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    from scanner.daemon.worker import worker_main  # the scanner and Presidio load in workers, not in the daemon

    worker_main(config, db, name, stop, log_level)


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
        fh.seek(0)
        holder = fh.read().strip() or "unknown"
        fh.close()
        raise DaemonError(f"another custos watch is running on {db} (pid {holder})") from None
    fh.seek(0)
    fh.truncate()
    fh.write(str(os.getpid()))
    fh.flush()
    return _Lock(fh)
