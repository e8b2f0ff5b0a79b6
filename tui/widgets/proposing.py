"""The propose keys shared by the findings and detail screens: m mask, x quarantine, D delete, r retain,
n false positive. Each opens `ProposeScreen` (tui.modals.propose) on the screen's current targets.
"""

from __future__ import annotations

from textual.binding import Binding

from scanner.review.records import FindingFilter
from scanner.states import ActionKind
from tui.modals.propose import ProposeScreen

KIND_LABELS = {
    ActionKind.MASK: "Mask",
    ActionKind.QUARANTINE: "Quarantine",
    ActionKind.DELETE: "Delete",
    ActionKind.RETAIN: "Retain",
    ActionKind.FALSE_POSITIVE: "False positive",
    ActionKind.TIGHTEN_ACCESS: "Tighten access",
    ActionKind.RESTORE_ACCESS: "Restore access",
}

# One group in the footer ("m x D r n Propose"), so it fits 80 columns; help and tooltips name each key.
PROPOSE_GROUP = Binding.Group("Propose")
PROPOSE_BINDINGS = [
    Binding("m", "propose('mask')", "Mask", id="propose.mask", tooltip="Propose masking the values in place",
            group=PROPOSE_GROUP),
    Binding("x", "propose('quarantine')", "Quarantine", id="propose.quarantine",
            tooltip="Propose moving the whole file into the encrypted vault", group=PROPOSE_GROUP),
    Binding("D", "propose('delete')", "Delete", id="propose.delete",
            tooltip="Propose deleting the whole file (a copy stays in the vault)", group=PROPOSE_GROUP),
    Binding("r", "propose('retain')", "Retain", id="propose.retain",
            tooltip="Propose keeping the data, with a justification and a review date", group=PROPOSE_GROUP),
    Binding("n", "propose('false_positive')", "Not PII", id="propose.false-positive",
            tooltip="Propose dismissing the findings as false positives", group=PROPOSE_GROUP),
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
            self.notify("Nothing to propose on: select a finding or a file first", severity="warning")
            return

        label = KIND_LABELS.get(kind, kind)

        def closed(action_ids: list[int] | None) -> None:
            if action_ids:
                numbers = ", ".join(f"#{n}" for n in action_ids)
                self.notify(f"{label}: proposed as action {numbers}; it now waits for approval", title="Proposed")
            self.proposal_done(list(action_ids or []))

        screen = ProposeScreen(
            kind=kind, finding_ids=finding_ids, file_ids=file_ids, seen_through=self.proposal_filter()
        )
        self.app.push_screen(screen, closed)
