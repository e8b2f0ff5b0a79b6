"""Issue 12 item 4: the two-person rule and retention cannot be weakened by whoever runs the command.

Action policy lives in one site policy file merged onto a built-in floor, only towards stricter; rule packs
carrying [policy.actions] are refused; purge and restore are approved actions like any other.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scanner.actions.policy import BUILTIN_SECOND_PERSON, MIN_VAULT_RETENTION_DAYS, PolicyError
from scanner.actions.service import ActionError, Proposal
from scanner.actions.site_policy import load_site_policy
from scanner.actions.workspace import open_workspace
from scanner.detect.rulepack import RulePackError, load_pack
from tests.action_fixtures import ALICE, BOB, custos

WEAKENING_PACK = """\
pack_id = "site-weakener"
version = "1.0.0"

[policy.actions]
second_person = []
vault_retention_days = 0
"""


def _policy_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    os.chmod(path, 0o644)
    return path


# --- the site policy file ------------------------------------------------------------------------------------
def test_without_a_site_file_the_builtin_floor_applies(tmp_path):
    policy = load_site_policy(tmp_path / "absent.toml")
    assert {"delete", "quarantine", "purge"} <= policy.second_person
    assert policy.vault_retention_days == MIN_VAULT_RETENTION_DAYS


def test_a_site_file_setting_only_retention_keeps_quarantine_and_delete_two_person(tmp_path):
    policy = load_site_policy(_policy_file(tmp_path, "[actions]\nvault_retention_days = 90\n"))
    assert policy.vault_retention_days == 90
    for kind in ("delete", "quarantine", "purge"):
        assert policy.needs_second_person(kind), kind
    assert policy.default_for("CN_RESIDENT_ID", "sensitive") == "mask"  # built-in defaults kept, key by key


def test_a_site_file_can_add_kinds_but_an_empty_list_removes_none(tmp_path):
    added = load_site_policy(_policy_file(tmp_path, '[actions]\nsecond_person = ["mask"]\n'))
    assert added.second_person == BUILTIN_SECOND_PERSON | {"mask"}
    emptied = load_site_policy(_policy_file(tmp_path, "[actions]\nsecond_person = []\n"))
    assert emptied.second_person == BUILTIN_SECOND_PERSON
    assert emptied.needs_second_person("delete") and emptied.needs_second_person("quarantine")


def test_default_proposals_merge_by_key(tmp_path):
    policy = load_site_policy(_policy_file(tmp_path, '[actions]\ndefault_by_entity = { CN_PASSPORT = "delete" }\n'))
    assert policy.default_for("CN_PASSPORT", "sensitive") == "delete"
    assert policy.default_for("CN_BANK_CARD", "sensitive") == "mask"  # the built-in entry is still there


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[actions]\nsecond_persons = []\n", "unknown key actions.second_persons"),
        ("[policy.actions]\nsecond_person = []\n", "unknown key policy"),
        ("[actions]\nvault_retention_days = 7\n", "below the minimum of 30 days"),
        ("[actions]\nvault_retention_days = true\n", "whole number of days"),
        ('[actions]\nsecond_person = ["shred"]\n', "unknown kinds ['shred']"),
        ('[actions]\ndefault_by_sensitivity = { secret = "mask" }\n', "not a sensitivity"),
        ('[actions]\ndefault_by_entity = { CN_MOBILE = "retain" }\n', "a default proposal is one of"),
        ("[actions\n", "not valid TOML"),
    ],
)
def test_a_bad_site_file_is_one_clear_error_naming_file_and_key(tmp_path, text, message):
    path = _policy_file(tmp_path, text)
    with pytest.raises(PolicyError, match="^" + str(path)) as caught:
        load_site_policy(path)
    assert message in str(caught.value)


def test_a_site_file_others_can_write_is_refused(tmp_path):
    path = _policy_file(tmp_path, "[actions]\nvault_retention_days = 60\n")
    os.chmod(path, 0o666)
    with pytest.raises(PolicyError, match="writable by group or others"):
        load_site_policy(path)


# --- rule packs never carry action policy ---------------------------------------------------------------------
def test_a_rule_pack_with_action_policy_is_refused(tmp_path):
    (tmp_path / "weak.toml").write_text(WEAKENING_PACK, encoding="utf-8")
    with pytest.raises(RulePackError, match=r"\[policy.actions\] is not allowed in a rule pack"):
        load_pack(tmp_path / "weak.toml")


@pytest.mark.slow  # subprocesses of the CLI: seconds each (default run under 5 min)
def test_cli_rules_pack_cannot_let_one_person_approve_their_own_delete(tmp_path, db, share):
    """The attack from the issue, through the real CLI: propose, then self-approve with a weakening pack."""
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "weak.toml").write_text(WEAKENING_PACK, encoding="utf-8")
    proposed = custos("propose", "delete", "--file", share / "客户0.txt", "--as", "alice", "--db", db)
    assert proposed.returncode == 0, proposed.stderr
    assert "needs a second person" in proposed.stdout
    weakened = custos("approve", "1", "--as", "alice", "--db", db, "--rules", packs)
    assert weakened.returncode == 2
    assert weakened.stderr.count("\n") == 1 and "[policy.actions] is not allowed in a rule pack" in weakened.stderr
    self_approved = custos("approve", "1", "--as", "alice", "--db", db)
    assert self_approved.returncode == 2 and "needs a second person" in self_approved.stderr
    listing = custos("actions", "list", "--db", db)
    assert " proposed " in listing.stdout and "approved" not in listing.stdout.splitlines()[1]
    approved = custos("approve", "1", "--as", "bob", "--db", db)
    assert approved.returncode == 0, approved.stderr


def test_cli_site_file_with_only_retention_keeps_quarantine_two_person(tmp_path, db, share):
    _policy_file(db.parent, "[actions]\nvault_retention_days = 60\n")
    proposed = custos("propose", "quarantine", "--file", share / "客户1.txt", "--as", "alice", "--db", db)
    assert proposed.returncode == 0 and "needs a second person" in proposed.stdout
    self_approved = custos("approve", "1", "--as", "alice", "--db", db)
    assert self_approved.returncode == 2 and "needs a second person" in self_approved.stderr


def test_cli_a_bad_site_file_stops_every_action_command_with_one_line(db):
    _policy_file(db.parent, "[actions]\nsecond_person = []\nretention = 1\n")
    result = custos("actions", "list", "--db", db)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "unknown key actions.retention" in result.stderr


def test_help_states_the_rule_as_enforced():
    text = " ".join(custos("approve", "--help").stdout.split())
    assert "delete, handover, notify_list, purge, quarantine (plus any kinds the site policy file adds)" in text
    assert "restore needs a second person whenever the action it undoes did" in text
    assert "Rule packs cannot change this" in text


# --- purge and restore are approved actions ---------------------------------------------------------------------
def _quarantined(db: Path, share: Path, detector, name: str = "客户2.txt", kind: str = "quarantine") -> str:
    with open_workspace(db, detector=detector) as ws:
        action_id = ws.service.propose(Proposal(kind, path=share / name), ALICE)
        ws.service.approve(action_id, BOB)
        [outcome] = ws.service.apply(BOB, [action_id])
        assert outcome.state == "executed", outcome.message
        return ws.actions.action(action_id).vault_id


def _age(db: Path, vault_id: str, days: int) -> None:
    """Back-date a vault item's storing time (its authenticated metadata), as if it had been kept ``days``."""
    with open_workspace(db) as ws:
        item = ws.vault.item(vault_id)
        old = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="microseconds")
        ws.vault._write_metadata(replace(item, stored_at=old))


