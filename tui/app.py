"""`custos review`: the Textual app security staff use to triage findings and confirm actions.

The app holds one `Workspace` (store, action service, vault, audit log) for its lifetime; screens read
through `ReviewQueries` and act through `ActionService` — no SQL in widgets. Blocking work (queries on big
databases, applying actions) runs in thread workers so the UI never freezes.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from textual.app import App
from textual.binding import Binding

from scanner.actions.audit import Actor, current_actor
from scanner.actions.workspace import Workspace, open_workspace
from scanner.store.review import ReviewQueries
from tui.commands import ReviewCommands


class ReviewApp(App):
    """Screens are installed by name; each module in tui/screens adds one (see SCREENS)."""

    TITLE = "Custos review"
    CSS_PATH = "review.tcss"
    COMMANDS = App.COMMANDS | {ReviewCommands}
    # Screens narrower than 110 cells get the class "-narrow" (review.tcss lays them out for 80 columns).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("d", "switch_mode('dashboard')", "Dashboard", id="dashboard"),
        Binding("f", "switch_mode('findings')", "Findings", id="findings"),
        Binding("p", "switch_mode('approvals')", "Approvals", id="approvals"),
        Binding("u", "switch_mode('audit')", "Audit", id="audit"),
        Binding("question_mark", "help", "Help", id="help", tooltip="Keys, workflow and approval policy"),
        Binding("t", "toggle_theme", "Theme", id="theme", show=False, tooltip="Switch between dark and light"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(self, db: Path, *, reviewer: str | None = None, detector=None) -> None:
        super().__init__()
        self.db = db
        self.detector = detector  # reused by apply workers; None: loaded on first need
        self.actor: Actor = current_actor(reviewer)
        self._stack = ExitStack()
        self.ws: Workspace = self._stack.enter_context(open_workspace(db, detector=detector))
        self.queries = ReviewQueries(self.ws.store)

    def on_mount(self) -> None:
        from tui.screens import MODES

        for name, factory in MODES.items():
            self.add_mode(name, factory)
        self.switch_mode("dashboard")

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def on_unmount(self) -> None:
        self._stack.close()
