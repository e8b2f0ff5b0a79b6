"""`custos db recount`: count every file's findings again and repair the review's kept totals where they differ.

The writes keep the dashboard's and the findings screen's totals (scanner/store/summaries.py) in the transaction
that changes findings; this recounts them from the findings themselves, in one write transaction, and says how many
were wrong (none, unless a row was changed by hand or by a tool that bypassed Custos).
"""

from __future__ import annotations

import argparse

from scanner.i18n import _, ngettext
from scanner.i18n.numbers import format_count
from scanner.paths import default_db
from scanner.store.engine import database_argument


def add_recount_command(actions: argparse._SubParsersAction) -> None:
    recount = actions.add_parser(
        "recount", help=_("recount the review's kept totals from the findings and repair them")
    )
    recount.add_argument(
        "--db", type=database_argument, help=_("findings database or URL (default {path})").format(path=default_db())
    )
    recount.add_argument("--check", action="store_true", help=_("only say what differs; change nothing"))
    recount.set_defaults(handler=_cmd_recount)


def _cmd_recount(args: argparse.Namespace) -> int:
    from scanner.cli_db import DbUsageError
    from scanner.store.engine import parse_target
    from scanner.store.store import Store, StoreError
    from scanner.store.summaries import recount

    target = parse_target(args.db or default_db())
    if target.path is not None and not target.path.exists():
        raise DbUsageError(_("{db}: no database there yet").format(db=target.shown))
    try:
        with Store(target) as store, store.transaction():
            found = recount(store.connection, repair=not args.check)
    except StoreError as exc:
        raise DbUsageError(str(exc)) from None
    print(_("{db}: {count} files counted").format(db=target.shown, count=format_count(found.files)))
    if not found.files_wrong and not found.totals_wrong:
        print(_("kept totals match the findings: nothing to repair"))
        return 0
    files = ngettext("{count} file summary", "{count} file summaries", found.files_wrong)
    totals = ngettext("{count} total", "{count} totals", found.totals_wrong)
    line = _("{files} and {totals} differed") if args.check else _("{files} and {totals} repaired")
    print(line.format(files=files.format(count=format_count(found.files_wrong)),
                      totals=totals.format(count=format_count(found.totals_wrong))))  # fmt: skip
    return 1 if args.check else 0
