"""watchdog observers for the roots: events become `Change`s on a thread-safe queue, nothing more.

Events are hints: the daemon's main loop turns them into queued paths, and reconciliation walks catch what
they miss. inotify is used where it can be; a root configured with `polling = true` (network shares), or
one where inotify cannot be set up (instance limit EMFILE, watch limit ENOSPC), gets a polling observer
(which, like the walks, does not follow symbolic links).
Trouble that watchdog only logs is turned into work here: an inotify queue overflow asks for a
reconciliation walk, and a folder it could not watch (the watch limit reached mid-run) is listed so the
daemon polls it and retries its watch. A root replaced under the daemon (moved away, another directory put
at its path) is noticed by its inode and watched again.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import queue
import stat
import threading
import time
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
from watchdog.observers.polling import PollingObserverVFS

from scanner.daemon.config import RootConfig
from scanner.daemon.log import event

STOP_SECONDS = 5.0  # at most this long waiting for observers to stop (a poll of a large tree is not waited for)
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


@dataclass
class _RootWatch:
    """How one root is watched now."""

    root: RootConfig
    observer: BaseObserver
    handler: _Handler
    mode: str  # inotify | polling
    reason: str | None  # why a root meant for inotify is polled
    identity: tuple[int, int] | None  # (st_dev, st_ino) of the directory the observer watches


class Watcher:
    """One observer per root; `changes` is drained by the daemon's main loop, which also calls
    `check_roots` and polls `unwatched` folders (both from its own thread)."""

    def __init__(self, roots: tuple[RootConfig, ...]) -> None:
        self.roots = roots
        self.changes: queue.Queue[Change] = queue.Queue()
        self.reconcile_requested = threading.Event()
        self._watches: dict[str, _RootWatch] = {}
        self._unwatched: dict[str, set[str]] = {str(r.path): set() for r in roots}  # folders past the watch limit
        self._lock = threading.Lock()  # _watches and _unwatched: watchdog's threads and the heartbeat read them
        self._listener = _WatchdogLogListener(self)

    def start(self) -> None:
        logging.getLogger("watchdog").addHandler(self._listener)
        for root in self.roots:
            watch = self._watch(root)
            with self._lock:
                self._watches[str(root.path)] = watch

    def stop(self) -> None:
        with self._lock:
            observers = [w.observer for w in self._watches.values()]
        for observer in observers:  # all told first: each may be in the middle of a poll
            with contextlib.suppress(OSError, RuntimeError):
                observer.stop()
        deadline = time.monotonic() + STOP_SECONDS
        for observer in observers:
            with contextlib.suppress(RuntimeError):
                observer.join(timeout=max(0.1, deadline - time.monotonic()))
        logging.getLogger("watchdog").removeHandler(self._listener)

    def describe(self) -> dict[str, str]:
        """Root → how it is watched, for the status row and the log."""
        with self._lock:
            described = {}
            for base, watch in self._watches.items():
                text = watch.mode if watch.reason is None else f"{watch.mode} (inotify unavailable: {watch.reason})"
                if folders := len(self._unwatched[base]):
                    text += f"; {folders} folder{'s' if folders > 1 else ''} polled (inotify watch limit)"
                described[base] = text
            return described

    # --- roots replaced or observers lost ----------------------------------------------------------------
    def check_roots(self) -> list[RootConfig]:
        """Watch again every root whose directory was replaced (another inode at its path) or whose observer
        died; returns them: the caller reconciles them, events were missed meanwhile."""
        with self._lock:
            watches = list(self._watches.values())
        rewatched = []
        for current in watches:
            base, identity = str(current.root.path), _identity(current.root.path)
            if identity is None or (identity == current.identity and _alive(current.observer)):
                continue  # a missing root is an outage, which reconciliation reports
            name = "root_replaced" if identity != current.identity else "observer_died"
            event(name, "warning", root=base, action="rewatching")
            _stop(current.observer)
            try:
                watch = self._watch(current.root)
            except OSError as exc:
                event("watch_error", "error", root=base, error=exc, action="retrying")
                continue
            with self._lock:
                self._watches[base] = watch
                self._unwatched[base].clear()
            rewatched.append(current.root)
        return rewatched

    def _watch(self, root: RootConfig) -> _RootWatch:
        identity, handler, reason = _identity(root.path), _Handler(root, self.changes), None
        if not root.polling:
            observer = Observer()
            try:
                observer.schedule(handler, str(root.path), recursive=True, event_filter=EVENTS)
                observer.start()
                return _RootWatch(root, observer, handler, "inotify", None, identity)
            except OSError as exc:
                reason = _limit_reason(exc)
                event("inotify_unavailable", "warning", root=root.path, reason=reason, fallback="polling",
                      hint=_limit_hint(exc))  # fmt: skip
                _stop(observer)
        # lstat: the poll must not descend into symlinked folders, which the walks never enter (scanner.selection)
        observer = PollingObserverVFS(os.lstat, os.scandir, polling_interval=root.poll_interval)
        observer.schedule(handler, str(root.path), recursive=True, event_filter=EVENTS)
        observer.start()
        return _RootWatch(root, observer, handler, "polling", reason, identity)

    # --- folders past the watch limit --------------------------------------------------------------------
    def unwatched(self) -> list[tuple[RootConfig, str]]:
        """(root, folder relative to it) inotify could not watch; they are polled until `retry_watch` works."""
        with self._lock:
            return [(w.root, rel) for base, w in self._watches.items() for rel in sorted(self._unwatched[base])]

    def retry_watch(self, root: RootConfig, rel: str) -> bool:
        """Try to watch an unwatched folder again (watches may have been freed); True once it is watched or gone."""
        base = str(root.path)
        with self._lock:
            watch = self._watches[base]
        try:
            watch.observer.schedule(watch.handler, str(root.path / rel), recursive=True, event_filter=EVENTS)
        except (FileNotFoundError, NotADirectoryError):
            event("unwatched_folder_gone", "debug", root=base, path=rel)
        except OSError:
            return False  # still over the limit
        else:
            event("watch_restored", root=base, path=rel)
        with self._lock:
            self._unwatched[base].discard(rel)
        return True

    def _could_not_watch(self, path: str, error: object) -> None:
        """watchdog gave up on a folder (and the folders below it): poll it from now on."""
        for base, folders in self._unwatched.items():
            if not path.startswith(base + os.sep):
                continue
            rel = os.path.relpath(path, base).replace(os.sep, "/")
            with self._lock:
                if any(rel == f or rel.startswith(f + "/") for f in folders):
                    return  # a folder above it is polled already
                folders.difference_update({f for f in folders if f.startswith(rel + "/")})
                folders.add(rel)
            event("watch_limit_reached", "warning", root=base, path=rel, error=error, action="polling",
                  hint="raise fs.inotify.max_user_watches (see docs/daemon.md)")  # fmt: skip
            return


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISDIR(st.st_mode) else None


def _alive(observer: BaseObserver) -> bool:
    return observer.is_alive() and all(emitter.is_alive() for emitter in observer.emitters)


def _limit_reason(exc: OSError) -> str:
    return {errno.EMFILE: "inotify instance limit reached", errno.ENOSPC: "inotify watch limit reached"}.get(
        exc.errno, exc.strerror or str(exc)
    )


def _limit_hint(exc: OSError) -> str:
    sysctl = "max_user_instances" if exc.errno == errno.EMFILE else "max_user_watches"
    return f"raise fs.inotify.{sysctl} (see docs/daemon.md)"


def _stop(observer: BaseObserver) -> None:
    """Stop an observer, which may be half set up (inotify failed): cleaning it up never stops the daemon."""
    try:
        observer.stop()
        if observer.is_alive():
            observer.join(timeout=STOP_SECONDS)
    except Exception as exc:  # noqa: BLE001
        event("observer_stop_error", "debug", error=exc)


class _WatchdogLogListener(logging.Handler):
    """watchdog only logs some trouble; these lines become work: an inotify queue overflow asks for a
    reconciliation walk, a folder it could not watch is polled."""

    def __init__(self, watcher: Watcher) -> None:
        super().__init__(logging.WARNING)
        self.watcher = watcher

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, str) and record.msg.startswith("Unable to watch") and len(record.args or ()) == 2:
            path, error = record.args  # type: ignore[misc]
            self.watcher._could_not_watch(os.fsdecode(path), error)
        elif "overflow" in record.getMessage().lower():
            event("inotify_overflow", "warning", action="reconciling")
            self.watcher.reconcile_requested.set()


def root_is_present(root: Path) -> bool:
    """A share that vanished (unmounted, network outage) must not look like every file was deleted."""
    try:
        return root.is_dir() and any(os.scandir(root))
    except OSError:
        return False
