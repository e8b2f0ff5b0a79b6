"""`custos report compliance`: the compliance report for management and the regulator (HTML, Markdown, PDF), to
a file, to stdout, or dated into a folder keeping the last N (the weekly timer in contrib/)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from scanner.display import safe
from scanner.fsio import open_private_output
from scanner.i18n import _
from scanner.paths import default_db, policy_path_for
from scanner.store.engine import database_argument

REPORT_PREFIX = "custos-compliance-"


class ReportUsageError(Exception):
    """Shown as one line, exit 2."""


def add_compliance_command(report_sub: argparse._SubParsersAction) -> None:
    from scanner.reports.compliance.build import FORMATS

    compliance = report_sub.add_parser(
        "compliance", help=_("the compliance report for management (合规报告): HTML, Markdown or PDF"),
        description=_("Scope, coverage, personal data held, cleanup and handover progress, zone violations, "
                      "exposure, audit-chain status and open risks, from the findings database; no plain personal "
                      "data."),
    )  # fmt: skip
    since_help = _("period start, YYYY-MM-DD or an ISO time (default: everything recorded)")
    compliance.add_argument("--since", type=_since, metavar="DATE", help=since_help)
    compliance.add_argument("--format", choices=FORMATS, default="html")
    compliance.add_argument("--output", type=Path, metavar="FILE", help=_("write here (mode 0600); default stdout"))
    compliance.add_argument(
        "--into",
        type=Path,
        metavar="DIR",
        help=_("write {name} into this folder (the weekly timer)").format(name=f"{REPORT_PREFIX}YYYY-MM-DD.<format>"),
    )
    compliance.add_argument(
        "--keep",
        type=_positive,
        metavar="N",
        help=_("with --into: keep the newest N reports of this format there, remove older ones"),
    )
    compliance.add_argument(
        "--db",
        type=database_argument,
        default=None,
        help=_("findings database (default {path})").format(path=default_db()),
    )
    compliance.set_defaults(handler=_cmd_report_compliance)


def _cmd_report_compliance(args: argparse.Namespace) -> int:
    from scanner.reports.compliance.build import build_report
    from scanner.reports.compliance.catalogue import choose_language
    from scanner.reports.compliance.charts import ChartFontMissing
    from scanner.reports.compliance.pdf import RendererMissing, RenderFailed

    try:
        target = _target(args)
        db = args.db or default_db()
        if not db.exists():
            raise ReportUsageError(
                _("{db}: no findings database there; run 'custos scan' first or give --db").format(db=db)
            )
        data = build_report(db, fmt=args.format, language=choose_language(), zone=_zone(db),
                            since=args.since)  # fmt: skip
    except (ReportUsageError, ChartFontMissing, RendererMissing, RenderFailed) as exc:
        print(_("custos: error: {problem}").format(problem=safe(exc)), file=sys.stderr)
        return 2
    if target is None:
        if args.format == "pdf" and sys.stdout.isatty():
            print(_("custos: error: a PDF is not for the terminal: give --output FILE"), file=sys.stderr)
            return 2
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    with open_private_output(target, binary=True) as out:
        out.write(data)
    removed = _keep_newest(args.into, args.format, args.keep) if args.into and args.keep else []
    written = (
        _("custos: compliance report written to {path}; removed {count} older")
        if removed
        else _("custos: compliance report written to {path}")
    )
    print(written.format(path=safe(target), count=len(removed)), file=sys.stderr)
    return 0


def _target(args: argparse.Namespace) -> Path | None:
    if args.output and args.into:
        raise ReportUsageError(_("give --output FILE or --into DIR, not both"))
    if args.keep and not args.into:
        raise ReportUsageError(_("--keep N goes with --into DIR (the folder whose older reports it removes)"))
    if args.into is None:
        return args.output
    if not args.into.is_dir():
        raise ReportUsageError(
            _("{folder}: no such folder (create it, owned by the account that runs this)").format(
                folder=safe(args.into)
            )
        )
    from scanner.reports.compliance.build import SUFFIXES

    return args.into / f"{REPORT_PREFIX}{datetime.now(UTC).astimezone():%Y-%m-%d}{SUFFIXES[args.format]}"


def _keep_newest(folder: Path, fmt: str, keep: int) -> list[Path]:
    """Remove this format's dated reports in ``folder`` beyond the newest ``keep`` (names sort by date)."""
    from scanner.reports.compliance.build import SUFFIXES

    dated = sorted(p for p in folder.glob(f"{REPORT_PREFIX}*{SUFFIXES[fmt]}") if _dated(p, fmt))
    old = dated[:-keep]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def _dated(path: Path, fmt: str) -> bool:
    from scanner.reports.compliance.build import SUFFIXES

    stem = path.name.removeprefix(REPORT_PREFIX).removesuffix(SUFFIXES[fmt])
    try:
        date.fromisoformat(stem)
    except ValueError:
        return False
    return path.is_file()


def _zone(db: Path):
    """The site policy's report time zone (as the destruction record), else Asia/Shanghai."""
    from scanner.actions.site_policy import load_site_policy
    from scanner.local_time import time_zone

    return time_zone(load_site_policy(policy_path_for(db)).report_time_zone)


def _since(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{text}: give a date as YYYY-MM-DD or an ISO time").format(text=repr(text))
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(_("{text}: give a whole number of reports, 1 or more").format(text=repr(text)))
    return int(text)
