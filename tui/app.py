"""`custos review`: the Textual app security staff use to triage findings and confirm actions.

The app opens one `ReviewService` (scanner.review) for its lifetime, as `app.review`; every screen reads and
acts through it and nothing else — no store classes, no SQL under tui/. Blocking work (queries on big
databases, applying actions) runs in thread workers so the UI never freezes.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from scanner.actions.audit import Actor, current_actor
from scanner.i18n import N_, _
from scanner.review.service import ReviewService
from tui.commands import ReviewCommands
from tui.system_commands import translated


class ReviewApp(App):
    """Screens are installed by name; each module in tui/screens adds one (see SCREENS)."""

    TITLE = N_("Custos review")
    CSS_PATH = "review.tcss"
    COMMANDS = App.COMMANDS | {ReviewCommands}
    # Screens narrower than 110 cells get the class "-narrow" (review.tcss lays them out for 80 columns).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("d", "switch_mode('dashboard')", N_("Dashboard"), id="dashboard"),
        Binding("f", "switch_mode('findings')", N_("Findings"), id="findings"),
        Binding("p", "switch_mode('approvals')", N_("Approvals"), id="approvals"),
        Binding("u", "switch_mode('audit')", N_("Audit"), id="audit"),
        Binding(
            "w", "switch_mode('subjects')", N_("Subjects"), id="subjects", tooltip=N_("Whose data: the people found")
        ),
        Binding(
            "z",
            "switch_mode('violations')",
            N_("Violations"),
            id="violations",
            tooltip=N_("Files breaking a zone policy"),
        ),
        Binding("question_mark", "help", N_("Help"), id="help", tooltip=N_("Keys, workflow and approval policy")),
        Binding("t", "toggle_theme", N_("Theme"), id="theme", show=False, tooltip=N_("Switch between dark and light")),
        Binding("q", "quit", N_("Quit"), id="quit"),
    ]

    def __init__(self, db: Path, *, reviewer: str | None = None, detector=None) -> None:
        super().__init__()
        self.title = _(self.TITLE)  # the language is chosen before the app is built
        self.db = db
        self.actor: Actor = current_actor(reviewer)
        # ``detector``: reused by apply; None: loaded at the first mask, once for the app's lifetime.
        self.review = ReviewService(db, detector=detector)

    def on_mount(self) -> None:
        from tui.screens import MODES

        for name, factory in MODES.items():
            self.add_mode(name, factory)
        self.switch_mode("dashboard")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's palette entries (Theme, Quit, Keys …) in the interface language."""
        yield from translated(super().get_system_commands(screen))

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def action_help(self) -> None:
        from tui.modals.help import HelpScreen

        self.push_screen(HelpScreen())

    def on_unmount(self) -> None:
        self.review.close()
