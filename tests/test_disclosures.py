"""The seller's handover workflow on a real scanned share, real database, real keys and the real audit log:
propose → approve (a second person) → build → the buyer verifies → the receipt is recorded → local copies are
proposed for deletion; and each refusal on the way."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scanner.actions.workspace import open_workspace
from scanner.handover.disclosures import DisclosureError, DisclosureService
from scanner.handover.keys import generate_recipient_keypair, load_recipient_public
from scanner.states import ActionKind, ActionState, DisclosureEvent, DisclosureState
from tests.action_fixtures import PHONE, scanned_db
from tests.engines import (
    as_path,
    db_url_slow_on_postgresql,  # noqa: F401 - this module's db_url: PostgreSQL halves are slow
)

LEGAL = "PIPL Art. 22: transfer on the sale of the business"


@pytest.fixture
def db(tmp_path: Path, share: Path, packs, detector, db_url: str) -> Path:
    """The share scanned into SQLite and into PostgreSQL."""
    return as_path(scanned_db(tmp_path / "state", share, packs, detector, target=db_url))


@pytest.fixture
def ws(db: Path, detector):
    with open_workspace(db, detector=detector) as workspace:
        yield workspace


@pytest.fixture
def buyer(tmp_path: Path) -> tuple[Path, Path]:
    private, public = tmp_path / "buyer" / "buyer.key", tmp_path / "buyer" / "buyer.pub"
    private.parent.mkdir()
    generate_recipient_keypair(private, public)
    return private, public


def _propose(service: DisclosureService, share: Path, key: Path, reviewer: str = "alice", **selection) -> int:
    return service.propose(ActionKind.HANDOVER, recipient="买方科技有限公司", legal_basis=LEGAL,
                           reason="sale of the customer business", selection=selection or {"folder": str(share)},
                           reviewer=reviewer, recipient_key=key)  # fmt: skip


def _events(ws) -> list[dict]:
    return [r for r in ws.audit.records() if str(r["event"]).startswith(("disclosure_", "transfer_"))]


def test_a_proposal_freezes_the_files_of_the_folder_and_is_on_the_record(ws, share, buyer):
    service = DisclosureService(ws)
    disclosure_id = _propose(service, share, buyer[1])
    row = service.disclosure(disclosure_id)
    assert (row.state, row.kind, row.needs_second_person) == (DisclosureState.PROPOSED, ActionKind.HANDOVER, True)
    assert row.selection == {"folder": str(share.resolve())}
    files = service.store.files_of(disclosure_id)
    assert sorted(f.name for f in files) == ["客户0.txt", "客户1.txt", "客户2.txt"]
    assert all(f.sha256 and f.size for f in files)
    [record] = _events(ws)
    assert record["event"] == DisclosureEvent.PROPOSED
    assert record["recipient"] == "买方科技有限公司" and record["legal_basis"] == LEGAL
    assert record["proposed_by"] == "alice" and record["two_person"] is True
    assert len(record["recipient_key_sha256"]) == 64


def test_the_proposer_cannot_approve_a_handover_but_a_second_person_can(ws, share, buyer):
    service = DisclosureService(ws)
    disclosure_id = _propose(service, share, buyer[1])
    with pytest.raises(DisclosureError, match="needs a second person: alice proposed it and cannot approve it too"):
        service.approve(disclosure_id, reviewer="alice")
    service.approve(disclosure_id, reviewer="bob")
    row = service.disclosure(disclosure_id)
    assert (row.state, row.approved_by) == (DisclosureState.APPROVED, "bob")
    assert [r["event"] for r in _events(ws)] == [DisclosureEvent.PROPOSED, DisclosureEvent.APPROVED]
    with pytest.raises(DisclosureError, match="is approved, not proposed"):
        service.approve(disclosure_id, reviewer="carol")


def test_handover_and_notify_list_are_in_the_built_in_two_person_floor(ws):
    assert ws.policy.needs_second_person(ActionKind.HANDOVER)
    assert ws.policy.needs_second_person(ActionKind.NOTIFY_LIST)


def test_a_disclosure_kind_is_not_an_action(ws, share):
    from scanner.actions.service import ActionError, Proposal

    with pytest.raises(ActionError, match="is a disclosure"):
        ws.service.propose(Proposal(ActionKind.HANDOVER, path=share / "客户0.txt"), ws_actor())


def ws_actor():
    from tests.action_fixtures import ALICE

    return ALICE


def test_a_proposal_needs_files_a_key_a_legal_basis_and_one_selection(ws, share, buyer, tmp_path):
    service = DisclosureService(ws)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DisclosureError, match="holds no scanned files"):
        _propose(service, empty, buyer[1])
    with pytest.raises(DisclosureError, match="one way"):
        _propose(service, share, buyer[1], folder=str(share), marked=True)
    with pytest.raises(DisclosureError, match="legal basis"):
        service.propose(ActionKind.HANDOVER, recipient="B", legal_basis=" ", reason="r",
                        selection={"folder": str(share)}, reviewer="alice", recipient_key=buyer[1])  # fmt: skip
    with pytest.raises(DisclosureError, match="recipient-key"):
        service.propose(ActionKind.HANDOVER, recipient="B", legal_basis="l", reason="r",
                        selection={"folder": str(share)}, reviewer="alice")  # fmt: skip
    assert service.store.disclosures() == [] and _events(ws) == []


def test_marked_files_are_what_a_marked_handover_holds(ws, share, buyer):
    service = DisclosureService(ws)
    with pytest.raises(DisclosureError, match="holds no scanned files"):
        _propose(service, share, buyer[1], marked=True)
    assert len(service.mark([share / "客户0.txt", share / "客户2.txt"], reviewer="alice")) == 2
    assert service.mark([share / "客户0.txt"], reviewer="alice") == []  # already marked: no second record
    assert len(service.mark([share / "客户2.txt"], reviewer="alice", unmark=True)) == 1
    disclosure_id = _propose(service, share, buyer[1], marked=True)
    assert [f.name for f in service.store.files_of(disclosure_id)] == ["客户0.txt"]
    events = [r["event"] for r in _events(ws)]
    assert events == [DisclosureEvent.MARKED, DisclosureEvent.UNMARKED, DisclosureEvent.PROPOSED]
    with pytest.raises(DisclosureError, match="not a scanned file"):
        service.mark([share / "nope.txt"], reviewer="alice")


def test_cancel_is_recorded_and_ends_the_disclosure(ws, share, buyer):
    service = DisclosureService(ws)
    disclosure_id = _propose(service, share, buyer[1])
    service.cancel(disclosure_id, reviewer="bob", reason="deal postponed")
    row = service.disclosure(disclosure_id)
    assert (row.state, row.error) == (DisclosureState.CANCELLED, "deal postponed")
    with pytest.raises(DisclosureError, match="cancelled"):
        service.approve(disclosure_id, reviewer="bob")
    assert _events(ws)[-1]["event"] == DisclosureEvent.CANCELLED


# --- building, verifying, deleting the local copies ------------------------------------------------------
def _approved(ws, share, buyer) -> tuple[DisclosureService, int]:
    service = DisclosureService(ws)
    disclosure_id = _propose(service, share, buyer[1])
    service.approve(disclosure_id, reviewer="bob")
    return service, disclosure_id


def _receipt(package: Path, ws, buyer) -> dict:
    """What the buyer's side reports, checked with the sender's public key and the buyer's private key."""
    from scanner.handover.keys import load_recipient_private, load_sender_public
    from scanner.handover.package import verify_package

    report = verify_package(package, load_sender_public(ws.audit.public_key_path), load_recipient_private(buyer[0]))
    assert report.ok, report.problem
    return {"ok": report.ok, "manifest_sha256": report.manifest_sha256, "count": report.count}


