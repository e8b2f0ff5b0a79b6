"""watchdog observers for the roots: events become `Change`s on a thread-safe queue, nothing more.

Events are hints: the daemon's main loop turns them into queued paths, and reconciliation walks catch what
they miss. inotify is used where it can be; a root configured with `polling = true` (network shares), or
one where inotify cannot be set up (watch limit ENOSPC, instance limit EMFILE), gets a PollingObserver.
An inotify queue overflow loses events silently: watchdog logs it, and that log line asks for a
reconciliation walk.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import (
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from scanner.daemon.config import RootConfig
from scanner.daemon.log import event

# Opened and ClosedNoWrite are left out: the scanner's own reads would wake it again.
EVENTS = [FileCreatedEvent, FileModifiedEvent, FileClosedEvent, FileMovedEvent, FileDeletedEvent, DirMovedEvent,
          DirDeletedEvent]  # fmt: skip


@dataclass(frozen=True)
class Change:
    root: str
    kind: str  # changed | deleted | moved | dir_moved | dir_deleted
    rel: str
    dest_rel: str | None = None  # moved: the new path, None when it left the root


class _Handler(FileSystemEventHandler):
    def __init__(self, root: RootConfig, changes: queue.Queue[Change]) -> None:
        self.root = root
        self.base = str(root.path)
        self.changes = changes

    def on_any_event(self, ev: FileSystemEvent) -> None:
        rel = self._rel(ev.src_path)
        if rel is None:
            return
        if isinstance(ev, DirMovedEvent | FileMovedEvent):
            dest = self._rel(ev.dest_path)
            kind = "dir_moved" if ev.is_directory else "moved"
            self.changes.put(Change(self.base, kind, rel, dest))
        elif isinstance(ev, DirDeletedEvent):
            self.changes.put(Change(self.base, "dir_deleted", rel))
        elif ev.is_directory:
            return
        elif isinstance(ev, FileDeletedEvent):
            self.changes.put(Change(self.base, "deleted", rel))
        else:
            self.changes.put(Change(self.base, "changed", rel))

    def _rel(self, path: str | bytes) -> str | None:
        path = os.fsdecode(path)
        if path != self.base and not path.startswith(self.base + os.sep):
            return None
        return os.path.relpath(path, self.base).replace(os.sep, "/")


class Watcher:
    """One observer per root; `changes` is drained by the daemon's main loop."""

    def __init__(self, roots: tuple[RootConfig, ...]) -> None:
        self.roots = roots
        self.changes: queue.Queue[Change] = queue.Queue()
        self.reconcile_requested = threading.Event()
        self.observers: list[BaseObserver] = []
        self.modes: dict[str, str] = {}
        self._overflow = _OverflowListener(self.reconcile_requested)

    def start(self) -> None:
        logging.getLogger("watchdog").addHandler(self._overflow)
        for root in self.roots:
            self._start_root(root)

    def _start_root(self, root: RootConfig) -> None:
        handler = _Handler(root, self.changes)
        if not root.polling:
            observer = Observer()
            try:
                observer.schedule(handler, str(root.path), recursive=True, event_filter=EVENTS)
                observer.start()
                self.observers.append(observer)
                self.modes[str(root.path)] = "inotify"
                return
            except OSError as exc:  # ENOSPC: max_user_watches; EMFILE: max_user_instances
                event("inotify_unavailable", "warning", root=root.path, error=exc, fallback="polling",
                      hint="raise fs.inotify.max_user_watches (see docs/daemon.md)")  # fmt: skip
                _stop(observer)
        observer = PollingObserver(timeout=root.poll_interval)
        observer.schedule(handler, str(root.path), recursive=True, event_filter=EVENTS)
        observer.start()
        self.observers.append(observer)
        self.modes[str(root.path)] = "polling"

    def stop(self) -> None:
        for observer in self.observers:
            _stop(observer)
        logging.getLogger("watchdog").removeHandler(self._overflow)


def _stop(observer: BaseObserver) -> None:
    try:
        observer.stop()
        if observer.is_alive():
            observer.join(timeout=5)
    except (OSError, RuntimeError):
        pass


class _OverflowListener(logging.Handler):
    """watchdog only logs an inotify queue overflow; we turn that line into a reconciliation request."""

    def __init__(self, flag: threading.Event) -> None:
        super().__init__(logging.WARNING)
        self.flag = flag

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            event("inotify_overflow", "warning", action="reconciling")
            self.flag.set()


def root_is_present(root: Path) -> bool:
    """A share that vanished (unmounted, network outage) must not look like every file was deleted."""
    try:
        return root.is_dir() and any(os.scandir(root))
    except OSError:
        return False
