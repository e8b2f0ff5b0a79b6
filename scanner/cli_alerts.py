"""`custos alerts test` and `custos alerts outbox`, and the alerts of `custos scan --config`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.display import safe
from scanner.display_mask import mask_for_display
from scanner.i18n import N_, _
from scanner.paths import default_db
from scanner.states import OutboxState
from scanner.store.engine import database_argument
from scanner.text_table import Column, render, terminal_width

if TYPE_CHECKING:
    from scanner.alerts.config import AlertsConfig

SCAN_ALERT_WAIT_S = 10.0  # how long `custos scan` waits at its end for alerts due to go out
OUTBOX_COLUMNS = (Column(N_("id"), right=True), Column(N_("violation"), right=True), Column(N_("channel")),
                  Column(N_("state")), Column(N_("tries"), right=True), Column(N_("next try")),
                  Column(N_("zone"), max_width=16), Column(N_("severity")), Column(N_("file"), max_width=40),
                  Column(N_("last error"), max_width=50))  # fmt: skip


class AlertsUsageError(Exception):
    """Shown as one line, exit 2."""


def add_alerts_commands(sub: argparse._SubParsersAction) -> None:
    alerts = sub.add_parser("alerts", help=_("zone-violation alerts: send a test alert, show the outbox"))
    alerts_sub = alerts.add_subparsers(metavar="ACTION")
    test = alerts_sub.add_parser("test", help=_("send a test alert to each channel in [alerts] now"))
    test.add_argument("--config", type=Path, required=True, help=_("custos.toml with an [alerts] table"))
    test.add_argument(
        "--db", type=database_argument, help=_("the database named in the review command the alert shows")
    )
    test.set_defaults(handler=_cmd_test)
    outbox = alerts_sub.add_parser("outbox", help=_("alerts waiting to be delivered, or given up (masked)"))
    outbox.add_argument(
        "--db", type=database_argument, help=_("findings database (default {path})").format(path=default_db())
    )
    outbox.add_argument("--all", action="store_true", help=_("sent alerts too"))
    outbox.add_argument("--retry", action="store_true", help=_("put the given-up alerts back in the queue"))
    outbox.set_defaults(handler=_cmd_outbox)


def scan_alerts(config: Path | None, db: Path) -> AbstractContextManager[None]:
    """Alerts for the violations `custos scan --config` records: delivered as found, the rest at the end within
    SCAN_ALERT_WAIT_S; what is still undelivered waits in the outbox. One line on stderr says how it went.
    The [alerts] table is read (and a mistake reported) at once; the dispatcher starts when the block is entered."""
    from scanner.daemon.config import load_alerts

    return _scan_alerts(load_alerts(config) if config is not None else None, db)


@contextmanager
def _scan_alerts(alerts: AlertsConfig | None, db: Path) -> Iterator[None]:
    if alerts is None:  # no [alerts] table: nothing to start (nor to import)
        yield
        return
    from scanner.alerts.attach import alerts_on_violations

    if not logging.getLogger("custos").handlers:
        from scanner.daemon.log import setup

        setup("warning")  # failed attempts as one structured line each on stderr
    with alerts_on_violations(alerts, db, deliver=True, wait_s=SCAN_ALERT_WAIT_S) as dispatcher:
        yield
    if dispatcher is not None and (dispatcher.sent or dispatcher.attempts_failed):
        waiting = _waiting(db)
        line = (
            _("custos: alerts: {sent} sent; {waiting} waiting in the outbox (custos alerts outbox)")
            if waiting
            else _("custos: alerts: {sent} sent")
        )
        print(line.format(sent=dispatcher.sent, waiting=waiting), file=sys.stderr)


def _waiting(db: Path) -> int:
    from scanner.store.alert_outbox import AlertOutbox
    from scanner.store.store import Store

    with Store(db) as store:
        counts = AlertOutbox(store).counts()
    return counts.get(OutboxState.PENDING, 0) + counts.get(OutboxState.FAILED, 0)


def describe_alerts(config: AlertsConfig) -> list[str]:
    """For `custos config check`: the channels, and each secret variable not set in this environment (a note:
    the service may get it from its EnvironmentFile)."""
    summary = _("alerts: {channels}; min severity {severity}, {rate}/min per channel, retried for {seconds} s")
    lines = [summary.format(channels=", ".join(config.channels) or _("no channel"), severity=config.min_severity,
                            rate=config.rate_limit_per_minute, seconds=f"{config.retry_max_s:g}")]  # fmt: skip
    needed = [("alerts.email.password_env", config.email and config.email.password_env),
              ("alerts.webhook.secret_env", config.webhook and config.webhook.secret_env)]  # fmt: skip
    for key, variable in needed:
        if variable and not os.environ.get(variable):
            note = _("note: {key}: {variable} is not set here; the daemon needs it in its environment")
            lines.append(note.format(key=key, variable=variable))
    return lines


def _cmd_test(args: argparse.Namespace) -> int:
    from scanner.alerts.dispatch import send_test
    from scanner.daemon.config import load_alerts

    config = load_alerts(args.config)
    if config is None or not config.channels:
        raise AlertsUsageError(_("{path}: no [alerts] channel configured").format(path=args.config))
    failed = 0
    for channel, error in send_test(config, args.db):
        if error is None:
            print(_("{channel}: sent").format(channel=channel))
        else:
            failed += 1
            print(_("{channel}: FAILED: {error}").format(channel=channel, error=safe(error)))
    return 1 if failed else 0


def _cmd_outbox(args: argparse.Namespace) -> int:
    from scanner.alerts.message import AlertMessage
    from scanner.store.alert_outbox import AlertOutbox
    from scanner.store.store import Store

    db = args.db or default_db()
    if not db.exists():
        raise AlertsUsageError(_("{db}: no findings database yet").format(db=db))
    with Store(db) as store:
        outbox = AlertOutbox(store)
        if args.retry:
            print(_("{count} given-up alerts queued again").format(count=outbox.requeue_failed(time.time())))
        entries = outbox.entries(tuple(OutboxState) if args.all else (OutboxState.PENDING, OutboxState.FAILED))
        counts = outbox.counts()
    rows = []
    for e in entries:
        message = AlertMessage.from_json(e.payload)
        next_try = _when(e.next_at) if e.state == OutboxState.PENDING else ""
        rows.append((str(e.id), str(e.violation_id), e.channel, e.state, str(e.attempts), next_try,
                     safe(message.zone), message.severity, safe(mask_for_display(message.masked_path)),
                     safe(mask_for_display(e.last_error or ""))))  # fmt: skip
    from scanner.cli_actions import shown_columns

    for line in render(shown_columns(OUTBOX_COLUMNS), rows, terminal_width(sys.stdout)):
        print(line)
    print(_(", ").join(_("{count} {state}").format(count=counts.get(s, 0), state=s) for s in OutboxState))
    return 0


def _when(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
