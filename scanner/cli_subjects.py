"""`custos subjects [list | show ID | stats | link]`: the people the findings describe, masked."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scanner.display import safe
from scanner.display_mask import mask_for_display
from scanner.i18n import N_, _
from scanner.i18n.entity_names import entity_name, sensitivity_name
from scanner.i18n.numbers import format_count
from scanner.paths import default_db
from scanner.states import SubjectCategory
from scanner.store.engine import database_argument
from scanner.store.store import Store
from scanner.text_table import Column, render, terminal_width

SUBJECT_COLUMNS = (Column(N_("id"), right=True), Column(N_("name"), max_width=12),
                   Column(N_("categories"), max_width=36), Column(N_("minor")), Column(N_("sensitivity")),
                   Column(N_("files"), right=True), Column(N_("findings"), right=True))  # fmt: skip


class SubjectUsageError(Exception):
    """Shown as one line, exit 2."""


def add_subject_commands(sub: argparse._SubParsersAction) -> None:
    subjects = sub.add_parser("subjects", help=_("the people the findings describe: list, show, stats, link"))
    subjects.add_argument("what", nargs="?", default="list", choices=["list", "show", "stats", "link"])
    subjects.add_argument("id", nargs="?", type=int, help=_("show: the subject's id"))
    subjects.add_argument(
        "--db", type=database_argument, help=_("findings database (default {path})").format(path=default_db())
    )
    subjects.add_argument("--category", choices=[c.value for c in SubjectCategory if c != SubjectCategory.MINOR])
    subjects.add_argument("--minor", action="store_true", help=_("only subjects flagged as minors"))
    subjects.add_argument("--folder", help=_("only subjects seen in files under this folder (relative or absolute)"))
    subjects.set_defaults(handler=_cmd_subjects)


def _cmd_subjects(args: argparse.Namespace) -> int:
    db = args.db or default_db()
    if not db.exists():
        raise SubjectUsageError(_("{db}: no findings database yet; run 'custos scan' first").format(db=db))
    if args.what == "show" and args.id is None:
        raise SubjectUsageError(_("subjects show needs the subject's id, e.g. custos subjects show 12"))
    from scanner.subjects.queries import SubjectQueries, UnknownSubject

    with Store(db) as store:
        if args.what == "link":
            return _link(store)
        queries = SubjectQueries(store)
        if args.what == "stats":
            return _stats(queries)
        if args.what == "show":
            try:
                return _show(queries, args.id)
            except UnknownSubject as exc:
                raise SubjectUsageError(str(exc)) from None
        folder = args.folder
        if folder is not None and Path(folder).is_dir():
            folder = str(Path(folder).resolve())  # a folder given as a path on this machine: its absolute form
        ids = queries.subject_ids(category=args.category, minor=True if args.minor else None, folder=folder)
        rows = [
            (str(s.id), _masked(s.name_preview or "-"), ", ".join(s.categories), _("minor") if s.minor else "",
             sensitivity_name(s.sensitivity), str(s.files), str(s.findings))
            for s in queries.rows(ids)
        ]  # fmt: skip
        from scanner.cli_actions import shown_columns

        for line in render(shown_columns(SUBJECT_COLUMNS), rows, terminal_width(sys.stdout)):
            print(line)
        print(_("{count} subjects").format(count=format_count(len(rows))), file=sys.stderr)
    return 0


def _link(store: Store) -> int:
    from scanner.subjects.link import link_subjects

    stats = link_subjects(store)
    n = format_count
    print(
        _("linked {findings} findings on {records} records into {subjects} subjects ({links} links by shared "
          "identifiers, {common} identifiers too common to link, {conflicts} refused as conflicting) in {seconds} s"
          ).format(findings=n(stats.findings), records=n(stats.records), subjects=n(stats.subjects),
                   links=n(stats.linked), common=n(stats.too_common), conflicts=n(stats.conflicts),
                   seconds=f"{stats.seconds:.1f}")
    )  # fmt: skip
    return 0


def _stats(queries) -> int:
    stats = queries.stats()
    print(_("distinct people: {count}").format(count=format_count(stats.people)))
    print(_("minors:          {count}").format(count=format_count(stats.minors)))
    for category in SubjectCategory:
        if category in stats.by_category:
            print(f"  {category.value:<14} {format_count(stats.by_category[category])}")
    for sensitivity, n in sorted(stats.by_sensitivity.items()):
        print(f"  {_pad(safe(sensitivity_name(sensitivity)), 14)} {format_count(n)}")
    if stats.links:
        links = ", ".join(f"{safe(entity_name(k))} {format_count(v)}" for k, v in sorted(stats.links.items()))
        print(_("links: {links}").format(links=links))
    return 0


def _show(queries, subject_id: int) -> int:
    s = queries.summary(subject_id)
    print(_("subject {id}: {name}").format(id=s.id, name=_masked(s.name_preview or "-")))
    categories = ", ".join(s.categories) or "-"
    line = (
        _("  categories: {categories}; minor; {sensitivity}")
        if s.minor
        else _("  categories: {categories}; {sensitivity}")
    )
    print(line.format(categories=categories, sensitivity=sensitivity_name(s.sensitivity)))
    print(_("  seen in {records} records of {files} files, {findings} findings").format(
        records=format_count(s.records), files=format_count(s.files), findings=format_count(s.findings)))  # fmt: skip
    for entity_type, preview, records in s.identifiers:
        count = _("({count} records)").format(count=format_count(records))
        print(f"  {_pad(safe(entity_name(entity_type)), 16)} {_masked(preview)}  {count}")
    print(_("  where:"))
    for place in s.places:
        count = _("({count} findings)").format(count=format_count(place.findings))
        print(f"    {_masked(place.path)}  {_masked(place.record)}  {count}")
    if s.links:
        print(_("  linked by:"))
        for link in s.links:
            print(f"    {safe(entity_name(link.entity_type))}: {_masked(link.record_a)} = {_masked(link.record_b)}")
    return 0


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal cells (a Chinese character takes two)."""
    from rich.cells import cell_len

    return text + " " * max(0, width - cell_len(text))


def _masked(text: str) -> str:
    """Text from the store (a masked preview, a path or a record key) as shown: display-masked, then escaped."""
    return safe(mask_for_display(text))
