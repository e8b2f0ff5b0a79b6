"""Watcher changes into the database: queued paths, and file records that follow moves.

A burst (an `rm -rf` of 49,000 files) arrives as tens of thousands of changes. They are applied a chunk at a
time, each chunk's queued paths in one transaction, with a stop check and a progress report between chunks:
SIGTERM is answered within a chunk, and the work queue (plus the start-up walk) covers what was left.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from scanner.daemon.config import RootConfig
from scanner.daemon.log import event
from scanner.daemon.watcher import Change
from scanner.store.moves import FileMoves
from scanner.store.work_queue import WorkQueue

CHUNK = 1_000
Queued = list[tuple[str, str, str]]  # (root, rel_path, reason)


class ChangeApplier:
    """Applies watcher changes in order, in chunks; `on_error` counts a change that could not be applied."""

    def __init__(self, roots: dict[str, RootConfig], moves: FileMoves, work: WorkQueue, settle: float,
                 on_error: Callable[..., None]) -> None:  # fmt: skip
        self.roots, self.moves, self.work, self.settle, self.on_error = roots, moves, work, settle, on_error

    def apply(self, changes: list[Change], should_stop: Callable[[], bool], progress: Callable[[], None]) -> int:
        """Apply `changes`; returns how many were applied before a stop request left the rest."""
        for start in range(0, len(changes), CHUNK):
            if start and should_stop():
                left = len(changes) - start
                event("changes_left", "warning", changes=left, action="the next start's walk finds them")
                return start
            self._apply_chunk(changes[start : start + CHUNK], progress)
            progress()
        return len(changes)

    def _apply_chunk(self, chunk: list[Change], progress: Callable[[], None]) -> None:
        changed: Queued = []
        deleted: Queued = []
        for change in chunk:
            try:
                self._plan(change, changed, deleted)
            except Exception as exc:  # noqa: BLE001 - one odd event must not stop the daemon
                self.on_error("event_error", exc, path=change.rel)
        now = time.time()
        try:
            self.work.enqueue_many(changed, not_before=now + self.settle, now=now)
            for start in range(0, len(deleted), CHUNK):  # a deleted folder may hold many files
                self.work.enqueue_many(deleted[start : start + CHUNK], not_before=now, now=now)
                progress()
        except Exception as exc:  # noqa: BLE001 - the next walk queues them
            self.on_error("enqueue_error", exc, changes=len(chunk))

    def _plan(self, change: Change, changed: Queued, deleted: Queued) -> None:
        """Queue the paths a change touches; moves update the records at once (their own transactions)."""
        root, base = self.roots[change.root], change.root
        if change.kind == "changed" and root.wants(change.rel):
            changed.append((base, change.rel, "event"))
        elif change.kind == "deleted" or (change.kind == "moved" and not _kept(root, change.dest_rel)):
            deleted.append((base, change.rel, "deleted"))
        elif change.kind == "moved":
            if self.moves.rename_file(base, change.rel, change.dest_rel):
                findings = self.moves.active_findings(base, change.dest_rel)
                event("moved", root=base, path=change.rel, to=change.dest_rel, findings=findings)
            changed.append((base, change.dest_rel, "moved"))
        elif change.kind == "dir_moved" and change.dest_rel is not None:
            moved = self.moves.rename_dir(base, change.rel, change.dest_rel)
            event("dir_moved", root=base, path=change.rel, to=change.dest_rel, files=moved)
        elif change.kind in ("dir_deleted", "dir_moved"):
            deleted.extend((base, rel, "deleted") for rel in self.moves.recorded_under(base, change.rel))


def _kept(root: RootConfig, rel: str | None) -> bool:
    return rel is not None and root.wants(rel)
