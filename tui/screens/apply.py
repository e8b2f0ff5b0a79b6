"""Confirming and executing approved actions: exactly which files change and how, then live progress.

Focus starts on what confirms (the Apply button, or the DELETE field); `a` applies, Escape goes back.
Deleting needs the word DELETE typed out exactly; the line under the field always says what was typed and
whether it matches. Execution runs in one thread worker, one action per
`ReviewService.apply` call, so every action reports its own result (executed, failed, stale) as it finishes.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from scanner.actions.audit import Actor
from scanner.display import safe, safe_text
from scanner.review.records import ActionRow
from scanner.review.service import Refused
from scanner.states import ActionKind
from tui.modals.help import HELP_KEY
from tui.widgets.column_fit import Column, path_ellipsis
from tui.widgets.fitted_table import FittedTable

TYPED_CONFIRMATION = "DELETE"
_PATH = Column("path", "path", flexible=True, min_width=16, shorten=path_ellipsis)
PLAN_COLUMNS = [Column("action", "action"), Column("kind", "kind"), _PATH, Column("findings", "findings"),
                Column("method", "what happens", wrap=True, min_width=20)]  # fmt: skip
RESULT_COLUMNS = [Column("action", "action"), _PATH, Column("state", "state"),
                  Column("message", "message", wrap=True, min_width=20)]  # fmt: skip


def typed_hint(typed: str) -> Text:
    """What the DELETE field holds and what it needs: shown under it on every keystroke."""
    if typed == TYPED_CONFIRMATION:
        return Text(f"✓ {TYPED_CONFIRMATION} typed: press Enter to delete and apply.", style="bold")
    if not typed:
        return Text(f"Type {TYPED_CONFIRMATION} exactly, in capital letters, then press Enter.")
    return Text.assemble("You typed “", safe(typed), f"”: it must be exactly {TYPED_CONFIRMATION}, in capital letters.")


def method_of(action: ActionRow) -> str:
    """What executing the action does to the file, in plain words."""
    return {
        ActionKind.MASK: f"mask {len(action.finding_ids)} values in place; original kept in the encrypted vault",
        ActionKind.QUARANTINE: "move into the encrypted vault",
        ActionKind.DELETE: "overwrite and delete; original kept in the vault until purged",
        ActionKind.RETAIN: f"record retention until {action.retain_until}",
        ActionKind.FALSE_POSITIVE: "dismiss as false positive",
    }.get(action.kind, action.kind)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def shown_paths(actions: list[ActionRow]) -> dict[int, str]:
    """Paths relative to the scanned root; full paths only when the actions span several roots; escaped."""
    several = len({a.root for a in actions}) > 1
    return {a.id: safe(a.shown_path if several else a.shown_path[len(a.root) + 1 :]) for a in actions}


class ConfirmApplyScreen(Screen):
    """The approved actions named (or all approved ones), listed for a last look before they are executed."""

    SUB_TITLE = "Apply approved actions"

    AUTO_FOCUS = None  # focus goes to the Apply button (or the DELETE field) once the plan is listed
    BINDINGS = [
        HELP_KEY,
        Binding("a", "apply", "Apply", id="apply.apply", tooltip="Execute the actions listed (after DELETE if asked)"),
        Binding("escape", "back", "Back", id="apply.back", tooltip="Back to approvals without applying"),
    ]

    class PlanLoaded(Message):
        def __init__(self, approved: list[ActionRow], skipped: list[str]) -> None:
            super().__init__()
            self.approved, self.skipped = approved, skipped

    class ActionApplied(Message):
        def __init__(self, position: int, action_id: int, state: str, message: str) -> None:
            super().__init__()
            self.position, self.action_id, self.state, self.message = position, action_id, state, message

    class ApplyFinished(Message):
        pass

    def __init__(self, action_ids: list[int] | None = None) -> None:
        super().__init__()
        self.action_ids = action_ids
        self._todo: list[int] = []
        self._paths: dict[int, str] = {}
        self._counts: dict[str, int] = {}
        self._results: list[tuple[None, list[object]]] = []
        self.running = False
        self._needs_typed = False  # a delete is listed: DELETE must be typed
        self._typed_value = ""

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="apply-body"):
            yield Static("Loading the approved actions…", id="apply-intro", markup=False)
            yield FittedTable(PLAN_COLUMNS, id="apply-plan", zebra_stripes=False)
            yield Static("", id="apply-skipped", markup=False)
            with Vertical(id="apply-confirm"):
                yield Static("", id="apply-warning", markup=False)
                yield Input(placeholder=f"type {TYPED_CONFIRMATION} to confirm", id="apply-typed")
                yield Static(typed_hint(""), id="apply-typed-hint")
                with Horizontal(id="apply-buttons"):
                    yield Button("Back (Esc)", id="apply-back")
                    yield Button("Apply (a)", variant="warning", id="apply-go", disabled=True)
            with Vertical(id="apply-progress"):
                yield Static("", id="apply-status", markup=False)
                yield ProgressBar(id="apply-bar", show_eta=False)
                yield FittedTable(RESULT_COLUMNS, id="apply-results", zebra_stripes=False)
                yield Button("Close", variant="primary", id="apply-close")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        for selector in ("#apply-typed", "#apply-typed-hint", "#apply-warning", "#apply-progress", "#apply-close"):
            self.query_one(selector).display = False
        self._load(self.action_ids)

    @work(thread=True, group="apply-load", exclusive=True, exit_on_error=False)
    def _load(self, action_ids: list[int] | None) -> None:
        self.post_message(self.PlanLoaded(*self.app.review.apply_plan(action_ids)))

    def on_confirm_apply_screen_plan_loaded(self, event: PlanLoaded) -> None:
        self._todo = [a.id for a in event.approved]
        self._paths = shown_paths(event.approved)
        self.query_one("#apply-plan", FittedTable).set_rows([
            (None, [str(a.id), Text(a.kind.replace("_", " ")), Text(self._paths[a.id]), len(a.finding_ids),
                    safe_text(method_of(a))])
            for a in event.approved
        ])  # fmt: skip
        files = len({(a.root, a.rel_path) for a in event.approved})
        intro = f"{plural(len(self._todo), 'approved action')} will change {plural(files, 'file')}, exactly as listed:"
        self.query_one("#apply-intro", Static).update(intro if self._todo else "No approved actions to apply.")
        self.query_one("#apply-skipped", Static).update(safe_text("\n".join(event.skipped)))
        deletes = sum(a.kind == ActionKind.DELETE for a in event.approved)
        go = self.query_one("#apply-go", Button)
        self._needs_typed = bool(deletes)
        if deletes:
            warning = f"{plural(deletes, 'file')} will be overwritten and deleted."
            self.query_one("#apply-warning", Static).update(f"{warning} Type {TYPED_CONFIRMATION} to confirm.")
            for selector in ("#apply-warning", "#apply-typed", "#apply-typed-hint"):
                self.query_one(selector).display = True
            go.label, go.variant = "Delete and apply", "error"
            self.query_one("#apply-typed", Input).focus()
        else:
            go.disabled = not self._todo
            go.focus()
        self.refresh_bindings()

    def _confirmed(self) -> bool:
        return bool(self._todo) and (not self._needs_typed or self._typed_value == TYPED_CONFIRMATION)

    @on(Input.Changed, "#apply-typed")
    def _typed(self, event: Input.Changed) -> None:
        self._typed_value = event.value
        hint = self.query_one("#apply-typed-hint", Static)
        hint.update(typed_hint(event.value))
        hint.remove_class("-refused")
        self.query_one("#apply-go", Button).disabled = not self._confirmed()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "apply":
            return not self.running and self._confirmed() or None  # None: shown, dimmed
        return True

    @on(DataTable.RowSelected, "#apply-plan")
    def _to_confirmation(self) -> None:
        """Enter on the plan moves to what confirms it: never applies from the list itself."""
        typed = self.query_one("#apply-typed", Input)
        (typed if typed.display else self.query_one("#apply-go", Button)).focus()

    @on(Input.Submitted, "#apply-typed")
    @on(Button.Pressed, "#apply-go")
    def action_apply(self) -> None:
        if self.running or not self._confirmed():
            if self._needs_typed:  # say again, louder, what the field needs
                self.query_one("#apply-typed-hint", Static).add_class("-refused")
            return
        self.running = True
        self.refresh_bindings()
        self.query_one("#apply-confirm").display = False
        self.query_one("#apply-progress").display = True
        self.query_one("#apply-bar", ProgressBar).update(total=len(self._todo), progress=0)
        self.query_one("#apply-status", Static).update(f"Applying {plural(len(self._todo), 'action')}…")
        self.query_one("#apply-results", DataTable).focus()
        self._execute(self.app.actor, list(self._todo))

    @work(thread=True, group="apply", exclusive=True, exit_on_error=False)
    def _execute(self, actor: Actor, action_ids: list[int]) -> None:
        worker = get_current_worker()
        for position, action_id in enumerate(action_ids, start=1):
            if worker.is_cancelled:
                break
            try:  # one at a time, so each action reports as soon as it is done
                outcomes = self.app.review.apply(action_id, actor)
            except Refused as exc:  # cancelled or applied elsewhere since the list was loaded
                self.post_message(self.ActionApplied(position, action_id, "refused", str(exc)))
                continue
            for outcome in outcomes:  # an action a crash left executing is finished first
                self.post_message(self.ActionApplied(position, outcome.action_id, outcome.state, outcome.message))
        self.post_message(self.ApplyFinished())

    def on_confirm_apply_screen_action_applied(self, event: ActionApplied) -> None:
        path = self._paths.get(event.action_id, "(resumed)")
        self._results.append((None, [str(event.action_id), Text(path), Text(event.state), safe_text(event.message)]))
        self.query_one("#apply-results", FittedTable).set_rows(self._results)
        self._counts[event.state] = self._counts.get(event.state, 0) + 1
        self.query_one("#apply-bar", ProgressBar).update(progress=event.position)
        self.query_one("#apply-status", Static).update(f"{event.position} of {len(self._todo)} done")

    def on_confirm_apply_screen_apply_finished(self) -> None:
        counts = ", ".join(f"{n} {state}" for state, n in sorted(self._counts.items())) or "nothing done"
        self._finish(f"Done: {counts}.")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        if event.worker.group == "apply":
            self._finish(f"Stopped by an error: {safe(event.worker.error)}. Run apply again to finish an interrupted "
                         "action.")  # fmt: skip
        else:
            self.notify(safe(event.worker.error), title="Apply", severity="error", markup=False)

    def _finish(self, summary: str) -> None:
        self.running = False
        self._todo = []  # done: `a` must not apply the same list again
        self.refresh_bindings()
        self.query_one("#apply-status", Static).update(summary)
        close = self.query_one("#apply-close", Button)
        close.display = True
        close.focus()

    @on(Button.Pressed, "#apply-back")
    @on(Button.Pressed, "#apply-close")
    def action_back(self) -> None:
        if self.running:
            self.notify("wait until the actions being executed are done", severity="warning")
        else:
            self.dismiss()
