"""Reconciliation walk: compare a root (or one folder of it) on disk with the database and queue whatever
events missed.

New files and files whose size or mtime differ are queued as changed; recorded files no longer on disk are
queued as deleted (the worker checks again before marking them gone). An unchanged tree costs one stat per
file and one query per root. A root that is missing or empty while the database knows files under it is
treated as an outage (an unmounted share), not as a mass deletion.

A walk is interruptible: `should_stop` is asked every few hundred entries (SIGTERM must not wait for a walk
of a million files) and `progress` is called as it goes, so the daemon knows it is not stuck. An interrupted
walk queues the changes it saw but no deletions: it cannot know what it did not reach.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from scanner.daemon.config import RootConfig
from scanner.daemon.log import event
from scanner.daemon.watcher import root_is_present
from scanner.discover import WalkProblem, walk_selected
from scanner.states import RETIRED_FILE_STATUSES, FileStatus
from scanner.store.moves import FileMoves
from scanner.store.work_queue import WorkQueue

SETTLED_STATUSES_TO_RECHECK = frozenset(
    {FileStatus.CHANGED_DURING_SCAN, FileStatus.VANISHED, FileStatus.IO_ERROR, FileStatus.GONE}
)
CHECK_EVERY = 500  # entries between stop checks
UNREADABLE = frozenset(
    {FileStatus.PERMISSION_DENIED, FileStatus.IO_ERROR}
)  # walk problems worth a warning in the daemon's log
ENQUEUE_CHUNK = 2_000  # paths per transaction: workers and the heartbeat get the write lock in between


@dataclass(frozen=True)
class ReconcileResult:
    root: str
    files: int
    changed: int
    deleted: int
    seconds: float
    outage: bool = False
    interrupted: bool = False


def _never() -> bool:
    return False


def reconcile(
    root: RootConfig, moves: FileMoves, work: WorkQueue, settle: float, *, folder: str = "",
    should_stop: Callable[[], bool] = _never, progress: Callable[[], None] = lambda: None,
    recheck: frozenset[FileStatus] = SETTLED_STATUSES_TO_RECHECK,
) -> ReconcileResult:  # fmt: skip
    """Walk `root` (or only `folder`, relative to it) and queue what differs from the database, and the files
    whose recorded status is one of ``recheck`` (the daemon's first walk adds needs_ocr when it can read
    pictures: the ocr extra installed since, or OCR queue jobs a crash lost)."""
    started = time.monotonic()
    base = str(root.path)
    known = moves.files_under(base, folder)
    now = time.time()
    if not root_is_present(root.path) and any(status not in RETIRED_FILE_STATUSES for _, _, status in known.values()):
        event("root_unavailable", "warning", root=base, action="not marking files gone; retry next walk")
        return ReconcileResult(base, 0, 0, 0, time.monotonic() - started, outage=True)
    seen: set[str] = set()
    changed: list[tuple[str, str, str]] = []
    interrupted = False
    for count, (rel, size, mtime_ns) in enumerate(walk_files(root, folder), 1):
        seen.add(rel)
        record = known.get(rel)
        if record is None or record[2] in recheck or (record[0], record[1]) != (size, mtime_ns):
            changed.append((base, rel, "reconcile"))
        if count % CHECK_EVERY == 0:
            progress()
            if should_stop():
                interrupted = True
                break
    gone = [] if interrupted else [
        (base, rel, "deleted") for rel, (_, _, status) in known.items()
        if rel not in seen and status not in RETIRED_FILE_STATUSES and root.wants(rel)
    ]  # fmt: skip
    _enqueue(work, changed, now + settle, now, progress)
    _enqueue(work, gone, now, now, progress)
    result = ReconcileResult(base, len(seen), len(changed), len(gone), time.monotonic() - started,
                             interrupted=interrupted)  # fmt: skip
    event("reconciled", root=base, **({"folder": folder} if folder else {}), files=result.files,
          queued_changed=result.changed, queued_deleted=result.deleted, seconds=f"{result.seconds:.2f}",
          **({"interrupted": "yes"} if interrupted else {}))  # fmt: skip
    return result


def _enqueue(work: WorkQueue, items: list[tuple[str, str, str]], not_before: float, now: float,
             progress: Callable[[], None]) -> None:  # fmt: skip
    for start in range(0, len(items), ENQUEUE_CHUNK):
        work.enqueue_many(items[start : start + ENQUEUE_CHUNK], not_before=not_before, now=now)
        progress()


def walk_files(root: RootConfig, folder: str = "") -> Iterator[tuple[str, int, int]]:
    """(relative path, size, mtime_ns) of every regular file the root wants, under `folder` if given: the walk
    of `custos scan` (`walk_selected`), with the root's selection; symlinks are not followed."""
    for item in walk_selected(root.path, root.selection, start=folder, record=_size_and_mtime):
        if not isinstance(item, WalkProblem):
            yield item
        elif item.status in UNREADABLE:  # links, FIFOs and files that vanished under the walk are expected
            event("walk_error", "warning", path=root.path / item.rel, error=item.message)


def _size_and_mtime(path: str, rel: str, st: os.stat_result) -> tuple[str, int, int]:
    return rel, st.st_size, st.st_mtime_ns
