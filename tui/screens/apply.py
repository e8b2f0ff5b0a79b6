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
from scanner.i18n import N_, _, ngettext
from scanner.review.records import ActionRow
from scanner.review.service import Refused
from scanner.states import ActionKind
from tui.modals.help import HELP_KEY
from tui.translated import TranslatedScreen
from tui.vocabulary import listed, term
from tui.widgets.column_fit import Column, path_ellipsis
from tui.widgets.fitted_table import FittedTable

TYPED_CONFIRMATION = "DELETE"
_PATH = Column("path", N_("path"), flexible=True, min_width=16, shorten=path_ellipsis)
PLAN_COLUMNS = [Column("action", N_("action")), Column("kind", N_("kind")), _PATH, Column("findings", N_("findings")),
                Column("method", N_("what happens"), wrap=True, min_width=20)]  # fmt: skip
RESULT_COLUMNS = [Column("action", N_("action")), _PATH, Column("state", N_("state")),
                  Column("message", N_("message"), wrap=True, min_width=20)]  # fmt: skip


def typed_hint(typed: str) -> Text:
    """What the DELETE field holds and what it needs: shown under it on every keystroke."""
    if typed == TYPED_CONFIRMATION:
        return Text(_("✓ {word} typed: press Enter to delete and apply.").format(word=TYPED_CONFIRMATION), style="bold")
    if not typed:
        return Text(_("Type {word} exactly, in capital letters, then press Enter.").format(word=TYPED_CONFIRMATION))
    return Text(
        _("You typed “{typed}”: it must be exactly {word}, in capital letters.").format(
            typed=safe(typed), word=TYPED_CONFIRMATION
        )
    )


def method_of(action: ActionRow) -> str:
    """What executing the action does to the file, in plain words."""
    return {
        ActionKind.MASK: _("mask {count} values in place; original kept in the encrypted vault").format(
            count=len(action.finding_ids)
        ),
        ActionKind.QUARANTINE: _("move into the encrypted vault"),
        ActionKind.DELETE: _("overwrite and delete; original kept in the vault until purged"),
        ActionKind.RETAIN: _("record retention until {date}").format(date=action.retain_until),
        ActionKind.FALSE_POSITIVE: _("dismiss as false positive"),
    }.get(action.kind, term(action.kind))


def shown_paths(actions: list[ActionRow]) -> dict[int, str]:
    """Paths relative to the scanned root; full paths only when the actions span several roots; escaped."""
    several = len({a.root for a in actions}) > 1
    return {a.id: safe(a.shown_path if several else a.shown_path[len(a.root) + 1 :]) for a in actions}


class ConfirmApplyScreen(TranslatedScreen, Screen):
    """The approved actions named (or all approved ones), listed for a last look before they are executed."""

    SUB_TITLE = N_("Apply approved actions")

    AUTO_FOCUS = None  # focus goes to the Apply button (or the DELETE field) once the plan is listed
    BINDINGS = [
        HELP_KEY,
        Binding(
            "a",
            "apply",
            N_("Apply"),
            id="apply.apply",
            tooltip=N_("Execute the actions listed (after DELETE if asked)"),
        ),
        Binding("escape", "back", N_("Back"), id="apply.back", tooltip=N_("Back to approvals without applying")),
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
            yield Static(_("Loading the approved actions…"), id="apply-intro", markup=False)
            yield FittedTable(PLAN_COLUMNS, id="apply-plan", zebra_stripes=False)
            yield Static("", id="apply-skipped", markup=False)
            with Vertical(id="apply-confirm"):
                yield Static("", id="apply-warning", markup=False)
                yield Input(placeholder=_("type {word} to confirm").format(word=TYPED_CONFIRMATION), id="apply-typed")
                yield Static(typed_hint(""), id="apply-typed-hint")
                with Horizontal(id="apply-buttons"):
                    yield Button(_("Back (Esc)"), id="apply-back")
                    yield Button(_("Apply (a)"), variant="warning", id="apply-go", disabled=True)
            with Vertical(id="apply-progress"):
                yield Static("", id="apply-status", markup=False)
                yield ProgressBar(id="apply-bar", show_eta=False)
                yield FittedTable(RESULT_COLUMNS, id="apply-results", zebra_stripes=False)
                yield Button(_("Close"), variant="primary", id="apply-close")
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
            (None, [str(a.id), Text(term(a.kind).replace("_", " ")), Text(self._paths[a.id]), len(a.finding_ids),
                    safe_text(method_of(a))])
            for a in event.approved
        ])  # fmt: skip
        files = len({(a.root, a.rel_path) for a in event.approved})
        actions = ngettext("{count} approved action", "{count} approved actions", len(self._todo)).format(
            count=len(self._todo)
        )
        intro = ngettext("{actions} will change {count} file, exactly as listed:",
                         "{actions} will change {count} files, exactly as listed:", files).format(
            actions=actions, count=files)  # fmt: skip
        self.query_one("#apply-intro", Static).update(intro if self._todo else _("No approved actions to apply."))
        self.query_one("#apply-skipped", Static).update(safe_text("\n".join(event.skipped)))
        deletes = sum(a.kind == ActionKind.DELETE for a in event.approved)
        go = self.query_one("#apply-go", Button)
        self._needs_typed = bool(deletes)
        if deletes:
            warning = ngettext(
                "{count} file will be overwritten and deleted. Type {word} to confirm.",
                "{count} files will be overwritten and deleted. Type {word} to confirm.",
                deletes,
            )
            self.query_one("#apply-warning", Static).update(warning.format(count=deletes, word=TYPED_CONFIRMATION))
            for selector in ("#apply-warning", "#apply-typed", "#apply-typed-hint"):
                self.query_one(selector).display = True
            go.label, go.variant = _("Delete and apply"), "error"
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
        self.query_one("#apply-status", Static).update(
            ngettext("Applying {count} action…", "Applying {count} actions…", len(self._todo)).format(
                count=len(self._todo)
            )
        )
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
        path = self._paths.get(event.action_id, _("(resumed)"))
        self._results.append((None, [str(event.action_id), Text(path), Text(term(event.state)),
                                     safe_text(event.message)]))  # fmt: skip
        self.query_one("#apply-results", FittedTable).set_rows(self._results)
        self._counts[event.state] = self._counts.get(event.state, 0) + 1
        self.query_one("#apply-bar", ProgressBar).update(progress=event.position)
        self.query_one("#apply-status", Static).update(
            _("{done} of {total} done").format(done=event.position, total=len(self._todo))
        )

    def on_confirm_apply_screen_apply_finished(self) -> None:
        counts = listed([f"{n} {term(state)}" for state, n in sorted(self._counts.items())]) or _("nothing done")
        self._finish(_("Done: {counts}.").format(counts=counts))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        if event.worker.group == "apply":
            self._finish(
                _("Stopped by an error: {error}. Run apply again to finish an interrupted action.").format(
                    error=safe(event.worker.error)
                )
            )
        else:
            self.notify(safe(event.worker.error), title=_("Apply"), severity="error", markup=False)

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
            self.notify(_("wait until the actions being executed are done"), severity="warning")
        else:
            self.dismiss()
