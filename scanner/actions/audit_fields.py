"""What the audit log records about an action or a disclosure: the fields every such event carries, in one place.

Beside the audit log rather than in the service, so the executor, the vault actions and the service all use it
without importing one another.
"""

from __future__ import annotations

from scanner.store.actions import ActionRow
from scanner.store.disclosures import DisclosureRow


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


def disclosure_fields(disclosure: DisclosureRow) -> dict:
    """What the audit record says about a disclosure: to whom, on what legal basis, why, what was chosen (folder,
    subject ids or the marked files), who proposed, approved, built and verified it, and the package's manifest
    hash. No personal data: the recipient is a company, the selection ids and paths as the store holds them."""
    return {
        "disclosure_id": disclosure.id,
        "disclosure": disclosure.kind,
        "recipient": disclosure.recipient,
        "recipient_key_sha256": disclosure.recipient_key_sha256,
        "legal_basis": disclosure.legal_basis,
        "reason": disclosure.reason,
        "selection": disclosure.selection,
        "proposed_by": disclosure.proposed_by,
        "approved_by": disclosure.approved_by,
        "two_person": disclosure.needs_second_person,
        "built_by": disclosure.executed_by,
        "built_at": disclosure.executed_at,
        "package": disclosure.out_path,
        "manifest_sha256": disclosure.manifest_sha256,
        "file_count": disclosure.file_count,
        "total_bytes": disclosure.total_bytes,
        "verified_by": disclosure.verified_by,
        "verified_at": disclosure.verified_at,
        "note": disclosure.error,  # why it was cancelled or its build failed
    }
