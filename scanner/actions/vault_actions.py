"""Purge and restore as actions: proposed, approved (two-person rule per policy), then run by ``apply`` like
any other action. A purge waits out the vault's minimum retention; a restore needs the approval the action it
undoes needed, and goes where the approval said (the original path, or under a named folder)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scanner.actions.audit import Actor, AuditLog
from scanner.actions.audit_fields import action_fields
from scanner.actions.beneath import UnsafeTarget
from scanner.actions.execute import Outcome
from scanner.actions.policy import ActionPolicy
from scanner.actions.restore import original_place
from scanner.actions.service import ActionError
from scanner.actions.vault import Vault, VaultError
from scanner.i18n import N_, _
from scanner.name_mask import masked_values, scrub
from scanner.states import ActionKind, ActionState
from scanner.store.actions import ActionRow, ActionStore
from scanner.store.store import FileRecord, joined_path, utc_now

PURGE_METHOD = (
    "crypto-shred: data key overwritten and unlinked, then ciphertext deleted (NIST SP 800-88 cryptographic erase)"
)

_TOO_YOUNG = N_("vault item {id} must be kept until {until} UTC (policy: {days} days in the vault before a purge)")


class VaultActions:
    """Checks purge/restore proposals against the vault and the policy, and executes approved ones."""

    def __init__(
        self, actions: ActionStore, audit: AuditLog, open_vault: Callable[[], Vault], policy: ActionPolicy
    ) -> None:
        self.actions = actions
        self.audit = audit
        self._open_vault = open_vault  # opened only by what needs the vault
        self.policy = policy

    @property
    def vault(self) -> Vault:
        return self._open_vault()

    # --- proposing -------------------------------------------------------------------------------------
    def target(self, kind: str, vault_id: str | None) -> tuple[FileRecord, ActionRow]:
        """The file a vault item came from and the action that put it there; ActionError if it cannot be acted on."""
        if not vault_id:
            raise ActionError(
                _("{kind} acts on a vault item: name it with --vault ID (see 'custos vault list')").format(kind=kind)
            )
        origin = self.actions.action_that_vaulted(vault_id)
        if origin is None:
            raise ActionError(
                _("vault item {id} was not filled by an action recorded in this database").format(id=vault_id)
            )
        if self.vault.item(vault_id).purged:
            raise ActionError(_("vault item {id} is already purged").format(id=vault_id))
        if kind == ActionKind.PURGE:
            self.check_retention(vault_id, say=_)
        open_action = self.actions.open_action_for_vault(vault_id)
        if open_action is not None:
            raise ActionError(
                _("action {action} already covers vault item {id}; approve or cancel it first").format(
                    action=open_action, id=vault_id
                )
            )
        return self.actions.file_by_id(origin.file_id), origin

    def needs_second_person(self, kind: str, vault_id: str | None) -> bool:
        origin = self.actions.action_that_vaulted(vault_id) if vault_id else None
        return self.policy.needs_second_person(kind, undoes=origin.kind if origin else None)

    def check_retention(self, vault_id: str, say: Callable[[str], str] = str) -> None:
        """ActionError while ``vault_id`` is younger than the retention period. ``say``: `_` where the message is
        shown (a proposal); English where it is stored (a failed purge's error)."""
        keep_until = self._keep_until(vault_id)
        if datetime.now(UTC) < keep_until:
            raise ActionError(
                say(_TOO_YOUNG).format(
                    id=vault_id, until=f"{keep_until:%Y-%m-%d %H:%M}", days=self.policy.vault_retention_days
                )
            )

    def expired(self) -> list[str]:
        """Kept vault items older than the retention period, with no purge or restore already open."""
        now = datetime.now(UTC)
        return [
            i.id
            for i in self.vault.items()
            if not i.purged and self._keep_until(i.id) <= now and self.actions.open_action_for_vault(i.id) is None
            and self.actions.action_that_vaulted(i.id) is not None
        ]  # fmt: skip

    def _keep_until(self, vault_id: str) -> datetime:
        stored = datetime.fromisoformat(self.vault.item(vault_id).stored_at.replace("Z", "+00:00"))
        stored = stored if stored.tzinfo else stored.replace(tzinfo=UTC)
        return stored + timedelta(days=self.policy.vault_retention_days)

    # --- executing -------------------------------------------------------------------------------------
    def execute(self, action: ActionRow, actor: Actor, resumed: bool = False) -> Outcome:
        if not resumed:
            self.actions.move(
                action.id,
                (ActionState.APPROVED,),
                ActionState.EXECUTING,
                executed_by=actor.identity,
                executed_at=utc_now(),
            )
            action = self.actions.action(action.id)
        item_path = action.shown_path
        try:
            if action.kind == ActionKind.PURGE:
                target, method, extra = self._purge(action)
            else:
                target, method, extra = self._restore(action)
        except (ActionError, VaultError, OSError) as exc:
            why = self._scrubbed(action, str(exc))
            self.audit.append(
                ActionState.FAILED, actor, {**action_fields(action), "result": ActionState.FAILED, "error": why}
            )
            self.actions.move(action.id, (ActionState.EXECUTING,), ActionState.FAILED, error=why)
            return Outcome(action.id, action.kind, str(item_path), ActionState.FAILED, why)
        fields = {**action_fields(action), "target": target, "vault_id": action.vault_id, "method": method,
                  "result": ActionState.EXECUTED, **extra}  # fmt: skip
        # the record first: a crash now repeats it, never loses it
        self.audit.append(ActionState.EXECUTED, actor, fields)
        self.actions.move(action.id, (ActionState.EXECUTING,), ActionState.EXECUTED, method=method)
        message = f"{method}; {extra['findings']}" if "findings" in extra else method
        return Outcome(action.id, action.kind, target, ActionState.EXECUTED, message)

    def _scrubbed(self, action: ActionRow, why: str) -> str:
        """The error with the personal data found in the file's path (and in the vault item's path) masked."""
        shown = joined_path(action.rel_path, action.member)
        why = scrub(why, masked_values(shown, self.actions.name_spans(action.file_id)))
        item = self.vault.item(action.vault_id)
        return why.replace(item.original_path, item.display_path) if item.original_path else why

    def _purge(self, action: ActionRow) -> tuple[str, str, dict]:
        item = self.vault.item(action.vault_id)
        if not item.purged:
            self.check_retention(item.id)  # the policy may have grown stricter since the approval
        self.vault.purge(item.id)
        return item.display_path, PURGE_METHOD, {"file_sha256_before": item.sha256}

    def _restore(self, action: ActionRow) -> tuple[str, str, dict]:
        overwrite = action.restore_overwrite
        if action.restore_to:
            placed = self.vault.restore_into(action.vault_id, Path(action.restore_to), overwrite=overwrite)
            findings = "findings unchanged: restored under another folder, not to its place on the share"
        else:
            item = self.vault.item(action.vault_id)
            try:
                root, parts = original_place(self.actions, action.vault_id, item.original_path)
            except (UnsafeTarget, ValueError) as exc:
                raise VaultError(f"vault item {item.id}: cannot restore {item.display_path!r}: {exc}") from exc
            placed = self.vault.restore_beneath(action.vault_id, root, parts, overwrite=overwrite)
            findings = self._reinstate(action.vault_id)
        shown = self.vault.item(action.vault_id).shown_destination(placed)
        method = "restored from the vault (verified against its SHA-256)"
        return shown, method, {"overwrite": overwrite, "findings": findings}

    def _reinstate(self, vault_id: str) -> str:
        """The original is back in its place: what the action that vaulted it closed is open again."""
        undone = self.actions.action_that_vaulted(vault_id)
        if undone is None:
            return "findings unchanged: no action of this database put the item in the vault"
        count = self.actions.reinstate(undone)
        return f"{count} findings of action {undone.id} ({undone.kind}) are active again"
