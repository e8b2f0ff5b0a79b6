"""The vocabulary of states and statuses: what the database, the audit log and the JSONL export record.

Every state, status and action kind has one member here; code compares and stores the members, never bare
strings. The values are stored on disk and exported, so they are stable: add members, never rename one.
The groups below name the sets the code decides by (open actions, retired files, ...), each defined once.
"""

from __future__ import annotations

from enum import StrEnum


class _Vocabulary(StrEnum):
    """A member prints and reprs as its stored value: messages, argparse choices and exports read as before."""

    __repr__ = str.__repr__


class FindingState(_Vocabulary):
    """`findings.state`, in the order people look for them (the CLI's and the review UI's filter)."""

    ACTIVE = "active"  # found in the file as it is now, not yet decided
    DISMISSED = "dismissed"  # a false positive
    RETAINED = "retained"  # kept on purpose, with a reason and a date
    MASKED = "masked"  # masked in place by an action
    QUARANTINED = "quarantined"  # its file went into the vault
    DELETED = "deleted"  # its file was deleted (the original kept in the vault until purged)
    SUPERSEDED = "superseded"  # a later scan of the file replaced it
    GONE = "gone"  # its file left the share


class ActionKind(_Vocabulary):
    """`actions.kind`: what a reviewer can propose."""

    MASK = "mask"
    QUARANTINE = "quarantine"
    DELETE = "delete"
    RETAIN = "retain"
    FALSE_POSITIVE = "false_positive"
    PURGE = "purge"
    RESTORE = "restore"
    HANDOVER = "handover"  # files handed to a recipient in an encrypted package (a disclosure, not an action)
    NOTIFY_LIST = "notify_list"  # the PIPL Art. 22 notification list, exported encrypted (a disclosure)
    TIGHTEN_ACCESS = "tighten_access"  # narrow a file's mode bits and POSIX ACL; the previous ones are kept
    RESTORE_ACCESS = "restore_access"  # put back the mode and ACL a tighten_access replaced (its undo)


class ExposureLevel(_Vocabulary):
    """`file_exposure.level`: who besides the owner can read a file, narrowest first (`EXPOSURE_LEVELS`; a zone's
    `max_exposure` names one)."""

    OWNER = "owner"  # only the owner (and root)
    GROUP = "group"  # the owning group, named users or named groups of ordinary size
    BROAD_GROUP = "broad_group"  # a group everyone is in (users, staff, domain users) or one with many members
    ALL = "all"  # every user of the machine: other-readable


class ActionState(_Vocabulary):
    """`actions.state`: proposed → approved → executing → executed | failed | stale; or cancelled."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    EXECUTING = "executing"
    EXECUTED = "executed"
    FAILED = "failed"
    STALE = "stale"  # the file changed since it was proposed: rescanned, propose again
    CANCELLED = "cancelled"


class DisclosureState(_Vocabulary):
    """`disclosures.state`: proposed → approved → building → built → verified; or failed, cancelled."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    BUILDING = "building"  # the package is being written (a crash here leaves no package; build again)
    BUILT = "built"  # the signed package is in place; its manifest hash is recorded
    VERIFIED = "verified"  # the recipient's verification receipt matched the recorded manifest hash
    FAILED = "failed"  # the build was refused or broke; nothing was left; it may be built again
    CANCELLED = "cancelled"


class DisclosureEvent(_Vocabulary):
    """The audit log's events about disclosures and the files marked for transfer."""

    PROPOSED = "disclosure_proposed"
    APPROVED = "disclosure_approved"
    CANCELLED = "disclosure_cancelled"
    BUILT = "disclosure_built"
    FAILED = "disclosure_failed"
    VERIFIED = "disclosure_verified"
    LOCAL_DELETION_PROPOSED = "disclosure_local_deletion_proposed"
    MARKED = "transfer_marked"
    UNMARKED = "transfer_unmarked"


class FileStatus(_Vocabulary):
    """`files.status`: what became of a file (or archive member) the last time it was looked at."""

    SCANNED = "scanned"
    OCR_DONE = "ocr_done"  # read completely, its text wholly or partly by OCR (pictures, scanned pages)
    CHANGED_DURING_SCAN = "changed_during_scan"
    # taken off the share: by the share's users (gone) or by an action
    GONE = "gone"
    QUARANTINED = "quarantined"
    DELETED = "deleted"
    # extraction problems: the file yields no text
    BINARY = "binary"
    UNDECODABLE = "undecodable"
    PERMISSION_DENIED = "permission_denied"
    VANISHED = "vanished"
    TOO_LARGE = "too_large"
    UNSUPPORTED = "unsupported"
    IO_ERROR = "io_error"
    ENCRYPTED = "encrypted"  # password-protected: may hold personal data nobody could inspect
    NEEDS_OCR = "needs_ocr"  # pages without a text layer (scans): not clean, just unread
    CORRUPT = "corrupt"  # damaged or truncated container
    SUSPICIOUS = "suspicious"  # an archive whose compression ratio or nesting looks like a bomb
    # walk problems: found while listing the share
    SYMLINK_SKIPPED = "symlink_skipped"
    SYMLINK_LOOP = "symlink_loop"
    NOT_REGULAR = "not_regular"


