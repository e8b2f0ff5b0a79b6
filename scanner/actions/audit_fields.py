"""What the audit log records about an action: the fields every action event carries, in one place.

Beside the audit log rather than in the service, so the executor, the vault actions and the service all use it
without importing one another.
"""

from __future__ import annotations

from scanner.store.actions import ActionRow


def action_fields(action: ActionRow) -> dict:
    """What the audit record says about an action (no personal data: the path with what was found in it masked,
    the file's id in the database, hashes, people)."""
    return {
        "action_id": action.id,
        "action": action.kind,
        "target": action.shown_path,
        "file_id": action.file_id,
        "finding_ids": list(action.finding_ids),
        "file_sha256_before": action.file_sha256,
        "reason": action.reason,
        "retain_until": action.retain_until,
        "proposed_by": action.proposed_by,
        "approved_by": action.approved_by,
        "two_person": action.needs_second_person,
        "note": action.error,  # why it was cancelled, failed or went stale
        **({"retry_of": action.retry_of} if action.retry_of is not None else {}),
    }
