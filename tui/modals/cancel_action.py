"""Cancelling an action: asks why; the approvals screen cancels it with that reason."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from scanner.i18n import N_, _
from tui.translated import TranslatedScreen


class CancelActionScreen(TranslatedScreen, ModalScreen[str | None]):
    """Asks why an action is being cancelled; dismisses with the reason, or None to keep the action."""

    BINDINGS = [Binding("escape", "keep", N_("Keep"), id="cancel-action.keep", tooltip=N_("Do not cancel the action"))]

    def __init__(self, action_id: int) -> None:
        super().__init__()
        self.action_id = action_id

    def compose(self) -> ComposeResult:
        with Vertical(id="cancel-dialog"):
            yield Label(_("Cancel action {id}").format(id=self.action_id))
            yield Input(placeholder=_("reason (required)"), id="cancel-reason")
            yield Static("", id="cancel-error", markup=False)
            with Horizontal(id="cancel-buttons"):
                yield Button(_("Keep"), id="cancel-keep")
                yield Button(_("Cancel action"), variant="error", id="cancel-ok")

    @on(Input.Submitted)
    @on(Button.Pressed, "#cancel-ok")
    def submit(self) -> None:
        reason = self.query_one("#cancel-reason", Input).value.strip()
        if not reason:
            self.query_one("#cancel-error", Static).update(_("say why the action is cancelled"))
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#cancel-keep")
    def action_keep(self) -> None:
        self.dismiss(None)
