"""`custos subjects [list | show ID | stats | link]`: the people the findings describe, masked."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scanner.display import safe
from scanner.display_mask import mask_for_display
from scanner.paths import default_db
from scanner.states import SubjectCategory
from scanner.store.engine import database_argument
from scanner.store.store import Store
from scanner.text_table import Column, render, terminal_width

SUBJECT_COLUMNS = (Column("id", right=True), Column("name", max_width=12), Column("categories", max_width=36),
                   Column("minor"), Column("sensitivity"), Column("files", right=True),
                   Column("findings", right=True))  # fmt: skip


class SubjectUsageError(Exception):
    """Shown as one line, exit 2."""


def add_subject_commands(sub: argparse._SubParsersAction) -> None:
    subjects = sub.add_parser("subjects", help="the people the findings describe: list, show, stats, link")
    subjects.add_argument("what", nargs="?", default="list", choices=["list", "show", "stats", "link"])
    subjects.add_argument("id", nargs="?", type=int, help="show: the subject's id")
    subjects.add_argument("--db", type=database_argument, help=f"findings database (default {default_db()})")
    subjects.add_argument("--category", choices=[c.value for c in SubjectCategory if c != SubjectCategory.MINOR])
    subjects.add_argument("--minor", action="store_true", help="only subjects flagged as minors")
    subjects.add_argument("--folder", help="only subjects seen in files under this folder (relative or absolute)")
    subjects.set_defaults(handler=_cmd_subjects)


def _cmd_subjects(args: argparse.Namespace) -> int:
    db = args.db or default_db()
    if not db.exists():
        raise SubjectUsageError(f"{db}: no findings database yet; run 'custos scan' first")
    if args.what == "show" and args.id is None:
        raise SubjectUsageError("subjects show needs the subject's id, e.g. custos subjects show 12")
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
            (str(s.id), _masked(s.name_preview or "-"), ", ".join(s.categories), "minor" if s.minor else "",
             s.sensitivity, str(s.files), str(s.findings))
            for s in queries.rows(ids)
        ]  # fmt: skip
        for line in render(SUBJECT_COLUMNS, rows, terminal_width(sys.stdout)):
            print(line)
        print(f"{len(rows)} subjects", file=sys.stderr)
    return 0


def _link(store: Store) -> int:
    from scanner.subjects.link import link_subjects

    stats = link_subjects(store)
    print(
        f"linked {stats.findings:,} findings on {stats.records:,} records into {stats.subjects:,} subjects"
        f" ({stats.linked:,} links by shared identifiers, {stats.too_common:,} identifiers too common to link,"
        f" {stats.conflicts:,} refused as conflicting) in {stats.seconds:.1f} s"
    )
    return 0


def _stats(queries) -> int:
    stats = queries.stats()
    print(f"distinct people: {stats.people:,}")
    print(f"minors:          {stats.minors:,}")
    for category in SubjectCategory:
        if category in stats.by_category:
            print(f"  {category.value:<14} {stats.by_category[category]:,}")
    for sensitivity, n in sorted(stats.by_sensitivity.items()):
        print(f"  {safe(sensitivity):<14} {n:,}")
    if stats.links:
        print("links: " + ", ".join(f"{safe(k)} {v:,}" for k, v in sorted(stats.links.items())))
    return 0


def _show(queries, subject_id: int) -> int:
    s = queries.summary(subject_id)
    print(f"subject {s.id}: {_masked(s.name_preview or '-')}")
    print(f"  categories: {', '.join(s.categories) or '-'}{'; minor' if s.minor else ''}; {s.sensitivity}")
    print(f"  seen in {s.records:,} records of {s.files:,} files, {s.findings:,} findings")
    for entity_type, preview, records in s.identifiers:
        print(f"  {safe(entity_type):<16} {_masked(preview)}  ({records} records)")
    print("  where:")
    for place in s.places:
        print(f"    {_masked(place.path)}  {_masked(place.record)}  ({place.findings} findings)")
    if s.links:
        print("  linked by:")
        for link in s.links:
            print(f"    {safe(link.entity_type)}: {_masked(link.record_a)} = {_masked(link.record_b)}")
    return 0


def _masked(text: str) -> str:
    """Text from the store (a masked preview, a path or a record key) as shown: display-masked, then escaped."""
    return safe(mask_for_display(text))
