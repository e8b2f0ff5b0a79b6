"""Executor on real files: one action of each kind carried out, a changed file refused as stale, a refusal
recorded as failed with nothing changed, and an interrupted quarantine finished by `resume`."""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scanner.actions.audit import AuditLog
from scanner.actions.detection import ScannerDetection
from scanner.actions.execute import TEMP_PREFIX, Executor
from scanner.actions.rewrite.registry import rewriter_for
from scanner.actions.vault import Vault
from scanner.build import build_scanner
from scanner.paths import audit_key_path_for, audit_log_path_for, vault_dir_for, vault_key_path_for
from scanner.store.actions import ActionStateError, ActionStore
from scanner.store.audit_chain import AuditChain
from scanner.store.store import Store
from tests.action_fixtures import BOB, PHONE, write_share

MAIL = "mail.eml"  # read by the email extractor, which has no rewriter: it cannot be masked in place


@pytest.fixture
def share(tmp_path: Path) -> Path:
    root = write_share(tmp_path / "share")
    (root / MAIL).write_text(f"From: a@example.com\nSubject: hi\n\n手机：{PHONE}\n", encoding="utf-8")
    return root


@dataclass
class Bench:
    executor: Executor
    actions: ActionStore
    audit: AuditLog
    vault: Vault
    share: Path

    def approved(self, rel_path: str, kind: str, **extra) -> int:
        """An approved action on every active finding of ``rel_path`` (as proposing and approving record it)."""
        con = self.actions.store.connection
        file_id = con.execute("SELECT id FROM files WHERE rel_path = ?", (rel_path,)).fetchone()[0]
        action_id = self.actions.insert_proposal(
            kind=kind, file=self.actions.file_by_id(file_id),
            finding_ids=[f.id for f in self.actions.active_findings_of(file_id)], reason=None,
            retain_until=extra.get("retain_until"), needs_second_person=True, proposed_by="alice", os_user="alice",
        )  # fmt: skip
        self.actions.move(action_id, ("proposed",), "approved", approved_by="bob")
        return action_id

    def run(self, action_id: int):
        return self.executor.execute(self.actions.action(action_id), BOB)

    def finding_states(self, action_id: int) -> set[str]:
        return {f.state for f in self.actions.findings(self.actions.action(action_id).finding_ids)}

    def events(self, event: str) -> list[dict]:
        return list(self.audit.records(event=event))


@pytest.fixture
def bench(db: Path, share: Path, packs, detector) -> Iterator[Bench]:
    with Store(db) as store:
        actions = ActionStore(store)
        audit = AuditLog(audit_log_path_for(db), audit_key_path_for(db), AuditChain(store))
        open_vault = functools.cache(lambda: Vault(vault_dir_for(db), vault_key_path_for(db)))
        detection = ScannerDetection(lambda: build_scanner(store, db, packs, detector=detector))
        executor = Executor(actions, audit, open_vault, detection, rewriter_for, db.with_name("custos.work"))
        yield Bench(executor, actions, audit, open_vault(), share)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_mask_rewrites_the_file_keeps_the_original_in_the_vault_and_closes_the_findings(bench, tmp_path):
    target = bench.share / "客户0.txt"
    original = target.read_bytes()
    action_id = bench.approved("客户0.txt", "mask")
    outcome = bench.run(action_id)
    assert outcome.state == "executed", outcome.message
    masked = target.read_text(encoding="utf-8")
    assert PHONE not in masked and "张伟" not in masked and "编号 0" in masked
    row = bench.actions.action(action_id)
    assert row.state == "executed" and row.sha256_after == sha256(target.read_bytes())
    assert bench.vault.restore(row.vault_id, tmp_path / "back.txt").read_bytes() == original
    assert bench.finding_states(action_id) == {"masked"}
    assert [r["action_id"] for r in bench.events("executed")] == [action_id]
    assert not [n for n in os.listdir(bench.share) if n.startswith(TEMP_PREFIX)]
    rescanned = bench.actions.file_by_id(row.file_id)
    assert rescanned.sha256 == row.sha256_after and bench.actions.active_findings_of(row.file_id) == []


def test_quarantine_moves_the_file_into_the_vault(bench, tmp_path):
    target = bench.share / "客户1.txt"
    original = target.read_bytes()
    action_id = bench.approved("客户1.txt", "quarantine")
    assert bench.run(action_id).state == "executed"
    row = bench.actions.action(action_id)
    assert not target.exists()
    assert bench.vault.restore(row.vault_id, tmp_path / "back.txt").read_bytes() == original
    assert bench.actions.file_by_id(row.file_id).status == "quarantined"
    assert bench.finding_states(action_id) == {"quarantined"}


def test_delete_overwrites_and_unlinks_the_file_and_audits_what_it_overwrote(bench):
    target = bench.share / "客户2.txt"
    size = target.stat().st_size
    action_id = bench.approved("客户2.txt", "delete")
    assert bench.run(action_id).state == "executed"
    assert not target.exists()
    row = bench.actions.action(action_id)
    assert bench.vault.verify(row.vault_id)  # kept until purged
    assert bench.actions.file_by_id(row.file_id).status == "deleted"
    [record] = bench.events("executed")
    assert record["bytes_overwritten"] == size and record["action"] == "delete"


