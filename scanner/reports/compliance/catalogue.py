"""The compliance report's words: English source strings marked for the gettext catalog (the ``reports`` area,
scanner/locale/zh_CN/LC_MESSAGES/reports.po), shown in the language the report is built in. `Words` looks a key
up, with its named ``{fields}`` filled; `choose_language` picks the report's language."""

from __future__ import annotations

from scanner.i18n import CHINESE, LANGUAGES, N_, _, language
from scanner.i18n.entity_names import entity_name, sensitivity_name
from scanner.i18n.numbers import format_count
from scanner.states import (
    ActionKind,
    ActionState,
    DisclosureState,
    ExposureLevel,
    FileStatus,
    ScanRunStatus,
    ZoneSeverity,
)

_TEXT: dict[str, str] = {
    "title": N_("Personal information compliance report"),
    "generated": N_("Generated"),
    "period": N_("Period"),
    "period_all": N_("everything recorded"),
    "period_since": N_("since {date}"),
    "tool": N_("Tool"),
    "host": N_("Generated on"),
    "basis": N_("Legal basis"),
    "basis_text": N_("PIPL Art. 51, 54 (security measures, compliance audits)"),
    "privacy": N_("This report holds no plain personal data: numbers are counts, previews and paths are masked."),
    "key_figures": N_("Key figures"),
    "kf_people": N_("People"),
    "kf_findings": N_("Findings"),
    "kf_sensitive_files": N_("Files with sensitive data"),
    "kf_not_inspected": N_("Files not inspected"),
    "kf_violations": N_("Open zone violations"),
    "kf_readable_by_all": N_("Sensitive files readable by all"),
    "kf_audit": N_("Audit chain"),
    "scope": N_("Scope"),
    "roots": N_("Roots"),
    "hosts": N_("Hosts"),
    "runs": N_("Scan runs in the period"),
    "runs_line": N_("{runs}; {total} in all"),
    "packs": N_("Rule pack versions"),
    "recent_runs": N_("Latest scan runs"),
    "col_run": N_("Run"),
    "col_root": N_("Root"),
    "col_started": N_("Started"),
    "col_status": N_("Status"),
    "col_seen": N_("Files seen"),
    "col_scanned": N_("Scanned"),
    "col_unchanged": N_("Unchanged"),
    "col_findings": N_("Findings"),
    "none": N_("none"),
    "coverage": N_("Coverage"),
    "files_on_share": N_("Files on the share (archive members included)"),
    "files_inspected": N_("Inspected"),
    "period_seen": N_("In the period: {seen} seen, {scanned} read, {unchanged} unchanged"),
    "not_inspected": N_("Files not inspected, by reason"),
    "not_inspected_list": N_("Files not inspected"),
    "not_inspected_first": N_("Files not inspected (the first {count} listed)"),
    "col_path": N_("Path (masked)"),
    "col_reason": N_("Reason"),
    "col_count": N_("Count"),
    "col_files": N_("Files"),
    "all_inspected": N_("Every file was inspected."),
    "holdings": N_("Personal data held"),
    "people_total": N_("{people} people, of whom {minors} minors"),
    "people_by_category": N_("People by category"),
    "findings_by_type": N_("Findings by type"),
    "findings_by_sensitivity": N_("Findings by sensitivity"),
    "minor_findings": N_("Minors' data: {findings} findings in {files} files"),
    "files_with": N_("Files holding personal data: {all}, of which with sensitive data: {sensitive}"),
    "top_folders": N_("Folders holding the most"),
    "col_folder": N_("Folder (masked)"),
    "col_type": N_("Type"),
    "col_sensitivity": N_("Sensitivity"),
    "col_category": N_("Category"),
    "col_people": N_("People"),
    "trend": N_("Personal data held after each scan run"),
    "trend_all": N_("all"),
    "trend_sensitive": N_("sensitive"),
    "trend_axis": N_("scan run"),
    "trend_note": N_(
        "After each run: every file's findings as last scanned by then, less false positives and what actions had "
        "masked, quarantined or deleted by then."
    ),
    "progress": N_("Progress of the cleanup and handover"),
    "actions_by_kind": N_("Actions by kind and state"),
    "col_kind": N_("Kind"),
    "col_state": N_("State"),
    "remaining": N_("Files still holding sensitive data: {count}"),
    "retained_items": N_("Retained items (justification and expiry)"),
    "col_until": N_("Until"),
    "col_justification": N_("Justification (masked)"),
    "until_expired": N_("{date} (expired)"),
    "disclosures": N_("Handovers and notification lists"),
    "col_recipient": N_("Recipient"),
    "col_basis": N_("Legal basis"),
    "col_proposed": N_("Proposed at"),
    "col_approved_by": N_("Approved by"),
    "col_size": N_("Files / bytes"),
    "col_manifest": N_("Manifest SHA-256"),
    "col_verified_by": N_("Verified by"),
    "no_actions": N_("No actions in the period."),
    "no_retained": N_("Nothing is retained."),
    "no_disclosures": N_("No handovers or notification lists in the period."),
    "actions_chart": N_("Actions by kind"),
    "violations": N_("Zone policy violations"),
    "violations_absent": N_("This database records no zone policies (no [[zones]] configured)."),
    "no_violations": N_("No zone violations."),
    "col_zone": N_("Zone"),
    "col_severity": N_("Severity"),
    "col_open": N_("Open"),
    "col_resolved": N_("Resolved"),
    "col_rule": N_("Rule"),
    "col_first_seen": N_("First seen"),
    "open_violations": N_("Open violations"),
    "exposure": N_("Who can read it"),
    "exposure_absent": N_("This database records no access exposure."),
    "exposure_all": N_("Sensitive files readable by all users: {count}"),
    "col_level": N_("Readable by"),
    "audit": N_("Audit chain"),
    "audit_ok": N_("Verified: {records} records, hash chain and Ed25519 signatures intact"),
    "audit_bad": N_("VERIFICATION FAILED: {problem}"),
    "audit_empty": N_("The audit log is empty (no actions yet)."),
    "audit_head": N_("Chain head (keep it; a later log must still hold this record): record {seq}, SHA-256 {sha256}"),
    "audit_db_head": N_("The database remembers record {seq}, SHA-256 {sha256}"),
    "audit_warning": N_("Note: {warning}"),
    "audit_ok_short": N_("intact"),
    "audit_bad_short": N_("BROKEN"),
    "risks": N_("Open risks"),
    "no_risks": N_("No open risks."),
    "risk_audit": N_("The audit log failed verification"),
    "risk_violations": N_("Open zone violations"),
    "risk_readable_by_all": N_("Sensitive files readable by all users"),
    "risk_encrypted": N_("Encrypted files nobody could inspect"),
    "risk_needs_ocr": N_("Scanned documents needing OCR, not inspected"),
    "risk_other_unread": N_("Other files not inspected"),
    "risk_failed_actions": N_("Failed or stale actions not retried"),
    "risk_expired_retention": N_("Retained items past their date"),
    "charts_in_html": N_("Charts are in the HTML and PDF versions."),
}