class DocumentKind(_Vocabulary):
    """What a picture is a picture of, when it is an identity document or a card (OCR, scanner/ocr/)."""

    RESIDENT_ID_FRONT = "resident_id_front"  # 居民身份证, the side with 姓名 … 公民身份号码
    RESIDENT_ID_BACK = "resident_id_back"  # the side with 签发机关 and 有效期限
    BANK_CARD = "bank_card"


class ScanRunStatus(_Vocabulary):
    """`scans.status`: how a scan run ended (running while it has not)."""

    RUNNING = "running"
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"
    FAILED = "failed"


class DaemonState(_Vocabulary):
    """`daemon_status.state`: the daemon's lifecycle."""

    STARTING = "starting"
    RUNNING = "running"
    DRAINING = "draining"
    STOPPED = "stopped"
    CRASHED = "crashed"


class JobState(_Vocabulary):
    """`work_queue.state`: a path waiting for, held by, or given up by a daemon worker (SQL in `WorkQueue`)."""

    QUEUED = "queued"
    RUNNING = "running"
    FAILED = "failed"


class JobReason(_Vocabulary):
    """`work_queue.reason` values the workers decide by (the others, "created", "modified", "reconcile" …, only
    say why a path was queued)."""

    DELETED = "deleted"  # checked in batches, marked gone when still missing
    OCR = "ocr_queue"  # the OCR queue: a file whose pictures or scanned pages wait to be read (OcrMode.BACKGROUND)


class OcrMode(_Vocabulary):
    """`[daemon] ocr`: where the daemon reads pictures and scanned pages."""

    BACKGROUND = "background"  # its own low-priority queue and worker, after the text files
    INLINE = "inline"  # by the scan workers, as `custos scan` does
    OFF = "off"  # not at all: such files stay needs_ocr


class ScanWorkerState(_Vocabulary):
    """`host_workers.state` of a scan worker: what it last said it was doing (`HostWorkers`). The daemon's own row
    ("daemon") holds its `DaemonState`, whose words these share."""

    STARTING = "starting"
    RUNNING = "running"  # the daemon's main loop, or a worker waiting for a job
    SCANNING = "scanning"  # a worker holding a job
    STOPPED = "stopped"  # a clean stop; a dead worker keeps its last state and stops beating


class ZoneSeverity(_Vocabulary):
    """`zone_violations.severity`: how bad a zone's violation is, as its [[zones]] entry says (lowest first)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ZoneRuleKind(_Vocabulary):
    """What a zone forbids: the [[zones]] key, and the first part of `zone_violations.rule` ("max_people:50")."""

    FORBID_SENSITIVITY = "forbid_sensitivity"
    FORBID_ENTITIES = "forbid_entities"
    MAX_PEOPLE = "max_people"
    MAX_EXPOSURE = "max_exposure"


class ViolationState(_Vocabulary):
    """`zone_violations.state`: open while the file still breaks the zone's rule; resolved once it does not."""

    OPEN = "open"
    RESOLVED = "resolved"


# Findings
FINDING_STATES = tuple(FindingState)


class SubjectCategory(_Vocabulary):
    """What kinds of a person's information are held (subjects.categories); `minor` is a flag, not a kind."""

    IDENTITY = "identity"
    CONTACT = "contact"
    FINANCIAL = "financial"
    BIOMETRIC = "biometric"
    HEALTH = "health"
    MINOR = "minor"


class LinkOutcome(_Vocabulary):
    """What a shared strong identifier did when subjects were linked (subject_links.outcome)."""

    LINKED = "linked"  # two records joined into one person
    TOO_COMMON = "too_common"  # held by records of too many different names (a switchboard, a test ID)
    CONFLICT = "conflict"  # the records it would join hold different identity documents or names


class AlertChannel(_Vocabulary):
    """Where a zone-violation alert goes (`alert_outbox.channel`; the [alerts] tables of custos.toml)."""

    SYSLOG = "syslog"  # one line to syslog/journald (/dev/log), else stderr
    EMAIL = "email"  # SMTP, STARTTLS and login
    WEBHOOK = "webhook"  # an HMAC-signed JSON POST


class Engine(_Vocabulary):
    """The database engine a store runs on (`scanner.store.engine.DatabaseTarget.kind`)."""

    SQLITE = "sqlite"  # one file beside the state folder, embedded: the default
    POSTGRESQL = "postgresql"  # one server for many hosts


class SummaryMetric(_Vocabulary):
    """`review_counts.metric`: what the review's kept totals count (scanner/store/summaries.py)."""

    STATE = "state"  # findings by state (key), every finding
    TYPE = "type"  # active findings by type (key) and sensitivity (detail)
    TYPE_FILES = "type_files"  # files with active findings of a type (key)
    FOLDER = "folder"  # active findings by top folder (key)
    FILES_WITH_FINDINGS = "files_with_findings"  # files with active findings


