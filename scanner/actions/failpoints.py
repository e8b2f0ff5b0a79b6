"""Crash points for the crash test: with CUSTOS_CRASH_AT=N the process kills itself (SIGKILL, no cleanup) at
the N-th checkpoint it passes. Unset — always, outside that test — a checkpoint costs one dict lookup.
In-process, `at_checkpoints` runs a function at each one (the race tests swap a folder for a link there)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_passed = 0
_hooks: list[Callable[[str], None]] = []


@contextmanager
def at_checkpoints(hook: Callable[[str], None]) -> Iterator[None]:
    """Call ``hook(name)`` at every checkpoint passed in this process while the block runs."""
    _hooks.append(hook)
    try:
        yield
    finally:
        _hooks.remove(hook)


def checkpoint(name: str) -> None:
    global _passed
    for hook in _hooks:
        hook(name)
    target = os.environ.get("CUSTOS_CRASH_AT")
    if not target:
        return
    _passed += 1
    if _passed == int(target):
        log = os.environ.get("CUSTOS_CRASH_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(f"{_passed} {name}\n")
        os.kill(os.getpid(), signal.SIGKILL)
