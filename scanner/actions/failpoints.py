"""Crash points for the crash test: with CUSTOS_CRASH_AT=N the process kills itself (SIGKILL, no cleanup) at
the N-th checkpoint it passes. Unset — always, outside that test — a checkpoint costs one dict lookup."""

from __future__ import annotations

import os
import signal

_passed = 0


def checkpoint(name: str) -> None:
    global _passed
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
