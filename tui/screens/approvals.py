"""The approvals mode: proposed and approved actions, to approve, cancel, or apply after confirmation.

The table is reloaded in a thread worker whenever the screen is shown or the filter changes; approving and
cancelling also run in workers, and a refusal (two-person rule, already decided) becomes an error toast.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.coordinate import Coordinate
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, Select, Static
from textual.worker import Worker, WorkerState

from scanner.actions.audit import Actor
from scanner.display import safe, safe_text
from scanner.i18n import N_, _, ngettext
from scanner.review.records import ActionRow
from scanner.review.service import Refused
from scanner.states import ActionState
from tui.modals.cancel_action import CancelActionScreen
from tui.modals.help import HELP_KEY
from tui.screens.apply import ConfirmApplyScreen
from tui.translated import TranslatedScreen
from tui.vocabulary import term
from tui.widgets.approval_policy import approval_summary
from tui.widgets.column_fit import Column, path_ellipsis
from tui.widgets.fitted_table import FittedTable

STATE_FILTERS: dict[str, tuple[str, ...] | None] = {
    "open": (ActionState.PROPOSED, ActionState.APPROVED),
    ActionState.PROPOSED: (ActionState.PROPOSED,),
    ActionState.APPROVED: (ActionState.APPROVED,),
    ActionState.EXECUTED: (ActionState.EXECUTED,),
    ActionState.FAILED: (ActionState.FAILED, ActionState.STALE),
    ActionState.CANCELLED: (ActionState.CANCELLED,),
    "all": None,
}
FILTER_LABELS = {"open": N_("proposed + approved"), ActionState.FAILED: N_("failed + stale")}
# The notification after a decision, whole sentences: (done, refused title).
DECIDED = {"approve": (N_("action {id} approved by {who}"), N_("Not approved")),
           "cancel": (N_("action {id} cancelled by {who}"), N_("Not cancelled"))}  # fmt: skip
COLUMNS = [Column("mark", ""), Column("id", N_("id")), Column("state", N_("state")), Column("kind", N_("kind")),
           Column("findings", N_("findings")), Column("proposed", N_("proposed by"), drop=1, cap=16),
           Column("approved", N_("approved by"), drop=1, cap=16),
           Column("path", N_("path"), flexible=True, min_width=16, shorten=path_ellipsis)]  # fmt: skip
SELECTED = "✓"


class ApprovalsScreen(TranslatedScreen, Screen):
    """Actions awaiting a decision or execution; ``space`` selects rows for ``e``."""

    SUB_TITLE = N_("Approvals")

    BINDINGS = [
        HELP_KEY,
        Binding(
            "a", "approve", N_("Approve"), id="approvals.approve", tooltip=N_("Approve the action under the cursor")
        ),
        Binding(
            "c", "cancel_action", N_("Cancel action"), id="approvals.cancel", tooltip=N_("Cancel it, with a reason")
        ),
        Binding("e", "apply", N_("Apply…"), id="approvals.apply", tooltip=N_("Review and execute approved actions")),
        Binding(
            "space", "toggle_select", N_("Select"), id="approvals.select", tooltip=N_("Select this action for apply")
        ),
        Binding("r", "reload", N_("Reload"), id="approvals.reload", tooltip=N_("Reload the list of actions")),
    ]

    class ActionsLoaded(Message):
        def __init__(self, rows: list[ActionRow]) -> None:
            super().__init__()
            self.rows = rows

    class ActionDecided(Message):
        def __init__(self, action_id: int, verb: str, error: str | None = None) -> None:
            super().__init__()
            self.action_id, self.verb, self.error = action_id, verb, error

    def __init__(self) -> None:
        super().__init__()
        self.selected: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="approvals-bar"):
            yield Label(_("Show "))
            options = [(_(FILTER_LABELS[key]) if key in FILTER_LABELS else term(key), key) for key in STATE_FILTERS]
            yield Select(options, value="open", allow_blank=False, id="approvals-filter")
            yield Static("", id="approvals-status", markup=False)
        yield Static(approval_summary(self.app.review.policy), id="approvals-policy", markup=False)
        yield FittedTable(COLUMNS, id="approvals-table")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        self.action_reload()

    @on(Select.Changed, "#approvals-filter")
    def action_reload(self) -> None:
        states = STATE_FILTERS[self.query_one("#approvals-filter", Select).value]
        self._load(states)

    @work(thread=True, group="approvals-load", exclusive=True, exit_on_error=False)
    def _load(self, states: tuple[str, ...] | None) -> None:
        self.post_message(self.ActionsLoaded(self.app.review.actions(states)))

    def on_approvals_screen_actions_loaded(self, event: ActionsLoaded) -> None:
        table = self.query_one(FittedTable)
        current = self.current_action()
        self.selected &= {row.id for row in event.rows}
        rows = []
        for row in event.rows:
            shown = row.shown_path[len(row.root) + 1 :]  # relative, with the personal data in the name masked
            mark = SELECTED if row.id in self.selected else ""
            cells = (mark, Text(str(row.id), justify="right"), term(row.state), term(row.kind), len(row.finding_ids),
                     safe_text(row.proposed_by), safe_text(row.approved_by), safe_text(shown))  # fmt: skip
            rows.append((str(row.id), cells))
        table.set_rows(rows)
        if current is not None and str(current) in table.rows:
            table.move_cursor(row=table.get_row_index(str(current)))
        self._show_status(len(event.rows))

    def current_action(self) -> int | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        return int(table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value)

    def action_toggle_select(self) -> None:
        action_id = self.current_action()
        if action_id is None:
            return
        self.selected ^= {action_id}
        table = self.query_one(FittedTable)
        table.set_cell(str(action_id), "mark", SELECTED if action_id in self.selected else "")
        self._show_status(table.row_count)

    def action_approve(self) -> None:
        if (action_id := self._current_or_warn()) is not None:
            self._decide(self.app.actor, action_id, "approve")

    def action_cancel_action(self) -> None:
        if (action_id := self._current_or_warn()) is None:
            return

        def cancel(reason: str | None) -> None:
            if reason is not None:
                self._decide(self.app.actor, action_id, "cancel", reason)

        self.app.push_screen(CancelActionScreen(action_id), cancel)

    def action_apply(self) -> None:
        def applied(_: object) -> None:
            self.selected.clear()

        self.app.push_screen(ConfirmApplyScreen(sorted(self.selected) or None), applied)

    @work(thread=True, group="approvals-decide", exit_on_error=False)
    def _decide(self, actor: Actor, action_id: int, verb: str, reason: str | None = None) -> None:
        try:
            if verb == "approve":
                self.app.review.approve(action_id, actor)
            else:
                self.app.review.cancel(action_id, actor, reason)
        except Refused as exc:
            self.post_message(self.ActionDecided(action_id, verb, str(exc)))
            return
        self.post_message(self.ActionDecided(action_id, verb))

    def on_approvals_screen_action_decided(self, event: ActionDecided) -> None:
        done, refused = DECIDED[event.verb]
        if event.error:
            self.notify(safe(event.error), title=_(refused), severity="error", markup=False)
            return
        who = self.app.actor.identity
        self.notify(_(done).format(id=event.action_id, who=safe(who)), markup=False)
        self.action_reload()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.notify(safe(event.worker.error), title=_("Approvals"), severity="error", markup=False)

    def _current_or_warn(self) -> int | None:
        action_id = self.current_action()
        if action_id is None:
            self.notify(_("no action here; change the filter or propose one first"), severity="warning")
        return action_id

    def _show_status(self, count: int) -> None:
        actions = ngettext("{count} action", "{count} actions", count).format(count=count)
        if self.selected:
            actions = _("{actions}, {selected} selected (e applies those)").format(
                actions=actions, selected=len(self.selected)
            )
        self.query_one("#approvals-status", Static).update(actions)
