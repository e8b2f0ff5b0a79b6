"""ActionStore against a real scanned SQLite database: proposals, guarded state moves, queries, reinstatement."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.store.actions import ActionStateError, ActionStore
from scanner.store.engine import DB_ERRORS
from scanner.store.store import Store
from tests.action_fixtures import PHONE, scanned_db, write_share

NAMED = "张伟的合同.txt"  # a person's name in the file name: records show it masked


@pytest.fixture
def share(tmp_path: Path) -> Path:
    root = write_share(tmp_path / "share")
    (root / NAMED).write_text(f"手机：{PHONE}\n", encoding="utf-8")
    return root


@pytest.fixture
def db(tmp_path: Path, share: Path, packs, detector, db_url: str) -> str:
    """The share scanned into SQLite and into PostgreSQL."""
    return scanned_db(tmp_path / "state", share, packs, detector, target=db_url)


@pytest.fixture
def actions(db: str) -> Iterator[ActionStore]:
    with Store(db) as store:
        yield ActionStore(store)


def file_id(actions: ActionStore, rel_path: str) -> int:
    return actions.store.connection.execute("SELECT id FROM files WHERE rel_path = ?", (rel_path,)).fetchone()[0]


def finding_ids(actions: ActionStore, fid: int) -> list[int]:
    return [f.id for f in actions.active_findings_of(fid)]


def propose(actions: ActionStore, rel_path: str, kind: str = "quarantine", **extra) -> int:
    fid = file_id(actions, rel_path)
    fields = dict(reason=None, retain_until=None, needs_second_person=True, proposed_by="alice", os_user="alice")
    return actions.insert_proposal(
        kind=kind, file=actions.file_by_id(fid), finding_ids=finding_ids(actions, fid), **{**fields, **extra}
    )


def finding_states(actions: ActionStore, fid: int) -> list[str]:
    rows = actions.store.connection.execute("SELECT state FROM findings WHERE file_id = ? ORDER BY start", (fid,))
    return [r[0] for r in rows]


def test_a_proposal_records_the_file_as_scanned_and_its_findings(actions):
    fid = file_id(actions, "客户1.txt")
    scanned = actions.file_by_id(fid)
    action_id = propose(actions, "客户1.txt", reason="left the company")
    row = actions.action(action_id)
    assert (row.kind, row.state, row.file_id, row.proposed_by, row.reason) == (
        "quarantine", "proposed", fid, "alice", "left the company"
    )  # fmt: skip
    assert (row.file_size, row.file_mtime_ns, row.file_sha256) == (scanned.size, scanned.mtime_ns, scanned.sha256)
    assert row.finding_ids == tuple(sorted(finding_ids(actions, fid))) and len(row.finding_ids) == 2
    assert row.needs_second_person is True and row.restore_overwrite is False
    assert row.path == Path(scanned.root) / "客户1.txt"
    assert [f.entity_type for f in actions.findings(row.finding_ids)] == ["PERSON", "CN_MOBILE"]  # by offset


def test_the_shown_path_masks_a_name_found_in_the_path(actions):
    row = actions.action(propose(actions, NAMED))
    assert "张伟" not in row.shown_path and row.shown_path.endswith("的合同.txt")
    assert row.rel_path == NAMED  # the plain path stays available to act on the file


def test_a_move_happens_only_from_an_expected_state(actions):
    action_id = propose(actions, "客户0.txt")
    actions.move(action_id, ("proposed",), "approved", approved_by="bob", approved_os_user="bob")
    row = actions.action(action_id)
    assert (row.state, row.approved_by, row.approved_os_user) == ("approved", "bob", "bob")
    with pytest.raises(ActionStateError, match=f"action {action_id} is approved, not proposed"):
        actions.move(action_id, ("proposed",), "cancelled")
    assert actions.action(action_id).state == "approved"
    actions.move(action_id, ("proposed", "approved"), "cancelled", error="withdrawn")
    assert (actions.action(action_id).state, actions.action(action_id).error) == ("cancelled", "withdrawn")


def test_moving_or_reading_an_action_that_does_not_exist_is_refused(actions):
    with pytest.raises(ActionStateError, match="action 999 is missing"):
        actions.move(999, ("proposed",), "approved")
    with pytest.raises(ActionStateError, match="there is no action 999"):
        actions.action(999)
    with pytest.raises(ActionStateError, match="there is no file 999"):
        actions.file_by_id(999)


def test_two_reviewers_racing_to_approve_move_the_action_once(db, actions):
    action_id = propose(actions, "客户0.txt")
    barrier, outcomes = threading.Barrier(8), []

    def approve(who: str) -> None:
        with Store(db) as store:  # each reviewer its own connection, as two `custos approve` would
            barrier.wait()
            try:
                ActionStore(store).move(action_id, ("proposed",), "approved", approved_by=who)
                outcomes.append(("moved", who))
            except ActionStateError:
                outcomes.append(("refused", who))
            except DB_ERRORS as exc:  # busy beyond the timeout would be a bug of its own
                outcomes.append((f"error {exc}", who))

    threads = [threading.Thread(target=approve, args=(f"r{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    moved = [who for what, who in outcomes if what == "moved"]
    assert len(outcomes) == 8 and len(moved) == 1, outcomes
    assert actions.action(action_id).approved_by == moved[0]


def test_actions_are_filtered_by_state_kind_and_file_in_id_order(actions):
    first = propose(actions, "客户0.txt", kind="delete")
    second = propose(actions, "客户1.txt", kind="quarantine")
    third = propose(actions, "客户1.txt", kind="retain", retain_until="2030-01-01")
    actions.move(second, ("proposed",), "approved")
    assert [a.id for a in actions.actions()] == [first, second, third]
    assert [a.id for a in actions.actions(states=["proposed"])] == [first, third]
    assert [a.id for a in actions.actions(kinds=["retain", "delete"])] == [first, third]
    assert [a.id for a in actions.actions(file_id=file_id(actions, "客户1.txt"))] == [second, third]
    assert actions.actions(states=["approved"], kinds=["delete"]) == []
    assert actions.action(third).retain_until == "2030-01-01"


def test_an_open_action_covers_its_findings_until_it_is_closed(actions):
    fid = file_id(actions, "客户2.txt")
    ids = finding_ids(actions, fid)
    assert actions.open_action_for(ids) is None
    action_id = propose(actions, "客户2.txt")
    assert actions.open_action_for(ids[:1]) == action_id
    actions.move(action_id, ("proposed",), "approved")
    actions.move(action_id, ("approved",), "executing")
    assert actions.open_action_for(ids) == action_id
    actions.move(action_id, ("executing",), "failed", error="refused")
    assert actions.open_action_for(ids) is None


def test_vault_queries_find_the_action_that_vaulted_an_item_and_open_purges(actions):
    vault_id = "ab" * 16
    quarantine = propose(actions, "客户0.txt")
    actions.set_columns(quarantine, vault_id=vault_id)
    assert actions.action_that_vaulted(vault_id).id == quarantine
    assert actions.action_that_vaulted("cd" * 16) is None
    assert actions.open_action_for_vault(vault_id) is None  # a quarantine is not a purge or restore
    purge = propose(actions, "客户0.txt", kind="purge", vault_id=vault_id)
    assert actions.open_action_for_vault(vault_id) == purge
    actions.move(purge, ("proposed",), "cancelled")
    assert actions.open_action_for_vault(vault_id) is None


def test_retries_are_listed_under_the_action_they_retry(actions):
    failed = propose(actions, "客户0.txt")
    retry = propose(actions, "客户0.txt", retry_of=failed)
    assert [r.id for r in actions.retries_of(failed)] == [retry]
    assert actions.action(retry).retry_of == failed and actions.retries_of(retry) == []


def test_a_file_status_closes_its_active_findings_only(actions):
    fid = file_id(actions, "客户0.txt")
    [person, phone] = finding_ids(actions, fid)
    actions.set_finding_state([person], "retained")
    actions.set_file_status(fid, "quarantined")
    assert actions.file_by_id(fid).status == "quarantined"
    assert finding_states(actions, fid) == ["retained", "quarantined"]
    assert finding_states(actions, file_id(actions, "客户1.txt")) == ["active", "active"]


def test_suppressing_findings_dismisses_them_and_records_rule_value_and_path_once(actions):
    fid = file_id(actions, "客户1.txt")
    action_id = propose(actions, "客户1.txt", kind="false_positive")
    refs = actions.findings(actions.action(action_id).finding_ids)
    actions.suppress(action_id, actions.file_by_id(fid), refs)
    actions.suppress(action_id, actions.file_by_id(fid), refs)  # again: nothing doubled
    rows = actions.store.connection.execute(
        "SELECT rel_path, rule_id, fingerprint, action_id FROM suppressions ORDER BY rule_id"
    ).fetchall()
    assert [tuple(r) for r in rows] == sorted(
        [("客户1.txt", f.rule_id, f.fingerprint, action_id) for f in refs], key=lambda r: r[1]
    )
    assert finding_states(actions, fid) == ["dismissed", "dismissed"]


def test_reinstating_a_quarantine_reopens_the_findings_it_closed_and_restores_the_file_row(actions):
    fid = file_id(actions, "客户0.txt")
    scanned = actions.file_by_id(fid)
    action_id = propose(actions, "客户0.txt")
    actions.set_file_status(fid, "quarantined")
    with actions.store.transaction():  # what a rescan at the path recorded meanwhile
        actions.store.connection.execute("UPDATE files SET size = 1, sha256 = 'x' WHERE id = ?", (fid,))
    assert actions.reinstate(actions.action(action_id)) == 2
    again = actions.file_by_id(fid)
    assert (again.status, again.size, again.sha256, again.mtime_ns) == (
        "scanned", scanned.size, scanned.sha256, scanned.mtime_ns
    )  # fmt: skip
    assert finding_states(actions, fid) == ["active", "active"]


def test_reinstating_a_mask_makes_the_next_scan_read_the_file_again(actions):
    fid = file_id(actions, "客户2.txt")
    action_id = propose(actions, "客户2.txt", kind="mask")
    [person, phone] = finding_ids(actions, fid)
    actions.set_finding_state([phone], "masked")
    assert actions.reinstate(actions.action(action_id)) == 1  # the person finding was never closed by the mask
    again = actions.file_by_id(fid)
    assert again.mtime_ns is None and again.sha256 is None
    assert finding_states(actions, fid) == ["active", "active"]


def test_the_shown_note_masks_a_name_in_the_error(actions):
    action_id = propose(actions, NAMED)
    assert actions.shown_note(actions.action(action_id)) is None
    actions.set_columns(action_id, error=f"/srv/{NAMED} changed since it was scanned")
    note = actions.shown_note(actions.action(action_id))
    assert "张伟" not in note and note.endswith("的合同.txt changed since it was scanned")


def test_findings_of_no_ids_is_empty_and_encoding_is_as_scanned(actions):
    assert actions.findings([]) == []
    assert actions.file_encoding(file_id(actions, "客户0.txt")) == "utf-8"
    assert actions.file_encoding(999) is None
