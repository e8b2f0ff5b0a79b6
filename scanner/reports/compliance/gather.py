"""Gather the compliance report from one database: every number comes from a query in scanner/store (or the
subjects' `SubjectQueries.stats`), every path is masked, every free text from a file or a reviewer goes through
the display mask. Nothing here reads the share."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from scanner import __version__
from scanner.actions.audit_shared import audit_log_for
from scanner.display_mask import mask_for_display
from scanner.reports.compliance.model import (
    AuditStatus,
    ComplianceReport,
    Coverage,
    DisclosureLine,
    Exposure,
    Holdings,
    Progress,
    Risk,
    Scope,
    TrendPoint,
    Violations,
    ZoneCount,
)
from scanner.states import FileStatus
from scanner.store.compliance import UNREAD_RISKS, ActionLine, ComplianceQueries
from scanner.store.compliance_zones import PolicyQueries
from scanner.store.disclosures import DisclosureStore
from scanner.store.store import Store
from scanner.subjects.queries import SubjectQueries

LISTED = 200  # rows a list shows (not inspected, violations, ...); the counts always cover them all
TREND_RUNS = 60  # the trend chart's last runs
TOP_FOLDERS = 10


def gather(db: Path, *, since: datetime | None = None, today: date | None = None) -> ComplianceReport:
    """Everything the report shows, read from ``db`` (read-only: a database at the current schema is not written)."""
    stamp = _iso(since) if since else None
    today = today or datetime.now(UTC).date()
    with Store(db) as store:
        queries = ComplianceQueries(store)
        scope = _scope(queries, stamp)
        coverage = _coverage(queries, scope)
        holdings = _holdings(store, queries, scope)
        progress = _progress(store, queries, stamp, today)
        violations, exposure = _policy(PolicyQueries(store))
        audit = _audit(db, store)
    return ComplianceReport(
        generated_at=_iso(datetime.now(UTC)),
        since=stamp,
        host=socket.gethostname(),
        tool=f"Custos {__version__}",
        scope=scope,
        coverage=coverage,
        holdings=holdings,
        progress=progress,
        violations=violations,
        exposure=exposure,
        audit=audit,
        risks=_risks(coverage, progress, violations, exposure, audit),
    )


def _iso(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _scope(queries: ComplianceQueries, since: str | None) -> Scope:
    runs = queries.runs(since)
    packs = {p.strip() for run in runs for p in run.packs.split(",") if p.strip()}
    return Scope(
        roots=tuple(queries.roots()),
        hosts=tuple(sorted({socket.gethostname(), *queries.daemon_hosts()})),
        runs=tuple(runs),
        runs_total=len(queries.runs()),
        packs=tuple(sorted(packs or set(queries.packs_in_findings()))),
    )


def _coverage(queries: ComplianceQueries, scope: Scope) -> Coverage:
    by_status = queries.files_by_status()
    listed = queries.not_inspected(LISTED)
    return Coverage(
        files_by_status=by_status,
        seen=sum(r.files_seen for r in scope.runs),
        scanned=sum(r.files_scanned for r in scope.runs),
        unchanged=sum(r.files_unchanged for r in scope.runs),
        not_inspected=queries.not_inspected_counts(),
        not_inspected_list=tuple((path, status, mask_for_display(reason)) for path, status, reason in listed),
    )


def _holdings(store: Store, queries: ComplianceQueries, scope: Scope) -> Holdings:
    people = SubjectQueries(store).stats()
    minor_findings, minor_files = queries.minor_findings()
    trend = [TrendPoint(r.id, r.started_at, *queries.held_after(r.id)) for r in scope.runs[-TREND_RUNS:]]
    return Holdings(
        people=people.people,
        minors=people.minors,
        people_by_category=people.by_category,
        people_by_sensitivity=people.by_sensitivity,
        by_type=tuple(queries.findings_by_type()),
        minor_findings=minor_findings,
        minor_files=minor_files,
        files_with_findings=queries.files_with_findings(),
        files_with_sensitive=queries.files_with_findings("sensitive"),
        top_folders=tuple(queries.top_folders(TOP_FOLDERS)),
        trend=tuple(trend),
    )


def _progress(store: Store, queries: ComplianceQueries, since: str | None, today: date) -> Progress:
    retained = [_masked_note(a) for a in queries.retentions()]
    expired = [a for a in retained if a.until and a.until < today.isoformat()]
    disclosures = DisclosureStore(store)
    return Progress(
        actions=tuple(queries.actions_by_kind(since)),
        files_remaining_sensitive=queries.files_with_findings("sensitive"),
        retained=tuple(retained),
        expired=tuple(expired),
        unsuccessful=tuple(_masked_note(a) for a in queries.unsuccessful_actions(since)),
        disclosures=tuple(
            DisclosureLine(
                d.id,
                d.kind,
                d.state,
                mask_for_display(d.recipient),
                mask_for_display(d.legal_basis),
                d.proposed_at,
                d.approved_by,
                d.file_count,
                d.total_bytes,
                d.manifest_sha256,
                d.verified_by,
            )  # fmt: skip
            for d in disclosures.disclosures()
            if not since or d.proposed_at >= since
        ),
    )


def _masked_note(action: ActionLine) -> ActionLine:
    """A reviewer's justification or a failure message can repeat a name or a number: shown masked."""
    return replace(action, note=mask_for_display(action.note) if action.note else action.note)


