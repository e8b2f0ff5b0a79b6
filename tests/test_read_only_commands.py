"""Issue 13: read-only commands never create state — no vault folder, no keys, no lock files, no database when
there is none (a clear error instead) — and a missing vault master key matters only to commands that use the
vault. Each command runs as a real `custos` subprocess; the state folder is listed before and after."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from scanner.actions.service import Proposal
from scanner.actions.workspace import open_workspace
from scanner.paths import vault_dir_for, vault_key_path_for
from tests.action_fixtures import ALICE, BOB, cli_env, custos, scanned_db, write_share

NO_DAEMON = 1  # `custos status` on a database no daemon has run on
VAULT_LIST = ("vault", "list")
READ_ONLY = [
    ("findings",),
    ("export", "--format", "csv"),
    ("status",),
    ("actions", "list"),
    ("actions", "show", "1"),
    ("audit", "show"),
    ("audit", "verify"),
    VAULT_LIST,
    ("report", "destruction"),
]


def _listing(folder: Path) -> dict[str, int]:
    """Every path under ``folder`` (folders too) with its size and, for files, its content hash; what a command
    must leave as it found it (the database too: opening a current one writes nothing, issue 14)."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest())
        if p.is_file()
        else -1
        for p in folder.rglob("*")
    }


@pytest.fixture(scope="module")
def proposed(tmp_path_factory, packs, detector) -> tuple[Path, Path]:
    """A scanned database with one proposal (so the audit log and its key exist) and no vault yet."""
    tmp = tmp_path_factory.mktemp("read-only")
    share = write_share(tmp / "share")
    db = scanned_db(tmp / "state", share, packs, detector)
    with open_workspace(db) as ws:
        ws.service.propose(Proposal("mask", path=share / "客户0.txt"), ALICE)
    return db, share


@pytest.mark.parametrize("command", READ_ONLY, ids=" ".join)
def test_a_read_only_command_leaves_the_state_folder_as_it_was(proposed, command):
    db, _ = proposed
    before = _listing(db.parent)
    result = custos(*command, "--db", db)
    assert result.returncode == (NO_DAEMON if command == ("status",) else 0), result.stderr
    assert _listing(db.parent) == before
    assert not vault_dir_for(db).exists() and not vault_key_path_for(db).exists()


@pytest.mark.parametrize("command", READ_ONLY, ids=" ".join)
def test_without_a_database_a_read_only_command_says_so_and_creates_nothing(tmp_path, command):
    state = tmp_path / "state"
    db = state / "custos.db"
    result = custos(*command, "--db", db)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert str(db) in result.stderr and "no" in result.stderr and "database" in result.stderr
    assert not state.exists()


@pytest.mark.slow  # subprocesses of the CLI: seconds each (default run under 5 min)
def test_a_missing_vault_key_matters_only_to_commands_that_use_the_vault(tmp_path, packs, detector):
    share = write_share(tmp_path / "share")
    db = scanned_db(tmp_path / "state", share, packs, detector)
    key = tmp_path / "keys" / "vault.key"
    env = cli_env(CUSTOS_VAULT_KEY=str(key))
    os.environ["CUSTOS_VAULT_KEY"] = str(key)  # the workspace below fills the vault under that key
    try:
        with open_workspace(db, detector=detector) as ws:
            action_id = ws.service.propose(Proposal("quarantine", path=share / "客户1.txt"), ALICE)
            ws.service.approve(action_id, BOB)
            [outcome] = ws.service.apply(BOB, [action_id])
            assert outcome.state == "executed", outcome.message
    finally:
        del os.environ["CUSTOS_VAULT_KEY"]
    key.rename(tmp_path / "keys" / "unmounted.key")  # the key's volume is not mounted
    before = _listing(tmp_path)
    for command in (("findings",), ("actions", "list"), ("audit", "verify"), ("report", "destruction"), VAULT_LIST):
        result = custos(*command, "--db", db, env=env)
        if command == VAULT_LIST:
            assert result.returncode == 2 and result.stderr.count("\n") == 1
            assert f"master key {key} not found" in result.stderr
        else:
            assert result.returncode == 0, (command, result.stderr)
    assert _listing(tmp_path) == before and not key.exists()
