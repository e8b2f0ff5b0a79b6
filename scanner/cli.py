"""`custos` command line: wires the stages together; expected problems become one line and exit code 2."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path
from typing import NoReturn

from scanner import __version__
from scanner.detect.rulepack import RulePackError, active_rules, load_default_packs
from scanner.discover import DEFAULT_EXCLUDES
from scanner.display import safe
from scanner.export import FORMATS, WRITERS, exported_findings, write_csv
from scanner.fingerprint import KeyFileError
from scanner.fsio import open_private_output
from scanner.i18n import LanguageError, _
from scanner.i18n.numbers import format_count
from scanner.i18n.startup import add_lang_argument, choose_language, split_lang
from scanner.identity import IdentityError
from scanner.paths import default_db
from scanner.report import print_rules, print_summary, progress_reporter
from scanner.site_config import SiteConfigError, use_config
from scanner.state_access import (
    StateAccessError,
    check_database_writable,
    check_not_root_in_foreign_state,
    check_output_writable,
)
from scanner.store.engine import database_argument, db_errors
from scanner.store.file_status import not_inspected_line
from scanner.store.store import FindingRow, Store, StoreError
from scanner.text_table import wrap


class UsageError(Exception):
    """A problem the user can fix from the message alone."""


class _HelpFormatter(argparse.HelpFormatter):
    """Help wrapped by display width: a Chinese character takes two cells, and breaks between characters."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(" ".join(text.split()), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrap(" ".join(text.split()), width))