class OutboxState(_Vocabulary):
    """`alert_outbox.state`: an alert for one channel waiting, delivered, or given up after retry_max_s."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


CURRENT_FINDING_STATES = (FindingState.ACTIVE, FindingState.DISMISSED, FindingState.RETAINED)
"""Findings whose offsets index the file as it is now (no action has rewritten or removed it)."""

# Actions
ACTION_KINDS = tuple(ActionKind)
FILE_KINDS = (ActionKind.MASK, ActionKind.QUARANTINE, ActionKind.DELETE)
"""Kinds that change a file on the share, keeping the original in the vault: a restore undoes them."""
WHOLE_FILE_KINDS = (ActionKind.QUARANTINE, ActionKind.DELETE)
"""Kinds that take the whole file off the share (not single values)."""
VAULT_KINDS = (ActionKind.PURGE, ActionKind.RESTORE)
"""Kinds that act on a vault item, not on a file on the share."""
DISCLOSURE_KINDS = (ActionKind.HANDOVER, ActionKind.NOTIFY_LIST)
"""Kinds that disclose personal data to a recipient: proposed and approved as disclosures (`custos handover`),
never as actions on a file."""
ACCESS_KINDS = (ActionKind.TIGHTEN_ACCESS, ActionKind.RESTORE_ACCESS)
"""Kinds that change who can read a file (its mode bits and ACL), not its content: the previous ones are kept."""
PROPOSABLE_KINDS = tuple(k for k in ActionKind if k not in DISCLOSURE_KINDS)
"""What `custos propose` and the action service accept."""
CLOSED_BY = {
    ActionKind.MASK: FindingState.MASKED,
    ActionKind.QUARANTINE: FindingState.QUARANTINED,
    ActionKind.DELETE: FindingState.DELETED,
}
"""The state an executed file action leaves its findings in."""

ACTION_STATES = tuple(ActionState)
OPEN_ACTION_STATES = (ActionState.PROPOSED, ActionState.APPROVED, ActionState.EXECUTING)
"""Actions still under way: a finding or vault item they cover cannot get another."""
UNSUCCESSFUL_ACTION_STATES = (ActionState.FAILED, ActionState.STALE)
"""Actions that ran and did not do their work: a reviewer may retry them."""

# Disclosures
DISCLOSURE_STATES = tuple(DisclosureState)
BUILDABLE_DISCLOSURE_STATES = (DisclosureState.APPROVED, DisclosureState.FAILED, DisclosureState.BUILDING)
"""A disclosure whose package may be built now (under the apply lock: a `building` one was cut off by a crash)."""
OPEN_DISCLOSURE_STATES = (DisclosureState.PROPOSED, DisclosureState.APPROVED, DisclosureState.FAILED)
"""Disclosures that may still be cancelled."""

# Files
EXTRACTION_PROBLEMS = frozenset({
    FileStatus.BINARY, FileStatus.UNDECODABLE, FileStatus.PERMISSION_DENIED, FileStatus.VANISHED,
    FileStatus.TOO_LARGE, FileStatus.UNSUPPORTED, FileStatus.IO_ERROR, FileStatus.ENCRYPTED, FileStatus.NEEDS_OCR,
    FileStatus.CORRUPT, FileStatus.SUSPICIOUS,
})  # fmt: skip
"""Statuses an extractor reports for a file it could not read (`ExtractionError`)."""
WALK_PROBLEMS = frozenset({
    FileStatus.PERMISSION_DENIED, FileStatus.SYMLINK_SKIPPED, FileStatus.SYMLINK_LOOP, FileStatus.VANISHED,
    FileStatus.IO_ERROR, FileStatus.NOT_REGULAR,
})  # fmt: skip
"""Statuses the walk of a share reports for what it skipped (`WalkProblem`)."""
READ_FILE_STATUSES = frozenset({FileStatus.SCANNED, FileStatus.OCR_DONE})
"""Files read completely (OCR included): their findings stand for their content, actions and exports may use them."""
RETIRED_FILE_STATUSES = frozenset({FileStatus.GONE, FileStatus.QUARANTINED, FileStatus.DELETED})
"""Files no longer on the share: nothing left to inspect, nothing to reconcile."""

# Zones
ZONE_SEVERITIES = tuple(ZoneSeverity)
"""Lowest first: an alert's `min_severity` keeps a severity and the ones after it."""
EXPOSURE_LEVELS = tuple(ExposureLevel)
"""Narrowest first: a file exposed beyond a zone's `max_exposure` violates it."""

# The daemon
DAEMON_STATES = tuple(DaemonState)
LIVE_DAEMON_STATES = (DaemonState.STARTING, DaemonState.RUNNING, DaemonState.DRAINING)


def sql_list(values: tuple[str, ...] | frozenset[str]) -> str:
    """`('a', 'b')` for an SQL `IN` over members of these enums (their values are plain identifiers)."""
    return "(" + ", ".join(f"'{v}'" for v in sorted(values, key=str)) + ")"
