"""`custos review`: open the Textual review app on a findings database."""

from __future__ import annotations

import argparse

from scanner.i18n import _
from scanner.paths import default_db
from scanner.store.engine import database_argument


class ReviewUsageError(Exception):
    """Shown as one line, exit 2."""


def add_review_command(sub: argparse._SubParsersAction) -> None:
    review = sub.add_parser("review", help=_("triage findings and confirm actions in a terminal UI"))
    review.add_argument(
        "--db", type=database_argument, help=_("findings database (default {path})").format(path=default_db())
    )
    review.add_argument("--as", dest="reviewer", metavar="NAME", help=_("reviewer identity (default $CUSTOS_REVIEWER)"))
    review.set_defaults(handler=_cmd_review)


def _cmd_review(args: argparse.Namespace) -> int:
    db = args.db or default_db()
    if not db.exists():
        raise ReviewUsageError(_("{db}: no findings database yet; run 'custos scan' first").format(db=db))
    from tui.app import ReviewApp

    ReviewApp(db, reviewer=args.reviewer).run()
    return 0
