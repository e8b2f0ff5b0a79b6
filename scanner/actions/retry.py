"""Retrying a failed or stale action: never by running it again as it was approved, always as a new proposal
of the same kind on the same target, linked to it, that needs approval by policy like any other — a retry of
something irreversible gets a fresh confirmation.

A stale action's file was rescanned, so its findings were superseded: the retry names the findings of the
rescan that hold the same values (same rule, same keyed fingerprint); quarantine and delete take the whole
file as it is now.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from scanner.actions.service import ActionError, Proposal
from scanner.i18n import _
from scanner.states import (
    ACCESS_KINDS,
    OPEN_ACTION_STATES,
    UNSUCCESSFUL_ACTION_STATES,
    VAULT_KINDS,
    WHOLE_FILE_KINDS,
    ActionState,
)
from scanner.store.actions import ActionRow, ActionStore


def retry_proposal(actions: ActionStore, action: ActionRow) -> Proposal:
    """The proposal that retries ``action``; ActionError if it cannot be retried (and why)."""
    if action.state not in UNSUCCESSFUL_ACTION_STATES:
        raise ActionError(
            _("action {id} is {state}; only failed or stale actions are retried").format(
                id=action.id, state=action.state
            )
        )
    done = [r for r in actions.retries_of(action.id) if r.state in (*OPEN_ACTION_STATES, ActionState.EXECUTED)]
    if done:
        raise ActionError(
            _("action {id} was already retried as action {retry} ({state})").format(
                id=action.id, retry=done[-1].id, state=done[-1].state
            )
        )
    common = {"reason": action.reason, "retry_of": action.id,
              "retain_until": date.fromisoformat(action.retain_until) if action.retain_until else None}  # fmt: skip
    if action.kind in VAULT_KINDS:
        return Proposal(action.kind, vault_id=action.vault_id, restore_overwrite=action.restore_overwrite,
                        restore_to=Path(action.restore_to) if action.restore_to else None, **common)  # fmt: skip
    if action.kind in ACCESS_KINDS:  # the file as it is now: planned again from its exposure at the last scan
        return Proposal(action.kind, path=action.path, **common)
    return Proposal(action.kind, finding_ids=_findings_now(actions, action), **common)


def _findings_now(actions: ActionStore, action: ActionRow) -> tuple[int, ...]:
    """The active findings that stand for ``action``'s findings now."""
    active = actions.active_findings_of(action.file_id)
    if action.kind in WHOLE_FILE_KINDS:
        found = active  # the whole file, as it is now
    else:
        wanted = {(f.rule_id, f.fingerprint) for f in actions.findings(action.finding_ids)}
        found = [f for f in active if (f.rule_id, f.fingerprint) in wanted]
    if not found:
        raise ActionError(
            _("nothing to retry for action {id}: its file holds none of those findings any more (rescan it, then "
              "propose what is needed)").format(id=action.id)
        )  # fmt: skip
    return tuple(f.id for f in found)