def test_the_whole_seller_workflow(ws, share, buyer, tmp_path):
    service, disclosure_id = _approved(ws, share, buyer)
    package = tmp_path / "out" / "handover.cpkg"
    package.parent.mkdir()
    manifest = service.build_handover(disclosure_id, out=package, reviewer="carol")
    row = service.disclosure(disclosure_id)
    assert row.state == DisclosureState.BUILT and row.executed_by == "carol"
    assert (row.manifest_sha256, row.file_count) == (manifest.sha256, 3)
    assert row.total_bytes == sum((share / n).stat().st_size for n in ("客户0.txt", "客户1.txt", "客户2.txt"))
    assert row.out_path == str(package) and package.exists()
    member = manifest.members[0]
    assert member.info["findings"] >= 1 and "contact" in member.info["categories"]

    receipt = _receipt(package, ws, buyer)
    with pytest.raises(DisclosureError, match="only after the recipient verified"):
        service.propose_local_deletion(disclosure_id, reviewer="alice")
    service.record_verified(disclosure_id, verified_by="Buyer's DPO 李", receipt=receipt, reviewer="alice")
    row = service.disclosure(disclosure_id)
    assert (row.state, row.verified_by, row.verified_recorded_by) == (DisclosureState.VERIFIED, "Buyer's DPO 李",
                                                                      "alice")  # fmt: skip

    done = service.propose_local_deletion(disclosure_id, reviewer="alice")
    assert [d.refused for d in done] == [None, None, None]
    actions = [ws.actions.action(d.action_id) for d in done]
    assert {(a.kind, a.state, a.needs_second_person) for a in actions} == {
        (ActionKind.DELETE, ActionState.PROPOSED, True)}  # fmt: skip
    assert all(a.reason == f"handed over in disclosure {disclosure_id} (manifest {manifest.sha256})" for a in actions)
    from scanner.actions.service import ActionError

    with pytest.raises(ActionError, match="needs a second person"):
        ws.service.approve(actions[0].id, ws_actor())  # alice proposed the deletions

    events = [r["event"] for r in _events(ws)]
    assert events == [DisclosureEvent.PROPOSED, DisclosureEvent.APPROVED, DisclosureEvent.BUILT,
                      DisclosureEvent.VERIFIED, DisclosureEvent.LOCAL_DELETION_PROPOSED]  # fmt: skip
    built = next(r for r in _events(ws) if r["event"] == DisclosureEvent.BUILT)
    assert built["manifest_sha256"] == manifest.sha256 and built["approved_by"] == "bob"
    assert built["built_by"] == "carol" and len(built["files"]) == 3
    assert ws.audit.verify().ok

    # no personal value anywhere Custos keeps state: database (with its WAL) and audit log
    state = [p for p in ws.db.parent.iterdir() if p.is_file()]
    for path in state:
        data = path.read_bytes()
        assert PHONE.encode() not in data, path
        assert "张伟".encode() not in data, path
    assert PHONE.encode() not in package.read_bytes()  # encrypted


