"""Exposure recorded at scan time for sensitive files only, and the tighten_access action on real files:
proposed, approved by one reviewer, executed through a descriptor, audited, undone by restore_access; a file
changed since the scan (content or permissions) is refused as stale."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from scanner.actions.failpoints import at_checkpoints
from scanner.actions.service import ActionError, Proposal
from scanner.actions.workspace import open_workspace
from scanner.states import ActionKind, ActionState, ExposureLevel
from scanner.store.exposure import ExposureStore
from scanner.store.store import Store
from tests.action_fixtures import ALICE, BOB, scanned_db
from tests.engines import (
    as_path,
    db_url_slow_on_postgresql,  # noqa: F401 - this module's db_url: PostgreSQL halves are slow
)
from tests.exposure_fixtures import HAS_SETFACL, exposure_share

SENSITIVE_REL = "身份证/客户.txt"


@pytest.fixture
def share(tmp_path: Path) -> Path:
    root = exposure_share(tmp_path / "share")
    for path in (root / SENSITIVE_REL, root / "电话.txt"):
        path.chmod(0o644)
    return root


@pytest.fixture
def db(tmp_path: Path, share: Path, packs, detector, db_url: str) -> Path:
    return as_path(scanned_db(tmp_path / "state", share, packs, detector, target=db_url))


def _levels(db: Path) -> dict[str, str]:
    with Store(db) as store:
        return {row.rel_path: row.level for row in ExposureStore(store).exposed()}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_exposure_is_recorded_for_sensitive_files_only(db: Path, share: Path, packs, detector) -> None:
    assert _levels(db) == {SENSITIVE_REL: ExposureLevel.ALL}  # 电话.txt holds a phone number only (general)
    with Store(db) as store:
        assert ExposureStore(store).counts()[ExposureLevel.ALL] == 1
    (share / SENSITIVE_REL).chmod(0o600)  # a chmod leaves size and mtime alone: the unchanged file is looked at
    scanned_db(db.parent, share, packs, detector, target=db)
    assert _levels(db) == {SENSITIVE_REL: ExposureLevel.OWNER}
    (share / SENSITIVE_REL).write_text("已清理\n", encoding="utf-8")
    scanned_db(db.parent, share, packs, detector, target=db)
    assert _levels(db) == {}


def _apply(db: Path, detector, kind: str, proposer=ALICE, approver=ALICE):
    with open_workspace(db, detector=detector) as ws:
        file = ws.store.file_at(_share_of(db) / SENSITIVE_REL)
        action_id = ws.service.propose(Proposal(kind, path=Path(file.root) / file.rel_path), proposer)
        ws.service.approve(action_id, approver)  # the built-in floor: one approver, who may be the proposer
        [outcome] = ws.service.apply(approver, [action_id])
        return outcome, list(ws.audit.records(event=ActionState.EXECUTED))


def _share_of(db: Path) -> Path:
    return db.parent.parent / "share"


def test_tighten_then_restore_access(db: Path, share: Path, detector) -> None:
    target = share / SENSITIVE_REL
    outcome, records = _apply(db, detector, ActionKind.TIGHTEN_ACCESS)
    assert outcome.state == ActionState.EXECUTED, outcome.message
    assert _mode(target) == 0o640  # other's bits gone; the owning group (root) is not broad
    assert _levels(db) == {SENSITIVE_REL: ExposureLevel.GROUP}
    [record] = records
    assert record["action"] == ActionKind.TIGHTEN_ACCESS
    assert (record["mode_before"], record["mode_after"]) == ("0644", "0640")
    assert record["exposure_before"] == ExposureLevel.ALL and "身份证" in record["target"]
    assert target.read_text(encoding="utf-8").startswith("客户")  # the content is untouched

    outcome, records = _apply(db, detector, ActionKind.RESTORE_ACCESS, proposer=BOB, approver=BOB)
    assert outcome.state == ActionState.EXECUTED, outcome.message
    assert _mode(target) == 0o644
    assert records[-1]["undoes"] == outcome.action_id - 1
    assert _levels(db) == {SENSITIVE_REL: ExposureLevel.ALL}
    with open_workspace(db, detector=detector) as ws, pytest.raises(ActionError, match="nothing to undo|no executed"):
        ws.service.propose(Proposal(ActionKind.RESTORE_ACCESS, path=target), ALICE)


def test_a_file_already_narrow_has_nothing_to_tighten(db: Path, share: Path, packs, detector) -> None:
    (share / SENSITIVE_REL).chmod(0o600)
    scanned_db(db.parent, share, packs, detector, target=db)
    with open_workspace(db, detector=detector) as ws, pytest.raises(ActionError, match="nothing to tighten"):
        ws.service.propose(Proposal(ActionKind.TIGHTEN_ACCESS, path=share / SENSITIVE_REL), ALICE)


@pytest.mark.parametrize("change", ["content", "mode"])
def test_a_file_changed_since_the_scan_is_stale(db: Path, share: Path, detector, change: str) -> None:
    target = share / SENSITIVE_REL
    with open_workspace(db, detector=detector) as ws:
        action_id = ws.service.propose(Proposal(ActionKind.TIGHTEN_ACCESS, path=target), ALICE)
        ws.service.approve(action_id, BOB)
        if change == "content":
            target.write_text("客户：张伟先生\n身份证号：110105199003071239\n电话：无\n", encoding="utf-8")
        else:
            target.chmod(0o604)
        [outcome] = ws.service.apply(BOB, [action_id])
        assert outcome.state == ActionState.STALE
        assert _mode(target) == (0o644 if change == "content" else 0o604)  # nothing changed by the action
        retry = ws.service.retry(action_id, ALICE)  # planned again from the rescan's exposure
        ws.service.approve(retry, ALICE)
        [outcome] = ws.service.apply(ALICE, [retry])
    assert outcome.state == ActionState.EXECUTED, outcome.message
    assert _mode(target) == 0o600 if change == "mode" else _mode(target) == 0o640


@pytest.mark.skipif(not HAS_SETFACL, reason="setfacl (Debian package acl) is not installed")
def test_tighten_removes_broad_acl_entries_and_restore_puts_them_back(db: Path, share: Path, packs, detector) -> None:
    target = share / SENSITIVE_REL
    target.chmod(0o600)
    subprocess.run(["setfacl", "-m", "u:1234:r,g:users:r", str(target)], check=True)  # "users": broad by name
    scanned_db(db.parent, share, packs, detector, target=db)
    assert _levels(db) == {SENSITIVE_REL: ExposureLevel.BROAD_GROUP}
    before = _getfacl(target)
    outcome, _ = _apply(db, detector, ActionKind.TIGHTEN_ACCESS)
    assert outcome.state == ActionState.EXECUTED, outcome.message
    after = _getfacl(target)
    assert "user:1234:r--" in after and "group:100:" not in after
    assert _levels(db) == {SENSITIVE_REL: ExposureLevel.GROUP}  # the named user keeps their entry
    outcome, _ = _apply(db, detector, ActionKind.RESTORE_ACCESS)
    assert outcome.state == ActionState.EXECUTED, outcome.message
    assert _getfacl(target) == before


def _getfacl(path: Path) -> str:
    run = subprocess.run(["getfacl", "--numeric", "--omit-header", str(path)], capture_output=True, text=True)
    return run.stdout


class _Crash(BaseException):
    """Stands for the process dying at a checkpoint (nothing after it runs)."""


@pytest.mark.parametrize("point", [ActionState.EXECUTING, "access: set", "executed: audited"])
def test_a_crash_at_each_step_is_finished_by_the_next_apply(db: Path, share: Path, detector, point: str) -> None:
    target = share / SENSITIVE_REL

    def crash(name: str) -> None:
        if name == point:
            raise _Crash(name)

    with open_workspace(db, detector=detector) as ws:
        action_id = ws.service.propose(Proposal(ActionKind.TIGHTEN_ACCESS, path=target), ALICE)
        ws.service.approve(action_id, ALICE)
        with at_checkpoints(crash), pytest.raises(_Crash):
            ws.service.apply(ALICE, [action_id])
        assert ws.actions.action(action_id).state == ActionState.EXECUTING
    with open_workspace(db, detector=detector) as ws:
        [outcome] = ws.service.apply(ALICE)  # resumes what was executing
        assert (outcome.action_id, outcome.state) == (action_id, ActionState.EXECUTED), outcome.message
        assert ws.audit.verify(None).ok
    assert _mode(target) == 0o640 and _levels(db) == {SENSITIVE_REL: ExposureLevel.GROUP}