def test_purge_without_an_approved_proposal_is_refused(db, share, detector):
    vault_id = _quarantined(db, share, detector)
    _age(db, vault_id, MIN_VAULT_RETENTION_DAYS + 1)
    result = custos("vault", "purge", vault_id, "--yes", "--as", "alice", "--db", db)
    assert result.returncode == 2 and f"no approved purge for vault item {vault_id}" in result.stderr
    with open_workspace(db) as ws:
        assert not ws.vault.item(vault_id).purged


def test_purge_respects_the_minimum_retention(db, share, detector):
    vault_id = _quarantined(db, share, detector)
    young = custos("propose", "purge", "--vault", vault_id, "--as", "alice", "--db", db)
    assert young.returncode == 2 and "must be kept until" in young.stderr
    _policy_file(db.parent, "[actions]\nvault_retention_days = 90\n")
    _age(db, vault_id, 45)  # past the built-in 30 days, not the site's 90
    assert "90 days" in custos("propose", "purge", "--vault", vault_id, "--as", "alice", "--db", db).stderr


@pytest.mark.slow  # over 1.5 s: the default run keeps to its five minutes
def test_purge_needs_a_second_person_then_crypto_shreds(db, share, detector):
    vault_id = _quarantined(db, share, detector)
    _age(db, vault_id, MIN_VAULT_RETENTION_DAYS + 1)
    proposed = custos("propose", "purge", "--expired", "--as", "alice", "--db", db)
    assert proposed.returncode == 0 and vault_id in proposed.stdout and "needs a second person" in proposed.stdout
    assert custos("approve", "2", "--as", "alice", "--db", db).returncode == 2
    assert custos("approve", "2", "--as", "bob", "--db", db).returncode == 0
    purged = custos("vault", "purge", "--yes", "--as", "bob", "--db", db)
    assert purged.returncode == 0, purged.stdout + purged.stderr
    with open_workspace(db) as ws:
        assert ws.vault.item(vault_id).purged
        [record] = [r for r in ws.audit.records(event="executed") if r.get("action") == "purge"]
        assert (record["proposed_by"], record["approved_by"], record["vault_id"]) == ("alice", "bob", vault_id)
        assert ws.audit.verify().ok


