"""One finding in full: its file, why it fired, the masked context lines around it, its sibling findings.

Decision: the review UI never reveals a plain value. It shows the scanner's masked previews and context lines
in which every finding, and anything else shaped like a number or an e-mail address, is masked
(`scanner.review.context`). Reviewers who must see the original open the file itself, outside Custos.
"""

from __future__ import annotations

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
from scanner.i18n import N_, _
from scanner.i18n.entity_names import entity_name, sensitivity_name
from scanner.i18n.numbers import format_count
from scanner.review.detail import Detail
from scanner.review.records import FindingItem
from tui.modals.help import HELP_KEY
from tui.translated import TranslatedScreen
from tui.vocabulary import term
from tui.widgets.column_fit import Column, end_ellipsis
from tui.widgets.finding_detail import context_panel, file_panel, finding_panel
from tui.widgets.fitted_table import FittedTable
from tui.widgets.proposing import PROPOSE_BINDINGS, ProposeKeys

SIBLING_COLUMNS = [Column("type", N_("type")), Column("sensitivity", N_("sensitivity"), drop=1),
                   Column("preview", N_("preview")),
                   Column("location", N_("location")), Column("score", N_("score")),
                   Column("rule", N_("rule"), flexible=True, drop=2, shorten=end_ellipsis)]  # fmt: skip


def sibling_cells(f: FindingItem) -> list[Text]:
    return [safe_text(c) for c in (entity_name(f.entity_type), sensitivity_name(f.sensitivity), f.preview, f.location,
                                   f"{f.score:.2f}", f.rule)]  # fmt: skip


class DetailLoaded(Message):
    def __init__(self, detail: Detail | None, finding_id: int) -> None:
        super().__init__()
        self.detail, self.finding_id = detail, finding_id


class DetailScreen(TranslatedScreen, ProposeKeys, Screen):
    """The detail of one finding; Enter on a sibling moves the detail to it, Escape goes back."""

    BINDINGS = [
        HELP_KEY,
        Binding("escape", "back", N_("Back"), id="detail.back", tooltip=N_("Back to the findings list")),
        *PROPOSE_BINDINGS,
    ]

    def __init__(self, finding_id: int) -> None:
        super().__init__()
        self.finding_id = finding_id
        self.detail: Detail | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="detail-top"):
            yield Static(_("Loading…"), id="detail-file", classes="panel")
            yield Static(id="detail-finding", classes="panel")
        with VerticalScroll(id="detail-context", classes="panel"):
            yield Static(id="detail-context-lines")
        yield FittedTable(SIBLING_COLUMNS, id="detail-siblings", classes="panel")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = _("Finding")
        self.query_one("#detail-file").border_title = _("File")
        self.query_one("#detail-finding").border_title = _("Finding")
        self.query_one("#detail-context").border_title = _("Context (masked)")
        self.query_one("#detail-siblings").focus()
        self.load(self.finding_id)

    @work(thread=True, exclusive=True, group="finding-detail", exit_on_error=False)
    def load(self, finding_id: int) -> None:
        self.post_message(DetailLoaded(self.app.review.detail(finding_id), finding_id))

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        if message.finding_id != self.finding_id:
            return
        detail = self.detail = message.detail
        if detail is None:
            self.query_one("#detail-file", Static).update(
                _("Finding {id} is no longer in the database.").format(id=message.finding_id)
            )
            return
        self.query_one("#detail-file", Static).update(file_panel(detail.meta))
        self.query_one("#detail-finding", Static).update(finding_panel(detail.item))
        self.query_one("#detail-context-lines", Static).update(
            context_panel(detail.context, detail.note, detail.item.preview)
        )
        table = self.query_one("#detail-siblings", FittedTable)
        name, total = Path(detail.item.path).name, detail.sibling_total
        table.border_title = safe_text(
            _("Findings in {name} ({count}, {state})").format(
                name=name, count=format_count(total), state=term(detail.item.state)
            )
        )
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
            message = _("Could not load the finding: {error}").format(error=safe(event.worker.error))
            self.notify(message, severity="error", markup=False)

    def action_back(self) -> None:
        self.dismiss()

    # --- proposing (ProposeKeys) ---------------------------------------------------------------------
    def proposal_targets(self) -> tuple[list[int], list[int]]:
        return [self.finding_id], []

    def proposal_done(self, action_ids: list[int]) -> None:
        self.load(self.finding_id)