class _Parser(argparse.ArgumentParser):
    """argparse, with a wrong option or choice on one line like every other error (the usage is in --help)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("custos").strip()
        self.exit(
            2, _("custos: error: {where}{message}\n").format(where=command + ": " if command else "", message=message)
        )


def main(argv: list[str] | None = None) -> int:
    try:  # first: the help argparse builds is in the chosen language
        argv = choose_language(sys.argv[1:] if argv is None else argv)
    except LanguageError as exc:
        print(f"custos: error: {safe(exc)}", file=sys.stderr)
        return 2
    parser = _parser(_command_named(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a wrong option (already reported)
        return exc.code if isinstance(exc.code, int) else 2
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        use_config(getattr(args, "config", None))  # [database] and [host] of --config / CUSTOS_CONFIG, checked
        if hasattr(args, "db"):
            check_not_root_in_foreign_state(args.db or default_db())
        return args.handler(args)
    except (UsageError, RulePackError, StoreError, StateAccessError, KeyFileError, IdentityError, SiteConfigError,
            *_action_errors()) as exc:  # fmt: skip
        for line in exc.problems if isinstance(exc, RulePackError) else (exc,):  # rule packs: all problems
            print(_("custos: error: {problem}").format(problem=safe(line)), file=sys.stderr)
        return 2
    except BrokenPipeError:  # `custos findings | head`: the reader left, nothing went wrong
        sys.stderr.close()
        return 0
    except (OSError, *db_errors()) as exc:  # a full disk, a read-only or vanished state folder: one line, no trace
        print(_("custos: error: {problem}").format(problem=_storage_problem(exc)), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(_("custos: interrupted; files scanned so far are recorded"), file=sys.stderr)
        return 130


def _storage_problem(exc: Exception) -> str:
    """What went wrong with the disk or the database, in one line a security officer can act on."""
    if isinstance(exc, db_errors()):
        text = str(exc)
        if "disk is full" in text or "disk I/O error" in text:
            return _(
                "the database could not be written ({error}); free space on its disk and run the command again"
            ).format(error=text)
        return _("database problem: {error}").format(error=text)
    where = f"{exc.filename}: " if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return where + _("{error}; free space on that disk and run the command again").format(error=exc.strerror)
    return f"{where}{exc.strerror or exc}"


def _action_errors() -> tuple[type[Exception], ...]:
    from scanner.actions.audit import AuditError
    from scanner.actions.policy import PolicyError
    from scanner.actions.rewrite.base import RewriteError
    from scanner.actions.service import ActionError
    from scanner.actions.vault import VaultError
    from scanner.cli_actions import ActionUsageError
    from scanner.cli_alerts import AlertsUsageError
    from scanner.cli_daemon import DaemonUsageError
    from scanner.cli_db import DbUsageError
    from scanner.cli_disclosures import DisclosureUsageError
    from scanner.cli_notify import NotifyUsageError
    from scanner.cli_review import ReviewUsageError
    from scanner.cli_subjects import SubjectUsageError
    from scanner.cli_violations import ViolationUsageError
    from scanner.daemon.config import ConfigError
    from scanner.daemon.daemon import DaemonError
    from scanner.handover.disclosures import DisclosureError
    from scanner.store.actions import ActionStateError

    return (ActionError, ActionUsageError, ActionStateError, AuditError, PolicyError, RewriteError, VaultError,
            DaemonUsageError, ConfigError, DaemonError, ReviewUsageError, SubjectUsageError, DisclosureError,
            DisclosureUsageError, NotifyUsageError, ViolationUsageError,
            AlertsUsageError, DbUsageError)  # fmt: skip


# Commands defined in this module: `custos scan` (the one run most, often on a schedule) then skips importing
# every other command's module (actions, alerts, reports, handover …), a tenth of a second of its start.
_OWN_COMMANDS = frozenset({"scan", "export", "rules"})


def _command_named(argv: list[str]) -> str | None:
    """The command word of ``argv``: its first argument that is no option (``--lang VALUE`` is the only option
    taking a value before the command)."""
    return next((arg for arg in split_lang(argv)[1] if not arg.startswith("-")), None)


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """Every command, or only this module's own when ``command`` is one of them."""
    parser = _Parser(prog="custos", description=_("Find and handle personal data in file shares."))
    parser.add_argument("--version", action="version", version=f"custos {__version__}")
    add_lang_argument(parser)
    sub = parser.add_subparsers(metavar="COMMAND")

    scan = sub.add_parser("scan", help=_("scan a folder and record findings"))
    scan.add_argument("path", type=Path)
    _db_and_rules(scan)
    scan.add_argument(
        "--format", choices=["table", *FORMATS], default="table", help=_("output (default: summary table)")
    )
    scan.add_argument("--output", type=Path, help=_("write the jsonl/csv/xlsx findings here instead of stdout"))
    _bom_option(scan)
    scan.add_argument("--exclude", action="append", default=[], metavar="GLOB", help=_("skip matching names/paths"))
    scan.add_argument("--max-size", type=_max_size, default="1G", metavar="SIZE",
                      help=_("skip larger files, recorded as too_large (default 1G)"))  # fmt: skip
    scan.add_argument("--follow-symlinks", action="store_true", help=_("follow symbolic links (loops are detected)"))
    scan.add_argument("--no-progress", action="store_true", help=_("no progress bar"))
    scan.add_argument(
        "--ocr",
        action=argparse.BooleanOptionalAction,
        default=True,
        help=_(
            "read pictures, scanned PDF pages and pictures in Office files by OCR (default: on when the ocr extra is"
            " installed; otherwise they are recorded as needs_ocr)"
        ),
    )
    scan.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help=_("worker processes, each with its own engine (~250 MB); default: the usable cores; 1: in this process"),
    )
    scan.add_argument(
        "--spacy",
        action="append",
        default=[],
        metavar="LANG=PIPELINE",
        help=_("use an installed trained spaCy pipeline for NER, e.g. zh=zh_core_web_sm (default: blank, rules only)"),
    )
    scan.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help=_(
            "custos.toml whose [[zones]] policies are checked after each file, and [alerts] sent (as `custos watch`)"
        ),
    )
    scan.add_argument("--today", type=date.fromisoformat, help=argparse.SUPPRESS)  # fixed date for tests
    scan.set_defaults(handler=_cmd_scan)

    export = sub.add_parser("export", help=_("export stored findings without rescanning"))
    _db_and_rules(export, rules=False)
    export.add_argument("--format", choices=FORMATS, default="jsonl", help=_("jsonl (default), csv, or xlsx (Excel)"))
    export.add_argument("--output", type=Path, help=_("write here instead of stdout (created with mode 0600)"))
    _bom_option(export)
    export.add_argument("--root", type=Path, help=_("only findings under this scanned root"))
    export.set_defaults(handler=_cmd_export)

    rules = sub.add_parser("rules", help=_("list, test or check the rule packs"))
    rules_sub = rules.add_subparsers(metavar="ACTION")
    listing = rules_sub.add_parser("list", help=_("every recognizer, its entity type, sensitivity and pack"))
    _rules_option(listing)
    listing.set_defaults(handler=_cmd_rules_list)
    testing = rules_sub.add_parser("test", help=_("run every rule's positive and negative examples"))
    _rules_option(testing)
    testing.set_defaults(handler=_cmd_rules_test)
    checking = rules_sub.add_parser("check", help=_("validate rule packs against the pack schema, without scanning"))
    checking.add_argument("paths", type=Path, nargs="*", metavar="PATH", help=_("site pack files or folders"))
    _rules_option(checking)
    checking.set_defaults(handler=_cmd_rules_check)
    if command not in _OWN_COMMANDS:
        _add_other_commands(sub)
    return parser


