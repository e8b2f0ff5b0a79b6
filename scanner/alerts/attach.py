"""Where alert dispatchers run. Violations are recorded by whichever process scans the file:

- `custos scan`: its main process records them; one dispatcher there hears each new one and delivers it, and
  at the end waits a bounded time for what is due (the rest stays in the outbox).
- `custos watch`: the worker processes record them; each worker's dispatcher only writes the outbox
  (`deliver=False`), and the daemon's main process runs the one delivering dispatcher, which reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scanner.alerts.config import AlertsConfig
from scanner.alerts.dispatch import AlertDispatcher
from scanner.zones.hooks import on_new_violation, remove_callback


@contextmanager
def alerts_on_violations(
    config: AlertsConfig | None, db: Path, *, deliver: bool, wait_s: float
) -> Iterator[AlertDispatcher | None]:
    """A started dispatcher registered for new violations while the block runs; stopped (within about
    `wait_s`) after it. Nothing without an [alerts] table."""
    if config is None:
        yield None
        return
    dispatcher = AlertDispatcher(config, db, deliver=deliver).start()
    on_new_violation(dispatcher.submit)
    try:
        yield dispatcher
    finally:
        remove_callback(dispatcher.submit)
        dispatcher.stop(wait_s)
