"""`custos exposure [--level all|broad_group|group] [--folder F]`: who can read the files with sensitive findings.

The list shows each file's level, mode and ACL and who besides the owner may read it, paths with the personal
data found in them masked; the summary line counts the files readable by all users, the number management asks
for ("sensitive files readable by all users: N").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scanner.display import safe
from scanner.exposure.tighten import Access
from scanner.i18n import N_, _
from scanner.i18n.numbers import format_count
from scanner.name_mask import mask_path
from scanner.paths import default_db
from scanner.states import EXPOSURE_LEVELS, ExposureLevel
from scanner.store.engine import database_argument
from scanner.store.exposure import ExposureRow, ExposureStore
from scanner.store.store import Store
from scanner.text_table import Column, render, terminal_width

COLUMNS = (
    Column(N_("level")),
    Column(N_("mode"), max_width=40),
    Column(N_("readers"), max_width=40),
    Column(N_("path")),
)
LISTED_LEVELS = [level.value for level in EXPOSURE_LEVELS if level != ExposureLevel.OWNER]


def add_exposure_command(sub: argparse._SubParsersAction) -> None:
    exposure = sub.add_parser("exposure", help=_("who can read the files with sensitive findings (mode, ACL)"))
    exposure.add_argument(
        "--level",
        choices=LISTED_LEVELS,
        default=None,
        help=_("only files readable this widely or more (default: every one, with its level)"),
    )
    exposure.add_argument("--folder", help=_("only files under this folder (relative or absolute)"))
    exposure.add_argument(
        "--db", type=database_argument, help=_("findings database (default {path})").format(path=default_db())
    )
    exposure.set_defaults(handler=_cmd_exposure)


def _cmd_exposure(args: argparse.Namespace) -> int:
    from scanner.cli import UsageError

    db = args.db or default_db()
    if not db.exists():
        raise UsageError(_("{db}: no findings database yet; run 'custos scan' first").format(db=db))
    folder = str(Path(args.folder).resolve()) if args.folder else None
    with Store(db) as store:
        exposure = ExposureStore(store)
        rows = exposure.exposed(at_least=args.level, folder=folder)
        spans = store.name_spans([r.file_id for r in rows]) if rows else {}
        table = [_row(r, spans.get(r.file_id, [])) for r in rows]
        counts = exposure.counts()
    from scanner.cli_actions import shown_columns

    for line in render(shown_columns(COLUMNS), table, terminal_width(sys.stdout)):
        print(line)
    print(_("sensitive files readable by all users: {count}").format(count=format_count(counts[ExposureLevel.ALL])))
    broad = format_count(counts[ExposureLevel.BROAD_GROUP])
    print(_("sensitive files readable by a broad group: {count}").format(count=broad))
    print(_("{count} files listed").format(count=format_count(len(table))), file=sys.stderr)
    return 0


def _row(row: ExposureRow, spans: list) -> tuple[str, ...]:
    shown = f"{row.root}/{mask_path(row.rel_path, spans)}"
    readers = ", ".join(row.readers) or "-"
    return row.level, Access.stored(row.mode, row.acl).shown(), safe(readers), safe(shown)
