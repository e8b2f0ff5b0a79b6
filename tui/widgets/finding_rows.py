"""How findings and files read as table rows: columns, cell formatting, the selection mark.

Pure functions of `FindingItem` / `FileItem`; previews are masked by the scanner, and nothing here ever
sees a plain value. Every cell is a `Text` escaped by `scanner.display.safe`: never markup, never a control.
"""

from __future__ import annotations

from rich.text import Text

from scanner.display import safe_text
from scanner.i18n import N_
from scanner.i18n.entity_names import entity_name, sensitivity_name
from scanner.review.records import FileItem, FindingItem
from scanner.states import ExposureLevel
from tui.vocabulary import listed, term
from tui.widgets.column_fit import Column, end_ellipsis, path_ellipsis
from tui.widgets.paged_table import MARK_COLUMN

SENSITIVITY_STYLE = {"sensitive": "bold red", "organization": "yellow"}
EXPOSURE_STYLE = {ExposureLevel.ALL: "bold red", ExposureLevel.BROAD_GROUP: "red", ExposureLevel.GROUP: "yellow"}

# Left to right as shown. `drop`: which columns go first when the terminal is narrow (the detail view shows
# them all). Previews, locations and numbers are never cut; the path takes the width left over.
FINDING_COLUMNS: list[Column] = [
    Column(MARK_COLUMN, " "),
    Column("path", N_("path"), flexible=True, min_width=20, shorten=path_ellipsis, outranks=6),
    Column("type", N_("type"), drop=2),
    Column("sensitivity", N_("sensitivity"), drop=5),
    Column("preview", N_("preview"), cap=40),
    Column("location", N_("location"), drop=1, cap=32),
    Column("score", N_("score"), drop=4),
    Column("action", N_("action"), drop=6),
    Column("rule", N_("rule"), drop=7, cap=24, shorten=end_ellipsis),
    Column("exposure", N_("readable by"), drop=3),
]
FILE_COLUMNS: list[Column] = [
    Column(MARK_COLUMN, " "),
    Column("path", N_("path"), flexible=True, min_width=20, shorten=path_ellipsis, outranks=5),
    Column("findings", N_("findings")),
    Column("sensitive", N_("sensitive"), drop=3),
    Column("status", N_("status"), drop=4),
    Column("types", N_("types"), drop=2, flexible=True, min_width=12, shorten=end_ellipsis),
    Column("action", N_("latest action"), drop=5),
    Column("exposure", N_("readable by"), drop=6),
]


def _sensitivity(value: str) -> Text:
    return safe_text(sensitivity_name(value), style=SENSITIVITY_STYLE.get(value, ""))


def finding_cells(item: FindingItem, mark: str) -> list[object]:
    return [
        Text(mark, style="bold"),
        safe_text(item.path),
        safe_text(entity_name(item.entity_type)),
        _sensitivity(item.sensitivity),
        safe_text(item.preview),
        safe_text(item.location),
        Text(f"{item.score:.2f}", justify="right"),
        safe_text(term(item.action)),
        safe_text(item.rule),
        _exposure(item.exposure),
    ]


def file_cells(item: FileItem, mark: str) -> list[object]:
    return [
        Text(mark, style="bold"),
        safe_text(item.path),
        Text(f"{item.findings:,}", justify="right"),
        Text(f"{item.sensitive:,}", justify="right", style="bold red" if item.sensitive else ""),
        safe_text(term(item.status)),
        safe_text(entity_names(item.types)),
        safe_text(term(item.action)),
        _exposure(item.exposure),
    ]


def _exposure(level: str | None) -> Text:
    """Who can read the file: its level, or "-" where none was recorded (no sensitive findings)."""
    return safe_text(term(level) or "-", style=EXPOSURE_STYLE.get(level or "", ""))


def entity_names(types: str) -> str:
    """A file's entity types ("CN_MOBILE,EMAIL_ADDRESS") as shown: each named, in the language's list style."""
    return listed([entity_name(t) for t in types.split(",") if t])
