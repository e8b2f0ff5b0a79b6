"""The seller's side of a disclosure (a handover package, a notification list): propose, approve, cancel, build,
record the recipient's verification, and propose deleting the local copies afterwards.

Like an action, nothing leaves without approval, and the site policy decides who may approve (disclosures are in
the built-in two-person floor: the proposer never approves their own). Every step is a signed audit record naming
the recipient, the legal basis, the reason, the manifest hash and the people. Building runs under the same lock as
`custos apply`, so one process executes at a time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.actions.audit import Actor, current_actor
from scanner.actions.audit_fields import disclosure_fields
from scanner.actions.service import ActionError, Proposal
from scanner.handover.selection import SelectionError, checked_selection, selected_files
from scanner.i18n import N_, _
from scanner.locks import LockBusy, exclusive
from scanner.paths import apply_lock_path_for
from scanner.states import (
    BUILDABLE_DISCLOSURE_STATES,
    DISCLOSURE_KINDS,
    OPEN_ACTION_STATES,
    OPEN_DISCLOSURE_STATES,
    READ_FILE_STATUSES,
    ActionKind,
    DisclosureEvent,
    DisclosureState,
)
from scanner.store.disclosures import DisclosureRow, DisclosureStateError, DisclosureStore, HandedFile
from scanner.store.store import utc_now

if TYPE_CHECKING:
    from scanner.actions.workspace import Workspace
    from scanner.handover.package import Manifest, PackageWriter

Produce = Callable[["PackageWriter"], None]


class DisclosureError(ValueError):
    """A disclosure request that cannot be accepted; the message says why and what to do instead."""


@dataclass(frozen=True)
class LocalDeletion:
    """What `delete-local` did for one handed-over file: the delete action proposed, or why none was."""

    file: HandedFile
    action_id: int | None
    refused: str | None = None


class DisclosureService:
    """Disclosures over one workspace (its store, audit log, policy and action service)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.store = DisclosureStore(workspace.store)
        self.audit = workspace.audit

    # --- proposing and deciding ------------------------------------------------------------------------
    def propose(
        self, kind: str, *, recipient: str, legal_basis: str, reason: str, selection: dict,
        reviewer: str | None = None, recipient_key: Path | None = None,
    ) -> int:  # fmt: skip
        """A new disclosure. A handover's files are chosen now and frozen (as scanned): the approver approves
        exactly them, and each must still be unchanged when the package is built."""
        self.audit.check_writable()
        actor = current_actor(reviewer)
        if kind not in DISCLOSURE_KINDS:
            raise DisclosureError(
                _("unknown disclosure {kind!r}; choose one of {kinds}").format(
                    kind=kind, kinds=", ".join(DISCLOSURE_KINDS)
                )
            )
        for missing, text in (
            (N_("a disclosure needs its recipient: it goes on the record"), recipient),
            (N_("a disclosure needs its legal basis: it goes on the record"), legal_basis),
            (N_("a disclosure needs its reason: it goes on the record"), reason),
        ):
            if not text or not text.strip():
                raise DisclosureError(_(missing))
        if not isinstance(selection, dict):
            raise DisclosureError(_("the selection must be a JSON object"))
        files = []
        if kind == ActionKind.HANDOVER:
            if recipient_key is None:
                raise DisclosureError(_("a handover is encrypted to the recipient's public key: give --recipient-key"))
            try:
                selection = checked_selection(selection)
            except SelectionError as exc:
                raise DisclosureError(str(exc)) from None
            files = selected_files(self.store, selection)
            if not files:
                raise DisclosureError(_empty_selection(selection))
        key_path, key_sha = (None, None) if recipient_key is None else _recipient_key(recipient_key)
        disclosure_id = self.store.insert(
            kind=kind, recipient=recipient.strip(), recipient_key=key_path, recipient_key_sha256=key_sha,
            legal_basis=legal_basis.strip(), reason=reason.strip(), selection=selection,
            needs_second_person=self.workspace.policy.needs_second_person(kind), proposed_by=actor.identity,
            os_user=actor.os_user, files=files,
        )  # fmt: skip
        self._log(DisclosureEvent.PROPOSED, actor, disclosure_id)
        return disclosure_id

    def approve(self, disclosure_id: int, *, reviewer: str | None = None) -> None:
        self.audit.check_writable()
        actor = current_actor(reviewer)
        disclosure = self.disclosure(disclosure_id)
        if disclosure.state != DisclosureState.PROPOSED:
            raise DisclosureError(
                _("disclosure {id} is {state}, not proposed").format(id=disclosure_id, state=disclosure.state)
            )
        # the policy now, not only as it was at proposal time: it can only have grown stricter
        needs = disclosure.needs_second_person or self.workspace.policy.needs_second_person(disclosure.kind)
        if needs and actor.identity == disclosure.proposed_by:
            raise DisclosureError(
                _(
                    "disclosure {id} ({kind}) needs a second person: {proposer} proposed it and cannot approve it too"
                ).format(id=disclosure_id, kind=disclosure.kind, proposer=disclosure.proposed_by)
            )
        self._move(disclosure_id, (DisclosureState.PROPOSED,), DisclosureState.APPROVED, actor,
                   DisclosureEvent.APPROVED, approved_by=actor.identity, approved_os_user=actor.os_user,
                   approved_at=utc_now())  # fmt: skip

    def cancel(self, disclosure_id: int, *, reviewer: str | None = None, reason: str | None = None) -> None:
        self.audit.check_writable()
        self._move(disclosure_id, OPEN_DISCLOSURE_STATES, DisclosureState.CANCELLED, current_actor(reviewer),
                   DisclosureEvent.CANCELLED, error=reason)  # fmt: skip

    def disclosure(self, disclosure_id: int) -> DisclosureRow:
        try:
            return self.store.disclosure(disclosure_id)
        except DisclosureStateError as exc:
            raise DisclosureError(str(exc)) from None

    # --- building --------------------------------------------------------------------------------------
    def run(
        self, disclosure_id: int, produce: Produce, *, recipient_key: Path, out: Path, reviewer: str | None = None
    ) -> Manifest:
        """Build the package of an approved disclosure: ``produce`` adds its members to the writer, which is opened
        on ``out``, encrypted to ``recipient_key`` (the key approved with it) and signed with the audit signing
        key. On success the manifest hash, count, bytes, package path and builder are recorded; on any failure
        nothing is left at ``out`` and the failure is recorded (the disclosure may be built again)."""
        self.audit.check_writable()  # before anything is written: the build must be on the record
        actor = current_actor(reviewer)
        db = self.workspace.db
        try:
            with exclusive(apply_lock_path_for(db), f"pid {os.getpid()} (custos handover build)"):
                return self._run(disclosure_id, produce, recipient_key, out, actor)
        except LockBusy as exc:
            raise DisclosureError(
                _(
                    "another process is executing actions or building a package on {db} ({holder}); wait for it "
                    "to finish, then build again"
                ).format(db=db, holder=exc.holder)
            ) from None

    def _run(self, disclosure_id: int, produce: Produce, recipient_key: Path, out: Path, actor: Actor) -> Manifest:
        from scanner.handover.package import PackageWriter

        disclosure = self.disclosure(disclosure_id)
        if disclosure.state not in BUILDABLE_DISCLOSURE_STATES:
            unbuildable = (
                N_(
                    "disclosure {id} is {state}: only an approved disclosure is built (approve it first: custos"
                    " handover approve ID, by a second person)"
                )
                if disclosure.state == DisclosureState.PROPOSED
                else N_("disclosure {id} is {state}: only an approved disclosure is built")
            )
            raise DisclosureError(_(unbuildable).format(id=disclosure_id, state=disclosure.state))
        recipient = self._approved_key(disclosure, recipient_key)
        signer = self._signing_key()
        out = Path(out).absolute()
        if not out.parent.is_dir():
            raise DisclosureError(
                _("{folder}: no such folder for the package (--out); create it first").format(folder=out.parent)
            )
        if out.exists() or out.is_symlink():
            raise DisclosureError(
                _("{path}: already exists; a package never replaces a file, choose another --out").format(path=out)
            )
        self._move(disclosure_id, BUILDABLE_DISCLOSURE_STATES, DisclosureState.BUILDING, actor, None,
                   executed_by=actor.identity, executed_at=utc_now(), error=None)  # fmt: skip
        try:
            writer = PackageWriter(out, recipient, signer, meta=_package_meta(disclosure))
            with writer:
                produce(writer)
            manifest = writer.manifest
        except Exception as exc:  # noqa: BLE001 - any failure of the build is recorded, then reported
            why = self.store.scrubbed(disclosure_id, f"the package was not built: {exc}")
            self._move(disclosure_id, (DisclosureState.BUILDING,), DisclosureState.FAILED, actor,
                       DisclosureEvent.FAILED, error=why)  # fmt: skip
            raise DisclosureError(why) from exc
        # the key used is recorded too: a notification list may have been proposed without one pinned
        built = {"out_path": str(out), "manifest_sha256": manifest.sha256, "file_count": manifest.count,
                 "total_bytes": manifest.total_bytes,
                 "recipient_key_sha256": manifest.recipient_key_fingerprint}  # fmt: skip
        self._move(disclosure_id, (DisclosureState.BUILDING,), DisclosureState.BUILT, actor, DisclosureEvent.BUILT,
                   extra=self._contents(disclosure_id, manifest), **built)  # fmt: skip
        return manifest

    def build_handover(
        self, disclosure_id: int, *, out: Path, recipient_key: Path | None = None, reviewer: str | None = None
    ) -> Manifest:
        """Build a handover: every file it holds, checked unchanged since it was proposed (stale files are
        refused, all of them named), with its categories and finding counts in its member information."""
        from scanner.handover.pack_files import handover_producer

        disclosure = self.disclosure(disclosure_id)
        if disclosure.kind != ActionKind.HANDOVER:
            raise DisclosureError(
                _("disclosure {id} is a {kind}, not a handover of files").format(id=disclosure_id, kind=disclosure.kind)
            )
        key = recipient_key or (Path(disclosure.recipient_key) if disclosure.recipient_key else None)
        if key is None:
            raise DisclosureError(_("give the recipient's public key (--recipient-key)"))
        produce = handover_producer(self.store, self.store.files_of(disclosure_id))
        return self.run(disclosure_id, produce, recipient_key=key, out=out, reviewer=reviewer)

    # --- after the build -------------------------------------------------------------------------------
    def record_verified(
        self, disclosure_id: int, *, verified_by: str, receipt: dict, reviewer: str | None = None
    ) -> None:
        """The recipient verified the package: ``receipt`` is what their verification printed (`custos handover
        verify --json`); it must show success and the manifest hash recorded when the package was built."""
        self.audit.check_writable()
        actor = current_actor(reviewer)
        disclosure = self.disclosure(disclosure_id)
        if disclosure.state != DisclosureState.BUILT:
            raise DisclosureError(
                _("disclosure {id} is {state}: only a built package is verified by its recipient").format(
                    id=disclosure_id, state=disclosure.state
                )
            )
        if not verified_by or not verified_by.strip():
            raise DisclosureError(_("name who verified the package at the recipient (--by)"))
        problem = receipt_problem(receipt, disclosure)
        if problem:
            raise DisclosureError(
                _("the receipt does not confirm disclosure {id}: {problem}").format(id=disclosure_id, problem=problem)
            )
        self._move(disclosure_id, (DisclosureState.BUILT,), DisclosureState.VERIFIED, actor, DisclosureEvent.VERIFIED,
                   verified_by=verified_by.strip(), verified_recorded_by=actor.identity, verified_at=utc_now(),
                   receipt=_receipt_record(receipt))  # fmt: skip

    def propose_local_deletion(self, disclosure_id: int, *, reviewer: str | None = None) -> list[LocalDeletion]:
        """After a verified handover: a `delete` action proposed for each handed-over file still on the share as it
        was handed over, through the action service (approval and the two-person rule apply as for any delete)."""
        self.audit.check_writable()
        actor = current_actor(reviewer)
        disclosure = self.disclosure(disclosure_id)
        if disclosure.kind != ActionKind.HANDOVER:
            raise DisclosureError(
                _("disclosure {id} is a {kind}: it handed over no files").format(id=disclosure_id, kind=disclosure.kind)
            )
        if disclosure.state != DisclosureState.VERIFIED:
            raise DisclosureError(
                _(
                    "disclosure {id} is {state}: local copies are deleted only after the recipient verified the"
                    " package (custos handover verified ID --by NAME --receipt FILE)"
                ).format(id=disclosure_id, state=disclosure.state)
            )
        reason = f"handed over in disclosure {disclosure_id} (manifest {disclosure.manifest_sha256})"
        done = [self._delete_one(f, reason, actor) for f in self.store.files_of(disclosure_id)]
        proposed = [d.action_id for d in done if d.action_id is not None]
        self._log(DisclosureEvent.LOCAL_DELETION_PROPOSED, actor, disclosure_id,
                  {"action_ids": proposed, "refused": len(done) - len(proposed)})  # fmt: skip
        return done

    def _delete_one(self, file: HandedFile, reason: str, actor: Actor) -> LocalDeletion:
        actions = self.workspace.actions
        current = actions.file_by_id(file.file_id)
        if current.status not in READ_FILE_STATUSES:
            return LocalDeletion(file, None, _("no longer on the share ({status})").format(status=current.status))
        if current.sha256 != file.sha256:
            return LocalDeletion(file, None, _("changed since it was handed over: not the copy the recipient holds"))
        open_actions = actions.actions(states=OPEN_ACTION_STATES, file_id=file.file_id)
        if open_actions:
            first = open_actions[0]
            return LocalDeletion(
                file, None, _("action {id} ({kind}) is still open on it").format(id=first.id, kind=first.kind)
            )
        try:
            proposal = Proposal(ActionKind.DELETE, path=file.path, reason=reason)
            return LocalDeletion(file, self.workspace.service.propose(proposal, actor))
        except ActionError as exc:
            return LocalDeletion(file, None, str(exc))

    # --- files marked for transfer ---------------------------------------------------------------------
    def mark(self, paths: Iterable[Path], *, reviewer: str | None = None, unmark: bool = False) -> list[str]:
        """Mark (or unmark) scanned files for transfer; the shown paths of those whose mark changed."""
        self.audit.check_writable()
        actor = current_actor(reviewer)
        files = []
        for path in paths:
            file = self.workspace.store.file_at(path)
            if file is None or file.member:
                raise DisclosureError(
                    _("{path}: not a scanned file in the findings database; scan it first").format(path=path)
                )
            files.append(file)
        ids = {f.id: f for f in files}
        changed = self.store.unmark(ids) if unmark else self.store.mark(ids, actor.identity)
        shown = [self.store.shown_path(ids[i]) for i in changed]
        if changed:
            event = DisclosureEvent.UNMARKED if unmark else DisclosureEvent.MARKED
            self.audit.append(event, actor, {"file_ids": changed, "targets": shown})
        return shown

    # --- helpers ---------------------------------------------------------------------------------------
    def _approved_key(self, disclosure: DisclosureRow, recipient_key: Path):
        _path, digest = _recipient_key(recipient_key)
        if disclosure.recipient_key_sha256 and digest != disclosure.recipient_key_sha256:
            raise DisclosureError(
                _(
                    "{key} is not the recipient key disclosure {id} was approved with (SHA-256 {approved}…, this one"
                    " {given}…); propose again to use it"
                ).format(
                    key=recipient_key,
                    id=disclosure.id,
                    approved=disclosure.recipient_key_sha256[:16],
                    given=digest[:16],
                )
            )
        return _load_recipient_key(recipient_key)

    def _signing_key(self):
        from scanner.actions.audit_keys import load_or_create_signing_key

        return load_or_create_signing_key(self.audit.signing_key_path, may_create=False, log=self.audit.path)

    def _contents(self, disclosure_id: int, manifest: Manifest) -> dict[str, Any]:
        """What the built record lists: each handed-over file (shown path, size, SHA-256), or each member."""
        members = {m.name: m for m in manifest.members}
        files = self.store.files_of(disclosure_id)
        if files:
            return {"files": [{"file_id": f.file_id, "target": f.shown_path, "size": members[f.name].size,
                               "sha256": members[f.name].sha256} for f in files if f.name in members]}  # fmt: skip
        return {"members": [{"name": m.name, "size": m.size, "sha256": m.sha256} for m in manifest.members]}

    def _move(self, disclosure_id: int, expected, state: str, actor: Actor, event: str | None,
              extra: dict | None = None, **columns: object) -> None:  # fmt: skip
        try:
            self.store.move(disclosure_id, expected, state, **columns)
        except DisclosureStateError as exc:
            raise DisclosureError(str(exc)) from None
        if event is not None:
            self._log(event, actor, disclosure_id, extra)

    def _log(self, event: str, actor: Actor, disclosure_id: int, extra: dict | None = None) -> None:
        self.audit.append(event, actor, {**disclosure_fields(self.store.disclosure(disclosure_id)), **(extra or {})})