def _policy(queries: PolicyQueries) -> tuple[Violations, Exposure]:
    counts = queries.zone_counts()
    violations = (
        Violations(False)
        if counts is None
        else Violations(True, tuple(ZoneCount(*c) for c in counts), tuple(queries.open_violations(LISTED)))
    )
    levels = queries.exposure_levels()
    exposure = Exposure(False) if levels is None else Exposure(True, levels, tuple(queries.readable_by_all(LISTED)))
    return violations, exposure


def _audit(db: Path, store: Store) -> AuditStatus:
    log = audit_log_for(db, store)
    chain = log.chain
    if not log.path.exists() and chain.head() is None:
        return AuditStatus(True, 0, None, None, None, None)
    result = log.verify()
    return AuditStatus(result.ok, result.records, result.reason, result.warning, log.head(), chain.head())


def _risks(coverage: Coverage, progress: Progress, violations: Violations, exposure: Exposure,
           audit: AuditStatus) -> tuple[Risk, ...]:  # fmt: skip
    """What needs someone's attention, most serious first; a risk with nothing to count is left out."""
    unread = {status: [line for line in coverage.not_inspected_list if line[1] == status] for status in UNREAD_RISKS}
    risks = [
        Risk("risk_audit", 0 if audit.ok else 1, (audit.problem or "",) if not audit.ok else ()),
        Risk(
            "risk_violations",
            violations.open,
            tuple(f"{v[0]} · {v[1]} · {v[2]} · {v[3]}" for v in violations.open_items),
        ),  # fmt: skip
        Risk("risk_readable_by_all", exposure.all_users, exposure.readable_by_all),
        Risk(
            "risk_encrypted",
            coverage.not_inspected.get(FileStatus.ENCRYPTED, 0),
            tuple(p for p, _, _ in unread[FileStatus.ENCRYPTED]),
        ),  # fmt: skip
        Risk(
            "risk_needs_ocr",
            coverage.not_inspected.get(FileStatus.NEEDS_OCR, 0),
            tuple(p for p, _, _ in unread[FileStatus.NEEDS_OCR]),
        ),  # fmt: skip
        Risk("risk_other_unread", sum(n for s, n in coverage.not_inspected.items() if s not in UNREAD_RISKS)),
        Risk(
            "risk_failed_actions",
            len(progress.unsuccessful),
            tuple(f"#{a.id} {a.kind} {a.state}: {a.path}" for a in progress.unsuccessful),
        ),  # fmt: skip
        Risk(
            "risk_expired_retention",
            len(progress.expired),
            tuple(f"#{a.id} {a.until}: {a.path}" for a in progress.expired),
        ),  # fmt: skip
    ]
    return tuple(r for r in risks if r.count)
