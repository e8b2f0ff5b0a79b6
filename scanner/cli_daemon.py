"""`custos watch`, `custos status`, `custos config check`: the daemon's command line."""

from __future__ import annotations

import argparse
import dataclasses
import time
from datetime import UTC, datetime
from pathlib import Path

from scanner.display import safe
from scanner.display_mask import mask_for_display
from scanner.i18n import _
from scanner.i18n.numbers import format_count
from scanner.paths import default_db
from scanner.states import OcrMode
from scanner.store.engine import database_argument

HEARTBEAT_SECONDS = 5.0  # the daemon's default; alive while the last heartbeat is under three of them old


class DaemonUsageError(Exception):
    """Shown as one line, exit 2."""


def add_daemon_commands(sub: argparse._SubParsersAction) -> None:
    watch = sub.add_parser("watch", help=_("run the daemon: watch roots and keep their findings current"))
    watch.add_argument("roots", type=Path, nargs="*", help=_("folders to watch (or [[roots]] in --config)"))
    watch.add_argument("--config", type=Path, help=_("TOML configuration (see contrib/custos.toml)"))
    watch.add_argument(
        "--db",
        type=database_argument,
        help=_("findings database (default: config, else {path})").format(path=default_db()),
    )
    watch.add_argument("--workers", type=int, help=_("worker processes"))
    watch.add_argument("--settle", type=float, help=_("seconds a file must be unchanged before it is scanned"))
    watch.add_argument(
        "--reconcile-interval", type=float, help=_("seconds between reconciliation walks (0: start only)")
    )
    watch.add_argument(
        "--ocr",
        choices=[m.value for m in OcrMode],
        help=_("where pictures and scanned pages are read (default: config, else background with the ocr extra)"),
    )
    watch.add_argument("--polling", action="store_true", help=_("poll the roots given on the command line (SMB/NFS)"))
    watch.add_argument(
        "--log-level", choices=["debug", "info", "warning", "error"], help=_("default: config, else info")
    )
    watch.set_defaults(handler=_cmd_watch)

    status = sub.add_parser("status", help=_("the daemon's heartbeat, queue and errors"))
    status.add_argument("--db", type=database_argument)
    status.set_defaults(handler=_cmd_status)

    config = sub.add_parser("config", help=_("check a daemon configuration"))
    config_sub = config.add_subparsers(metavar="ACTION")
    check = config_sub.add_parser("check", help=_("validate the configuration without running"))
    check.add_argument("--config", type=Path, required=True)
    check.set_defaults(handler=_cmd_config_check)


def _load(args: argparse.Namespace):
    from scanner.daemon.config import config_from_args, load_config

    if args.config and args.roots:
        raise DaemonUsageError(_("give roots on the command line or in --config, not both"))
    if args.config:
        config = load_config(args.config)
    elif args.roots:
        config = config_from_args(args.roots, polling=args.polling)
    else:
        raise DaemonUsageError(_("nothing to watch: give folders or --config custos.toml"))
    overrides = {
        "workers": args.workers,
        "settle_seconds": args.settle,
        "reconcile_interval": args.reconcile_interval,
        "log_level": args.log_level,
        "database": args.db,
        "ocr": args.ocr,
    }
    given = {k: v for k, v in overrides.items() if v is not None}
    config_from_args([r.path for r in config.roots], **given)  # the same checks as a file's, one clear line
    return dataclasses.replace(config, **given)


def _cmd_watch(args: argparse.Namespace) -> int:
    from scanner.daemon.config import validate_paths
    from scanner.daemon.daemon import Daemon
    from scanner.state_access import check_database_writable

    config = _load(args)
    problems = validate_paths(config)
    if problems:
        raise DaemonUsageError(_("; ").join(problems))
    check_database_writable(config.database_path())
    return Daemon(config, config.database_path(), config.log_level).run()