def receipt_problem(receipt: Any, disclosure: DisclosureRow) -> str | None:
    """Why ``receipt`` does not confirm the package recorded for ``disclosure``, or None."""
    if not isinstance(receipt, dict):
        return _("it is not a JSON object (use what 'custos handover verify --json' printed)")
    if receipt.get("ok") is not True:
        return _("it does not report success (ok: {ok!r}; problem: {problem!r})").format(
            ok=receipt.get("ok"), problem=receipt.get("problem")
        )
    digest = receipt.get("manifest_sha256")
    if digest != disclosure.manifest_sha256:
        return _("its manifest hash {digest!r} is not the one recorded when the package was built ({recorded})").format(
            digest=digest, recorded=disclosure.manifest_sha256
        )
    count = receipt.get("count")
    if count is not None and count != disclosure.file_count:
        return _("it counts {count} members, the package was built with {built}").format(
            count=count, built=disclosure.file_count
        )
    return None


def _receipt_record(receipt: dict) -> dict:
    """What is kept of a receipt: hashes, counts and outcome (a receipt could carry anything else)."""
    return {k: receipt[k] for k in ("ok", "manifest_sha256", "count", "total_bytes") if k in receipt}


def _recipient_key(path: Path) -> tuple[str, str]:
    """The key's absolute path and its fingerprint (SHA-256 of the raw public key): what the approval pins."""
    from scanner.handover.keys import fingerprint

    return str(Path(path).absolute()), fingerprint(_load_recipient_key(path))


def _load_recipient_key(path: Path):
    from scanner.handover.keys import HandoverKeyError, load_recipient_public

    try:
        return load_recipient_public(Path(path))
    except HandoverKeyError as exc:
        raise DisclosureError(str(exc)) from None


def _package_meta(disclosure: DisclosureRow) -> dict:
    """What the package itself says about the disclosure (signed with its manifest)."""
    return {"disclosure_id": disclosure.id, "kind": disclosure.kind, "recipient": disclosure.recipient,
            "legal_basis": disclosure.legal_basis, "approved_by": disclosure.approved_by}  # fmt: skip


def _empty_selection(selection: dict) -> str:
    """Why the selection proposed holds nothing to hand over, naming it."""
    if "folder" in selection:
        return _("the selection folder {folder} holds no scanned files; scan them first, or choose others").format(
            folder=selection["folder"]
        )
    if "subjects" in selection:
        return _("the selection subjects {ids} holds no scanned files; scan them first, or choose others").format(
            ids=", ".join(map(str, selection["subjects"]))
        )
    return _("the selection of files marked for transfer holds no scanned files; scan them first, or choose others")
