"""A DataTable that holds one page of a longer result and asks for the neighbouring page at its edges.

The built-in DataTable slows down past about 10,000 rows, so the review UI never loads more than a page
(`PAGE_SIZE` rows). The table knows its page's offset and the result's total; it posts `PageRequested` when
the cursor would leave the page, and the screen decides what to load.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from scanner.i18n import N_, _
from scanner.i18n.numbers import format_count
from tui.widgets.column_fit import Column
from tui.widgets.fitted_table import FittedTable

PAGE_SIZE = 500
MARK_COLUMN = "mark"


class PagedTable(FittedTable):
    """One page of rows, its columns fitted to the width; row keys are the ids of what the rows show."""

    DEFAULT_CSS = """
    PagedTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("right_square_bracket", "next_page", N_("Next page"), id="paged-table.next", show=False,
                tooltip=N_("Load the next page of rows")),
        Binding("left_square_bracket", "previous_page", N_("Previous page"), id="paged-table.previous", show=False,
                tooltip=N_("Load the previous page of rows")),
        Binding("G", "last_page", N_("Last page"), id="paged-table.last", show=False,
                tooltip=N_("Jump to the last page")),
        Binding("g", "first_page", N_("First page"), id="paged-table.first", show=False,
                tooltip=N_("Jump to the first page")),
    ]  # fmt: skip

    class PageRequested(Message):
        """The cursor wants to leave the page: load rows from ``offset`` (None: the last page)."""

        def __init__(self, offset: int | None, cursor: str) -> None:
            super().__init__()
            self.offset = offset
            self.cursor = cursor  # "first" or "last": where the cursor lands on the new page

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.page_offset = 0
        self.total_rows = 0
        self.total_exact = True  # False: counting stopped at total_rows ("10,001+")
        self.page_size = PAGE_SIZE

    def show_page(
        self,
        columns: Sequence[Column],
        rows: Sequence[tuple[str, Sequence[object]]],
        *,
        offset: int,
        total: int,
        cursor: str | int = "first",
        exact: bool = True,
    ) -> None:
        """Replace the rows (and the columns, when they differ) by one page; place the cursor on its "first"
        or "last" row, the row it was on ("keep"), or a row index."""
        kept = self.cursor_row
        self.set_columns(columns)
        self.set_rows(rows[: self.page_size])
        self.page_offset, self.total_rows, self.total_exact = offset, total, exact
        row = {"first": 0, "last": self.row_count - 1, "keep": kept}[cursor] if isinstance(cursor, str) else cursor
        self.move_cursor(row=max(0, min(row, self.row_count - 1)), animate=False)

    @property
    def has_next(self) -> bool:
        return self.page_offset + self.row_count < self.total_rows

    @property
    def has_previous(self) -> bool:
        return self.page_offset > 0

    def range_label(self) -> str:
        if not self.row_count:
            return _("no rows")
        at_least = "" if self.total_exact else "+"
        return _("rows {first}–{last} of {total}").format(
            first=format_count(self.page_offset + 1),
            last=format_count(self.page_offset + self.row_count),
            total=format_count(self.total_rows) + at_least,
        )

    def set_marks(self, marks: dict[str, str]) -> None:
        """Update the mark column of the rows whose mark changed (row key → mark)."""
        for key, mark in marks.items():
            if str(self.whole_cell(key, MARK_COLUMN)) != mark:
                self.set_cell(key, MARK_COLUMN, Text(mark, style="bold"))

    # --- paging --------------------------------------------------------------------------------------
    def action_next_page(self) -> None:
        if self.has_next:
            self.post_message(self.PageRequested(self.page_offset + self.row_count, "first"))

    def action_previous_page(self) -> None:
        if self.has_previous:
            self.post_message(self.PageRequested(max(0, self.page_offset - self.page_size), "last"))

    def action_first_page(self) -> None:
        self.post_message(self.PageRequested(0, "first"))

    def action_last_page(self) -> None:
        self.post_message(self.PageRequested(None, "last"))

    def _at_last_row(self) -> bool:
        return self.cursor_row >= self.row_count - 1

    def action_cursor_down(self) -> None:
        if self._at_last_row() and self.has_next:
            self.action_next_page()
        else:
            super().action_cursor_down()

    def action_page_down(self) -> None:
        if self._at_last_row() and self.has_next:
            self.action_next_page()
        else:
            super().action_page_down()

    def action_cursor_up(self) -> None:
        if self.cursor_row <= 0 and self.has_previous:
            self.action_previous_page()
        else:
            super().action_cursor_up()

    def action_page_up(self) -> None:
        if self.cursor_row <= 0 and self.has_previous:
            self.action_previous_page()
        else:
            super().action_page_up()