def _cmd_status(args: argparse.Namespace) -> int:
    from scanner.daemon.heartbeat import status_values
    from scanner.store.daemon_status import DaemonStatusStore, is_alive
    from scanner.store.file_status import not_inspected_line
    from scanner.store.store import Store
    from scanner.store.violations import open_violations, open_violations_line
    from scanner.store.work_queue import WorkQueue

    db = args.db or default_db()
    if not db.exists():
        raise DaemonUsageError(_("{db}: no database; has the daemon ever run?").format(db=db))
    with Store(db) as store:
        status = DaemonStatusStore(store).read()
        depth = WorkQueue(store).depth(time.time())
        not_inspected = store.not_inspected_counts()
        violations = open_violations(store)
        if status is not None and status.started_at is not None:  # counted now: the row may be a heartbeat old
            now = status_values(store, WorkQueue(store), status.started_at, {})
            status = dataclasses.replace(status, files_scanned=now["files_scanned"], files_per_s=now["files_per_s"])
    if status is None:
        print(_("no daemon has run on {db}").format(db=safe(db)))
        return 1
    alive = is_alive(status, time.time(), HEARTBEAT_SECONDS)
    _print_status(status, alive, depth, not_inspected_line(not_inspected), open_violations_line(violations))
    return 0 if alive else 1


def _print_status(status, alive: bool, depth, not_inspected: str, violations: str) -> None:
    line = (
        _("daemon:      running (state {state}, pid {pid} on {host}, version {version})")
        if alive
        else _("daemon:      NOT RUNNING (state {state}, pid {pid} on {host}, version {version})")
    )
    print(line.format(state=status.state, pid=status.pid, host=safe(status.host), version=status.version))
    print(_("started:     {started}; last heartbeat {heartbeat}").format(
        started=_when(status.started_at), heartbeat=_when(status.heartbeat_at)))  # fmt: skip
    print(_("last event:  {when}").format(when=_when(status.last_event_at)))
    print(_("roots:       {roots} ({workers} workers)").format(
        roots=", ".join(safe(r) for r in status.roots or []), workers=status.workers))  # fmt: skip
    watching = _("watching:")
    for n, (root, how) in enumerate(status.watch.items()):  # polling and why, folders past the watch limit
        print(f"{_pad(watching if n == 0 else '', 13)}{safe(root)}: {safe(how)}")
    queue = _("queue:       {queued} queued ({ready} ready), {running} running, {failed} failed; OCR queue: {ocr}")
    print(queue.format(queued=depth.queued, ready=depth.ready, running=depth.running, failed=depth.failed,
                       ocr=depth.ocr_queued))  # fmt: skip
    print(_("scanned:     {count} files since start, {rate} files/s").format(
        count=format_count(status.files_scanned), rate=status.files_per_s))  # fmt: skip
    if status.last_error:
        print(_("errors:      {count}; last: {error}").format(
            count=status.errors, error=safe(mask_for_display(status.last_error))))  # fmt: skip
    else:
        print(_("errors:      {count}").format(count=status.errors))
    print(_("not inspected: {files}; custos review lists them with the reason").format(files=not_inspected))
    print(_("violations:  {count} open; custos violations lists them").format(count=violations))


def _pad(text: str, width: int) -> str:
    from rich.cells import cell_len

    return text + " " * max(0, width - cell_len(text))


def _cmd_config_check(args: argparse.Namespace) -> int:
    from scanner.daemon.config import load_config, validate_paths

    config = load_config(args.config)
    problems = validate_paths(config)
    for problem in problems:
        print(_("problem: {problem}").format(problem=safe(problem)))
    if problems:
        return 1
    polling = _("polling")
    modes = ", ".join(f"{safe(r.path)} ({polling if r.polling else 'inotify'})" for r in config.roots)
    print(_("config OK: {count} roots: {modes}; {workers} workers, database {db}").format(
        count=len(config.roots), modes=modes, workers=config.workers,
        db=safe(config.database or default_db())))  # fmt: skip
    mode = config.ocr_mode()
    if mode == OcrMode.BACKGROUND:
        ocr = _("ocr: {mode} ({count} OCR workers)").format(mode=mode, count=config.ocr_workers)
    else:
        ocr = _("ocr: {mode}").format(mode=mode)
    print(ocr if config.ocr else _("{ocr} (the default here)").format(ocr=ocr))
    if config.zones:
        print(_("zones: {zones}").format(zones=", ".join(safe(z.name) for z in config.zones)))
    if config.alerts is not None:
        from scanner.cli_alerts import describe_alerts

        for line in describe_alerts(config.alerts):
            print(line)
    return 0


def _when(stamp: float | None) -> str:
    if not stamp:
        return _("never")
    ago = time.time() - stamp
    return _("{when} ({seconds} s ago)").format(
        when=datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds"), seconds=f"{ago:.0f}"
    )
