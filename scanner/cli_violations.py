"""`custos violations [list] [--zone Z] [--state open|resolved] [--severity S]`: the zone violations recorded by
scans, paths and previews masked."""

from __future__ import annotations

import argparse
import sys

from scanner.display import safe
from scanner.display_mask import mask_for_display
from scanner.i18n import N_, _
from scanner.paths import default_db
from scanner.states import ViolationState, ZoneSeverity
from scanner.store.engine import database_argument
from scanner.store.store import Store
from scanner.text_table import Column, render, terminal_width

VIOLATION_COLUMNS = (Column(N_("id"), right=True), Column(N_("state")), Column(N_("severity")),
                     Column(N_("zone"), max_width=16), Column(N_("rule"), max_width=34), Column(N_("first seen")),
                     Column(N_("last seen")), Column(N_("findings"), right=True), Column(N_("path"), max_width=60),
                     Column(N_("previews")))  # fmt: skip


class ViolationUsageError(Exception):
    """Shown as one line, exit 2."""


def add_violations_command(sub: argparse._SubParsersAction) -> None:
    violations = sub.add_parser("violations", help=_("files breaking a zone policy ([[zones]] in custos.toml)"))
    violations.add_argument("what", nargs="?", default="list", choices=["list"])
    violations.add_argument(
        "--db", type=database_argument, help=_("findings database (default {path})").format(path=default_db())
    )
    violations.add_argument("--zone", help=_("only this zone (its name in custos.toml)"))
    violations.add_argument("--state", choices=list(ViolationState), help=_("open or resolved (default: both)"))
    violations.add_argument("--severity", choices=list(ZoneSeverity), help=_("only this severity"))
    violations.set_defaults(handler=_cmd_violations)


def _cmd_violations(args: argparse.Namespace) -> int:
    from scanner.store.violations import ViolationStore

    db = args.db or default_db()
    if not db.exists():
        raise ViolationUsageError(
            _("{db}: no findings database yet; run 'custos scan --config custos.toml' first").format(db=db)
        )
    with Store(db) as store:
        rows = ViolationStore(store).violations(state=args.state, zone=args.zone, severity=args.severity)
    table = [
        (str(v.id), v.state, v.severity, safe(v.zone), safe(v.rule), _when(v.first_seen),
         _when(v.last_seen), str(v.findings), safe(mask_for_display(v.path)),
         safe(", ".join(mask_for_display(p) for p in v.previews)))
        for v in rows
    ]  # fmt: skip
    if not table:
        filtered = args.zone or args.state or args.severity
        print(_("no zone violations matching the filter") if filtered else _("no zone violations"))
        return 0
    from scanner.cli_actions import shown_columns

    for line in render(shown_columns(VIOLATION_COLUMNS), table, terminal_width(sys.stdout)):
        print(line)
    opened = sum(v.state == ViolationState.OPEN for v in rows)
    print(_("{count} violations, {open} open").format(count=len(rows), open=opened), file=sys.stderr)
    return 0


def _when(stamp: str) -> str:
    """A stored UTC time as "2026-11-23 09:15Z"."""
    return stamp.replace("T", " ")[:16] + "Z" if stamp else "-"
