"""`custos scan --config` judges the zones and `custos violations` lists what it recorded, masked; a bad zone is
one line and exit 2 before anything is scanned."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.action_fixtures import custos
from tests.zone_fixtures import RESIDENT_ID, write_config, write_zone_share


@pytest.mark.slow
def test_scan_with_zones_then_list_the_violations(tmp_path: Path) -> None:
    share = write_zone_share(tmp_path / "share")
    config = write_config(tmp_path / "custos.toml")
    db = tmp_path / "state" / "custos.db"
    scanned = custos("scan", share, "--db", db, "--config", config, "--no-progress")
    assert scanned.returncode == 0, scanned.stderr
    assert "Open zone violations: 1 (high 1)" in scanned.stdout
    listed = custos("violations", "--db", db)
    assert listed.returncode == 0, listed.stderr
    (line,) = [line for line in listed.stdout.splitlines() if "forbid_entities:CN_RESIDENT_ID" in line]
    assert "公共盘" in line and "公共/名单.txt" in line and "110105********1239" in line and "open" in line
    assert RESIDENT_ID not in listed.stdout + listed.stderr + scanned.stdout + scanned.stderr
    resolved = custos("violations", "list", "--db", db, "--state", "resolved")
    assert resolved.stdout.strip() == "no zone violations matching the filter"
    other = custos("violations", "--db", db, "--zone", "外包")
    assert other.stdout.strip() == "no zone violations matching the filter"


@pytest.mark.slow
def test_a_bad_zone_is_refused_in_one_line(tmp_path: Path) -> None:
    share = write_zone_share(tmp_path / "share")
    config = write_config(tmp_path / "custos.toml", '[[zones]]\nname = "公共盘"\nglobs = ["公共/**"]\n'
                          'severity = "high"\nforbid_entities = ["CN_RESIDENT"]\n')  # fmt: skip
    db = tmp_path / "state" / "custos.db"
    done = custos("scan", share, "--db", db, "--config", config, "--no-progress")
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert str(config) in line and 'zones[1] "公共盘": forbid_entities: unknown entity type "CN_RESIDENT"' in line
    assert not db.exists()
