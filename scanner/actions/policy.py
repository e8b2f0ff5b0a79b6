"""The action policy the rule packs declare under [policy.actions]: default proposals, the two-person rule,
how long the vault keeps originals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.store.actions import KINDS


class PolicyError(ValueError):
    """[policy.actions] names something that does not exist."""


@dataclass(frozen=True)
class ActionPolicy:
    default_by_sensitivity: Mapping[str, str] = field(default_factory=lambda: {"sensitive": "quarantine"})
    default_by_entity: Mapping[str, str] = field(default_factory=dict)
    second_person: frozenset[str] = frozenset({"delete"})
    vault_retention_days: int = 30

    @classmethod
    def from_policy(cls, policy: Mapping[str, Any]) -> ActionPolicy:
        data = policy.get("actions", {})
        result = cls(
            default_by_sensitivity=dict(data.get("default_by_sensitivity", {"sensitive": "quarantine"})),
            default_by_entity=dict(data.get("default_by_entity", {})),
            second_person=frozenset(data.get("second_person", ("delete",))),
            vault_retention_days=int(data.get("vault_retention_days", 30)),
        )
        named = [*result.default_by_sensitivity.values(), *result.default_by_entity.values(), *result.second_person]
        unknown = sorted(set(named) - set(KINDS))
        if unknown:
            raise PolicyError(f"[policy.actions] names unknown action kinds {unknown}; known: {', '.join(KINDS)}")
        return result

    def default_for(self, entity_type: str, sensitivity: str) -> str:
        """What the review UI pre-selects for a finding; ``mask`` when the policy says nothing."""
        return self.default_by_entity.get(entity_type) or self.default_by_sensitivity.get(sensitivity) or "mask"

    def needs_second_person(self, kind: str) -> bool:
        return kind in self.second_person
