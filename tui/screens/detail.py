"""One finding in full: its file, why it fired, the masked context lines around it, its sibling findings.

Decision: the review UI never reveals a plain value. It shows the scanner's masked previews and context lines
in which every finding, and anything else shaped like a number or an e-mail address, is masked
(`scanner.review.context`). Reviewers who must see the original open the file itself, outside Custos.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import Worker, WorkerState

from scanner.display import safe, safe_text
from scanner.extract.plaintext import PLAIN_TEXT_SUFFIXES
from scanner.extract.registry import format_label
from scanner.review.context import masked_context
from scanner.states import CURRENT_FINDING_STATES
from scanner.store.review import FindingFilter, FindingItem, ReviewQueries
from tui.screens.help import HELP_KEY
from tui.widgets.column_fit import Column, end_ellipsis
from tui.widgets.finding_detail import context_panel, file_panel, finding_panel
from tui.widgets.fitted_table import FittedTable
from tui.widgets.proposing import PROPOSE_BINDINGS, ProposeKeys
from tui.widgets.reading import thread_queries

MAX_SPANS = 20_000  # more findings than this in one file: no context rather than a partly masked one
SIBLINGS = 500
SIBLING_COLUMNS = [Column("type", "type"), Column("sensitivity", "sensitivity", drop=1), Column("preview", "preview"),
                   Column("location", "location"), Column("score", "score"),
                   Column("rule", "rule", flexible=True, drop=2, shorten=end_ellipsis)]  # fmt: skip


def sibling_cells(f: FindingItem) -> list[Text]:
    return [safe_text(c) for c in (f.entity_type, f.sensitivity, f.preview, f.location, f"{f.score:.2f}", f.rule)]


@dataclass(frozen=True)
class Detail:
    item: FindingItem
    meta: dict
    siblings: list[FindingItem]
    sibling_total: int
    context: list[tuple[int, str]] | None
    note: str  # why there is no context, when there is none


class DetailLoaded(Message):
    def __init__(self, detail: Detail | None, finding_id: int) -> None:
        super().__init__()
        self.detail, self.finding_id = detail, finding_id


def read_detail(queries: ReviewQueries, finding_id: int) -> Detail | None:
    """Everything the detail shows, masked context included (reads the file: call it in a worker)."""
    item = queries.finding(finding_id)
    meta = queries.file_meta(item.file_id) if item else None
    if item is None or meta is None:
        return None
    same_state = FindingFilter(file_id=item.file_id, state=item.state)
    siblings = queries.findings_page(same_state, sort="path", limit=SIBLINGS)
    total = queries.count_findings(same_state)
    context, note = None, ""
    if format_label(item.path) not in PLAIN_TEXT_SUFFIXES:
        note = f"No context lines for {format_label(item.path)} files: see the location and the preview above."
    elif item.state not in CURRENT_FINDING_STATES:
        note = f"No context: this finding is {item.state}; the file no longer holds what it was found in."
    else:
        spans = [
            (f.start, f.end, f.preview)
            for state in CURRENT_FINDING_STATES
            for f in queries.findings_page(FindingFilter(file_id=item.file_id, state=state), limit=MAX_SPANS)
        ]
        if len(spans) >= MAX_SPANS:
            note = f"No context: more than {MAX_SPANS:,} findings in this file."
        else:
            context = masked_context(meta["root"], meta["rel_path"], meta["encoding"], spans, (item.start, item.end),
                                     file_meta=meta)  # fmt: skip
            note = "No context: the file is missing, inside an archive, unreadable, or changed since it was scanned."
    return Detail(item, meta, siblings, total, context, note)


class DetailScreen(ProposeKeys, Screen):
    """The detail of one finding; Enter on a sibling moves the detail to it, Escape goes back."""

    BINDINGS = [
        HELP_KEY,
        Binding("escape", "back", "Back", id="detail.back", tooltip="Back to the findings list"),
        *PROPOSE_BINDINGS,
    ]

    def __init__(self, finding_id: int) -> None:
        super().__init__()
        self.finding_id = finding_id
        self.detail: Detail | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="detail-top"):
            yield Static("Loading…", id="detail-file", classes="panel")
            yield Static(id="detail-finding", classes="panel")
        with VerticalScroll(id="detail-context", classes="panel"):
            yield Static(id="detail-context-lines")
        yield FittedTable(SIBLING_COLUMNS, id="detail-siblings", classes="panel")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Finding"
        self.query_one("#detail-file").border_title = "File"
        self.query_one("#detail-finding").border_title = "Finding"
        self.query_one("#detail-context").border_title = "Context (masked)"
        self.query_one("#detail-siblings").focus()
        self.load(self.finding_id)

    @work(thread=True, exclusive=True, group="finding-detail", exit_on_error=False)
    def load(self, finding_id: int) -> None:
        with thread_queries(self.app.db) as queries:
            detail = read_detail(queries, finding_id)
        self.post_message(DetailLoaded(detail, finding_id))

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        if message.finding_id != self.finding_id:
            return
        detail = self.detail = message.detail
        if detail is None:
            self.query_one("#detail-file", Static).update(f"Finding {message.finding_id} is no longer in the database.")
            return
        self.query_one("#detail-file", Static).update(file_panel(detail.meta))
        self.query_one("#detail-finding", Static).update(finding_panel(detail.item))
        self.query_one("#detail-context-lines", Static).update(
            context_panel(detail.context, detail.note, detail.item.preview)
        )
        table = self.query_one("#detail-siblings", FittedTable)
        name, total = Path(detail.item.path).name, detail.sibling_total
        table.border_title = safe_text(f"Findings in {name} ({total:,}, {detail.item.state})")
        table.set_rows([(str(f.id), sibling_cells(f)) for f in detail.siblings])
        rows = [f.id for f in detail.siblings]
        if detail.item.id in rows:
            table.move_cursor(row=rows.index(detail.item.id), animate=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        finding_id = int(str(event.row_key.value))
        if finding_id != self.finding_id:
            self.finding_id = finding_id
            self.load(finding_id)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.notify(f"Could not load the finding: {safe(event.worker.error)}", severity="error", markup=False)

    def action_back(self) -> None:
        self.dismiss()

    # --- proposing (ProposeKeys) ---------------------------------------------------------------------
    def proposal_targets(self) -> tuple[list[int], list[int]]:
        return [self.finding_id], []

    def proposal_done(self, action_ids: list[int]) -> None:
        self.load(self.finding_id)
