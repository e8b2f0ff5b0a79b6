"""Classification: a detection's PIPL sensitivity and flags, from the rule and the packs' policy.

A resident ID whose birth date makes its holder younger than `minor_age` (14 by default, PIPL Art. 28/31)
is flagged ``minor`` and classed sensitive, relative to the scan date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from scanner.detect.engine import Detection
from scanner.detect.rulepack import Rule
from scanner.detect.validators import age_on, resident_id_birth_date


@dataclass(frozen=True)
class Policy:
    """The classification settings the rule packs declare under [policy]."""

    minor_age: int = 14
    minor_entity_types: frozenset[str] = frozenset({"CN_RESIDENT_ID"})

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Policy:
        return cls(
            minor_age=int(data.get("minor_age", cls.minor_age)),
            minor_entity_types=frozenset(data.get("minor_entity_types", cls.minor_entity_types)),
        )


@dataclass(frozen=True)
class Classification:
    sensitivity: str
    flags: tuple[str, ...] = ()


def classify(detection: Detection, rule: Rule | None, policy: Policy, today: date) -> Classification:
    """Sensitivity from the rule; ``minor`` when an ID's holder is under the policy's age."""
    sensitivity = rule.sensitivity if rule else "general"
    flags: list[str] = []
    if detection.entity_type in policy.minor_entity_types:
        birth = resident_id_birth_date(detection.value)
        if birth is not None and age_on(birth, today) < policy.minor_age:
            flags.append("minor")
            sensitivity = "sensitive"
    if detection.verdict == "weak":
        flags.append("unverified")
    return Classification(sensitivity, tuple(flags))
