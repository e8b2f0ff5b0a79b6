"""How findings and files read as table rows: columns, cell formatting, the selection mark.

Pure functions of `FindingItem` / `FileItem`; previews are masked by the scanner, and nothing here ever
sees a plain value.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

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
    return Text(value, style=SENSITIVITY_STYLE.get(value, ""))


def _path(path: str, width: int) -> str:
    """Keep the end of a long path (the file name), which tells files apart; widths are terminal cells."""
    if cell_len(path) <= width:
        return path
    tail = path
    while cell_len(tail) > width - 1:
        tail = tail[1:]
    return "…" + tail


def finding_cells(item: FindingItem, mark: str) -> list[object]:
    return [
        Text(mark, style="bold"),
        _path(item.path, 24),
        item.entity_type,
        _sensitivity(item.sensitivity),
        item.preview,
        item.location,
        Text(f"{item.score:.2f}", justify="right"),
        item.action or "",
        item.rule,
    ]


def file_cells(item: FileItem, mark: str) -> list[object]:
    return [
        Text(mark, style="bold"),
        _path(item.path, 34),
        Text(f"{item.findings:,}", justify="right"),
        Text(f"{item.sensitive:,}", justify="right", style="bold red" if item.sensitive else ""),
        item.types.replace(",", ", "),
        item.status,
        item.action or "",
    ]
