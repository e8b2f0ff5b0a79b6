"""The records of zone policies: a zone and its rules (from [[zones]]), a violation found in one file, and the
alert a new violation raises. No record holds a plain personal-data value: previews are masked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from scanner.states import ZoneRuleKind, ZoneSeverity
from scanner.zones.globs import ZoneGlobs


@dataclass(frozen=True)
class ZoneRule:
    """One thing a zone forbids: sensitivities, entity types, more than N people, exposure beyond a level."""

    kind: ZoneRuleKind
    values: tuple[str, ...] = ()  # forbid_sensitivity, forbid_entities: what may not be there
    limit: int | None = None  # max_people
    level: str | None = None  # max_exposure: an ExposureLevel


@dataclass(frozen=True)
class Zone:
    """A named set of folders under a root (`globs`, relative to it) with its rules and severity."""

    name: str
    globs: ZoneGlobs
    severity: ZoneSeverity
    rules: tuple[ZoneRule, ...]
    auto_quarantine: bool = False

    def holds(self, rel_path: str) -> bool:
        """Whether the file at `rel_path` (relative to its root, POSIX '/') lies in this zone."""
        return self.globs.matches(rel_path)


class ZoneFinding(Protocol):
    """What evaluation reads of a finding: a stored row and a freshly scanned finding both have these."""

    entity_type: str
    sensitivity: str
    preview: str  # masked


@dataclass(frozen=True)
class Violation:
    """One zone rule one file breaks: `rule` as stored ("forbid_entities:CN_RESIDENT_ID"), masked previews of the
    findings that break it (a few), and how many findings do."""

    zone: str
    rule: str
    severity: ZoneSeverity
    previews: tuple[str, ...]
    count: int
    auto_quarantine: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class ViolationAlert:
    """What an alert callback receives for a NEW violation: masked path and previews only."""

    violation_id: int
    zone: str
    rule: str
    severity: ZoneSeverity
    root: str
    masked_path: str
    masked_previews: tuple[str, ...]
    count: int
    first_seen: str  # ISO 8601, UTC
    host: str
