"""The stored words the review UI shows (finding and action states, action kinds, file statuses, exposure,
severities, subject categories) in the interface language. The database, the audit log and exports keep the
stored values; only what is shown changes.
"""

from __future__ import annotations

from scanner.i18n import ENGLISH, N_, _, language

# One entry per stored value; a value several vocabularies share ("proposed", "failed") reads the same in each.
_NAMES = {
    # FindingState
    "active": N_("active"),
    "dismissed": N_("dismissed"),
    "retained": N_("retained"),
    "masked": N_("masked"),
    "quarantined": N_("quarantined"),
    "deleted": N_("deleted"),
    "superseded": N_("superseded"),
    "gone": N_("gone"),
    # ActionKind
    "mask": N_("mask"),
    "quarantine": N_("quarantine"),
    "delete": N_("delete"),
    "retain": N_("retain"),
    "false_positive": N_("false positive"),
    "purge": N_("purge"),
    "restore": N_("restore"),
    "handover": N_("handover"),
    "notify_list": N_("notification list"),
    "tighten_access": N_("tighten access"),
    "restore_access": N_("restore access"),
    # ActionState, ViolationState
    "proposed": N_("proposed"),
    "approved": N_("approved"),
    "executing": N_("executing"),
    "executed": N_("executed"),
    "failed": N_("failed"),
    "stale": N_("stale"),
    "cancelled": N_("cancelled"),
    "refused": N_("refused"),
    "open": N_("open"),
    "resolved": N_("resolved"),
    # FileStatus
    "scanned": N_("scanned"),
    "changed_during_scan": N_("changed during scan"),
    "binary": N_("binary"),
    "undecodable": N_("undecodable"),
    "permission_denied": N_("permission denied"),
    "vanished": N_("vanished"),
    "too_large": N_("too large"),
    "unsupported": N_("unsupported"),
    "io_error": N_("I/O error"),
    "encrypted": N_("encrypted"),
    "needs_ocr": N_("needs OCR"),
    "corrupt": N_("corrupt"),
    "suspicious": N_("suspicious"),
    "symlink_skipped": N_("symlink skipped"),
    "symlink_loop": N_("symlink loop"),
    "not_regular": N_("not a regular file"),
    # ExposureLevel
    "owner": N_("owner"),
    "group": N_("group"),
    "broad_group": N_("broad group"),
    "all": N_("all"),
    # ZoneSeverity
    "low": N_("low"),
    "medium": N_("medium"),
    "high": N_("high"),
    "critical": N_("critical"),
    # SubjectCategory
    "identity": N_("identity"),
    "contact": N_("contact"),
    "financial": N_("financial"),
    "biometric": N_("biometric"),
    "health": N_("health"),
    "minor": N_("minor"),
}


def term(value: str | None) -> str:
    """A stored value as people read it in the interface language; a value not listed shows as it is. English
    shows the stored value itself, as the review UI always has."""
    if not value or language() == ENGLISH:
        return value or ""
    return _(_NAMES[value]) if value in _NAMES else value


def terms(values: str, separator: str = ",") -> str:
    """A stored list ("identity,contact") as shown: each value named, joined by the language's list comma."""
    if language() == ENGLISH:
        return values.replace(separator, ", ")
    return listed([term(v.strip()) for v in values.split(separator) if v.strip()])


def listed(parts: list[str]) -> str:
    """Items of a list in one line: "a, b" in English, "a、b" in Chinese."""
    return (", " if language() == ENGLISH else "、").join(parts)