def test_an_unapproved_disclosure_is_not_built(ws, share, buyer, tmp_path):
    service = DisclosureService(ws)
    disclosure_id = _propose(service, share, buyer[1])
    with pytest.raises(DisclosureError, match="only an approved disclosure is built"):
        service.build_handover(disclosure_id, out=tmp_path / "p.cpkg", reviewer="carol")
    assert not (tmp_path / "p.cpkg").exists()
    assert service.disclosure(disclosure_id).state == DisclosureState.PROPOSED


def test_a_file_changed_since_the_proposal_is_refused_by_name_and_nothing_is_left(ws, share, buyer, tmp_path):
    service, disclosure_id = _approved(ws, share, buyer)
    changed = share / "客户1.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "追加\n", encoding="utf-8")
    (share / "客户2.txt").unlink()
    out = tmp_path / "p.cpkg"
    with pytest.raises(
        DisclosureError, match=r"2 of 3 files changed .*客户1\.txt.*changed.*客户2\.txt \(no longer there\)"
    ):
        service.build_handover(disclosure_id, out=out, reviewer="carol")
    assert not out.exists() and os.listdir(tmp_path).count("p.cpkg") == 0
    row = service.disclosure(disclosure_id)
    assert row.state == DisclosureState.FAILED and "客户1.txt" in row.error
    assert _events(ws)[-1]["event"] == DisclosureEvent.FAILED


def test_the_package_is_encrypted_to_the_approved_key_only(ws, share, buyer, tmp_path):
    service, disclosure_id = _approved(ws, share, buyer)
    other_private, other_public = tmp_path / "other.key", tmp_path / "other.pub"
    generate_recipient_keypair(other_private, other_public)
    with pytest.raises(DisclosureError, match="not the recipient key disclosure .* was approved with"):
        service.build_handover(disclosure_id, out=tmp_path / "p.cpkg", recipient_key=other_public, reviewer="c")
    assert load_recipient_public(buyer[1])  # the approved one still builds
    service.build_handover(disclosure_id, out=tmp_path / "p.cpkg", reviewer="carol")


