"""How findings and files read as table rows: columns, cell formatting, the selection mark.

Pure functions of `FindingItem` / `FileItem`; previews are masked by the scanner, and nothing here ever
sees a plain value. Every cell is a `Text` escaped by `scanner.display.safe`: never markup, never a control.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from scanner.display import safe, safe_text
from scanner.store.review import FileItem, FindingItem
from tui.widgets.paged_table import MARK_COLUMN, Column

SENSITIVITY_STYLE = {"sensitive": "bold red", "organization": "yellow"}

FINDING_COLUMNS: list[Column] = [  # rule last: at 120 columns it is the one cut (the detail shows it)
    (MARK_COLUMN, " ", 1),
    ("path", "path", 24),
    ("type", "type", 14),
    ("sensitivity", "sensitivity", 11),
    ("preview", "preview", 18),
    ("location", "location", 9),
    ("score", "score", 5),
    ("action", "action", 14),
    ("rule", "rule", None),
]
FILE_COLUMNS: list[Column] = [
    (MARK_COLUMN, " ", 1),
    ("path", "path", 34),
    ("findings", "findings", 8),
    ("sensitive", "sensitive", 9),
    ("types", "types", 28),
    ("status", "status", 9),
    ("action", "latest action", None),
]


def _sensitivity(value: str) -> Text:
    return safe_text(value, style=SENSITIVITY_STYLE.get(value, ""))


def _path(path: str, width: int) -> Text:
    """Keep the end of a long path (the file name), which tells files apart; widths are terminal cells.
    Escaped first (`safe`), so what is cut is what is shown."""
    shown = safe(path)
    if cell_len(shown) <= width:
        return Text(shown)
    tail = shown
    while cell_len(tail) > width - 1:
        tail = tail[1:]
    return Text("…" + tail)


def finding_cells(item: FindingItem, mark: str) -> list[object]:
    return [
        Text(mark, style="bold"),
        _path(item.path, 24),
        safe_text(item.entity_type),
        _sensitivity(item.sensitivity),
        safe_text(item.preview),
        safe_text(item.location),
        Text(f"{item.score:.2f}", justify="right"),
        safe_text(item.action),
        safe_text(item.rule),
    ]


def file_cells(item: FileItem, mark: str) -> list[object]:
    return [
        Text(mark, style="bold"),
        _path(item.path, 34),
        Text(f"{item.findings:,}", justify="right"),
        Text(f"{item.sensitive:,}", justify="right", style="bold red" if item.sensitive else ""),
        safe_text(item.types.replace(",", ", ")),
        safe_text(item.status),
        safe_text(item.action),
    ]
