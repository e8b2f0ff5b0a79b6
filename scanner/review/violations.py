"""What the Violations screen reads: zone violations (paths masked) and the zones they were recorded under."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.store.store import Store
from scanner.store.violations import ViolationRow, ViolationStore


@dataclass(frozen=True)
class ViolationList:
    """The violations a filter matches (newest first) and every zone name, for the zone filter."""

    rows: list[ViolationRow]
    zones: list[str]


def read_violations(store: Store, *, state: str | None, zone: str | None, severity: str | None) -> ViolationList:
    violations = ViolationStore(store)
    return ViolationList(violations.violations(state=state, zone=zone, severity=severity), violations.zones())
