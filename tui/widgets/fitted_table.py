"""A DataTable whose columns fit its width (`tui.widgets.column_fit`), laid out again whenever it is resized.

It keeps every row's whole cells and shows them shortened to the widths of the moment, so a wider terminal
shows more without a reload, and a value is never cut where its meaning is (numbers, previews, locations).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import DataTable

from tui.translated import shown
from tui.widgets.column_fit import Column, fit_columns, natural_widths

Row = tuple[str | None, Sequence[object]]  # row key (None: none), one cell per column


def as_text(value: object) -> Text:
    if isinstance(value, Text):
        return value
    if isinstance(value, int):
        return Text(f"{value:,}", justify="right")
    return Text(str(value))


class FittedTable(DataTable):
    """Set `columns` with `set_columns`, rows with `set_rows`; `hidden_columns` names what did not fit."""

    class ColumnsHidden(Message):
        """The columns left out changed (the terminal was resized, or wider rows came in)."""

        def __init__(self, hidden: list[str]) -> None:
            super().__init__()
            self.hidden = hidden

    def __init__(self, columns: Sequence[Column] = (), *, id: str | None = None, classes: str | None = None,
                 zebra_stripes: bool = True) -> None:  # fmt: skip
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=zebra_stripes)
        self.fit_columns: list[Column] = list(columns)
        self.hidden_columns: list[str] = []
        self._rows: list[tuple[str | None, dict[str, Text]]] = []
        self._by_key: dict[str, dict[str, Text]] = {}
        self._widths: dict[str, int] = {}

    def set_columns(self, columns: Sequence[Column]) -> None:
        if [c.key for c in columns] != [c.key for c in self.fit_columns]:
            self.fit_columns = list(columns)
            self._rows, self._by_key, self._widths = [], {}, {}

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Replace every row; the cursor stays on the same row index where it can."""
        keys = [c.key for c in self.fit_columns]
        self._rows = [(key, dict(zip(keys, map(as_text, cells), strict=True))) for key, cells in rows]
        self._by_key = {key: cells for key, cells in self._rows if key is not None}
        self._layout(force=True)

    def set_cell(self, row_key: str, column_key: str, value: object) -> None:
        """Change one cell, kept whole for later layouts."""
        cells = self._by_key.get(row_key)
        if cells is not None:
            cells[column_key] = as_text(value)
            if column_key in self._widths:
                self.update_cell(row_key, column_key, self._shortened(cells, column_key))

    def whole_cell(self, row_key: str, column_key: str) -> Text | None:
        """A cell as it is, not shortened, whether its column is shown or not."""
        return self._by_key.get(row_key, {}).get(column_key)

    def _available(self) -> int:
        width = self.size.width or self.app.size.width
        rows_fit = self.size.height - self.header_height if self.size.height else len(self._rows)
        return width - (self.styles.scrollbar_size_vertical if len(self._rows) > rows_fit else 0)

    def _shortened(self, cells: dict[str, Text], key: str) -> Text:
        cell, width = cells[key], self._widths[key]
        column = next(c for c in self.fit_columns if c.key == key)
        if column.wrap:
            return cell
        shown = column.shorten(cell.plain, width)
        return cell if shown == cell.plain else Text(shown, style=cell.style, justify=cell.justify)

    def _labelled(self) -> list[Column]:
        """The columns with their labels in the interface language (labels are marked where defined, with N_)."""
        return [replace(c, label=shown(c.label)) for c in self.fit_columns]

    def _layout(self, force: bool = False) -> None:
        columns = self._labelled()
        natural = natural_widths(columns, [{k: v.plain for k, v in cells.items()} for _, cells in self._rows])
        widths = fit_columns(columns, natural, self._available(), self.cell_padding)
        if not force and widths == self._widths:
            return
        self._widths = widths
        hidden = [c.label for c in columns if c.key not in widths]
        if hidden != self.hidden_columns:
            self.hidden_columns = hidden
            self.post_message(self.ColumnsHidden(hidden))
        cursor = self.cursor_row
        self.clear(columns=True)
        for column in columns:
            if column.key in widths:
                self.add_column(column.label, key=column.key, width=widths[column.key])
        height = None if any(c.wrap for c in self.fit_columns if c.key in widths) else 1  # None: as tall as it wraps
        for key, cells in self._rows:
            self.add_row(*(self._shortened(cells, k) for k in widths), key=key, height=height)
        if self._rows:
            self.move_cursor(row=max(0, min(cursor, len(self._rows) - 1)), animate=False)

    def on_resize(self, event: events.Resize) -> None:
        if self._rows:
            self._layout()
