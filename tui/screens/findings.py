"""The findings mode: files or findings, filtered, sorted and paged 500 rows at a time, with a selection
the propose keys act on. Every query runs in a thread worker; results come back as `PageLoaded` and friends.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from scanner.display import safe, safe_text
from scanner.i18n import N_, _
from scanner.review.records import FileItem, FindingFilter, FindingItem
from tui.modals.help import HELP_KEY
from tui.screens.detail import DetailScreen
from tui.translated import TranslatedScreen
from tui.vocabulary import listed
from tui.widgets.filter_bar import FilterBar
from tui.widgets.finding_rows import FILE_COLUMNS, FINDING_COLUMNS, file_cells, finding_cells
from tui.widgets.paged_table import PAGE_SIZE, PagedTable
from tui.widgets.proposing import PROPOSE_BINDINGS, ProposeKeys
from tui.widgets.selection import Selection, describe_hidden

# The status line's start, per view: "files · rows 1–3 of 3 · sort: findings".
VIEW_STATUS = {"files": N_("files · {rows} · sort: {order}"), "findings": N_("findings · {rows} · sort: {order}")}
SORT_NAMES = {"path": N_("path"), "type": N_("type"), "sensitivity": N_("sensitivity"), "score": N_("score"),
              "findings": N_("findings")}  # fmt: skip
SORTS = {"findings": ("path", "type", "sensitivity", "score"), "files": ("findings", "path", "sensitivity")}
MAX_FILE_SELECTION = 100_000


@dataclass(frozen=True)
class PageQuery:
    view: str  # "files" or "findings"
    filter: FindingFilter
    sort: str
    offset: int | None  # None: the last page
    cursor: str | int  # "first", "last" or a row index
    generation: int  # answers to older queries are dropped
    after: FindingItem | None = None  # the next page: the rows after this one (the last shown), found by its key
    before: FindingItem | None = None  # the previous page: the rows before this one (the first shown)


class PageLoaded(Message):
    def __init__(self, query: PageQuery, rows: list, offset: int, total: int, exact: bool = True) -> None:
        super().__init__()
        self.query, self.rows, self.offset, self.total, self.exact = query, rows, offset, total, exact


class EntityTypesLoaded(Message):
    def __init__(self, types: list[str]) -> None:
        super().__init__()
        self.types = types


class HiddenSelectionCounted(Message):
    """How many selected findings and whole files the current filter hides (for the status line)."""

    def __init__(self, generation: int, findings: int, files: int) -> None:
        super().__init__()
        self.generation, self.findings, self.files = generation, findings, files


class FileFindingsLoaded(Message):
    def __init__(self, file_id: int, finding_ids: list[int]) -> None:
        super().__init__()
        self.file_id, self.finding_ids = file_id, finding_ids


def _binding(key: str, action: str, label: str, tooltip: str, show: bool = True) -> Binding:
    return Binding(key, action, label, id=f"findings.{action}", tooltip=tooltip, show=show)


class FindingsScreen(TranslatedScreen, ProposeKeys, Screen):
    """Files view (one row per file) and findings view (one row per finding), toggled with `v`."""

    BINDINGS = [
        HELP_KEY,
        _binding("v", "toggle_view", N_("View"), N_("Switch between the files and the findings view")),
        _binding("slash", "focus_search", N_("Search"), N_("Filter as you type")),
        _binding("s", "cycle_sort", N_("Sort"), N_("Cycle the sort order")),
        _binding("space", "toggle_mark", N_("Select"), N_("Select or unselect this row")),
        _binding("A", "select_all_in_file", N_("Select file"), N_("Select every finding in this row's file")),
        _binding(
            "escape", "clear_selection", N_("Clear"), N_("Clear the selection (then the file filter)"), show=False
        ),
        *PROPOSE_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view = "files"
        self.sort = {"files": "findings", "findings": "path"}
        self.filter = FindingFilter()
        self.file_filter: tuple[int, str] | None = None  # (file id, path) after Enter on a file
        self.items: list[FindingItem | FileItem] = []  # the rows of the page on screen, in order
        self.selection = Selection()
        self._generation = 0
        self._loading = False
        self._hidden = (0, 0)  # selected findings, whole files the filter hides
        self._hidden_generation = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield FilterBar(id="findings-filters")
        yield Static(id="findings-selection", markup=False)
        yield Static(id="findings-status")
        yield PagedTable(id="findings-table")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = _("Findings")
        self.load_entity_types()
        self.reload()
        self.table.focus()

    @property
    def table(self) -> PagedTable:
        return self.query_one("#findings-table", PagedTable)

    # --- loading (thread workers; each posts one message) --------------------------------------------
    def show_file(self, file_id: int, path: str) -> None:
        """Show the findings of one file (the violations screen's drill-in); esc goes back to all files."""
        self.file_filter = (file_id, path)
        self.view = "findings"
        if self.is_mounted:
            self.reload()

    def current_filter(self) -> FindingFilter:
        """The filter bar's filter, narrowed to one file after Enter on a file."""
        return replace(self.filter, file_id=self.file_filter[0] if self.file_filter else None)

    def reload(self, offset: int | None = 0, cursor: str | int = 0, *, after: FindingItem | None = None,
               before: FindingItem | None = None) -> None:  # fmt: skip
        """Load the page at ``offset`` of the current view, filter and sort (None: the last page); the one just
        after ``after`` or before ``before`` (a row shown) when moving by one page."""
        self._generation += 1
        self._loading = True
        self._show_status()
        self.load_page(PageQuery(self.view, self.current_filter(), self.sort[self.view], offset, cursor,
                                 self._generation, after, before))  # fmt: skip
        self._count_hidden()

    def _count_hidden(self) -> None:
        """Recount what the filter hides of the selection; the selection outlives filters, by design (help)."""
        self._hidden_generation += 1
        if not self.selection:
            self._hidden = (0, 0)
            return
        findings, files = self.selection.targets()
        self.count_hidden(self._hidden_generation, self.current_filter(), findings, files)

    @work(thread=True, exclusive=True, group="findings-hidden", exit_on_error=False)
    def count_hidden(self, generation: int, flt: FindingFilter, findings: list[int], files: list[int]) -> None:
        hidden_findings, hidden_files = self.app.review.hidden_by(flt, findings, files)
        self.post_message(HiddenSelectionCounted(generation, len(hidden_findings), len(hidden_files)))

    def on_hidden_selection_counted(self, message: HiddenSelectionCounted) -> None:
        if message.generation == self._hidden_generation:
            self._hidden = (message.findings, message.files)
            self._show_status()

    @work(thread=True, exclusive=True, group="findings-page", exit_on_error=False)
    def load_page(self, query: PageQuery) -> None:
        page = self.app.review.page(query.view, query.filter, query.sort, query.offset, PAGE_SIZE,
                                    after=query.after, before=query.before)  # fmt: skip
        if not get_current_worker().is_cancelled:
            self.post_message(PageLoaded(query, page.rows, page.offset, page.total, page.exact))

    @work(thread=True, group="findings-types", exit_on_error=False)
    def load_entity_types(self) -> None:
        self.post_message(EntityTypesLoaded(self.app.review.entity_types()))

    @work(thread=True, exclusive=True, group="findings-select", exit_on_error=False)
    def load_file_findings(self, flt: FindingFilter) -> None:
        self.post_message(FileFindingsLoaded(flt.file_id, self.app.review.finding_ids(flt, MAX_FILE_SELECTION)))

    def on_page_loaded(self, message: PageLoaded) -> None:
        if message.query.generation != self._generation:
            return  # a newer request is on its way
        self._loading = False
        self.items = list(message.rows)
        files = message.query.view == "files"
        columns, cells = (FILE_COLUMNS, file_cells) if files else (FINDING_COLUMNS, finding_cells)
        marks = self.selection.marks(self.items)
        rows = [(str(item.id), cells(item, mark)) for item, mark in zip(self.items, marks, strict=True)]
        self.table.show_page(columns, rows, offset=message.offset, total=message.total, cursor=message.query.cursor,
                             exact=message.exact)  # fmt: skip
        self._show_status()

    def on_entity_types_loaded(self, message: EntityTypesLoaded) -> None:
        self.query_one(FilterBar).set_entity_types(message.types)

    def on_file_findings_loaded(self, message: FileFindingsLoaded) -> None:
        self.selection.add_findings(message.file_id, message.finding_ids)
        self._refresh_marks()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self._loading = False
            self._show_status()
            self.notify(_("Could not read the findings database: {error}").format(error=safe(event.worker.error)),
                        severity="error",
                        markup=False)  # fmt: skip

    # --- intent from the widgets ---------------------------------------------------------------------
    def on_filter_bar_changed(self, message: FilterBar.Changed) -> None:
        self.filter = message.value
        self.reload()

    def on_paged_table_page_requested(self, message: PagedTable.PageRequested) -> None:
        shown = self.items if self.view == "findings" and self.items else []
        after = before = None
        if shown and message.offset == self.table.page_offset + len(shown):  # the next page: seek past the last row
            after = shown[-1]
        elif shown and message.offset == self.table.page_offset - PAGE_SIZE:  # the previous one: before the first
            before = shown[0]
        self.reload(message.offset, message.cursor, after=after, before=before)

    def on_fitted_table_columns_hidden(self, message: PagedTable.ColumnsHidden) -> None:
        self._show_status()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        item = self._current()
        if isinstance(item, FileItem):
            self.file_filter = (item.id, item.path)
            self.view = "findings"
            self.reload()
        elif item is not None:
            self.app.push_screen(DetailScreen(item.id), lambda _: self.reload(self.table.page_offset, "keep"))

    # --- actions -------------------------------------------------------------------------------------
    def action_toggle_view(self) -> None:
        self.view = "findings" if self.view == "files" else "files"
        if self.view == "files":
            self.file_filter = None
        self.reload()

    def action_focus_search(self) -> None:
        self.query_one(FilterBar).focus_search()

    def action_cycle_sort(self) -> None:
        options = SORTS[self.view]
        self.sort[self.view] = options[(options.index(self.sort[self.view]) + 1) % len(options)]
        self.reload()

    def action_toggle_mark(self) -> None:
        item = self._current()
        if item is not None:
            self.selection.toggle(item)
            self._refresh_marks()
            self.table.move_cursor(row=self.table.cursor_row + 1)

    def action_select_all_in_file(self) -> None:
        item = self._current()
        if item is not None:
            file_id = item.id if isinstance(item, FileItem) else item.file_id
            self.load_file_findings(replace(self.filter, file_id=file_id))

    def action_clear_selection(self) -> None:
        if isinstance(self.focused, Input):
            self.table.focus()
        elif self.selection:
            self.selection.clear()
            self._refresh_marks()
        elif self.file_filter is not None:
            self.file_filter = None
            self.reload()

    # --- proposing (ProposeKeys) ---------------------------------------------------------------------
    def proposal_targets(self) -> tuple[list[int], list[int]]:
        if self.selection:
            return self.selection.targets()
        item = self._current()
        if item is None:
            return [], []
        return ([], [item.id]) if isinstance(item, FileItem) else ([item.id], [])

    def proposal_filter(self) -> FindingFilter | None:
        return self.current_filter() if self.selection else None

    def proposal_done(self, action_ids: list[int]) -> None:
        if action_ids:
            self.selection.clear()
        self.reload(self.table.page_offset, "keep")

    # --- rendering -----------------------------------------------------------------------------------
    def _current(self) -> FindingItem | FileItem | None:
        row = self.table.cursor_row
        return self.items[row] if 0 <= row < len(self.items) else None

    def _refresh_marks(self) -> None:
        marks = self.selection.marks(self.items)
        self.table.set_marks({str(item.id): mark for item, mark in zip(self.items, marks, strict=True)})
        self._count_hidden()
        self._show_status()

    def _show_status(self) -> None:
        order = _(SORT_NAMES[self.sort[self.view]])
        parts = [_(VIEW_STATUS[self.view]).format(rows=self.table.range_label(), order=order)]
        if self.file_filter:
            parts.append(_("file: {path}  (esc: all files)").format(path=self.file_filter[1]))
        if self._loading:
            parts.append(_("loading…"))
        if self.table.hidden_columns:  # too narrow for them: the detail (enter) shows every field
            parts.append(_("not shown: {columns}").format(columns=listed(self.table.hidden_columns)))
        self.query_one("#findings-status", Static).update(safe_text(" · ".join(parts)))
        # What the propose keys act on, and how much of it the filter hides: its own line, never cut off.
        hidden = describe_hidden(*self._hidden) if self.selection else ""
        line = self.query_one("#findings-selection", Static)
        acting = _(" ({hidden}; m, x, D, r, n act on all of them)").format(hidden=hidden) if hidden else ""
        line.update(f"{self.selection.describe()}{acting}")
        line.display = bool(self.selection)
        line.set_class(bool(hidden), "-hidden-by-filter")
