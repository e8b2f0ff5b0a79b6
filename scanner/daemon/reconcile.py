"""Reconciliation walk: compare a root on disk with the database and queue whatever events missed.

New files and files whose size or mtime differ are queued as changed; recorded files no longer on disk are
queued as deleted (the worker checks again before marking them gone). An unchanged tree costs one stat per
file and one query per root. A root that is missing or empty while the database knows files under it is
treated as an outage (an unmounted share), not as a mass deletion.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

from scanner.daemon.config import RootConfig
from scanner.daemon.log import event
from scanner.daemon.watcher import root_is_present
from scanner.store.moves import FileMoves
from scanner.store.work_queue import WorkQueue

SETTLED_STATUSES_TO_RECHECK = frozenset({"changed_during_scan", "vanished", "io_error", "gone"})
DONE_STATUSES = frozenset({"gone", "quarantined", "deleted"})


@dataclass(frozen=True)
class ReconcileResult:
    root: str
    files: int
    changed: int
    deleted: int
    seconds: float
    outage: bool = False


def reconcile(root: RootConfig, moves: FileMoves, work: WorkQueue, settle: float) -> ReconcileResult:
    started = time.monotonic()
    base = str(root.path)
    known = moves.files_under(base)
    now = time.time()
    if not root_is_present(root.path) and any(status not in DONE_STATUSES for _, _, status in known.values()):
        event("root_unavailable", "warning", root=base, action="not marking files gone; retry next walk")
        return ReconcileResult(base, 0, 0, 0, time.monotonic() - started, outage=True)
    seen: set[str] = set()
    changed: list[tuple[str, str, str]] = []
    for rel, size, mtime_ns in walk_files(root):
        seen.add(rel)
        record = known.get(rel)
        if record is None or record[2] in SETTLED_STATUSES_TO_RECHECK or (record[0], record[1]) != (size, mtime_ns):
            changed.append((base, rel, "reconcile"))
    gone = [(base, rel, "deleted") for rel, (_, _, status) in known.items() if rel not in seen and status not in
            DONE_STATUSES and root.wants(rel)]  # fmt: skip
    if changed:
        work.enqueue_many(changed, not_before=now + settle, now=now)
    if gone:
        work.enqueue_many(gone, not_before=now, now=now)
    result = ReconcileResult(base, len(seen), len(changed), len(gone), time.monotonic() - started)
    event("reconciled", root=base, files=result.files, queued_changed=result.changed, queued_deleted=result.deleted,
          seconds=f"{result.seconds:.2f}")  # fmt: skip
    return result


def walk_files(root: RootConfig) -> Iterator[tuple[str, int, int]]:
    """(relative path, size, mtime_ns) of every regular file the root wants; symlinks are not followed."""
    stack = [("", str(root.path))]
    while stack:
        rel_dir, path = stack.pop()
        try:
            entries = list(os.scandir(path))
        except OSError as exc:
            event("walk_error", "warning", path=path, error=exc.strerror or exc)
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if root.wants_dir(rel):
                        stack.append((rel, entry.path))
                elif entry.is_file(follow_symlinks=False) and root.wants_in_walk(rel, entry.name):
                    st = entry.stat(follow_symlinks=False)
                    yield rel, st.st_size, st.st_mtime_ns
            except OSError:
                continue  # vanished between listing and stat: its delete event or the next walk says so
