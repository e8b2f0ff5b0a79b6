"""The vocabulary of states lives in scanner/states.py only, and its stored values never change.

The database and the JSONL export hold these strings, so the values are pinned here; and a bare literal such as
"quarantined" in a screen is a state the enums cannot vouch for, so code under scanner/ and tui/ may not have one
(outside the few uses below, where the same word means something else).
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from scanner import states
from scanner.states import (
    ActionKind,
    ActionState,
    AlertChannel,
    DaemonState,
    DisclosureEvent,
    DisclosureState,
    DocumentKind,
    ExposureLevel,
    FileStatus,
    FindingState,
    JobReason,
    JobState,
    OcrMode,
    OutboxState,
    ScanRunStatus,
    ViolationState,
    ZoneRuleKind,
    ZoneSeverity,
)

REPO = Path(__file__).resolve().parent.parent
VOCABULARIES = (FindingState, ActionKind, ActionState, FileStatus, ScanRunStatus, DaemonState, JobState,
                DisclosureState, DisclosureEvent, ViolationState, ZoneSeverity, ZoneRuleKind, AlertChannel,
                OutboxState, DocumentKind, JobReason, OcrMode)  # fmt: skip
VALUES = {member.value for vocabulary in VOCABULARIES for member in vocabulary}

# (file, word): how many times it may appear as a whole string constant, and why it is not a state there.
ALLOWED = {
    ("scanner/cli_actions.py", "restore"): (1, "the name of the `custos restore` subcommand"),
    ("scanner/cli_actions.py", "purge"): (2, "the `custos vault purge` subcommand, and the word typed to confirm"),
    ("tui/screens/dashboard.py", "executed"): (2, "a step of the destruction progress ('decided', 'executed')"),
    ("tui/screens/approvals.py", "proposed"): (1, "a column id of the approvals table (proposed by)"),
    ("tui/screens/approvals.py", "approved"): (1, "a column id of the approvals table (approved by)"),
    ("scanner/detect/rulepack.py", "mask"): (1, "the `mask` key of a rule in a rule pack"),
    ("scanner/detect/pack_schema.py", "mask"): (1, "the `mask` key of a rule in the rule-pack schema"),
    ("scanner/daemon/changes.py", "deleted"): (3, "a change kind seen by the watcher, the reason a path is queued"),
    ("scanner/daemon/watcher.py", "deleted"): (1, "a change kind seen by the watcher"),
    ("scanner/daemon/reconcile.py", "deleted"): (1, "the reason a path is queued (change kind)"),
    ("scanner/daemon/worker.py", "scanned"): (1, "a daemon log event name"),
    ("scanner/daemon/worker.py", "gone"): (2, "a daemon log event name"),
    ("scanner/daemon/daemon.py", "starting"): (1, "a daemon log event name"),
    ("scanner/daemon/daemon.py", "stopped"): (1, "a daemon log event name"),
    ("scanner/daemon/reconcile.py", "interrupted"): (1, "a field of the reconcile log event"),
    ("scanner/cli_disclosures.py", "verified"): (1, "the name of the `custos handover verified` subcommand"),
    ("scanner/cli_handover.py", "handover"): (1, "the name of the `custos handover` command group"),
    ("tui/screens/audit.py", "verified"): (1, "the CSS class of the audit banner when the log verifies"),
    ("tui/screens/dashboard.py", "handover"): (1, "the id of the dashboard's handover panel"),
    ("scanner/cli_handover.py", "open"): (1, "the name of the `custos handover open` subcommand"),
    ("tui/screens/approvals.py", "open"): (3, "the approvals filter of actions still open (proposed + approved)"),
    ("scanner/mask.py", "email"): (1, 'the name of a rule\'s mask style (`mask = "email"`)'),
}


def _sources() -> list[Path]:
    return sorted(p for top in ("scanner", "tui") for p in (REPO / top).rglob("*.py") if p.name != "states.py")


_TRANSLATED = ("_", "N_", "ngettext")  # a word for people (a msgid), not a stored value


def _string_constants(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    words = {id(arg) for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
             and n.func.id in _TRANSLATED for arg in n.args}  # fmt: skip
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in words]  # fmt: skip


def test_stored_values_are_unchanged() -> None:
    """The strings in the database, the audit log and the export: renaming one orphans every stored row."""
    assert [s.value for s in FindingState] == [
        "active", "dismissed", "retained", "masked", "quarantined", "deleted", "superseded", "gone",
    ]  # fmt: skip
    assert [k.value for k in ActionKind] == [
        "mask", "quarantine", "delete", "retain", "false_positive", "purge", "restore", "handover", "notify_list",
        "tighten_access", "restore_access",
    ]  # fmt: skip
    assert [e.value for e in ExposureLevel] == ["owner", "group", "broad_group", "all"]
    assert [s.value for s in ActionState] == [
        "proposed", "approved", "executing", "executed", "failed", "stale", "cancelled",
    ]  # fmt: skip
    assert {s.value for s in FileStatus} == {
        "scanned", "ocr_done", "changed_during_scan", "gone", "quarantined", "deleted", "binary", "undecodable",
        "permission_denied", "vanished", "too_large", "unsupported", "io_error", "encrypted", "needs_ocr", "corrupt",
        "suspicious", "symlink_skipped", "symlink_loop", "not_regular",
    }  # fmt: skip
    assert [s.value for s in ScanRunStatus] == ["running", "completed", "interrupted", "failed"]
    assert [s.value for s in DaemonState] == ["starting", "running", "draining", "stopped", "crashed"]
    assert [s.value for s in JobState] == ["queued", "running", "failed"]
    assert [s.value for s in DisclosureState] == [
        "proposed", "approved", "building", "built", "verified", "failed", "cancelled",
    ]  # fmt: skip
    assert [e.value for e in DisclosureEvent] == [
        "disclosure_proposed", "disclosure_approved", "disclosure_cancelled", "disclosure_built", "disclosure_failed",
        "disclosure_verified", "disclosure_local_deletion_proposed", "transfer_marked", "transfer_unmarked",
    ]  # fmt: skip
    assert [s.value for s in ViolationState] == ["open", "resolved"]
    assert [s.value for s in ZoneSeverity] == ["low", "medium", "high", "critical"]
    assert [k.value for k in ZoneRuleKind] == ["forbid_sensitivity", "forbid_entities", "max_people", "max_exposure"]
    assert [c.value for c in AlertChannel] == ["syslog", "email", "webhook"]
    assert [s.value for s in OutboxState] == ["pending", "sent", "failed"]
    assert [k.value for k in DocumentKind] == ["resident_id_front", "resident_id_back", "bank_card"]
    assert [r.value for r in JobReason] == ["deleted", "ocr_queue"]
    assert [m.value for m in OcrMode] == ["background", "inline", "off"]


@pytest.mark.parametrize("member", [FindingState.QUARANTINED, ActionKind.FALSE_POSITIVE, FileStatus.NEEDS_OCR])
def test_a_member_reads_as_its_value_everywhere(member: states.FindingState) -> None:
    """Messages, argparse's "choose from" list and the JSONL export show the plain value, as before."""
    assert str(member) == f"{member}" == member.value
    assert repr(member) == repr(member.value)
    assert json.dumps({"state": member}) == json.dumps({"state": member.value})
    assert member == member.value and hash(member) == hash(member.value)


