"""Exclusive, advisory locks on files beside the database (``flock``): released by the kernel however the
holder ends, so a crash never leaves a stale lock behind."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class LockBusy(RuntimeError):
    """Another process holds the lock; ``holder`` is what it wrote into the lock file (pid and command)."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(f"{path} is held by {holder}")
        self.path = path
        self.holder = holder


@contextlib.contextmanager
def exclusive(path: Path, holder: str) -> Iterator[None]:
    """Hold ``path`` exclusively for the block, writing ``holder`` into it; LockBusy at once if someone else has it."""
    with _locked(path, fcntl.LOCK_EX) as fd:
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder.encode(), 0)
        yield


@contextlib.contextmanager
def shared(path: Path) -> Iterator[None]:
    """Hold ``path`` shared for the block (others may share it); LockBusy at once if someone holds it exclusively."""
    with _locked(path, fcntl.LOCK_SH):
        yield


@contextlib.contextmanager
def _locked(path: Path, operation: int) -> Iterator[int]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, operation | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockBusy(path, os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown") from None
        yield fd
    finally:
        os.close(fd)  # releases the lock
