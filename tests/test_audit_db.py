"""Issue 12 item 5: the audit trail cannot be quietly rewritten or removed.

The database remembers every audit record's seq and hash; `custos audit verify` (real CLI) fails when the log
was rewritten and re-signed with the real key, cut short, emptied or deleted, and no command makes a new
signing key for an existing history.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from scanner.actions.audit_keys import canonical, parse_line, seal
from scanner.actions.service import Proposal
from scanner.actions.workspace import open_workspace
from scanner.paths import audit_key_path_for, audit_log_path_for
from scanner.store.schema import DDL, SCHEMA_VERSION
from scanner.store.store import Store
from tests.action_fixtures import ALICE, BOB, cli_env, custos, scanned_db


@pytest.fixture
def db(tmp_path: Path, share: Path, packs, detector) -> Path:
    """A database whose audit log holds a proposed, approved and executed quarantine and a pending delete."""
    path = scanned_db(tmp_path / "state", share, packs, detector)
    with open_workspace(path, detector=detector) as ws:
        quarantine = ws.service.propose(Proposal("quarantine", path=share / "客户0.txt"), ALICE)
        ws.service.approve(quarantine, BOB)
        [outcome] = ws.service.apply(BOB, [quarantine])
        assert outcome.state == "executed", outcome.message
        ws.service.propose(Proposal("delete", path=share / "客户1.txt"), ALICE)
    return path


def _verify(db: Path) -> tuple[int, str]:
    result = custos("audit", "verify", "--db", db)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout + result.stderr


def _records(db: Path) -> list[dict]:
    return [parse_line(line)[0] for line in audit_log_path_for(db).read_bytes().splitlines(keepends=True)]


def test_an_untouched_log_verifies_and_the_database_remembers_its_head(db):
    code, out = _verify(db)
    assert code == 0 and "audit log OK: 4 records" in out
    last = _records(db)[-1]
    with Store(db) as store:
        head = store.connection.execute("SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1").fetchone()
    assert tuple(head) == (last["seq"], last["hash"])


def test_an_edited_and_re_signed_log_fails_against_the_database(db):
    """The insider holds the signing key: edit who approved, re-seal every record after it. The chain and the
    signatures are sound again, so only the database's memory catches it."""
    key = Ed25519PrivateKey.from_private_bytes(audit_key_path_for(db).read_bytes())
    records = _records(db)
    prev_hash = records[0]["hash"]
    rewritten = [records[0]]
    for record in records[1:]:
        body = {k: v for k, v in record.items() if k not in ("hash", "sig")}
        if body["event"] == "approved":
            body["approved_by"] = "alice"
        resealed = seal({**body, "prev_hash": prev_hash}, key)
        rewritten.append(resealed)
        prev_hash = resealed["hash"]
    audit_log_path_for(db).write_bytes(b"".join(canonical(r) + b"\n" for r in rewritten))
    with open_workspace(db) as ws:
        ws.audit.chain = None
        assert ws.audit.verify().ok  # without the database, the forgery is perfect
    code, out = _verify(db)
    assert code == 1 and "is not the one the database remembers" in out and "rewritten" in out


def test_a_log_cut_short_fails_and_cannot_be_continued(db, share):
    log = audit_log_path_for(db)
    log.write_bytes(b"".join(log.read_bytes().splitlines(keepends=True)[:2]))
    code, out = _verify(db)
    assert code == 1 and "the log lacks (records 3–4)" in out
    proposed = custos("propose", "mask", "--file", share / "客户2.txt", "--as", "alice", "--db", db)
    assert proposed.returncode == 2 and "cut short, emptied or deleted" in proposed.stderr
    assert len(log.read_bytes().splitlines()) == 2  # nothing appended to hide the cut


def test_deleting_log_and_keys_fails_verify_and_no_key_is_made_again(db, share):
    key = audit_key_path_for(db)
    for path in (audit_log_path_for(db), key, key.with_name(key.name + ".pub")):
        path.unlink()
    code, out = _verify(db)
    assert code == 1 and "the database remembers 4 audit records the log lacks" in out
    for args in (
        ("propose", "mask", "--file", share / "客户2.txt"),
        ("approve", "2"),
        ("cancel", "2"),
    ):
        result = custos(*args, "--as", "bob", "--db", db)
        assert result.returncode == 2, args
        assert result.stderr.count("\n") == 1 and "restore the key from backup" in result.stderr
    assert not key.exists() and not audit_log_path_for(db).exists()
    with sqlite3.connect(db) as conn:  # refused before anything changed
        states = conn.execute("SELECT id, state FROM actions ORDER BY id").fetchall()
    assert states == [(1, "executed"), (2, "proposed")]


def test_an_emptied_log_with_executed_actions_fails_even_if_the_chain_table_was_emptied_too(db):
    audit_log_path_for(db).write_bytes(b"")
    code, out = _verify(db)
    assert code == 1 and "the log lacks" in out
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM audit_chain")
    code, out = _verify(db)
    assert code == 1 and "actions 1 were executed, but the log has no 'executed' record" in out


def test_records_appended_outside_custos_are_a_warning_not_silence(db):
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM audit_chain WHERE seq = (SELECT MAX(seq) FROM audit_chain)")
    code, out = _verify(db)
    assert code == 0 and "warning: the log has 1 records after record 3" in out


def test_the_destruction_report_prints_the_chain_head(db, tmp_path):
    last = _records(db)[-1]
    report = custos("report", "destruction", "--db", db)
    assert report.returncode == 0, report.stderr
    assert f"record {last['seq']}, SHA-256 {last['hash']}; the database remembers the same head" in report.stdout


def test_the_signing_key_location_is_configurable(tmp_path, share, packs, detector):
    fresh_db = scanned_db(tmp_path / "fresh", share, packs, detector)
    key = tmp_path / "keys" / "audit.key"
    env = cli_env(CUSTOS_AUDIT_KEY=str(key))
    proposed = custos("propose", "mask", "--file", share / "客户2.txt", "--as", "alice", "--db", fresh_db, env=env)
    assert proposed.returncode == 0, proposed.stderr
    assert key.exists() and key.with_name("audit.key.pub").exists()
    assert not audit_key_path_for(fresh_db).exists()  # nothing beside the database
    assert custos("audit", "verify", "--db", fresh_db, env=env).returncode == 0
    elsewhere = custos("audit", "verify", "--db", fresh_db)  # without the setting: no public key beside it
    assert elsewhere.returncode == 2 and "audit public key" in elsewhere.stderr


def test_an_older_database_gains_the_new_columns_and_tables(tmp_path):
    old_ddl = re.sub(r"(error\s+TEXT),\n\s+restore_to.*?\n\);", r"\1\n);", DDL, flags=re.S)
    old_ddl = re.sub(r"CREATE TABLE IF NOT EXISTS audit_chain.*?\);\n", "", old_ddl, flags=re.S)
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(old_ddl)
        conn.execute("INSERT INTO meta VALUES ('schema_version', '2')")
        assert "restore_to" not in {r[1] for r in conn.execute("PRAGMA table_info(actions)")}
    with Store(path) as store:
        columns = {r[1] for r in store.connection.execute("PRAGMA table_info(actions)")}
        version = store.connection.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
        assert store.connection.execute("SELECT COUNT(*) FROM audit_chain").fetchone()[0] == 0
    assert {"restore_to", "restore_overwrite"} <= columns and version == str(SCHEMA_VERSION)