def test_groups_hold_members_of_their_vocabulary() -> None:
    assert set(states.OPEN_ACTION_STATES) | set(states.UNSUCCESSFUL_ACTION_STATES) < set(ActionState)
    assert set(states.FILE_KINDS).isdisjoint(states.VAULT_KINDS)
    assert set(states.WHOLE_FILE_KINDS) < set(states.FILE_KINDS) == set(states.CLOSED_BY)
    assert states.RETIRED_FILE_STATUSES.isdisjoint(states.EXTRACTION_PROBLEMS | states.WALK_PROBLEMS)
    assert set(states.CURRENT_FINDING_STATES) < set(FindingState)
    assert states.sql_list(states.VAULT_KINDS) == "('purge', 'restore')"
    assert set(states.DISCLOSURE_KINDS).isdisjoint(states.PROPOSABLE_KINDS)
    assert set(states.DISCLOSURE_KINDS) | set(states.PROPOSABLE_KINDS) == set(ActionKind)
    assert set(states.BUILDABLE_DISCLOSURE_STATES) | set(states.OPEN_DISCLOSURE_STATES) < set(DisclosureState)


def test_no_bare_state_literals_outside_the_states_module() -> None:
    found: Counter[tuple[str, str]] = Counter()
    for path in _sources():
        rel = path.relative_to(REPO).as_posix()
        for value in _string_constants(path):
            if value in VALUES:
                found[(rel, value)] += 1
    unexpected = {key: n for key, n in found.items() if key not in ALLOWED}
    assert not unexpected, f"use the members of scanner.states instead of these literals: {unexpected}"
    changed = {key: (found[key], n) for key, (n, _) in ALLOWED.items() if found[key] != n}
    assert not changed, f"(found, allowed) differ; a new use is a state literal, or update ALLOWED: {changed}"


_SQL_COMPARISON = re.compile(
    r"\b(?:state|status|kind)\s*(?:=|!=|<>|(?:NOT\s+)?IN)\s*\(?\s*('[^']*'(?:\s*,\s*'[^']*')*)", re.IGNORECASE
)


def test_states_written_into_sql_are_known_values() -> None:
    """SQL text may still spell a state out; a typo or a renamed member there would match no row, silently."""
    unknown, checked = [], 0
    for path in [*_sources(), REPO / "scanner" / "states.py"]:
        for text in _string_constants(path):
            for listed in _SQL_COMPARISON.findall(text):
                spelled = re.findall(r"'([^']*)'", listed)
                checked += len(spelled)
                unknown += [(path.name, v) for v in spelled if v not in VALUES]
    assert checked > 20  # the store's SQL is still read: the pattern has not gone stale
    assert not unknown
