"""What the compliance report says, as plain frozen records: counts, categories, masked paths and hashes only."""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.states import READ_FILE_STATUSES, RETIRED_FILE_STATUSES
from scanner.store.compliance import ActionLine, RunRow


@dataclass(frozen=True)
class Scope:
    """What was looked at: roots, hosts, scan runs in the period and the rule packs they used."""

    roots: tuple[str, ...]
    hosts: tuple[str, ...]
    runs: tuple[RunRow, ...]
    runs_total: int  # every run the database remembers, whatever the period
    packs: tuple[str, ...]


@dataclass(frozen=True)
class Coverage:
    """How much of the share was read: files by status now, the period's run totals, what nobody inspected."""

    files_by_status: dict[str, int]
    seen: int
    scanned: int
    unchanged: int
    not_inspected: dict[str, int]  # status -> files
    not_inspected_list: tuple[tuple[str, str, str], ...]  # (masked path, status, masked reason)

    @property
    def on_share(self) -> int:
        return sum(n for status, n in self.files_by_status.items() if status not in RETIRED_FILE_STATUSES)

    @property
    def inspected(self) -> int:
        return sum(self.files_by_status.get(status, 0) for status in READ_FILE_STATUSES)


@dataclass(frozen=True)
class TrendPoint:
    run_id: int
    started_at: str
    findings: int
    sensitive: int


@dataclass(frozen=True)
class Holdings:
    """The personal data held now: people (linked subjects) and findings by type, sensitivity and folder."""

    people: int
    minors: int
    people_by_category: dict[str, int]
    people_by_sensitivity: dict[str, int]
    by_type: tuple[tuple[str, str, int, int], ...]  # entity type, sensitivity, findings, files
    minor_findings: int
    minor_files: int
    files_with_findings: int
    files_with_sensitive: int
    top_folders: tuple[tuple[str, int, int], ...]  # masked folder, findings, files
    trend: tuple[TrendPoint, ...]

    @property
    def findings(self) -> int:
        return sum(row[2] for row in self.by_type)

    def by_sensitivity(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for _, sensitivity, n, _ in self.by_type:
            totals[sensitivity] = totals.get(sensitivity, 0) + n
        return totals


@dataclass(frozen=True)
class DisclosureLine:
    """A handover or notification list: to whom, on what basis, its state, size and manifest hash."""

    id: int
    kind: str
    state: str
    recipient: str
    legal_basis: str
    proposed_at: str
    approved_by: str | None
    file_count: int | None
    total_bytes: int | None
    manifest_sha256: str | None
    verified_by: str | None


@dataclass(frozen=True)
class Progress:
    """How the cleanup or handover is going: actions by kind and state, what is left, what is kept and why."""

    actions: tuple[tuple[str, str, int], ...]  # kind, state, count
    files_remaining_sensitive: int
    retained: tuple[ActionLine, ...]
    expired: tuple[ActionLine, ...]  # retained past their date
    unsuccessful: tuple[ActionLine, ...]
    disclosures: tuple[DisclosureLine, ...]


@dataclass(frozen=True)
class ZoneCount:
    zone: str
    severity: str
    open: int
    resolved: int


@dataclass(frozen=True)
class Violations:
    """Zone policy violations (the zone_violations table), when the database has one."""

    available: bool
    by_zone: tuple[ZoneCount, ...] = ()
    open_items: tuple[tuple[str, str, str, str, str], ...] = ()  # zone, severity, rule, masked path, first seen

    @property
    def open(self) -> int:
        return sum(z.open for z in self.by_zone)


@dataclass(frozen=True)
class Exposure:
    """Who can read the files with sensitive findings (file_exposure), when the database records it."""

    available: bool
    by_level: dict[str, int] = field(default_factory=dict)  # exposure level -> sensitive files
    readable_by_all: tuple[str, ...] = ()  # masked paths of sensitive files everyone may read

    @property
    def all_users(self) -> int:
        return len(self.readable_by_all)


@dataclass(frozen=True)
class AuditStatus:
    """The signed audit log verified, and its head record (seq, SHA-256) to keep for later comparison."""

    ok: bool
    records: int
    problem: str | None
    warning: str | None
    head: tuple[int, str] | None
    database_head: tuple[int, str] | None


@dataclass(frozen=True)
class Risk:
    """An open risk: a catalogue key, how many, and the lines that show them (masked)."""

    key: str
    count: int
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class ComplianceReport:
    generated_at: str  # ISO UTC
    since: str | None
    host: str
    tool: str
    scope: Scope
    coverage: Coverage
    holdings: Holdings
    progress: Progress
    violations: Violations
    exposure: Exposure
    audit: AuditStatus
    risks: tuple[Risk, ...]
