"""Alert delivery: `submit` puts an alert in memory and returns; one thread moves it into the persistent outbox
and delivers the outbox to the channels, rate-limited, retried with exponential backoff, every attempt logged.

The outbox table (`AlertOutbox`) is the hand-off between processes: a daemon worker that records a violation runs
a dispatcher with `deliver=False` (its thread only writes the outbox), the daemon's main process runs the one
that delivers. Nothing here can block or fail a scan: `submit` takes no lock and touches no database, and an
outage only leaves rows in the outbox for later. An alert is sent at least once per (violation, channel); a
process killed in the middle of a send may send that one again after the claim lease.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.alerts.channels import Channel, DeliveryError, build_channels
from scanner.alerts.config import AlertsConfig
from scanner.alerts.message import AlertMessage
from scanner.alerts.ratelimit import TokenBucket
from scanner.display_mask import mask_for_display
from scanner.store.alert_outbox import AlertOutbox, OutboxEntry
from scanner.store.store import Store

if TYPE_CHECKING:
    from scanner.zones.model import ViolationAlert

LOGGER = logging.getLogger("custos.alerts")
RETRY_BASE_S = 1.0  # the first retry waits this long; each next one twice as long
MAX_BACKOFF_S = 300.0  # no wait between two attempts is longer than this
POLL_S = 0.25  # how often the outbox is read for alerts other processes added
BATCH = 50  # outbox rows read per turn


def backoff_s(attempts: int, retry_max_s: float) -> float:
    """The wait after the `attempts`-th failed attempt: 1, 2, 4, ... seconds, at most MAX_BACKOFF_S."""
    return min(RETRY_BASE_S * 2 ** max(attempts - 1, 0), MAX_BACKOFF_S, max(retry_max_s, RETRY_BASE_S))


def log_event(name: str, level: int = logging.INFO, **fields: object) -> None:
    """A structured line (`scanner.daemon.log` formats it under `custos watch`); fields hold no plain value."""
    LOGGER.log(level, name, extra={"fields": fields})


class AlertDispatcher:
    """Queues alerts in memory, persists them in `alert_outbox` and (unless `deliver=False`) delivers them."""

    def __init__(
        self,
        config: AlertsConfig,
        store_path: Path,
        *,
        deliver: bool = True,
        channels: Mapping[str, Channel] | None = None,
        poll_s: float = POLL_S,
    ) -> None:
        self.config = config
        self.store_path = store_path
        self.deliver = deliver
        self.channels = dict(channels) if channels is not None else build_channels(config, store_path)
        self.poll_s = poll_s
        self._inbox: queue.SimpleQueue[ViolationAlert] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._deadline = float("inf")
        self._buckets = {name: TokenBucket(config.rate_limit_per_minute) for name in self.channels}
        self._thread: threading.Thread | None = None
        self.sent = 0  # deliveries by this dispatcher, for the summary `custos scan` prints
        self.attempts_failed = 0

    # --- the caller's side -----------------------------------------------------------------------------
    def submit(self, alert: ViolationAlert) -> None:
        """Queue an alert and return at once; one below `min_severity` is dropped. Never raises."""
        try:
            if self.config.wants(str(alert.severity)):
                self._inbox.put(alert)
                self._wake.set()
        except Exception as exc:  # noqa: BLE001 - a hook must never raise into the scanner
            log_event("alert_submit_error", logging.ERROR, error=type(exc).__name__)

    def start(self) -> AlertDispatcher:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="custos-alerts", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float) -> None:
        """Persist what was submitted, deliver what is due now, and stop, within about `timeout` seconds.
        Alerts waiting for a retry or a rate-limit token stay in the outbox for the next deliverer."""
        self._deadline = time.monotonic() + timeout
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout + 0.5)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- the delivery thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            store = Store(self.store_path)
        except Exception as exc:  # noqa: BLE001 - no outbox: alerts are lost, scanning goes on; say so loudly
            log_event("alert_outbox_error", logging.ERROR, error=mask_for_display(f"{exc}")[:200], action="no alerts")
            return
        with store:
            outbox = AlertOutbox(store)
            while True:
                wait = self.poll_s
                try:
                    self._persist(outbox)
                    if self.deliver:
                        wait = min(wait, self._deliver_due(outbox))
                except Exception as exc:  # noqa: BLE001 - a locked or full database: try again shortly
                    log_event("alert_outbox_error", logging.ERROR, error=mask_for_display(f"{exc}")[:200])
                    wait = self.poll_s
                if self._stopping.is_set():
                    left = self._deadline - time.monotonic()
                    if left <= 0 or (self._inbox.empty() and wait > 0):
                        return
                    wait = min(wait, left)
                self._wake.wait(max(wait, 0.0))
                self._wake.clear()

    def _persist(self, outbox: AlertOutbox) -> None:
        while True:
            try:
                alert = self._inbox.get_nowait()
            except queue.Empty:
                return
            message = AlertMessage.from_violation(alert)
            added = outbox.add(message.violation_id, self.config.channels, message.to_json(), time.time())
            log_event("alert_queued", violation=message.violation_id, zone=message.zone, severity=message.severity,
                      channels=added)  # fmt: skip

    def _deliver_due(self, outbox: AlertOutbox) -> float:
        """Attempt every due row a channel has a token for; seconds until there may be more to do (0: now)."""
        entries = outbox.due(time.time(), self.channels, BATCH)
        limited: set[str] = set()
        for entry in entries:
            if self._stopping.is_set() and time.monotonic() >= self._deadline:
                return 0.0
            if entry.channel in limited:
                continue
            if not self._buckets[entry.channel].take():
                limited.add(entry.channel)  # kept pending: sent when the channel has a token again
                continue
            if outbox.claim(entry, time.time()):
                self._attempt(outbox, entry)
        if len(entries) == BATCH:
            return 0.0
        waits = [self._buckets[c].wait_s() for c in limited]
        others = [c for c in self.channels if c not in limited]
        next_at = outbox.next_due_at(others)
        if next_at is not None:
            waits.append(max(next_at - time.time(), 0.0))
        return min(waits, default=self.poll_s) if waits else self.poll_s

    def _attempt(self, outbox: AlertOutbox, entry: OutboxEntry) -> None:
        attempt = entry.attempts + 1
        fields = {"violation": entry.violation_id, "channel": entry.channel, "attempt": attempt}
        try:
            self.channels[entry.channel].send(AlertMessage.from_json(entry.payload))
        except DeliveryError as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - a channel's bug must not stop the other channels
            error = mask_for_display(f"{type(exc).__name__}: {exc}")[:300]
        else:
            outbox.mark_sent(entry.id, time.time())
            self.sent += 1
            log_event("alert_sent", **fields)
            return
        self.attempts_failed += 1
        now = time.time()
        delay = backoff_s(attempt, self.config.retry_max_s)
        if now + delay - entry.created_at > self.config.retry_max_s:
            outbox.give_up(entry.id, error)
            log_event("alert_failed", logging.ERROR, **fields, error=error, action="given up after retry_max_s")
        else:
            outbox.retry_at(entry.id, now + delay, error)
            log_event("alert_retry", logging.WARNING, **fields, error=error, retry_in_s=round(delay, 1))


def send_test(config: AlertsConfig, db: Path | None) -> list[tuple[str, str | None]]:
    """`custos alerts test`: send the test alert to each configured channel now; (channel, error or None)."""
    results = []
    for name, channel in build_channels(config, db).items():
        try:
            channel.send(AlertMessage.for_test())
        except DeliveryError as exc:
            results.append((name, str(exc)))
        else:
            results.append((name, None))
    return results
