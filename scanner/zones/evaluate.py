"""Which zone rules one file breaks: a pure function of its path, its findings, its people and its exposure."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.states import EXPOSURE_LEVELS, ZoneRuleKind
from scanner.subjects.categories import PERSON_TYPES
from scanner.zones.model import Violation, Zone, ZoneFinding, ZoneRule

MAX_PREVIEWS = 5  # masked previews kept per violation: enough to recognise it, not a copy of the file


def violations_for_file(
    zones: Sequence[Zone],
    rel_path: str,
    findings: Sequence[ZoneFinding],
    *,
    people: int | None,
    exposure: str | None,
) -> list[Violation]:
    """The violations of the file at `rel_path` (relative to its root) under every zone holding it, in zone and
    rule order. `people` None: not known (max_people not judged); `exposure` None: not known (max_exposure not
    judged). A file without findings breaks no rule."""
    if not findings:
        return []
    found: list[Violation] = []
    for zone in zones:
        if zone.holds(rel_path):
            for rule in zone.rules:
                found.extend(_judge(zone, rule, findings, people, exposure))
    return found


def _judge(
    zone: Zone, rule: ZoneRule, findings: Sequence[ZoneFinding], people: int | None, exposure: str | None
) -> list[Violation]:
    def violation(detail: str, hits: Sequence[ZoneFinding]) -> Violation:
        previews = tuple(dict.fromkeys(f.preview for f in hits))[:MAX_PREVIEWS]
        return Violation(zone.name, f"{rule.kind}:{detail}", zone.severity, previews, len(hits), zone.auto_quarantine)

    if rule.kind == ZoneRuleKind.FORBID_SENSITIVITY:
        return [violation(v, hits) for v in rule.values if (hits := [f for f in findings if f.sensitivity == v])]
    if rule.kind == ZoneRuleKind.FORBID_ENTITIES:
        return [violation(v, hits) for v in rule.values if (hits := [f for f in findings if f.entity_type == v])]
    if rule.kind == ZoneRuleKind.MAX_PEOPLE:
        if people is None or rule.limit is None or people <= rule.limit:
            return []
        return [violation(str(rule.limit), [f for f in findings if f.entity_type in PERSON_TYPES] or findings)]
    if rule.kind == ZoneRuleKind.MAX_EXPOSURE:
        if exposure is None or rule.level is None or exposure not in EXPOSURE_LEVELS:
            return []
        if EXPOSURE_LEVELS.index(exposure) <= EXPOSURE_LEVELS.index(rule.level):
            return []
        return [violation(rule.level, findings)]
    return []


def still_broken(rule: str, findings: Sequence[ZoneFinding], people: int, exposure: str | None = None) -> bool:
    """Whether a recorded violation's `rule` ("forbid_entities:CN_RESIDENT_ID") still holds for these findings,
    without the zone config (after an action changed the file in place: it did not move). An exposure rule with
    the exposure not known is left to the next scan (True)."""
    kind, _, detail = rule.partition(":")
    if kind == ZoneRuleKind.FORBID_ENTITIES:
        return any(f.entity_type == detail for f in findings)
    if kind == ZoneRuleKind.FORBID_SENSITIVITY:
        return any(f.sensitivity == detail for f in findings)
    if kind == ZoneRuleKind.MAX_PEOPLE:
        return bool(findings) and detail.isdigit() and people > int(detail)
    if kind == ZoneRuleKind.MAX_EXPOSURE and exposure in EXPOSURE_LEVELS and detail in EXPOSURE_LEVELS:
        return bool(findings) and EXPOSURE_LEVELS.index(exposure) > EXPOSURE_LEVELS.index(detail)
    return bool(findings)
