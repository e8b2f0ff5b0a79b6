"""The access actions: `tighten_access` narrows who can read a file, `restore_access` puts back what it replaced.

Proposing plans the change from the exposure recorded at scan time (`file_exposure`) and keeps both sides in
`access_changes`: the mode and ACL the file had (before) and the ones the action sets (after). Executing opens
the file beneath its root without following a link (the executor checks it is still the scanned content), checks
its mode and ACL are still "before" (else the action is stale: someone changed them since), sets "after" through
the descriptor, reads them back, and records the new exposure. The undo is the same change the other way round,
proposed and approved like any action; it needs a second person whenever the tightening did.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.actions.failpoints import checkpoint
from scanner.exposure.groups import BroadGroups
from scanner.exposure.probe import probe
from scanner.exposure.tighten import Access, level_after, narrower, set_access
from scanner.i18n import _
from scanner.states import ActionKind, ExposureLevel
from scanner.store.actions import ActionRow, ActionStore
from scanner.store.exposure import AccessChange, ExposureStore
from scanner.store.store import FileRecord


class AccessPlanRefused(ValueError):
    """Nothing to tighten or undo on this file; the message says why."""


class AccessChanged(Exception):
    """The file's mode or ACL is no longer what the action was proposed on."""


class AccessFailed(Exception):
    """The mode or ACL read back after setting them is not what was set (a filesystem that ignores them)."""


@dataclass(frozen=True)
class AccessDone:
    method: str
    audit: dict  # for the audit record: modes and ACLs before and after, levels


class AccessActions:
    """Plans and executes the access kinds for the action service and the executor."""

    def __init__(self, actions: ActionStore, groups: BroadGroups | None = None) -> None:
        self.actions = actions
        self.exposure = ExposureStore(actions.store)
        self.groups = groups or BroadGroups()

    def plan(self, kind: str, file: FileRecord, shown: str) -> AccessChange:
        """The change an access action on ``file`` will make (its action_id 0 until it is recorded)."""
        row = self.exposure.of(file.id)
        if row is None:
            raise AccessPlanRefused(
                _("{path}: no exposure recorded (only files with sensitive findings are looked at)").format(path=shown)
            )
        if kind == ActionKind.RESTORE_ACCESS:
            undoes = self.exposure.undoable(file.id)
            if undoes is None:
                raise AccessPlanRefused(_("{path}: no executed tighten_access to undo").format(path=shown))
            done = self.exposure.change(undoes)
            return AccessChange(0, file.id, undoes, done.mode_after, done.acl_after, done.level_after,
                                done.mode_before, done.acl_before, done.level_before)  # fmt: skip
        current = Access.stored(row.mode, row.acl)
        target = narrower(current, row.gid, self.groups)
        if target is None or row.level in (ExposureLevel.OWNER, ExposureLevel.GROUP):
            raise AccessPlanRefused(
                _("{path} is readable by {level} only: nothing to tighten").format(path=shown, level=row.level)
            )
        after = level_after(target, row.uid, row.gid, self.groups)
        return AccessChange(0, file.id, None, row.mode, row.acl, row.level, target.mode, target.acl_text, after)

    def record(self, action_id: int, change: AccessChange) -> None:
        self.exposure.plan_change(AccessChange(action_id, *_fields(change)[1:]))

    def needs_second_person(self, kind: str, file_id: int) -> bool:
        """A restore_access needs a second person when the tightening it undoes did."""
        if kind != ActionKind.RESTORE_ACCESS:
            return False
        undoes = self.exposure.undoable(file_id)
        return bool(undoes and self.actions.action(undoes).needs_second_person)

    def run(self, action: ActionRow, fd: int, resumed: bool) -> AccessDone:
        """Set the planned mode and ACL on the open file ``fd`` (already checked to be the scanned content)."""
        change = self.exposure.change(action.id)
        if change is None:
            raise AccessFailed("no access change was recorded with this proposal; propose it again")
        before = Access.stored(change.mode_before, change.acl_before)
        after = Access.stored(change.mode_after, change.acl_after)
        now = probe(fd, self.groups)
        now_access = Access.stored(now.mode, now.acl_text)
        if not (resumed and now_access == after):  # a crash after setting it: only the bookkeeping is left
            if now_access != before:
                raise StaleAccess(before, now_access)
            set_access(fd, after)
            checkpoint("access: set")
        seen = probe(fd, self.groups)
        kept = Access.stored(seen.mode, seen.acl_text)
        if kept != after:
            raise AccessFailed(f"the filesystem kept {kept.shown()}, not {after.shown()}")
        self.exposure.record(action.file_id, seen)
        return _done(action.kind, change, before, after, seen.level)


def _done(kind: str, change: AccessChange, before: Access, after: Access, level: str) -> AccessDone:
    if kind == ActionKind.TIGHTEN_ACCESS:
        verb, note = "access tightened", "; the previous mode and ACL are kept (restore_access puts them back)"
    else:
        verb, note = f"access restored (undoes action {change.undoes})", ""
    method = f"{verb}: {before.shown()} → {after.shown()}; readable by {change.level_before} → {level}{note}"
    audit = {"mode_before": f"{before.mode:04o}", "acl_before": before.acl_text, "mode_after": f"{after.mode:04o}",
             "acl_after": after.acl_text, "exposure_before": change.level_before, "exposure_after": level,
             **({"undoes": change.undoes} if change.undoes else {})}  # fmt: skip
    return AccessDone(method, audit)


class StaleAccess(AccessChanged):
    def __init__(self, expected: Access, found: Access) -> None:
        super().__init__(f"its mode or ACL changed since the proposal ({expected.shown()} → now {found.shown()})")


def _fields(change: AccessChange) -> tuple:
    return (change.action_id, change.file_id, change.undoes, change.mode_before, change.acl_before,
            change.level_before, change.mode_after, change.acl_after, change.level_after)  # fmt: skip