def test_retain_and_false_positive_change_only_the_database(bench):
    before = {p.name: p.read_bytes() for p in bench.share.iterdir()}
    retain = bench.approved("客户0.txt", "retain", retain_until="2030-01-01")
    dismiss = bench.approved("客户1.txt", "false_positive")
    assert bench.run(retain).state == "executed" and bench.run(dismiss).state == "executed"
    assert bench.finding_states(retain) == {"retained"} and bench.finding_states(dismiss) == {"dismissed"}
    suppressed = bench.actions.store.connection.execute("SELECT action_id FROM suppressions").fetchall()
    assert {r[0] for r in suppressed} == {dismiss}
    assert {p.name: p.read_bytes() for p in bench.share.iterdir()} == before
    assert not bench.vault.items()


@pytest.mark.parametrize("change", ["content", "same size and mtime"])
def test_a_file_changed_since_the_scan_is_refused_as_stale(bench, change):
    target = bench.share / "客户0.txt"
    action_id = bench.approved("客户0.txt", "delete")
    st = target.stat()
    edited = target.read_bytes().replace(PHONE.encode(), b"13700137000")
    if change == "content":
        target.write_bytes(edited + b"more\n")
    else:  # only the hash can tell
        target.write_bytes(edited)
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    outcome = bench.run(action_id)
    assert outcome.state == "stale" and "changed since it was scanned" in outcome.message
    assert target.exists() and target.read_bytes().startswith(edited)
    row = bench.actions.action(action_id)
    assert row.state == "stale" and row.vault_id is None and not bench.vault.items()
    assert [r["action_id"] for r in bench.events("stale")] == [action_id]
    # rescanned by content, even with size and mtime as scanned: a new proposal names what the file holds now
    assert bench.actions.file_by_id(row.file_id).sha256 == sha256(target.read_bytes())


def test_a_refused_action_is_recorded_failed_and_the_file_is_left_as_it_was(bench, tmp_path):
    target = bench.share / "客户1.txt"
    original = target.read_bytes()
    os.link(target, tmp_path / "second-name.txt")  # another name for the inode: it cannot be removed safely
    action_id = bench.approved("客户1.txt", "quarantine")
    outcome = bench.run(action_id)
    assert outcome.state == "failed" and "link" in outcome.message
    assert target.read_bytes() == original
    row = bench.actions.action(action_id)
    assert row.state == "failed" and row.error == outcome.message and row.vault_id is None
    assert bench.finding_states(action_id) == {"active"}
    [record] = bench.events("failed")
    assert record["action_id"] == action_id and record["error"] == outcome.message


def test_masking_a_format_without_a_rewriter_fails_and_leaves_the_file(bench):
    target = bench.share / MAIL
    original = target.read_bytes()
    action_id = bench.approved(MAIL, "mask")
    outcome = bench.run(action_id)
    assert outcome.state == "failed" and "cannot be masked in place" in outcome.message
    assert target.read_bytes() == original and bench.finding_states(action_id) == {"active"}


def test_only_an_approved_action_is_executed(bench):
    con = bench.actions.store.connection
    file_id = con.execute("SELECT id FROM files WHERE rel_path = '客户0.txt'").fetchone()[0]
    action_id = bench.actions.insert_proposal(
        kind="delete", file=bench.actions.file_by_id(file_id), finding_ids=[], reason=None, retain_until=None,
        needs_second_person=True, proposed_by="alice", os_user="alice",
    )  # fmt: skip
    with pytest.raises(ActionStateError, match="is proposed, not approved"):
        bench.run(action_id)
    assert (bench.share / "客户0.txt").exists() and bench.events("executed") == []


def test_resume_finishes_a_quarantine_interrupted_after_the_file_was_unlinked(bench, tmp_path):
    target = bench.share / "客户2.txt"
    original = target.read_bytes()
    action_id = bench.approved("客户2.txt", "quarantine")
    bench.actions.move(action_id, ("approved",), "executing")  # a crash after these steps:
    item = bench.vault.put(target, expected_sha256=sha256(original))
    bench.actions.set_columns(action_id, vault_id=item.id)
    target.unlink()
    outcome = bench.executor.resume(bench.actions.action(action_id), BOB)
    assert outcome.state == "executed"
    row = bench.actions.action(action_id)
    assert row.state == "executed" and row.vault_id == item.id and len(bench.vault.items()) == 1
    assert bench.actions.file_by_id(row.file_id).status == "quarantined"
    assert bench.vault.restore(item.id, tmp_path / "back.txt").read_bytes() == original


def test_the_outcome_and_records_name_the_file_by_its_shown_path(bench):
    action_id = bench.approved("客户0.txt", "retain", retain_until="2030-01-01")
    outcome = bench.run(action_id)
    shown = bench.actions.action(action_id).shown_path
    assert outcome.target == shown and outcome.action_id == action_id and outcome.kind == "retain"
    assert bench.events("executed")[0]["target"] == shown
