"""Issue 13: after `custos restore` puts a file back on the share, its findings are active again (they do not
stay "quarantined" and vanish from `custos findings`), and a later rescan treats the file like any other.
A restore under another folder (--to DIR) does not bring the file back to the share: its findings stay."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from scanner.actions.service import Proposal
from scanner.actions.workspace import open_workspace
from tests.action_fixtures import ALICE, BOB, PHONE, custos, scanned_db


def _executed(db: Path, share: Path, detector, kind: str, name: str = "客户1.txt") -> tuple[str, list[int]]:
    """Run ``kind`` on one file (alice proposes, bob approves); its vault item and the findings it closed."""
    with open_workspace(db, detector=detector) as ws:
        action_id = ws.service.propose(Proposal(kind, path=share / name), ALICE)
        ws.service.approve(action_id, BOB)
        [outcome] = ws.service.apply(BOB, [action_id])
        assert outcome.state == "executed", outcome.message
        action = ws.actions.action(action_id)
        return action.vault_id, list(action.finding_ids)


def _restore(db: Path, vault_id: str, to: Path | None = None, overwrite: bool = False) -> str:
    """Propose and approve the restore, then run `custos restore` and return what it printed."""
    with open_workspace(db) as ws:
        proposal = Proposal("restore", vault_id=vault_id, restore_to=to, restore_overwrite=overwrite)
        ws.service.approve(ws.service.propose(proposal, ALICE), BOB)
    restored = custos("restore", vault_id, "--as", "bob", "--db", db)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    return restored.stdout


def _states(db: Path, ids: list[int]) -> set[str]:
    with sqlite3.connect(db) as conn:
        marks = ",".join("?" * len(ids))
        return {r[0] for r in conn.execute(f"SELECT state FROM findings WHERE id IN ({marks})", ids)}


def _file_row(db: Path, name: str) -> tuple[str, list[str]]:
    """The file's status and the states of all its finding rows."""
    with sqlite3.connect(db) as conn:
        file_id, status = conn.execute("SELECT id, status FROM files WHERE rel_path = ?", (name,)).fetchone()
        states = sorted(r[0] for r in conn.execute("SELECT state FROM findings WHERE file_id = ?", (file_id,)))
    return status, states


def _listed_ids(db: Path) -> set[int]:
    listing = custos("findings", "--db", db)
    assert listing.returncode == 0, listing.stderr
    return {int(line.split()[0]) for line in listing.stdout.splitlines()[1:]}


@pytest.mark.parametrize("kind", ["quarantine", "delete"])
def test_restored_findings_are_active_again_and_a_rescan_keeps_them(db, share, packs, detector, kind):
    vault_id, closed = _executed(db, share, detector, kind)
    assert not (share / "客户1.txt").exists()
    out = _restore(db, vault_id)
    assert f"{len(closed)} findings of action 1 ({kind}) are active again" in out
    assert _states(db, closed) == {"active"}
    assert _file_row(db, "客户1.txt") == ("scanned", ["active"] * len(closed))

    scanned_db(db.parent, share, packs, detector)  # a later scan: the restored file is the one scanned before
    assert _file_row(db, "客户1.txt") == ("scanned", ["active"] * len(closed))
    assert set(closed) <= _listed_ids(db)  # listed by `custos findings` again
    with open_workspace(db) as ws:  # and it can be acted on again
        assert ws.service.propose(Proposal("mask", path=share / "客户1.txt"), ALICE)


def test_a_restore_under_another_folder_leaves_the_findings_as_they_are(db, share, detector, tmp_path):
    vault_id, closed = _executed(db, share, detector, "quarantine")
    back = tmp_path / "back"
    out = _restore(db, vault_id, to=back)
    assert "findings unchanged: restored under another folder, not to its place on the share" in out
    assert back.joinpath(*(share / "客户1.txt").parts[1:]).exists() and not (share / "客户1.txt").exists()
    assert _states(db, closed) == {"quarantined"}
    assert _file_row(db, "客户1.txt")[0] == "quarantined"


def test_restoring_a_masked_original_brings_its_values_back_as_findings(db, share, packs, detector):
    path = share / "客户2.txt"
    original = path.read_bytes()
    with sqlite3.connect(db) as conn:
        before = conn.execute(
            "SELECT COUNT(*) FROM findings f JOIN files fi ON fi.id = f.file_id WHERE fi.rel_path = ?"
            " AND f.state = 'active'", (path.name,)
        ).fetchone()[0]  # fmt: skip
    vault_id, closed = _executed(db, share, detector, "mask", name=path.name)
    assert PHONE.encode() not in path.read_bytes() and _states(db, closed) == {"masked"}
    _restore(db, vault_id, overwrite=True)
    assert path.read_bytes() == original
    assert _states(db, closed) == {"active"}

    scanned_db(db.parent, share, packs, detector)  # the row described the masked copy: the file is read again
    status, states = _file_row(db, path.name)
    assert status == "scanned" and "masked" not in states and states.count("active") == before
