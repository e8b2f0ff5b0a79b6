"""Issue 18: `custos db migrate --from sqlite:///… --to postgresql://…` moves a scanned store with its actions and
audit log into PostgreSQL: every row with its id, sequences past the ids, the audit chain verifiable there and
continued by the same host; a target that holds anything is refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.actions.service import Proposal
from scanner.actions.workspace import open_workspace
from scanner.cli import main
from scanner.store.copy_store import table_order
from scanner.store.engine import connect, database_argument, parse_target
from tests.action_fixtures import ALICE, BOB, cli_env, custos, scanned_db

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

HOST = "fs-old"


@pytest.fixture
def sqlite_db(tmp_path: Path, share: Path, packs, detector, monkeypatch) -> Path:
    """A scanned SQLite store with an executed quarantine, a pending delete and their audit records."""
    monkeypatch.setenv("CUSTOS_HOST_ID", HOST)
    monkeypatch.setenv("CUSTOS_HOME", str(tmp_path / "state"))
    path = scanned_db(tmp_path / "state", share, packs, detector)
    with open_workspace(path, detector=detector) as ws:
        quarantine = ws.service.propose(Proposal("quarantine", path=share / "客户0.txt"), ALICE)
        ws.service.approve(quarantine, BOB)
        [outcome] = ws.service.apply(BOB, [quarantine])
        assert outcome.state == "executed", outcome.message
        ws.service.propose(Proposal("delete", path=share / "客户1.txt"), ALICE)
    return path


def _rows(target: str, table: str) -> list[tuple]:
    db = connect(parse_target(target))
    try:
        names = [d[0] for d in db.execute(f"SELECT * FROM {table} LIMIT 0").description]
        added = {"audit_chain": ("host", "record"), "hosts": ("signing_key_id", "public_key")}.get(table, ())
        shared = [n for n in names if n not in added]  # filled in by the move: the chain's records, the key
        order = ", ".join(f'"{n}"' for n in shared)
        rows = db.execute(f"SELECT {order} FROM {table} ORDER BY {order}").fetchall()
        return [tuple(r) for r in rows if not (table == "meta" and r[0] == "schema_version")]
    finally:
        db.close()


def test_a_scanned_store_moves_with_every_row_and_its_audit_chain(sqlite_db, pg_url, capsys, detector):
    assert main(["db", "migrate", "--from", f"sqlite://{sqlite_db}", "--to", pg_url]) == 0
    out = capsys.readouterr().out
    assert "copied into" in out and "company key" in out
    for table in table_order():  # every row, with its id, as it was
        assert _rows(pg_url, table) == _rows(str(sqlite_db), table), table
    assert len(_rows(pg_url, "findings")) > 0 and len(_rows(pg_url, "actions")) == 2
    db = connect(parse_target(pg_url))
    try:
        [(host, key_id)] = db.execute("SELECT id, signing_key_id FROM hosts WHERE public_key IS NOT NULL").fetchall()
        assert host == HOST and key_id
        assert db.execute("SELECT count(*) FROM audit_chain WHERE record IS NULL").fetchone()[0] == 0
    finally:
        db.close()

    # The same host carries on in PostgreSQL: a new action gets a new id, its record continues the chain.
    share = sqlite_db.parent.parent / "share"
    with open_workspace(database_argument(pg_url), detector=detector) as ws:
        new = ws.service.propose(Proposal("delete", path=share / "客户2.txt"), ALICE)
        assert new == 3
        result = ws.audit.verify()
        assert result.ok and result.records == 5, result.reason  # 4 migrated + the proposal

    # Migrating again is refused, and nothing changes.
    before = _rows(pg_url, "actions")
    assert main(["db", "migrate", "--from", str(sqlite_db), "--to", pg_url]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert _rows(pg_url, "actions") == before


def test_findings_and_audit_verify_work_against_the_migrated_database(sqlite_db, pg_url, tmp_path):
    env = cli_env(CUSTOS_HOME=str(tmp_path / "state"), CUSTOS_HOST_ID=HOST)
    moved = custos("db", "migrate", "--from", f"sqlite://{sqlite_db}", "--to", pg_url, env=env)
    assert moved.returncode == 0, moved.stderr
    on_sqlite = custos("findings", "--db", sqlite_db, env=env)
    on_postgresql = custos("findings", "--db", pg_url, env=env)
    assert on_postgresql.returncode == 0, on_postgresql.stderr
    assert on_postgresql.stdout == on_sqlite.stdout and "客户" in on_postgresql.stdout
    verified = custos("audit", "verify", "--db", pg_url, env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "audit log OK: 4 records" in verified.stdout


def test_a_broken_audit_log_is_not_migrated(sqlite_db, pg_url, capsys):
    log = sqlite_db.with_name("custos.audit.jsonl")
    log.write_bytes(log.read_bytes().replace(b'"bob"', b'"eve"', 1))
    assert main(["db", "migrate", "--from", str(sqlite_db), "--to", pg_url]) == 2
    assert "does not verify" in capsys.readouterr().err
    db = connect(parse_target(pg_url))
    try:
        tables = db.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'files'").fetchone()
        assert tables[0] == 0
    finally:
        db.close()
