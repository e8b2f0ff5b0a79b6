"""The action API the CLI and the review UI share: propose, approve, cancel, apply.

Nothing changes a file without an approved action, and an action that needs a second person (policy) cannot
be approved by whoever proposed it. Every transition is written to the signed audit log. Executing is in
`scanner.actions.execute` (files) and `scanner.actions.vault_actions` (purge, restore); this module is the
bookkeeping around them. One process applies at a time (a lock beside the database).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.actions.access import AccessPlanRefused
from scanner.actions.audit import Actor, AuditLog
from scanner.actions.audit_fields import action_fields
from scanner.actions.execute import Executor, Outcome
from scanner.actions.policy import ActionPolicy
from scanner.actions.staging import clear_leftovers
from scanner.i18n import _, ngettext
from scanner.locks import LockBusy, exclusive
from scanner.name_mask import mask_path
from scanner.paths import apply_lock_path_for
from scanner.states import (
    ACCESS_KINDS,
    DISCLOSURE_KINDS,
    FILE_KINDS,
    OPEN_ACTION_STATES,
    PROPOSABLE_KINDS,
    READ_FILE_STATUSES,
    VAULT_KINDS,
    WHOLE_FILE_KINDS,
    ActionKind,
    ActionState,
    FindingState,
)
from scanner.store.actions import ActionRow, ActionStateError, ActionStore, FindingRef
from scanner.store.store import FileRecord, utc_now

if TYPE_CHECKING:
    from scanner.actions.vault_actions import VaultActions


class ActionError(ValueError):
    """A request that cannot be accepted; the message says why and what to do instead."""


@dataclass(frozen=True)
class Proposal:
    kind: str
    _: KW_ONLY  # everything else by name: a field added in the middle must not shift a caller's arguments
    finding_ids: tuple[int, ...] = ()
    path: Path | None = None  # a whole file instead of findings (a path on this host)
    file_id: int | None = None  # a whole file by its id (any host's: the review UI names files so)
    reason: str | None = None
    retain_until: date | None = None
    vault_id: str | None = None  # purge, restore: the vault item
    restore_to: Path | None = None  # restore: under this folder instead of the original path
    restore_overwrite: bool = False  # restore: the approval covers replacing an existing file
    retry_of: int | None = None  # the failed or stale action this proposal retries


class ActionService:
    def __init__(
        self, actions: ActionStore, audit: AuditLog, policy: ActionPolicy, executor: Executor,
        vault_actions: VaultActions,
    ) -> None:  # fmt: skip
        self.actions = actions
        self.audit = audit
        self.policy = policy
        self.executor = executor
        self.vault_actions = vault_actions

    # --- proposing -------------------------------------------------------------------------------------
    def default_kind(self, findings: Sequence[FindingRef]) -> str:
        """The policy's proposal for these findings: that of the most sensitive one."""
        order = {"sensitive": 0, "general": 1}
        worst = min(findings, key=lambda f: order.get(f.sensitivity, 2))
        return self.policy.default_for(worst.entity_type, worst.sensitivity)

    def propose(self, proposal: Proposal, actor: Actor) -> int:
        self.audit.check_writable()  # every step must be on the record: find out before changing anything
        if proposal.kind == "default":
            _file, findings = self._target(proposal)
            if not findings:
                raise ActionError(_("no active findings to choose a default action for"))
            proposal = replace(proposal, kind=self.default_kind(findings))
        kind = proposal.kind
        if kind in DISCLOSURE_KINDS:
            raise ActionError(
                _("{kind} is a disclosure: propose it with 'custos handover propose' (or notify-list)").format(
                    kind=kind
                )
            )
        if kind not in PROPOSABLE_KINDS:
            raise ActionError(
                _("unknown action {kind}; choose one of {kinds}").format(
                    kind=repr(kind), kinds=", ".join(PROPOSABLE_KINDS)
                )
            )
        if kind in VAULT_KINDS:
            file, _origin = self.vault_actions.target(kind, proposal.vault_id)
            findings: list[FindingRef] = []
        elif kind in ACCESS_KINDS:
            return self._propose_access(proposal, actor)
        else:
            file, findings = self._target(proposal)
            self._check_proposal(proposal, file, findings)
        action_id = self.actions.insert_proposal(
            kind=kind,
            file=file,
            finding_ids=[f.id for f in findings],
            reason=proposal.reason,
            retain_until=proposal.retain_until.isoformat() if proposal.retain_until else None,
            needs_second_person=self._needs_second_person(kind, proposal.vault_id),
            proposed_by=actor.identity,
            os_user=actor.os_user,
            vault_id=proposal.vault_id if kind in VAULT_KINDS else None,
            restore_to=str(proposal.restore_to.resolve())
            if kind == ActionKind.RESTORE and proposal.restore_to
            else None,
            restore_overwrite=kind == ActionKind.RESTORE and proposal.restore_overwrite,
            retry_of=proposal.retry_of,
        )
        self._log(ActionState.PROPOSED, actor, self.actions.action(action_id))
        return action_id

    def _propose_access(self, proposal: Proposal, actor: Actor) -> int:
        """An access action covers the file, not its findings: it changes who can read them, not the values."""
        file, _findings = self._target(proposal)
        shown = mask_path(file.export_path, self.actions.name_spans(file.id))
        owner, here = self.actions.file_host(file.id), self.actions.store.host
        if owner != here:  # planning reads the file's owner, group and ACL: only its own host opens its path
            raise ActionError(
                _("{path} is on host {owner}: who can read it is checked there; propose this on {owner}").format(
                    path=shown, owner=owner
                )
            )
        if file.member:
            raise ActionError(_("{path} is inside an archive: act on the archive itself").format(path=shown))
        if file.status not in READ_FILE_STATUSES:
            raise ActionError(
                _("{path} is {status}; only scanned files can be changed").format(path=shown, status=file.status)
            )
        open_ones = self.actions.actions(states=OPEN_ACTION_STATES, kinds=ACCESS_KINDS, file_id=file.id)
        if open_ones:
            raise ActionError(
                _("action {id} already changes who can read {path}; approve or cancel it").format(
                    id=open_ones[0].id, path=shown
                )
            )
        access = self.executor.access
        try:
            change = access.plan(proposal.kind, file, shown)
        except AccessPlanRefused as exc:
            raise ActionError(str(exc)) from None
        needs = self.policy.needs_second_person(proposal.kind) or access.needs_second_person(proposal.kind, file.id)
        action_id = self.actions.insert_proposal(
            kind=proposal.kind, file=file, finding_ids=[], reason=proposal.reason, retain_until=None,
            needs_second_person=needs, proposed_by=actor.identity, os_user=actor.os_user, retry_of=proposal.retry_of,
        )  # fmt: skip
        access.record(action_id, change)
        self._log(ActionState.PROPOSED, actor, self.actions.action(action_id))
        return action_id

    def _needs_second_person(self, kind: str, vault_id: str | None) -> bool:
        if kind in VAULT_KINDS:
            return self.vault_actions.needs_second_person(kind, vault_id)
        return self.policy.needs_second_person(kind)

    def _target(self, proposal: Proposal) -> tuple[FileRecord, list[FindingRef]]:
        if proposal.file_id is not None:  # a whole file chosen in the review UI: on any host
            return self.actions.file_by_id(proposal.file_id), self.actions.active_findings_of(proposal.file_id)
        if proposal.path is not None:
            file = self.actions.store.file_at(proposal.path)
            if file is None:
                raise ActionError(_("{path}: not in the findings database; scan it first").format(path=proposal.path))
            return file, self.actions.active_findings_of(file.id)
        if not proposal.finding_ids:
            raise ActionError(_("name the findings (ids) or a file to act on"))
        findings = self.actions.findings(proposal.finding_ids)
        missing = sorted(set(proposal.finding_ids) - {f.id for f in findings})
        if missing:
            raise ActionError(_("no such findings: {ids}").format(ids=", ".join(map(str, missing))))
        inactive = [f.id for f in findings if f.state != FindingState.ACTIVE]
        if inactive:
            raise ActionError(
                _("findings {ids} are not active (superseded, gone or decided)").format(
                    ids=", ".join(map(str, inactive))
                )
            )
        files = {f.file_id for f in findings}
        if len(files) != 1:
            raise ActionError(_("one action covers one file: propose per file (the findings span several files)"))
        file = self.actions.file_by_id(files.pop())
        if proposal.kind in WHOLE_FILE_KINDS:
            findings = self.actions.active_findings_of(file.id)  # the whole file goes
        return file, findings

    def _check_proposal(self, proposal: Proposal, file: FileRecord, findings: list[FindingRef]) -> None:
        kind = proposal.kind
        shown = mask_path(file.export_path, self.actions.name_spans(file.id))
        if kind in FILE_KINDS and file.member:
            raise ActionError(_("{path} is inside an archive: act on the archive itself").format(path=shown))
        if kind in FILE_KINDS and file.status not in READ_FILE_STATUSES:
            raise ActionError(
                _("{path} is {status}; only scanned files can be changed").format(path=shown, status=file.status)
            )
        if kind in (ActionKind.MASK, ActionKind.FALSE_POSITIVE, ActionKind.RETAIN) and not findings:
            raise ActionError(
                _("{path} has no active findings to {action}").format(path=shown, action=kind.replace("_", " "))
            )
        if kind == ActionKind.RETAIN and not (proposal.reason and proposal.retain_until):
            raise ActionError(_("retain needs a justification (--reason) and a date (--until YYYY-MM-DD)"))
        if kind == ActionKind.FALSE_POSITIVE and not proposal.reason:
            raise ActionError(_("a false positive needs a reason (--reason)"))
        if kind == ActionKind.FALSE_POSITIVE and not proposal.finding_ids:
            raise ActionError(_("name the findings that are false positives, not a whole file"))
        open_action = self.actions.open_action_for([f.id for f in findings]) if findings else None
        if open_action is not None:
            raise ActionError(
                _("action {id} already covers these findings; approve or cancel it first").format(id=open_action)
            )

    def retry(self, action_id: int, actor: Actor) -> int:
        """A failed or stale action is never run again as it stands: ``actor`` proposes it anew (same kind and
        target, linked to it), and the new proposal needs approval like any other."""
        from scanner.actions.retry import retry_proposal

        return self.propose(retry_proposal(self.actions, self.actions.action(action_id)), actor)

    # --- deciding --------------------------------------------------------------------------------------
    def approve(self, action_id: int, actor: Actor) -> None:
        self.audit.check_writable()
        action = self.actions.action(action_id)
        if action.state != ActionState.PROPOSED:
            raise ActionError(_("action {id} is {state}, not proposed").format(id=action_id, state=action.state))
        # the policy now, not only as it was at proposal time: it can only have grown stricter
        needs = action.needs_second_person or self._needs_second_person(action.kind, action.vault_id)
        if needs and actor.identity == action.proposed_by:
            raise ActionError(
                _("action {id} ({kind}) needs a second person: {who} proposed it and cannot approve it too").format(
                    id=action_id, kind=action.kind, who=action.proposed_by
                )
            )
        self._move(action_id, (ActionState.PROPOSED,), ActionState.APPROVED, actor, approved_by=actor.identity,
                   approved_os_user=actor.os_user, approved_at=utc_now())  # fmt: skip

    def cancel(self, action_id: int, actor: Actor, reason: str | None = None) -> None:
        self.audit.check_writable()
        self._move(action_id, (ActionState.PROPOSED, ActionState.APPROVED), ActionState.CANCELLED, actor, error=reason)

    def _move(self, action_id: int, expected: Sequence[str], state: str, actor: Actor, **columns: object) -> None:
        try:
            self.actions.move(action_id, expected, state, **columns)
        except ActionStateError as exc:
            raise ActionError(str(exc)) from exc
        self._log(state, actor, self.actions.action(action_id))

    # --- executing -------------------------------------------------------------------------------------
    def apply(self, actor: Actor, action_ids: Sequence[int] | None = None) -> list[Outcome]:
        """Finish actions a crash left half done, then execute the approved ones (all, or those named).
        Only one process applies at a time: another one waiting would resume actions still in progress here."""
        db = self.actions.store.path
        try:
            with exclusive(apply_lock_path_for(db), f"pid {os.getpid()} (custos apply)"):
                return self._apply(actor, action_ids)
        except LockBusy as exc:
            raise ActionError(
                _("another process is applying actions on {db} ({holder}); wait for it to finish, then run apply again")
                .format(db=db, holder=exc.holder)
            ) from None  # fmt: skip

    def _apply(self, actor: Actor, action_ids: Sequence[int] | None) -> list[Outcome]:
        here = self.actions.store.host  # only this host's actions: no host opens another host's path
        named = None if action_ids is None else [self.actions.action(i) for i in action_ids]
        elsewhere = [a for a in named or () if a.host != here]
        if elsewhere:
            raise ActionError(owned_elsewhere(elsewhere, here))
        self.audit.check_writable()  # before a file is touched: its record could not be written afterwards
        clear_leftovers(self.executor.scratch)  # plain working copies a crashed apply left behind
        outcomes = [
            self._execute(a, actor, resumed=True)
            for a in self.actions.actions(states=(ActionState.EXECUTING,), host=here)
        ]
        if named is None:
            todo = self.actions.actions(states=(ActionState.APPROVED,), host=here)
        else:
            todo = [self.actions.action(a.id) for a in named]  # as they are now, after the resumed ones
            not_approved = [f"{a.id} ({a.state})" for a in todo if a.state != ActionState.APPROVED]
            if not_approved:
                raise ActionError(
                    _("only approved actions can be applied: {ids}; a failed or stale action is proposed again with "
                      "'custos retry ID' (see why with 'custos actions show ID')").format(ids=", ".join(not_approved))
                )  # fmt: skip
        outcomes += [self._execute(a, actor, resumed=False) for a in todo]
        return outcomes

    def _execute(self, action: ActionRow, actor: Actor, resumed: bool) -> Outcome:
        if action.kind in VAULT_KINDS:
            return self.vault_actions.execute(action, actor, resumed)
        return self.executor.resume(action, actor) if resumed else self.executor.execute(action, actor)

    def _log(self, event: str, actor: Actor, action: ActionRow) -> None:
        self.audit.append(event, actor, action_fields(action))


def owned_elsewhere(actions: Sequence[ActionRow], here: str) -> str:
    """Why these actions are not executed here: each is executed only by the host whose disk holds its file."""
    hosts = sorted({a.host for a in actions})
    ids = ", ".join(str(a.id) for a in actions)
    if len(hosts) > 1:
        text = _("actions {ids} belong to host {owners}: only the host owning each executes it (its custos watch or "
                 "custos apply there); this is host {here}")  # fmt: skip
        return text.format(ids=ids, owners=", ".join(hosts), here=here)
    text = ngettext(
        "action {ids} belongs to host {owner}: only {owner} executes it: its custos watch does once approved, or "
        "custos apply run on {owner}; this is host {here}",
        "actions {ids} belong to host {owner}: only {owner} executes them: its custos watch does once approved, or "
        "custos apply run on {owner}; this is host {here}",
        len(actions),
    )
    return text.format(ids=ids, owner=hosts[0], here=here)
