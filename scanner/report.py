"""Terminal output for people: the scan summary, the rules listing and the progress bar (rich)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from scanner.detect.rulepack import RulePack
from scanner.display import safe, safe_text
from scanner.display_mask import mask_for_display
from scanner.i18n import _
from scanner.i18n.entity_names import entity_name, sensitivity_name
from scanner.i18n.numbers import format_count, format_decimal
from scanner.name_mask import mask_path
from scanner.store.file_status import not_inspected_line
from scanner.store.violations import open_violations, open_violations_line

if TYPE_CHECKING:  # annotations only: importing scanner.scan loads Presidio, which `custos status` does not need
    from scanner.scan import Progress as ProgressCallback
    from scanner.scan import ScanStats
from scanner.store.store import Store, joined_path

_SENSITIVITY_ORDER = {"sensitive": 0, "general": 1, "organization": 2}
_SHOWN_PROBLEMS = 50
PIPE_WIDTH = 100_000  # piped output is never wrapped: a suggested command or a path stays on one line


def stdout_console() -> Console:
    """The terminal's width on a terminal; when piped or redirected, lines as long as they are."""
    if sys.stdout.isatty():
        return Console()
    return Console(width=PIPE_WIDTH, soft_wrap=True)


def print_summary(store: Store, root: str, stats: ScanStats, db: Path, console: Console | None = None) -> None:
    console = console or stdout_console()
    not_inspected = store.not_inspected_counts(root=root)  # the same count as `custos status` and the review UI
    total_not_inspected = sum(not_inspected.values())
    console.print(
        Text.assemble(
            (_("Scanned"), "bold"),
            " ",
            _("{root}: {seen} files seen, {scanned} scanned, {unchanged} unchanged, ").format(
                root=safe(root),
                seen=format_count(stats.files_seen),
                scanned=format_count(stats.files_scanned),
                unchanged=format_count(stats.files_unchanged),
            ),
            (
                _("{count} not inspected").format(count=format_count(total_not_inspected)),
                "yellow" if total_not_inspected else "",
            ),
            _(", {megabytes} MB read").format(megabytes=format_decimal(stats.bytes_scanned / 1e6)),
        )
    )
    rows = sorted(store.summary(root=root), key=lambda r: (_SENSITIVITY_ORDER.get(r["sensitivity"], 9), -r["n"]))
    table = Table(title=_("Findings by entity type"), title_justify="left")
    for column, right in ((_("entity type"), False), (_("sensitivity"), False), (_("findings"), True),
                          (_("files"), True)):  # fmt: skip
        table.add_column(column, justify="right" if right else "left")
    for row in rows:
        style = "red" if row["sensitivity"] == "sensitive" else None
        table.add_row(safe_text(entity_name(row["entity_type"])), safe_text(sensitivity_name(row["sensitivity"])),
                      format_count(row["n"]), format_count(row["files"]), style=style)  # fmt: skip
    table.add_section()
    table.add_row(_("total"), "", format_count(sum(r["n"] for r in rows)), "")
    console.print(table)
    if total_not_inspected:
        _print_not_inspected(store, root, not_inspected, stats, console)
    if violations := open_violations(store):
        line = _("Open zone violations: {violations}; list them with: custos violations --db {db}").format(
            violations=open_violations_line(violations), db=db
        )
        console.print(safe_text(line), style="red")
    console.print(
        safe_text(_("Findings database: {db}  ·  export: custos export --format jsonl --db {db}").format(db=db))
    )


def _print_not_inspected(
    store: Store, root: str, counts: dict[str, int], stats: ScanStats, console: Console
) -> None:  # fmt: skip
    """Every file that may hold personal data nobody read, with the reason: the first 50, then counts."""
    problems = store.file_problems(root=root, limit=_SHOWN_PROBLEMS)
    issues = Table(title=_("Files not inspected"), title_justify="left")
    for column in (_("status"), _("path"), _("reason")):
        issues.add_column(column)
    spans = store.name_spans([row["id"] for row in problems])
    for row in problems:
        shown = mask_path(joined_path(row["rel_path"], row["member"]), spans.get(row["id"], ()))
        issues.add_row(safe_text(row["status"]), safe_text(shown), safe_text(mask_for_display(row["error"] or "")))
    total = sum(counts.values())
    if total > len(problems):
        more = _("{count} more").format(count=format_count(total - len(problems)))
        issues.add_row("…", more, _("see the review UI (custos review)"))
    console.print(issues)
    console.print(Text.assemble((_("Not inspected:"), "yellow"), f" {not_inspected_line(counts)}"))
    if stats.unsupported:
        kinds = ", ".join(f"{safe(ext)} ×{n}" for ext, n in stats.unsupported.most_common())
        console.print(Text.assemble((_("Unsupported, by extension:"), "yellow"), f" {kinds}"))


def print_rules(packs: Sequence[RulePack], console: Console | None = None) -> None:
    console = console or stdout_console()
    table = Table(title=_("Recognizers"), title_justify="left")
    for column in (_("rule"), _("entity type"), _("sensitivity"), _("validator"), _("rule pack"), _("examples")):
        table.add_column(column)
    for pack in packs:
        for rule in pack.rules:
            name = _("{rule} (deprecated)").format(rule=rule.id) if rule.deprecated else rule.id
            examples = f"+{len(rule.positive_examples)}/-{len(rule.negative_examples)}"
            cells = (name, entity_name(rule.entity_type), sensitivity_name(rule.sensitivity), rule.validator,
                     rule.pack_ref, examples)  # fmt: skip
            table.add_row(*(safe_text(c) for c in cells))
    console.print(table)


@contextmanager
def progress_reporter(enabled: bool) -> Iterator[ProgressCallback | None]:
    """A spinner with the current file and counts on stderr, or nothing when not on a terminal."""
    if not enabled:
        yield None
        return
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bar:
        task = bar.add_task(_("starting"))

        def update(rel: str, stats: ScanStats) -> None:  # no path: a name is not known to be clean until scanned
            description = _("{files} files · {findings} findings").format(
                files=format_count(stats.files_seen), findings=format_count(stats.findings)
            )
            bar.update(task, description=description)

        yield update
