"""Actions run on the host that owns the file: proposed and approved anywhere, executed only by that host (its
daemon's action runner, or `custos apply` there); every other host refuses, naming the owner."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from scanner.actions.service import ActionError, Proposal
from scanner.actions.workspace import Workspace, open_workspace
from scanner.daemon.action_runner import ActionRunner
from scanner.daemon.config import ConfigError, config_from_args
from scanner.review.plans import apply_plan
from scanner.states import ActionKind, ActionState
from scanner.store.engine import database_argument
from tests.action_fixtures import ALICE, BOB, PHONE, scanned_db, write_share
from tests.engines import BOTH_ENGINES_SLOW_ON_POSTGRESQL, install_company_key

POSTGRES_SLOW = [pytest.mark.postgres, pytest.mark.slow]


@contextmanager
def on_host(monkeypatch, tmp_path: Path, host: str, db: str, detector) -> Iterator[Workspace]:
    """A workspace as host ``host`` opens it: its own id and state folder (vault, audit key), the shared store."""
    monkeypatch.setenv("CUSTOS_HOST_ID", host)
    monkeypatch.setenv("CUSTOS_HOME", str(tmp_path / f"state-{host}"))
    install_company_key(tmp_path / f"state-{host}")
    with open_workspace(database_argument(db), detector=detector) as ws:
        yield ws


def scan_as(monkeypatch, tmp_path: Path, host: str, db: str, packs, detector) -> Path:
    monkeypatch.setenv("CUSTOS_HOST_ID", host)
    monkeypatch.setenv("CUSTOS_HOME", str(tmp_path / f"state-{host}"))
    install_company_key(tmp_path / f"state-{host}")
    share = write_share(tmp_path / f"share-{host}", count=2)
    scanned_db(tmp_path / f"state-{host}", share, packs, detector, target=db)
    return share


def proposed_mask(ws: Workspace, share: Path) -> int:
    """alice proposes masking 客户0.txt of ``share`` (found by its root: rel paths repeat across hosts)."""
    row = ws.store.connection.execute(
        "SELECT id FROM files WHERE root = ? AND rel_path = ?", (str(share), "客户0.txt")
    ).fetchone()
    ids = tuple(f.id for f in ws.actions.active_findings_of(row[0]))
    return ws.service.propose(Proposal(ActionKind.MASK, finding_ids=ids), ALICE)


@pytest.mark.postgres
@pytest.mark.slow
def test_a_mask_on_host_b_is_refused_elsewhere_and_run_by_b(pg_url, tmp_path, monkeypatch, packs, detector):
    share_b = scan_as(monkeypatch, tmp_path, "host-b", pg_url, packs, detector)
    scan_as(monkeypatch, tmp_path, "host-a", pg_url, packs, detector)
    with on_host(monkeypatch, tmp_path, "reviewer", pg_url, detector) as ws:
        action_id = proposed_mask(ws, share_b)
        assert ws.actions.action(action_id).host == "host-b"  # the file's host, not the proposer's
        ws.service.approve(action_id, BOB)
        with pytest.raises(ActionError, match="action .* belongs to host host-b: only host-b executes it.*this is host"
                                              " reviewer"):  # fmt: skip
            ws.service.apply(BOB, [action_id])
        assert ws.service.apply(BOB, None) == []  # nothing of this host's to do
        approved, why = apply_plan(ws.actions, None)
        assert approved == [] and "host-b" in why[0]
    with on_host(monkeypatch, tmp_path, "host-a", pg_url, detector) as ws:
        assert ActionRunner(ws).run_due() == []  # host A's daemon leaves it alone
        assert ws.actions.action(action_id).state == ActionState.APPROVED
    assert PHONE in (share_b / "客户0.txt").read_text(encoding="utf-8")
    with on_host(monkeypatch, tmp_path, "host-b", pg_url, detector) as ws:
        [outcome] = ActionRunner(ws).run_due()
        assert outcome.state == ActionState.EXECUTED, outcome.message
        action = ws.actions.action(action_id)
        assert action.state == ActionState.EXECUTED and action.executed_by == "custos-watch@host-b"
        assert ActionRunner(ws).run_due() == []
        executed = [r for r in ws.audit.records() if r["event"] == ActionState.EXECUTED]
        assert [r.get("action_id") for r in executed] == [action_id]
        assert ws.audit.verify().ok
    assert PHONE not in (share_b / "客户0.txt").read_text(encoding="utf-8")
    assert PHONE in (tmp_path / "share-host-a" / "客户0.txt").read_text(encoding="utf-8")


@BOTH_ENGINES_SLOW_ON_POSTGRESQL
def test_the_daemon_runner_applies_its_hosts_approved_actions(db_url, tmp_path, monkeypatch, packs, detector):
    share = scan_as(monkeypatch, tmp_path, "files-1", db_url, packs, detector)
    with on_host(monkeypatch, tmp_path, "files-1", db_url, detector) as ws:
        runner = ActionRunner(ws)
        action_id = proposed_mask(ws, share)
        assert runner.run_due() == []  # proposed, not approved: nothing is done
        ws.service.approve(action_id, BOB)
        [outcome] = runner.run_due()
        assert (outcome.action_id, outcome.state) == (action_id, ActionState.EXECUTED)
    assert PHONE not in (share / "客户0.txt").read_text(encoding="utf-8")
    assert PHONE in (share / "客户1.txt").read_text(encoding="utf-8")


@pytest.mark.postgres
@pytest.mark.slow
def test_an_access_change_is_proposed_only_on_the_files_host(pg_url, tmp_path, monkeypatch, packs, detector):
    share_b = scan_as(monkeypatch, tmp_path, "host-b", pg_url, packs, detector)
    (share_b / "客户0.txt").chmod(0o644)
    with on_host(monkeypatch, tmp_path, "reviewer", pg_url, detector) as ws:
        file_id = ws.store.connection.execute("SELECT id FROM files WHERE rel_path = '客户0.txt'").fetchone()[0]
        with pytest.raises(ActionError, match="is on host host-b: who can read it is checked there"):
            ws.service.propose(Proposal(ActionKind.TIGHTEN_ACCESS, file_id=file_id), ALICE)
        whole = ws.service.propose(Proposal(ActionKind.QUARANTINE, file_id=file_id), ALICE)  # any host, by id
        assert ws.actions.action(whole).host == "host-b"


def test_execute_actions_is_auto_true_or_false(tmp_path):
    share = write_share(tmp_path / "share", count=1)
    assert config_from_args([share]).execute_actions == "auto"
    assert not config_from_args([share], database=tmp_path / "custos.db").runs_actions()  # SQLite: custos apply
    url = database_argument("postgresql://custos@db.example/custos")
    assert dataclasses.replace(config_from_args([share]), database=url).runs_actions()  # reviewers are elsewhere
    assert config_from_args([share], execute_actions=True).runs_actions()
    with pytest.raises(ConfigError, match='execute_actions: expected true, false or "auto"'):
        config_from_args([share], execute_actions="yes")