def _add_other_commands(sub) -> None:
    from scanner.cli_actions import add_action_commands
    from scanner.cli_alerts import add_alerts_commands
    from scanner.cli_daemon import add_daemon_commands
    from scanner.cli_db import add_db_commands
    from scanner.cli_disclosures import add_disclosures_command, add_seller_commands
    from scanner.cli_exposure import add_exposure_command
    from scanner.cli_handover import add_handover_commands
    from scanner.cli_notify import add_notify_commands
    from scanner.cli_review import add_review_command
    from scanner.cli_subjects import add_subject_commands
    from scanner.cli_violations import add_violations_command

    add_action_commands(sub)
    add_daemon_commands(sub)
    add_review_command(sub)
    add_seller_commands(add_handover_commands(sub))
    add_disclosures_command(sub)
    add_subject_commands(sub)
    add_notify_commands(sub)
    add_exposure_command(sub)
    add_violations_command(sub)
    add_alerts_commands(sub)
    add_db_commands(sub)


def _db_and_rules(parser: argparse.ArgumentParser, rules: bool = True) -> None:
    parser.add_argument(
        "--db",
        type=database_argument,
        default=None,
        help=_("findings database (default {path})").format(path=default_db()),
    )
    if rules:
        _rules_option(parser)


def _bom_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-bom", dest="bom", action="store_false",
                        help=_("csv: no UTF-8 byte-order mark (by default one is written, for Excel)"))  # fmt: skip
    parser.add_argument("--mask-paths", action="store_true",
                        help=_("export paths and locations as the CLI shows them, personal data in names masked "
                               "(for an export handed to people; by default paths are exact, as taxonomy.md "
                               "defines them, so other tools can find the files)"))  # fmt: skip


def _rules_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rules", type=Path, action="append", default=[], metavar="DIR", help=_("extra rule pack folder")
    )


def _cmd_scan(args: argparse.Namespace) -> int:
    if not args.path.exists():
        raise UsageError(_("{path}: no such file or folder").format(path=args.path))
    if args.output and args.format == "table":
        raise UsageError(_("--output needs --format jsonl, csv or xlsx"))
    _binary_output_allowed(args)
    jobs = _jobs(args.jobs)
    pipelines = _pipelines(args.spacy)
    zones = _zones(args.config)  # a bad zone is refused before anything is written
    db = args.db or default_db()
    check_database_writable(db)  # before the detector loads: a wrong --db is one line at once
    if args.output:
        check_output_writable(args.output)
    from scanner.cli_alerts import scan_alerts

    alerts = scan_alerts(args.config, db)  # [alerts] read and checked now, started when the scan starts
    packs = load_default_packs(args.rules)
    from scanner.build import build_scanner
    from scanner.pool import WorkerDied  # heavy imports (spaCy, Presidio) only when scanning
    from scanner.scan import ScanOptions
    from scanner.subjects.fresh import ensure_linked
    from scanner.zones.guard import attach_guard

    options = ScanOptions(
        max_file_size=args.max_size,
        follow_symlinks=args.follow_symlinks,
        exclude=(*DEFAULT_EXCLUDES, *args.exclude),
        jobs=jobs,
        ocr=args.ocr,
    )
    # the store first: it creates a new database (WAL mode) before the alert thread opens its own connection
    with _no_daemon_on(db), Store(db) as store, alerts:
        scanner = build_scanner(store, db, packs, options=options, today=args.today, pipelines=pipelines)
        guard = attach_guard(scanner, store, zones)
        show_progress = not args.no_progress and sys.stderr.isatty()
        try:
            with progress_reporter(show_progress) as progress:
                run_id, stats = scanner.scan(args.path, progress)
            if guard and guard.counts_people:  # subjects are otherwise linked when first asked for
                ensure_linked(store)
                guard.recheck()  # max_people: counted as linked subjects now
        except WorkerDied as exc:
            print(_("custos: error: {problem}").format(problem=safe(exc)), file=sys.stderr)
            return 2
        finally:
            if guard:
                guard.close()
        root = str(args.path.resolve())
        if args.format == "table":
            print_summary(store, root, stats, db)
        else:
            _export(args, exported_findings(store, root=root, masked=args.mask_paths))
    return 0


def _zones(config: Path | None) -> tuple:
    """The [[zones]] of `--config` (validated; ConfigError names the file, zone and key), () without one."""
    if config is None:
        return ()
    from scanner.daemon.config import load_zones

    return load_zones(config)


@contextmanager
def _no_daemon_on(db: Path) -> Iterator[None]:
    """A scan shares the daemon's lock for its whole run: refused while `custos watch` owns the database (it
    rescans files on its own, and a scan would retire those as gone), and the daemon cannot start meanwhile."""
    from scanner.locks import LockBusy, shared
    from scanner.paths import watch_lock_path_for

    try:
        with shared(watch_lock_path_for(db)):
            yield
    except LockBusy as exc:
        raise UsageError(
            _(
                "custos watch (pid {pid}) owns {db}: stop it before scanning into this database (it rescans and "
                "reconciles its roots itself), or scan into another --db"
            ).format(pid=exc.holder, db=db)
        ) from None


