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
            ("Scanned", "bold"),
            f" {safe(root)}: {stats.files_seen} files seen, {stats.files_scanned} scanned, "
            f"{stats.files_unchanged} unchanged, ",
            (f"{total_not_inspected} not inspected", "yellow" if total_not_inspected else ""),
            f", {stats.bytes_scanned / 1e6:.1f} MB read",
        )
    )
    rows = sorted(store.summary(root=root), key=lambda r: (_SENSITIVITY_ORDER.get(r["sensitivity"], 9), -r["n"]))
    table = Table(title="Findings by entity type", title_justify="left")
    for column in ("entity type", "sensitivity", "findings", "files"):
        table.add_column(column, justify="right" if column in ("findings", "files") else "left")
    for row in rows:
        style = "red" if row["sensitivity"] == "sensitive" else None
        table.add_row(safe_text(row["entity_type"]), safe_text(row["sensitivity"]), str(row["n"]), str(row["files"]),
                      style=style)  # fmt: skip
    table.add_section()
    table.add_row("total", "", str(sum(r["n"] for r in rows)), "")
    console.print(table)
    if total_not_inspected:
        _print_not_inspected(store, root, not_inspected, stats, console)
    if violations := open_violations(store):
        line = f"Open zone violations: {open_violations_line(violations)}; list them with: custos violations --db {db}"
        console.print(safe_text(line), style="red")
    console.print(safe_text(f"Findings database: {db}  ·  export: custos export --format jsonl --db {db}"))


def _print_not_inspected(
    store: Store, root: str, counts: dict[str, int], stats: ScanStats, console: Console
) -> None:  # fmt: skip
    """Every file that may hold personal data nobody read, with the reason: the first 50, then counts."""
    problems = store.file_problems(root=root, limit=_SHOWN_PROBLEMS)
    issues = Table(title="Files not inspected", title_justify="left")
    for column in ("status", "path", "reason"):
        issues.add_column(column)
    spans = store.name_spans([row["id"] for row in problems])
    for row in problems:
        shown = mask_path(joined_path(row["rel_path"], row["member"]), spans.get(row["id"], ()))
        issues.add_row(safe_text(row["status"]), safe_text(shown), safe_text(mask_for_display(row["error"] or "")))
    total = sum(counts.values())
    if total > len(problems):
        issues.add_row("…", f"{total - len(problems)} more", "see the review UI (custos review)")
    console.print(issues)
    console.print(Text.assemble(("Not inspected:", "yellow"), f" {not_inspected_line(counts)}"))
    if stats.unsupported:
        kinds = ", ".join(f"{safe(ext)} ×{n}" for ext, n in stats.unsupported.most_common())
        console.print(Text.assemble(("Unsupported, by extension:", "yellow"), f" {kinds}"))


def print_rules(packs: Sequence[RulePack], console: Console | None = None) -> None:
    console = console or stdout_console()
    table = Table(title="Recognizers", title_justify="left")
    for column in ("rule", "entity type", "sensitivity", "validator", "pack", "examples"):
        table.add_column(column)
    for pack in packs:
        for rule in pack.rules:
            name = f"{rule.id} (deprecated)" if rule.deprecated else rule.id
            examples = f"+{len(rule.positive_examples)}/-{len(rule.negative_examples)}"
            cells = (name, rule.entity_type, rule.sensitivity, rule.validator, rule.pack_ref, examples)
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
        task = bar.add_task("starting")

        def update(rel: str, stats: ScanStats) -> None:  # no path: a name is not known to be clean until scanned
            bar.update(task, description=f"{stats.files_seen} files · {stats.findings} findings")

        yield update
