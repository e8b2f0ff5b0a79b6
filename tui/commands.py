"""Command palette (ctrl+p) commands, named "noun: verb": navigation, theme, audit, help, and the triage
actions of whichever screen is showing. Screen commands call the screen's own action by name, and are offered
only when the current screen has that action, so the palette never lists what cannot run here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from scanner.i18n import N_, _

# (command, action on the current screen, help). A screen offers a command by defining `action_<name>`.
SCREEN_COMMANDS: tuple[tuple[str, str, str], ...] = (
    (N_("Findings: propose mask for selection"), "propose('mask')", N_("Replace the selected values by masks")),
    (N_("Findings: propose quarantine for selection"), "propose('quarantine')", N_("Move the files into the vault")),
    (
        N_("Findings: propose delete for selection"),
        "propose('delete')",
        N_("Delete the files (original kept in the vault)"),
    ),
    (N_("Findings: propose retain for selection"), "propose('retain')", N_("Keep them, with a justification and date")),
    (N_("Findings: propose false positive for selection"), "propose('false_positive')", N_("Not personal data")),
    (N_("Findings: select all in file"), "select_all_in_file", N_("Select every finding of the file under the cursor")),
    (N_("Findings: search"), "focus_search", N_("Search paths, types, previews and rules")),
    (N_("Approvals: apply approved"), "apply", N_("Review and execute the approved actions")),
    (N_("Subjects: propose delete for this person"), "propose('delete')", N_("Art. 47: every file holding the person")),
    (
        N_("Subjects: propose mask for this person"),
        "propose('mask')",
        N_("Mask every value of the person, in every file"),
    ),
    (N_("Subjects: filter by category"), "next_category", N_("Cycle identity, contact, financial, biometric, health")),
    (N_("Subjects: minors only"), "toggle_minors", N_("Show only people flagged as minors")),
    (N_("Violations: filter by state"), "next_state", N_("Cycle open, resolved, all")),
    (N_("Violations: filter by zone"), "next_zone", N_("Cycle the zones violations were recorded in")),
    (N_("Violations: filter by severity"), "next_severity", N_("Cycle critical, high, medium, low, all")),
)
# (mode, command, help): whole sentences, so each reads naturally in every language.
MODES: tuple[tuple[str, str, str], ...] = (
    ("dashboard", N_("Go: dashboard"), N_("Show the dashboard screen")),
    ("findings", N_("Go: findings"), N_("Show the findings screen")),
    ("approvals", N_("Go: approvals"), N_("Show the approvals screen")),
    ("audit", N_("Go: audit"), N_("Show the audit screen")),
    ("subjects", N_("Go: subjects"), N_("Show the subjects screen")),
    ("violations", N_("Go: violations"), N_("Show the violations screen")),
)


class ReviewCommands(Provider):
    """Every command of the review app that makes sense on the current screen."""

    def commands(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        app = self.app
        for mode, text, help_text in MODES:
            yield _(text), partial(app.switch_mode, mode), _(help_text)
        yield _("Theme: toggle dark/light"), partial(app.run_action, "toggle_theme"), _("Switch between dark and light")
        yield _("Audit: verify now"), self._verify_audit, _("Check the audit log's hash chain and signatures")
        yield _("Help: keys"), partial(app.run_action, "help"), _("Every key of this screen and the triage workflow")
        screen = self.screen
        for text, action, help_text in SCREEN_COMMANDS:
            name = action.split("(", 1)[0]
            if callable(getattr(screen, f"action_{name}", None)) and screen.check_action(name, ()) is not False:
                yield _(text), partial(screen.run_action, action), _(help_text)

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
