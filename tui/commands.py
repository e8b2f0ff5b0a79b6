"""Command palette (ctrl+p) commands, named "noun: verb": navigation, theme, audit, help, and the triage
actions of whichever screen is showing. Screen commands call the screen's own action by name, and are offered
only when the current screen has that action, so the palette never lists what cannot run here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

# (command, action on the current screen, help). A screen offers a command by defining `action_<name>`.
SCREEN_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Findings: propose mask for selection", "propose('mask')", "Replace the selected values by masks"),
    ("Findings: propose quarantine for selection", "propose('quarantine')", "Move the files into the vault"),
    ("Findings: propose delete for selection", "propose('delete')", "Delete the files (original kept in the vault)"),
    ("Findings: propose retain for selection", "propose('retain')", "Keep them, with a justification and date"),
    ("Findings: propose false positive for selection", "propose('false_positive')", "Not personal data"),
    ("Findings: select all in file", "select_all_in_file", "Select every finding of the file under the cursor"),
    ("Findings: search", "focus_search", "Search paths, types, previews and rules"),
    ("Approvals: apply approved", "apply", "Review and execute the approved actions"),
    ("Subjects: propose delete for this person", "propose('delete')", "Art. 47: every file holding the person"),
    ("Subjects: propose mask for this person", "propose('mask')", "Mask every value of the person, in every file"),
    ("Subjects: filter by category", "next_category", "Cycle identity, contact, financial, biometric, health"),
    ("Subjects: minors only", "toggle_minors", "Show only people flagged as minors"),
    ("Violations: filter by state", "next_state", "Cycle open, resolved, all"),
    ("Violations: filter by zone", "next_zone", "Cycle the zones violations were recorded in"),
    ("Violations: filter by severity", "next_severity", "Cycle critical, high, medium, low, all"),
)
MODES = ("dashboard", "findings", "approvals", "audit", "subjects", "violations")


class ReviewCommands(Provider):
    """Every command of the review app that makes sense on the current screen."""

    def commands(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        app = self.app
        for mode in MODES:
            yield f"Go: {mode}", partial(app.switch_mode, mode), f"Show the {mode} screen"
        yield "Theme: toggle dark/light", partial(app.run_action, "toggle_theme"), "Switch between dark and light"
        yield "Audit: verify now", self._verify_audit, "Check the audit log's hash chain and signatures"
        yield "Help: keys", partial(app.run_action, "help"), "Every key of this screen and the triage workflow"
        screen = self.screen
        for text, action, help_text in SCREEN_COMMANDS:
            name = action.split("(", 1)[0]
            if callable(getattr(screen, f"action_{name}", None)) and screen.check_action(name, ()) is not False:
                yield text, partial(screen.run_action, action), help_text

    async def _verify_audit(self) -> None:
        if self.app.current_mode == "audit":
            await self.app.screen.run_action("reload")
        else:
            self.app.switch_mode("audit")  # the audit screen verifies the log each time it is shown

    async def discover(self) -> Hits:
        for text, command, help_text in self.commands():
            yield DiscoveryHit(text, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, command, help_text in self.commands():
            if (score := matcher.match(text)) > 0:
                yield Hit(score, matcher.highlight(text), command, text=text, help=help_text)