@pytest.mark.slow  # subprocesses of the CLI: seconds each (default run under 5 min)
def test_restore_needs_the_approval_the_quarantine_needed(db, share, detector):
    path = share / "客户2.txt"
    original = path.read_bytes()
    vault_id = _quarantined(db, share, detector)
    assert not path.exists()
    unapproved = custos("restore", vault_id, "--as", "alice", "--db", db)
    assert unapproved.returncode == 2 and "no approved restore" in unapproved.stderr and not path.exists()
    proposed = custos("propose", "restore", "--vault", vault_id, "--as", "alice", "--db", db)
    assert proposed.returncode == 0 and "needs a second person" in proposed.stdout
    assert custos("approve", "2", "--as", "alice", "--db", db).returncode == 2
    assert not path.exists()
    assert custos("approve", "2", "--as", "bob", "--db", db).returncode == 0
    restored = custos("restore", vault_id, "--as", "bob", "--db", db)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert path.read_bytes() == original


@pytest.mark.slow  # over 2 s: the default run keeps to its five minutes
def test_restore_of_a_masked_original_follows_the_mask_rule(db, share, detector, tmp_path):
    path = share / "客户1.txt"
    original = path.read_bytes()
    vault_id = _quarantined(db, share, detector, name=path.name, kind="mask")
    back = tmp_path / "back"
    proposed = custos("propose", "restore", "--vault", vault_id, "--to", back, "--as", "alice", "--db", db)
    assert proposed.returncode == 0 and "needs a second person" not in proposed.stdout
    assert custos("approve", "2", "--as", "alice", "--db", db).returncode == 0  # mask is one-person: so is this
    restored = custos("restore", vault_id, "--as", "alice", "--db", db)
    assert restored.returncode == 0, restored.stderr
    assert back.joinpath(*path.parts[1:]).read_bytes() == original
    _policy_file(db.parent, '[actions]\nsecond_person = ["restore"]\n')
    again = custos("propose", "restore", "--vault", vault_id, "--to", tmp_path / "again", "--as", "alice", "--db", db)
    assert again.returncode == 0 and "needs a second person" in again.stdout


def test_a_stricter_site_policy_applies_to_proposals_already_made(db, share):
    with open_workspace(db) as ws:
        action_id = ws.service.propose(Proposal("mask", path=share / "客户0.txt"), ALICE)
        assert not ws.actions.action(action_id).needs_second_person
    _policy_file(db.parent, '[actions]\nsecond_person = ["mask"]\n')
    with open_workspace(db) as ws, pytest.raises(ActionError, match="needs a second person"):
        ws.service.approve(action_id, ALICE)