# Stored values as people read them (the English is the value itself, underscores as spaces).
_LABELS: dict[str, dict[str, str]] = {
    "category": {"identity": N_("identity"), "contact": N_("contact"), "financial": N_("financial"),
                 "biometric": N_("biometric"), "health": N_("health"), "minor": N_("minor")},
    "status": {FileStatus.ENCRYPTED: N_("encrypted"), FileStatus.NEEDS_OCR: N_("needs OCR"),
               FileStatus.UNSUPPORTED: N_("unsupported"), FileStatus.TOO_LARGE: N_("too large"),
               FileStatus.CORRUPT: N_("corrupt"), FileStatus.BINARY: N_("binary"),
               FileStatus.UNDECODABLE: N_("undecodable"), FileStatus.PERMISSION_DENIED: N_("permission denied"),
               FileStatus.IO_ERROR: N_("I/O error"), FileStatus.SUSPICIOUS: N_("suspicious archive"),
               FileStatus.VANISHED: N_("vanished"), FileStatus.SYMLINK_SKIPPED: N_("symlink skipped"),
               FileStatus.SYMLINK_LOOP: N_("symlink loop"), FileStatus.NOT_REGULAR: N_("not a regular file"),
               FileStatus.CHANGED_DURING_SCAN: N_("changed during scan"), FileStatus.SCANNED: N_("scanned"),
               FileStatus.OCR_DONE: N_("read by OCR"), FileStatus.GONE: N_("gone"),
               FileStatus.QUARANTINED: N_("quarantined"), FileStatus.DELETED: N_("deleted")},
    "kind": {ActionKind.MASK: N_("mask"), ActionKind.QUARANTINE: N_("quarantine"), ActionKind.DELETE: N_("delete"),
             ActionKind.RETAIN: N_("retain"), ActionKind.FALSE_POSITIVE: N_("false positive"),
             ActionKind.PURGE: N_("purge"), ActionKind.RESTORE: N_("restore"), ActionKind.HANDOVER: N_("handover"),
             ActionKind.NOTIFY_LIST: N_("notification list"), ActionKind.TIGHTEN_ACCESS: N_("tighten access"),
             ActionKind.RESTORE_ACCESS: N_("restore access")},
    "state": {ActionState.PROPOSED: N_("proposed"), ActionState.APPROVED: N_("approved"),
              ActionState.EXECUTING: N_("executing"), ActionState.EXECUTED: N_("executed"),
              ActionState.FAILED: N_("failed"), ActionState.STALE: N_("stale"),
              ActionState.CANCELLED: N_("cancelled"), DisclosureState.BUILDING: N_("building"),
              DisclosureState.BUILT: N_("built"), DisclosureState.VERIFIED: N_("verified"),
              ScanRunStatus.COMPLETED: N_("completed"), ScanRunStatus.INTERRUPTED: N_("interrupted"),
              ScanRunStatus.RUNNING: N_("running")},
    "severity": {ZoneSeverity.LOW: N_("low"), ZoneSeverity.MEDIUM: N_("medium"), ZoneSeverity.HIGH: N_("high"),
                 ZoneSeverity.CRITICAL: N_("critical")},
    "level": {ExposureLevel.OWNER: N_("owner"), ExposureLevel.GROUP: N_("group"),
              ExposureLevel.BROAD_GROUP: N_("broad group"), ExposureLevel.ALL: N_("all users")},
}  # fmt: skip


def choose_language(requested: str | None = None) -> str:
    """``requested`` if given, else the interface language (--lang, CUSTOS_LANG, [interface] language, the
    locale: `scanner.i18n.resolve`)."""
    return requested or language()


class Words:
    """The report's words in the active language: ``words("key", field=...)``, ``words.label("kind", "mask")``.
    Build it while the report's language is active (`scanner.reports.compliance.build.build_report`)."""

    def __init__(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unknown report language {language!r}: choose one of {', '.join(LANGUAGES)}")
        self.language = language
        self.chinese = language == CHINESE

    def __call__(self, key: str, **fields: object) -> str:
        return _(_TEXT[key]).format(**fields)

    def label(self, vocabulary: str, value: str) -> str:
        """A stored value for people: entity types and sensitivities by the glossary, the rest by `_LABELS`."""
        if vocabulary == "entity":
            return entity_name(value)
        if vocabulary == "sensitivity":
            return sensitivity_name(value)
        name = _LABELS[vocabulary].get(value)
        return _(name) if name else value.replace("_", " ")


def count(value: int | None) -> str:
    """A count with the locale's separators; "-" when unknown."""
    return "-" if value is None else format_count(value)