def _cmd_export(args: argparse.Namespace) -> int:
    db = args.db or default_db()
    if not db.exists():
        raise UsageError(_("{db}: no findings database yet; run 'custos scan' first").format(db=db))
    _binary_output_allowed(args)
    with Store(db) as store:
        root = str(args.root.resolve()) if args.root else None
        count = _export(args, exported_findings(store, root=root, masked=args.mask_paths))
        unread = store.not_inspected_counts(root=root)
    print(
        _("custos: exported {count} findings; not inspected: {files}").format(
            count=format_count(count), files=not_inspected_line(unread)
        ),
        file=sys.stderr,
    )
    return 0


def _export(args: argparse.Namespace, rows: Iterable[FindingRow]) -> int:
    """Write ``rows`` in ``args.format`` to ``args.output`` (stdout without it); the number written."""
    if args.format == "xlsx":
        from scanner.export_xlsx import write_xlsx

        with _open_output(args.output, binary=True) as out:
            return write_xlsx(rows, out)
    with _open_output(args.output) as out:
        if args.format == "csv":
            return write_csv(rows, out, bom=args.bom)
        return WRITERS[args.format](rows, out)


def _binary_output_allowed(args: argparse.Namespace) -> None:
    if args.format == "xlsx" and args.output is None and sys.stdout.isatty():
        raise UsageError(_("--format xlsx writes a workbook: give --output FILE.xlsx or redirect stdout to a file"))


def _cmd_rules_list(args: argparse.Namespace) -> int:
    print_rules(load_default_packs(args.rules))
    return 0


def _cmd_rules_check(args: argparse.Namespace) -> int:
    from rules import builtin_pack_paths
    from scanner.detect.rulepack import load_site_packs, pack_files

    missing = [p for p in args.paths if not p.exists()]
    if missing:
        raise UsageError(_("{path}: no such rule pack file or folder").format(path=missing[0]))
    files = [p for p in args.paths if p.is_file()] + pack_files([*(p for p in args.paths if p.is_dir()), *args.rules])
    builtin = {p.resolve() for p in builtin_pack_paths()}  # always checked; named again, not loaded twice
    packs = load_site_packs([f for f in files if f.resolve() not in builtin])
    print(_("ok: {packs} packs, {rules} active rules").format(packs=len(packs), rules=len(active_rules(packs))))
    return 0


def _cmd_rules_test(args: argparse.Namespace) -> int:
    from scanner.detect.engine import Detector
    from scanner.detect.examples import check_rule

    packs = load_default_packs(args.rules)
    detector = Detector(packs)
    rules = active_rules(packs)
    failures = [f for rule in rules for f in check_rule(detector, rule)]
    for failure in failures:
        print(safe(f"FAIL {failure.rule_id}: {failure.example!r}: {failure.problem}"))
    examples = sum(len(r.positive_examples) + len(r.negative_examples) for r in rules)
    print(
        _("{passed} passed, {failed} failed ({rules} rules)").format(
            passed=examples - len(failures), failed=len(failures), rules=len(rules)
        )
    )
    return 1 if failures else 0


def _open_output(path: Path | None, binary: bool = False):
    if path is None:
        return nullcontext(sys.stdout.buffer if binary else sys.stdout)
    try:
        return open_private_output(path, binary=binary)
    except OSError as exc:
        raise UsageError(_("{path}: cannot write ({error})").format(path=path, error=exc.strerror)) from exc


def _pipelines(pairs: list[str]) -> dict[str, str]:
    chosen = {}
    for pair in pairs:
        lang, sep, name = pair.partition("=")
        if not sep or lang not in ("zh", "en") or not name:
            raise UsageError(
                _("--spacy {value}: use zh=PIPELINE or en=PIPELINE (an installed package or a folder)").format(
                    value=repr(pair)
                )
            )
        chosen[lang] = name
    return chosen


def _jobs(jobs: int | None) -> int:
    if jobs is None:
        return max(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 1)
    if jobs < 1:
        raise UsageError(_("--jobs {jobs}: use 1 (scan in this process) or more worker processes").format(jobs=jobs))
    return jobs


def _max_size(text: str) -> int:
    """``--max-size``, checked by argparse before anything loads."""
    from scanner.daemon.config import parse_size

    try:
        size = parse_size(text)
    except ValueError:
        size = 0
    if size <= 0:
        raise argparse.ArgumentTypeError(
            _("{value}: use a number with K, M, G or T (e.g. 500M)").format(value=repr(text))
        )
    return size


if __name__ == "__main__":
    sys.exit(main())
