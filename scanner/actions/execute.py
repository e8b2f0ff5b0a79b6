"""Executing one approved action, so that a crash at any moment loses nothing and can be finished later.

Order for a file action: (1) the action is marked ``executing``; (2) the file is opened beneath the scan root
without following any link (`beneath`: a symlinked folder or a file with other hard links fails the action), and
must still be exactly what was scanned (size, mtime, SHA-256 read through that descriptor), else the action is
``stale`` and the file is rescanned; (3) the original goes into the encrypted vault from that descriptor, read
back and verified, and the vault id is recorded; (4) mask: a masked copy is made from a private copy (`staging`),
detected (once: the same rows are recorded for the file afterwards), and only if none of the masked values remain
is it written beside the file (in the parent's dirfd), its hash recorded, and renamed over the file (renameat,
directory fsync); quarantine: the name is unlinked;
delete: the file is overwritten through its descriptor and unlinked (`shred`). Every rename and unlink first
checks the name still refers to the inode that was checked. (5) The audit record is appended, then the action
marked ``executed``; a refused action is recorded ``failed`` with the reason, and nothing was changed.

`resume` finishes an ``executing`` action after a crash by looking at the file: still the original → do it
again; already the planned masked copy (or gone, with its vault copy kept) → finish the bookkeeping.

Records and messages name the file by its masked path (`ActionRow.shown_path`); the plain path goes only into
the vault item, encrypted. Masking in place cannot reach findings in a name (the path, a sheet title): they stay.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.actions.access import AccessActions, AccessChanged, AccessFailed
from scanner.actions.audit import Actor, AuditLog
from scanner.actions.audit_fields import action_fields
from scanner.actions.beneath import ShareFile, UnsafeTarget, open_share_file, opened_dir, path_parts
from scanner.actions.failpoints import checkpoint
from scanner.actions.rewrite.base import Edit, RewriteError
from scanner.actions.shred import secure_delete
from scanner.actions.staging import StagedCopyChanged, bring_back, staged
from scanner.actions.vault import Vault, VaultError
from scanner.actions.verify import remaining_values
from scanner.name_mask import is_name_finding, masked_values, scrub
from scanner.states import ActionKind, ActionState, FileStatus, FindingState
from scanner.store.actions import ActionRow, ActionStore, FindingRef
from scanner.store.store import joined_path, utc_now
from scanner.store.violations import ViolationStore

if TYPE_CHECKING:
    from scanner.actions.detection import ActionDetection
    from scanner.file_scan import FileOutcome

TEMP_PREFIX = ".custos-mask-"


@dataclass(frozen=True)
class Outcome:
    action_id: int
    kind: str
    target: str
    state: str  # executed | failed | stale
    message: str


class StaleFile(Exception):
    """The file is not the one the findings were made on."""


class Executor:
    def __init__(
        self,
        actions: ActionStore,
        audit: AuditLog,
        open_vault: Callable[[], Vault],
        detection: ActionDetection,
        rewriter_for: Callable,
        scratch: Path,
    ) -> None:
        self.actions = actions
        self.audit = audit
        self._open_vault = open_vault  # opened (a new one created) only when an original goes in
        self.detection = detection  # loads the detector on first use: only actions that detect need it
        self.rewriter_for = rewriter_for  # Path -> Rewriter | None
        self.scratch = scratch  # private working copies for masking (see staging)
        self.access = AccessActions(actions)  # tighten_access, restore_access

    @property
    def vault(self) -> Vault:
        return self._open_vault()

    def execute(self, action: ActionRow, actor: Actor) -> Outcome:
        self.actions.move(
            action.id, (ActionState.APPROVED,), ActionState.EXECUTING, executed_by=actor.identity, executed_at=utc_now()
        )
        checkpoint(ActionState.EXECUTING)
        return self._run(self.actions.action(action.id), actor, resumed=False)

    def resume(self, action: ActionRow, actor: Actor) -> Outcome:
        return self._run(action, actor, resumed=True)

    def _run(self, action: ActionRow, actor: Actor, resumed: bool) -> Outcome:
        path = action.path
        try:
            if action.kind == ActionKind.RETAIN:
                self.actions.set_finding_state(action.finding_ids, FindingState.RETAINED)
                return self._finish(action, actor, method=f"retained until {action.retain_until}")
            if action.kind == ActionKind.FALSE_POSITIVE:
                file = self.actions.file_by_id(action.file_id)
                self.actions.suppress(action.id, file, self.actions.findings(action.finding_ids))
                return self._finish(action, actor, method="dismissed; suppressed on later scans (rule+value+path)")
            handler = {
                ActionKind.MASK: self._mask,
                ActionKind.QUARANTINE: self._quarantine,
                ActionKind.DELETE: self._delete,
                ActionKind.TIGHTEN_ACCESS: self._access,
                ActionKind.RESTORE_ACCESS: self._access,
            }[action.kind]
            return handler(action, actor, path, resumed)
        except (StaleFile, StagedCopyChanged, AccessChanged) as exc:
            return self._stale(action, actor, str(exc))
        except FileNotFoundError:
            return self._stale(action, actor, f"{path} is gone since it was scanned")
        except (RewriteError, VaultError, UnsafeTarget, AccessFailed) as exc:
            return self._fail(action, actor, str(exc))
        except OSError as exc:
            return self._fail(action, actor, f"{path}: {exc.strerror or exc}")

    # --- per kind --------------------------------------------------------------------------------------
    def _mask(self, action: ActionRow, actor: Actor, path: Path, resumed: bool) -> Outcome:
        if resumed and action.planned_sha256 and self._sha_now(action) == action.planned_sha256:
            return self._after_mask(action, actor)  # the masked copy was in place when we stopped
        with open_share_file(Path(action.root), action.rel_path) as original:
            self._check_unchanged(action, original)
            self._remove_temps(action, original.dir_fd)
            vault_id = self._vault_copy(action, original)
            checkpoint("mask: original in vault")
            rewriter = self.rewriter_for(path)
            if rewriter is None:
                raise RewriteError(f"{path.suffix or path.name} files cannot be masked in place; quarantine them")
            findings = [f for f in self.actions.findings(action.finding_ids) if not is_name_finding(f.location)]
            if not findings:
                raise RewriteError("the findings are in the file's name, which masking cannot change: rename the file")
            with staged(self.scratch, action.id, original, action.file_sha256) as copy:
                masked = copy.parent.parent / "out" / copy.name
                encoding = self.actions.file_encoding(action.file_id)
                try:
                    rewriter.mask_copy(copy, masked, [_edit(f) for f in findings], self._masker(findings), encoding)
                    detected = self.detection.detect_copy(masked, action.rel_path)
                    left = remaining_values(detected, findings)
                except RewriteError as exc:
                    raise RewriteError(str(exc).replace(str(copy), str(path))) from exc  # name the share file
                if left:
                    raise RewriteError(f"{len(left)} masked values were still found in the masked copy; file unchanged")
                checkpoint("mask: masked copy written")
                temp, temp_fd, planned = bring_back(original, masked, f"{TEMP_PREFIX}{action.id}-")
            try:
                self.actions.set_columns(action.id, planned_sha256=planned, vault_id=vault_id)
                checkpoint("mask: planned hash recorded")
                self._check_unchanged(action, original)  # nobody wrote to it while we masked
                original.replace_with(temp, temp_fd)
                checkpoint("mask: replaced")
            finally:
                os.close(temp_fd)
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temp, dir_fd=original.dir_fd)
        return self._after_mask(self.actions.action(action.id), actor, detected)

    def _after_mask(self, action: ActionRow, actor: Actor, detected: FileOutcome | None = None) -> Outcome:
        with contextlib.suppress(OSError, UnsafeTarget):  # tidying only: the file is masked whatever happens here
            self._remove_temps(action)
        in_text = [f.id for f in self.actions.findings(action.finding_ids) if not is_name_finding(f.location)]
        self.actions.set_finding_state(in_text, FindingState.MASKED)
        checkpoint("mask: findings marked")
        self.detection.rescan(action.root, action.rel_path, detected)  # the masked copy's rows, if still in place
        ViolationStore(self.actions.store).recheck_file(action.file_id)  # masked: its zone violations may be fixed
        method = f"masked in place ({len(action.finding_ids)} values), original in vault item {action.vault_id}"
        return self._finish(action, actor, method=method, sha256_after=action.planned_sha256)

    def _quarantine(self, action: ActionRow, actor: Actor, path: Path, resumed: bool) -> Outcome:
        if not (resumed and action.vault_id and self._gone(action)):
            with open_share_file(Path(action.root), action.rel_path) as original:
                self._check_unchanged(action, original)
                vault_id = self._vault_copy(action, original)
                self.actions.set_columns(action.id, vault_id=vault_id)
                checkpoint("quarantine: in vault")
                original.unlink()
                checkpoint("quarantine: unlinked")
            action = self.actions.action(action.id)
        self.actions.set_file_status(action.file_id, FileStatus.QUARANTINED)
        ViolationStore(self.actions.store).resolve_file(action.file_id)  # off the share: no longer in a zone
        return self._finish(action, actor, method=f"moved into the encrypted vault (item {action.vault_id})")

    def _delete(self, action: ActionRow, actor: Actor, path: Path, resumed: bool) -> Outcome:
        facts: dict = {}
        in_vault = resumed and action.vault_id
        if not (in_vault and self._gone(action)):
            with open_share_file(Path(action.root), action.rel_path, writable=True) as original:
                if in_vault:  # once in the vault, a half-overwritten file is shredded again
                    original.refuse_hard_links()
                else:
                    self._check_unchanged(action, original)
                    self.actions.set_columns(action.id, vault_id=self._vault_copy(action, original))
                report = secure_delete(original)
            facts = {"bytes_overwritten": report.bytes_overwritten, "filesystem": report.filesystem,
                     "assurance": report.assurance, "caveats": list(report.caveats)}  # fmt: skip
            action = self.actions.action(action.id)
        self.actions.set_file_status(action.file_id, FileStatus.DELETED)
        ViolationStore(self.actions.store).resolve_file(action.file_id)  # off the share: no longer in a zone
        method = "secure delete: overwrite 1 pass (random), fsync, truncate, rename, unlink"
        method += f"; original kept in vault item {action.vault_id} until purged (crypto-shred)"
        return self._finish(action, actor, method=method, extra=facts)

    def _access(self, action: ActionRow, actor: Actor, path: Path, resumed: bool) -> Outcome:
        """Mode and ACL only: the content must still be the scanned one, and stays as it is (no vault copy)."""
        with open_share_file(Path(action.root), action.rel_path) as target:
            self._check_unchanged(action, target)
            done = self.access.run(action, target.fd, resumed)
        ViolationStore(self.actions.store).recheck_file(action.file_id)  # a max_exposure violation may be fixed
        return self._finish(action, actor, method=done.method, extra=done.audit)

    # --- helpers ---------------------------------------------------------------------------------------
    def _check_unchanged(self, action: ActionRow, original: ShareFile) -> None:
        """The opened file is still the scanned one (size, mtime, SHA-256 read through its descriptor), has no
        other name, and its name still refers to it."""
        original.refuse_hard_links()
        st = original.stat()
        if (st.st_size, st.st_mtime_ns) != (action.file_size, action.file_mtime_ns):
            raise StaleFile(f"{original.path} changed since it was scanned (size or modification time)")
        if original.sha256() != action.file_sha256:
            raise StaleFile(f"{original.path} changed since it was scanned (content hash)")
        original.require_same_name()

    def _sha_now(self, action: ActionRow) -> str | None:
        try:
            with open_share_file(Path(action.root), action.rel_path) as current:
                return current.sha256()
        except FileNotFoundError:
            return None

    def _gone(self, action: ActionRow) -> bool:
        """No file at the action's path (a link where it was is refused, not taken for gone)."""
        try:
            with open_share_file(Path(action.root), action.rel_path):
                return False
        except FileNotFoundError:
            return True

    def _vault_copy(self, action: ActionRow, original: ShareFile) -> str:
        if action.vault_id:
            return action.vault_id
        checkpoint("vault: before put")
        item = self.vault.put(
            original.path,
            note={"action_id": action.id, "kind": action.kind},
            expected_sha256=action.file_sha256,
            source_fd=original.fd,
            shown_path=action.shown_path,
        )
        self.actions.set_columns(action.id, vault_id=item.id)
        return item.id

    def _masker(self, findings: Sequence[FindingRef]):
        by_id = {f.id: f for f in findings}

        def mask(edit: Edit, value: str) -> str:
            ref = by_id[edit.finding_id]
            if self.detection.fingerprint(ref.entity_type, value) != ref.fingerprint:
                raise RewriteError(f"finding {ref.id}: the text at {ref.location} is not the value that was scanned")
            return self.detection.mask(ref.rule_id, value)

        return mask

    def _remove_temps(self, action: ActionRow, dir_fd: int | None = None) -> None:
        """Remove masked copies a crash left beside the file, through the parent's dirfd (never by path)."""
        if dir_fd is None:
            *parents, _ = path_parts(action.rel_path)
            with opened_dir(Path(action.root), parents) as opened:
                self._remove_temps(action, opened)
            return
        for name in os.listdir(dir_fd):
            if name.startswith(f"{TEMP_PREFIX}{action.id}-"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(name, dir_fd=dir_fd)

    def _finish(self, action: ActionRow, actor: Actor, *, method: str, sha256_after: str | None = None,
                extra: dict | None = None) -> Outcome:  # fmt: skip
        fields = {**action_fields(action), "method": method, "vault_id": action.vault_id,
                  "file_sha256_after": sha256_after, "result": ActionState.EXECUTED, **(extra or {})}  # fmt: skip
        # the record first: a crash now repeats it, never loses it
        self.audit.append(ActionState.EXECUTED, actor, fields)
        checkpoint("executed: audited")
        self.actions.move(
            action.id, (ActionState.EXECUTING,), ActionState.EXECUTED, method=method, sha256_after=sha256_after
        )
        return Outcome(action.id, action.kind, action.shown_path, ActionState.EXECUTED, method)

    def _scrubbed(self, action: ActionRow, why: str) -> str:
        """An error message with the personal data found in the file's path masked, as records must hold it."""
        shown = joined_path(action.rel_path, action.member)
        return scrub(why, masked_values(shown, self.actions.name_spans(action.file_id)))

    def _stale(self, action: ActionRow, actor: Actor, why: str) -> Outcome:
        why = self._scrubbed(action, why)
        self.audit.append(
            ActionState.STALE, actor, {**action_fields(action), "result": ActionState.STALE, "error": why}
        )
        self.actions.move(action.id, (ActionState.EXECUTING,), ActionState.STALE, error=why)
        self.detection.rescan(action.root, action.rel_path)
        return Outcome(action.id, action.kind, action.shown_path, ActionState.STALE, f"{why}; rescanned, propose again")

    def _fail(self, action: ActionRow, actor: Actor, why: str) -> Outcome:
        why = self._scrubbed(action, why)
        with contextlib.suppress(OSError, UnsafeTarget):  # tidying only; a folder we cannot reach holds none of ours
            self._remove_temps(action)
        self.audit.append(
            ActionState.FAILED, actor, {**action_fields(action), "result": ActionState.FAILED, "error": why}
        )
        self.actions.move(action.id, (ActionState.EXECUTING,), ActionState.FAILED, error=why)
        return Outcome(action.id, action.kind, action.shown_path, ActionState.FAILED, why)


def _edit(f: FindingRef) -> Edit:
    return Edit(f.id, f.start, f.end, f.location)