def test_a_receipt_with_another_manifest_hash_is_refused(ws, share, buyer, tmp_path):
    service, disclosure_id = _approved(ws, share, buyer)
    package = tmp_path / "p.cpkg"
    service.build_handover(disclosure_id, out=package, reviewer="carol")
    receipt = _receipt(package, ws, buyer)
    wrong = {**receipt, "manifest_sha256": "0" * 64}
    with pytest.raises(DisclosureError, match="is not the one recorded when the package was built"):
        service.record_verified(disclosure_id, verified_by="buyer", receipt=wrong, reviewer="alice")
    with pytest.raises(DisclosureError, match="does not report success"):
        service.record_verified(disclosure_id, verified_by="buyer", receipt={**receipt, "ok": False}, reviewer="a")
    assert service.disclosure(disclosure_id).state == DisclosureState.BUILT
    service.record_verified(disclosure_id, verified_by="buyer", receipt=json.loads(json.dumps(receipt)), reviewer="a")


def test_a_handover_by_data_subject_holds_every_file_the_person_is_in(ws, share, buyer, tmp_path):
    from scanner.subjects.link import link_subjects
    from scanner.subjects.queries import SubjectQueries

    link_subjects(ws.store)
    queries = SubjectQueries(ws.store)
    [person] = [s for s in queries.subject_ids() if len(queries.file_ids(s)) == 3]  # one phone, in all three files
    service = DisclosureService(ws)
    disclosure_id = _propose(service, share, buyer[1], subjects=[person])
    assert service.disclosure(disclosure_id).selection == {"subjects": [person]}
    files = service.store.files_of(disclosure_id)
    assert sorted(f.name for f in files) == ["客户0.txt", "客户1.txt", "客户2.txt"]
    service.approve(disclosure_id, reviewer="bob")
    manifest = service.build_handover(disclosure_id, out=tmp_path / "p.cpkg", reviewer="carol")
    assert manifest.count == 3 and all("contact" in m.info["categories"] for m in manifest.members)


def test_a_failure_names_files_as_records_show_them(ws, tmp_path, buyer, packs, detector):
    """A file named after a person: the failure as reported and as the audit log records it masks the name (the
    database's files table holds paths as scanned, as it always has)."""
    from tests.action_fixtures import scanned_db

    share = tmp_path / "named"
    share.mkdir()
    (share / "简历_张三丰.txt").write_text(f"姓名：张三丰\n手机：{PHONE}\n", encoding="utf-8")
    db = scanned_db(tmp_path / "named-state", share, packs, detector)
    with open_workspace(db, detector=detector) as named:
        service = DisclosureService(named)
        disclosure_id = _propose(service, share, buyer[1])
        service.approve(disclosure_id, reviewer="bob")
        (share / "简历_张三丰.txt").write_text("changed\n", encoding="utf-8")
        with pytest.raises(DisclosureError, match="content changed|size or modification time") as refused:
            service.build_handover(disclosure_id, out=tmp_path / "p.cpkg", reviewer="carol")
        assert "张三丰" not in str(refused.value) and "简历" in str(refused.value)
        assert "张三丰".encode() not in named.audit.path.read_bytes()
        assert "张三丰" not in service.disclosure(disclosure_id).error


def test_run_builds_any_approved_disclosure_from_what_produce_adds(ws, buyer, tmp_path):
    """The interface the notification list uses: `run` with generated members (add_bytes)."""
    service = DisclosureService(ws)
    disclosure_id = service.propose(ActionKind.NOTIFY_LIST, recipient="买方科技有限公司", legal_basis=LEGAL,
                                    reason="notify the customers", selection={"all": True},
                                    reviewer="alice")  # fmt: skip
    service.approve(disclosure_id, reviewer="bob")

    def produce(writer) -> None:
        writer.add_bytes("notify.csv", [b"\xef\xbb\xbf", b"a,b\r\n"], {"rows": 1})

    manifest = service.run(disclosure_id, produce, recipient_key=buyer[1], out=tmp_path / "n.cpkg", reviewer="carol")
    row = service.disclosure(disclosure_id)
    assert (row.state, row.file_count, row.total_bytes) == (DisclosureState.BUILT, 1, 8)
    assert row.recipient_key_sha256 == manifest.recipient_key_fingerprint
    built = _events(ws)[-1]
    assert built["event"] == DisclosureEvent.BUILT and built["members"][0]["name"] == "notify.csv"
    with pytest.raises(DisclosureError, match="it handed over no files"):
        service.propose_local_deletion(disclosure_id, reviewer="alice")
