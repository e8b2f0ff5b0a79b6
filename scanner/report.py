"""Terminal output for people: the scan summary, the rules listing and the progress bar (rich)."""

from __future__ import annotations

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

if TYPE_CHECKING:  # annotations only: importing scanner.scan loads Presidio, which `custos status` does not need
    from scanner.scan import Progress as ProgressCallback
    from scanner.scan import ScanStats
from scanner.store.store import Store, joined_path

_SENSITIVITY_ORDER = {"sensitive": 0, "general": 1, "organization": 2}


def print_summary(store: Store, root: str, stats: ScanStats, db: Path, console: Console | None = None) -> None:
    console = console or Console()
    console.print(
        Text.assemble(
            ("Scanned", "bold"),
            f" {safe(root)}: {stats.files_seen} files seen, {stats.files_scanned} scanned, "
            f"{stats.files_unchanged} unchanged, {stats.files_failed} could not be inspected, "
            f"{stats.bytes_scanned / 1e6:.1f} MB read",
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
    problems = [p for p in store.file_problems(root=root) if p["status"] != "unsupported"]
    if problems:
        issues = Table(title="Files not inspected", title_justify="left")
        for column in ("status", "path", "reason"):
            issues.add_column(column)
        spans = store.name_spans([row["id"] for row in problems[:50]])
        for row in problems[:50]:
            shown = mask_path(joined_path(row["rel_path"], row["member"]), spans.get(row["id"], ()))
            issues.add_row(safe_text(row["status"]), safe_text(shown), safe_text(mask_for_display(row["error"] or "")))
        if len(problems) > 50:
            issues.add_row("…", f"{len(problems) - 50} more", "see custos export / the review UI")
        console.print(issues)
    if stats.unsupported:
        kinds = ", ".join(f"{safe(ext)} ×{n}" for ext, n in stats.unsupported.most_common())
        console.print(Text.assemble(("Not inspected (format not supported yet):", "yellow"), f" {kinds}"))
    console.print(safe_text(f"Findings database: {db}  ·  export: custos export --format jsonl --db {db}"))


def print_rules(packs: Sequence[RulePack], console: Console | None = None) -> None:
    console = console or Console()
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
