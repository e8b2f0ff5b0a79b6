"""A zone's `max_exposure` judged from the exposure recorded at scan time: an other-readable file with a resident
ID in 公共/ breaks `max_exposure = "group"`; tightening its access (the action) resolves the violation, and so
does a chmod seen by the next scan."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.actions.service import Proposal
from scanner.actions.workspace import open_workspace
from scanner.states import ActionKind, ActionState, ViolationState
from scanner.store.store import Store
from scanner.store.violations import ViolationStore
from tests.action_fixtures import ALICE
from tests.zone_fixtures import write_config, write_zone_share, zone_scan

ZONE = """
[[zones]]
name = "公共盘"
globs = ["公共/**"]
severity = "high"
max_exposure = "group"
"""
RULE = "max_exposure:group"


@pytest.fixture
def zoned(tmp_path: Path):
    share = write_zone_share(tmp_path / "share")
    (share / "公共" / "名单.txt").chmod(0o644)
    return share, tmp_path / "state" / "custos.db", write_config(tmp_path / "custos.toml", ZONE)


def _rules(db: Path, state: str) -> list[str]:
    with Store(db) as store:
        return [v.rule for v in ViolationStore(store).violations(state=state)]


def test_max_exposure_is_judged_at_scan_time_and_a_chmod_resolves_it(zoned, packs, detector) -> None:
    share, db, config = zoned
    zone_scan(db, share, config, packs, detector)
    assert _rules(db, ViolationState.OPEN) == [RULE]
    (share / "公共" / "名单.txt").chmod(0o640)  # the owning group may read: "group" is allowed
    zone_scan(db, share, config, packs, detector)
    assert _rules(db, ViolationState.OPEN) == [] and _rules(db, ViolationState.RESOLVED) == [RULE]


def test_tightening_access_resolves_the_violation(zoned, packs, detector) -> None:
    share, db, config = zoned
    zone_scan(db, share, config, packs, detector)
    with open_workspace(db, detector=detector) as ws:
        action_id = ws.service.propose(Proposal(ActionKind.TIGHTEN_ACCESS, path=share / "公共" / "名单.txt"), ALICE)
        ws.service.approve(action_id, ALICE)
        [outcome] = ws.service.apply(ALICE, [action_id])
    assert outcome.state == ActionState.EXECUTED, outcome.message
    assert _rules(db, ViolationState.OPEN) == [] and _rules(db, ViolationState.RESOLVED) == [RULE]
