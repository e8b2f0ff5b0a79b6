"""The action policy: which actions need a second person, how long the vault keeps originals, and what the
review UI proposes by default.

The built-in values below are the floor. A site policy file (``scanner.actions.site_policy``) can only make
them stricter: add kinds to the two-person list, keep vault items longer. Rule packs never carry action policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from scanner.i18n import _
from scanner.local_time import DEFAULT_TIME_ZONE
from scanner.states import ActionKind

# Actions that cannot be approved by whoever proposed them, whatever any file says: those that destroy data, and
# the disclosures (a handover package, a notification list) that give personal data to someone else.
BUILTIN_SECOND_PERSON = frozenset({
    ActionKind.DELETE, ActionKind.QUARANTINE, ActionKind.PURGE, ActionKind.HANDOVER, ActionKind.NOTIFY_LIST,
})  # fmt: skip
# The vault keeps an original at least this long; `purge` of a younger item is refused.
MIN_VAULT_RETENTION_DAYS = 30


class PolicyError(ValueError):
    """The site policy file is unreadable, names something that does not exist, or would weaken the floor."""


@dataclass(frozen=True)
class ActionPolicy:
    default_by_sensitivity: Mapping[str, str] = field(
        default_factory=lambda: {"sensitive": ActionKind.QUARANTINE, "general": ActionKind.MASK}
    )
    default_by_entity: Mapping[str, str] = field(
        default_factory=lambda: {
            "CN_RESIDENT_ID": ActionKind.MASK,
            "CN_BANK_CARD": ActionKind.MASK,
            "CREDIT_CARD": ActionKind.MASK,
        }
    )
    second_person: frozenset[str] = BUILTIN_SECOND_PERSON
    vault_retention_days: int = MIN_VAULT_RETENTION_DAYS
    source: str = "built-in"  # the site policy file it was read from, for messages
    report_time_zone: str = DEFAULT_TIME_ZONE  # reports show times in this zone beside UTC ([report] time_zone)

    def default_for(self, entity_type: str, sensitivity: str) -> str:
        """What the review UI pre-selects for a finding; ``mask`` when the policy says nothing."""
        return (
            self.default_by_entity.get(entity_type) or self.default_by_sensitivity.get(sensitivity) or ActionKind.MASK
        )

    def needs_second_person(self, kind: str, undoes: str | None = None) -> bool:
        """``undoes``: for ``restore``, the kind of the action whose vault item is put back."""
        if kind == ActionKind.RESTORE and undoes is not None and self.needs_second_person(undoes):
            return True
        return kind in self.second_person | BUILTIN_SECOND_PERSON


def two_person_rule_text() -> str:
    """The rule as enforced, for help texts: keep in step with ``ActionPolicy.needs_second_person``."""
    text = _(
        "{kinds} (plus any kinds the site policy file adds) cannot be approved by the reviewer identity that "
        "proposed them; restore needs a second person whenever the action it undoes did. Identities are compared "
        "as given (--as, else $CUSTOS_REVIEWER, else the OS user): asserted, not authenticated. Rule packs cannot "
        "change this."
    )
    return text.format(kinds=", ".join(sorted(BUILTIN_SECOND_PERSON)))
