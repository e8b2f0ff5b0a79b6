"""Help: every key of the app and of the screen underneath, and how triage works from finding to handover."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from scanner.i18n import N_, _
from tui.translated import TranslatedScreen, shown
from tui.widgets.approval_policy import approval_help

WORKFLOW = (
    N_("1. Select findings on the Findings screen: one, several, or all in a file."),
    N_("2. Propose what to do with them: mask, quarantine, delete, retain (with a justification and an end date) or "
    "false positive (with a reason). A proposal changes nothing on disk."),
    N_("3. It is approved on the Approvals screen: by a second person or by the proposer, depending on the action "
    "kind and the site's policy (see 'Who approves' below)."),
    N_("4. Apply: a confirmation lists every file that will change, and only then are files rewritten, moved or "
    "deleted. Originals stay in the encrypted vault; every step is written to the signed audit log."),
)  # fmt: skip
# First in the bindings of every mode, so the footer shows it first and a narrow terminal never cuts it off.
HELP_KEY = Binding("question_mark", "app.help", N_("Help"), id="help", tooltip=N_("Every key of this screen, the "
                   "workflow, and who may approve what"))  # fmt: skip
NO_PLAIN_VALUES = N_(
    "The review UI never reveals a plain value: it shows masked previews and masked context only. Revealing a "
    "value would need a separately audited role; it is not offered here. This is a decision, not a missing feature."
)


class HelpScreen(TranslatedScreen, ModalScreen[None]):
    """Keys and workflow over the current screen; escape or ? closes it."""

    BINDINGS = [
        Binding("escape", "dismiss", N_("Close"), id="help.close", tooltip=N_("Close help")),
        Binding("question_mark", "dismiss", N_("Close"), id="help.close-key", show=False, tooltip=N_("Close help")),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            box.border_title = _("Help")
            yield Static(_("Triage workflow"), classes="help-section")
            yield Static("\n".join(_(step) for step in WORKFLOW), markup=False, id="help-workflow")
            yield Static(_("Who approves, per action kind"), classes="help-section")
            yield Static(approval_help(self.app.review.policy), markup=False, id="help-approvals")
            yield Static(_("Plain values are never shown"), classes="help-section")
            yield Static(_(NO_PLAIN_VALUES), markup=False, id="help-no-plain-values")
            for title, lines in self._key_sections():
                yield Static(title, classes="help-section", markup=False)
                yield Static(Text("\n".join(lines)), classes="help-keys")
            yield Static(_("Command palette: ctrl+p, then type e.g. 'Go: audit'."), classes="help-section")

    def _below(self) -> Screen:
        stack = self.app.screen_stack
        return stack[stack.index(self) - 1] if self in stack else self.app.screen

    def _key_sections(self) -> list[tuple[str, list[str]]]:
        """Bindings active on the screen below (its focused widget's, its own, the app's), grouped by owner."""
        below = self._below()
        groups: dict[DOMNode, list[str]] = {}
        for active in below.active_bindings.values():
            binding = active.binding
            key = self.app.get_key_display(binding)
            label = shown(binding.description) or binding.action  # the screen below may not translate its own
            tooltip = shown(binding.tooltip)
            note = f" — {tooltip}" if tooltip and tooltip != label else ""
            groups.setdefault(active.node, []).append(f"{' ' * max(0, 10 - cell_len(key))}{key}  {label}{note}")
        order = sorted(groups, key=lambda node: 0 if node is below else 1 if node is self.app else 2)

        def title(node: DOMNode) -> str:
            if node is self.app:
                return _("Everywhere")
            if node is below:
                return _("On this screen ({screen})").format(screen=type(below).__name__)
            return _("In the focused {widget}").format(widget=type(node).__name__)

        return [(title(node), groups[node]) for node in order]
