"""Who hears of a NEW zone violation: callables registered with `on_new_violation` (alert delivery, tests).

Callbacks run in the scanning process, after the violation is committed; each must be cheap (hand the alert to a
queue). A callback that raises is logged and skipped: it never breaks a scan, nor stops the other callbacks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from scanner.zones.model import ViolationAlert

AlertCallback = Callable[[ViolationAlert], None]

_log = logging.getLogger("custos.zones")
_callbacks: list[AlertCallback] = []
_lock = threading.Lock()


def on_new_violation(callback: AlertCallback) -> AlertCallback:
    """Register `callback` (usable as a decorator); returns it, for `remove_callback` later."""
    with _lock:
        _callbacks.append(callback)
    return callback


def remove_callback(callback: AlertCallback) -> None:
    """Unregister `callback` (a callback registered twice is removed once); unknown ones are ignored."""
    with _lock:
        if callback in _callbacks:
            _callbacks.remove(callback)


def notify(alert: ViolationAlert) -> int:
    """Call every registered callback with `alert`; returns how many raised (each logged, none re-raised)."""
    with _lock:
        callbacks = list(_callbacks)
    failed = 0
    for callback in callbacks:
        try:
            callback(alert)
        except Exception as exc:  # noqa: BLE001 - an alert channel's failure must never stop a scan
            failed += 1
            _log.warning("zone alert callback %s failed: %s: %s", _name(callback), type(exc).__name__, exc)
    return failed


def _name(callback: AlertCallback) -> str:
    return getattr(callback, "__qualname__", type(callback).__name__)
