"""The propose keys shared by the findings and detail screens: m mask, x quarantine, D delete, r retain,
n false positive. Each opens `ProposeScreen` (tui.modals.propose) on the screen's current targets.
"""

from __future__ import annotations

from textual.binding import Binding

from scanner.i18n import N_, _
from scanner.review.records import FindingFilter
from scanner.states import ActionKind
from tui.modals.propose import ProposeScreen

KIND_LABELS = {
    ActionKind.MASK: N_("Mask"),
    ActionKind.QUARANTINE: N_("Quarantine"),
    ActionKind.DELETE: N_("Delete"),
    ActionKind.RETAIN: N_("Retain"),
    ActionKind.FALSE_POSITIVE: N_("False positive"),
    ActionKind.TIGHTEN_ACCESS: N_("Tighten access"),
    ActionKind.RESTORE_ACCESS: N_("Restore access"),
}

# One group in the footer ("m x D r n Propose"), so it fits 80 columns; help and tooltips name each key.
PROPOSE_GROUP = Binding.Group(N_("Propose"))
PROPOSE_BINDINGS = [
    Binding("m", "propose('mask')", N_("Mask"), id="propose.mask", tooltip=N_("Propose masking the values in place"),
            group=PROPOSE_GROUP),
    Binding("x", "propose('quarantine')", N_("Quarantine"), id="propose.quarantine",
            tooltip=N_("Propose moving the whole file into the encrypted vault"), group=PROPOSE_GROUP),
    Binding("D", "propose('delete')", N_("Delete"), id="propose.delete",
            tooltip=N_("Propose deleting the whole file (a copy stays in the vault)"), group=PROPOSE_GROUP),
    Binding("r", "propose('retain')", N_("Retain"), id="propose.retain",
            tooltip=N_("Propose keeping the data, with a justification and a review date"), group=PROPOSE_GROUP),
    Binding("n", "propose('false_positive')", N_("Not PII"), id="propose.false-positive",
            tooltip=N_("Propose dismissing the findings as false positives"), group=PROPOSE_GROUP),
]  # fmt: skip


class ProposeKeys:
    """Mixin for a Screen: `action_propose(kind)` on `proposal_targets()`, then `proposal_done(ids)`."""

    def proposal_targets(self) -> tuple[list[int], list[int]]:
        """(finding ids, file ids) the propose keys act on."""
        raise NotImplementedError

    def proposal_done(self, action_ids: list[int]) -> None:
        """Called after the propose dialog closed (``action_ids`` empty when nothing was proposed)."""

    def proposal_filter(self) -> FindingFilter | None:
        """The filter the targets are seen through: the dialog lists what it hides. None: all is in view."""
        return None

    def action_propose(self, kind: str) -> None:
        finding_ids, file_ids = self.proposal_targets()
        if not finding_ids and not file_ids:
            self.notify(_("Nothing to propose on: select a finding or a file first"), severity="warning")
            return

        label = _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind

        def closed(action_ids: list[int] | None) -> None:
            if action_ids:
                numbers = ", ".join(f"#{n}" for n in action_ids)
                self.notify(
                    _("{kind}: proposed as action {numbers}; it now waits for approval").format(
                        kind=label, numbers=numbers
                    ),
                    title=_("Proposed"),
                )
            self.proposal_done(list(action_ids or []))

        screen = ProposeScreen(
            kind=kind, finding_ids=finding_ids, file_ids=file_ids, seen_through=self.proposal_filter()
        )
        self.app.push_screen(screen, closed)
