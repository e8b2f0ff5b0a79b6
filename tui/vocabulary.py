"""The stored words the review UI shows (finding and action states, action kinds, file statuses, exposure,
severities, violation states, subject categories) in the interface language. The database, the audit log and
exports keep the stored values, and so does the English interface; Chinese shows each by its name.

The message ids name the vocabulary beside the word ("active (FindingState)") so a translator knows what it
is, and so the stored values themselves appear only in scanner.states.
"""

from __future__ import annotations

from scanner.i18n import ENGLISH, N_, _, language
from scanner.states import (
    ActionKind,
    ActionState,
    DaemonState,
    ExposureLevel,
    FileStatus,
    FindingState,
    SubjectCategory,
    ViolationState,
    ZoneSeverity,
)

# One entry per stored value; a value two vocabularies share (FindingState.QUARANTINED and FileStatus.QUARANTINED
# are one string) has one name.
_NAMES: dict[str, str] = {
    FindingState.ACTIVE: N_("active (FindingState)"),
    FindingState.DISMISSED: N_("dismissed (FindingState)"),
    FindingState.RETAINED: N_("retained (FindingState)"),
    FindingState.MASKED: N_("masked (FindingState)"),
    FindingState.QUARANTINED: N_("quarantined (FindingState, FileStatus)"),
    FindingState.DELETED: N_("deleted (FindingState, FileStatus)"),
    FindingState.SUPERSEDED: N_("superseded (FindingState)"),
    FindingState.GONE: N_("gone (FindingState, FileStatus)"),
    ActionKind.MASK: N_("mask (ActionKind)"),
    ActionKind.QUARANTINE: N_("quarantine (ActionKind)"),
    ActionKind.DELETE: N_("delete (ActionKind)"),
    ActionKind.RETAIN: N_("retain (ActionKind)"),
    ActionKind.FALSE_POSITIVE: N_("false positive (ActionKind)"),
    ActionKind.PURGE: N_("purge (ActionKind)"),
    ActionKind.RESTORE: N_("restore (ActionKind)"),
    ActionKind.HANDOVER: N_("handover (ActionKind)"),
    ActionKind.NOTIFY_LIST: N_("notification list (ActionKind)"),
    ActionKind.TIGHTEN_ACCESS: N_("tighten access (ActionKind)"),
    ActionKind.RESTORE_ACCESS: N_("restore access (ActionKind)"),
    ActionState.PROPOSED: N_("proposed (ActionState)"),
    ActionState.APPROVED: N_("approved (ActionState)"),
    ActionState.EXECUTING: N_("executing (ActionState)"),
    ActionState.EXECUTED: N_("executed (ActionState)"),
    ActionState.FAILED: N_("failed (ActionState)"),
    ActionState.STALE: N_("stale (ActionState)"),
    ActionState.CANCELLED: N_("cancelled (ActionState)"),
    ViolationState.OPEN: N_("open (ViolationState)"),
    ViolationState.RESOLVED: N_("resolved (ViolationState)"),
    FileStatus.SCANNED: N_("scanned (FileStatus)"),
    FileStatus.CHANGED_DURING_SCAN: N_("changed during scan (FileStatus)"),
    FileStatus.BINARY: N_("binary (FileStatus)"),
    FileStatus.UNDECODABLE: N_("undecodable (FileStatus)"),
    FileStatus.PERMISSION_DENIED: N_("permission denied (FileStatus)"),
    FileStatus.VANISHED: N_("vanished (FileStatus)"),
    FileStatus.TOO_LARGE: N_("too large (FileStatus)"),
    FileStatus.UNSUPPORTED: N_("unsupported (FileStatus)"),
    FileStatus.IO_ERROR: N_("I/O error (FileStatus)"),
    FileStatus.ENCRYPTED: N_("encrypted (FileStatus)"),
    FileStatus.NEEDS_OCR: N_("needs OCR (FileStatus)"),
    FileStatus.CORRUPT: N_("corrupt (FileStatus)"),
    FileStatus.SUSPICIOUS: N_("suspicious (FileStatus)"),
    FileStatus.SYMLINK_SKIPPED: N_("symlink skipped (FileStatus)"),
    FileStatus.SYMLINK_LOOP: N_("symlink loop (FileStatus)"),
    FileStatus.NOT_REGULAR: N_("not a regular file (FileStatus)"),
    ExposureLevel.OWNER: N_("owner (ExposureLevel)"),
    ExposureLevel.GROUP: N_("group (ExposureLevel)"),
    ExposureLevel.BROAD_GROUP: N_("broad group (ExposureLevel)"),
    ExposureLevel.ALL: N_("all (ExposureLevel; also: every state)"),
    ZoneSeverity.LOW: N_("low (ZoneSeverity)"),
    ZoneSeverity.MEDIUM: N_("medium (ZoneSeverity)"),
    ZoneSeverity.HIGH: N_("high (ZoneSeverity)"),
    ZoneSeverity.CRITICAL: N_("critical (ZoneSeverity)"),
    DaemonState.STARTING: N_("starting (DaemonState)"),
    DaemonState.RUNNING: N_("running (DaemonState)"),
    DaemonState.DRAINING: N_("draining (DaemonState)"),
    DaemonState.STOPPED: N_("stopped (DaemonState)"),
    DaemonState.CRASHED: N_("crashed (DaemonState)"),
    SubjectCategory.IDENTITY: N_("identity (SubjectCategory)"),
    SubjectCategory.CONTACT: N_("contact (SubjectCategory)"),
    SubjectCategory.FINANCIAL: N_("financial (SubjectCategory)"),
    SubjectCategory.BIOMETRIC: N_("biometric (SubjectCategory)"),
    SubjectCategory.HEALTH: N_("health (SubjectCategory)"),
    SubjectCategory.MINOR: N_("minor (SubjectCategory)"),
}


def term(value: str | None) -> str:
    """A stored value as people read it in the interface language; a value not listed shows as it is. English
    shows the stored value itself, as the review UI always has."""
    if not value or language() == ENGLISH:
        return value or ""
    return _(_NAMES[value]) if value in _NAMES else value


def listed(parts: list[str]) -> str:
    """Items of a list in one line: "a, b" in English, "a、b" in Chinese."""
    return (", " if language() == ENGLISH else "、").join(parts)
