"""Zone policies under a running `custos watch`: a file with a resident ID dropped into 公共/ is recorded as a
violation within seconds, once, masked; removing the file resolves it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scanner.states import ViolationState
from tests.test_daemon import Daemon, _config, query, status_text, wait_for
from tests.zone_fixtures import RESIDENT_ID, ZONES_TOML


@pytest.mark.slow
def test_an_id_dropped_into_the_public_folder_is_a_violation_within_5_s(tmp_path: Path) -> None:
    share = tmp_path / "share"
    (share / "公共").mkdir(parents=True)
    config = _config(tmp_path, share)
    config.write_text(config.read_text(encoding="utf-8") + ZONES_TOML, encoding="utf-8")
    daemon = Daemon(tmp_path, config)
    try:
        dropped = time.monotonic()
        (share / "公共" / "名单.txt").write_text(f"客户：张伟\n身份证：{RESIDENT_ID}\n", encoding="utf-8")
        opened = "SELECT id, rule, previews FROM zone_violations WHERE state = ?"
        wait_for(lambda: query(daemon.db, opened, ViolationState.OPEN), timeout=5, what="violation", daemon=daemon)
        took = time.monotonic() - dropped
        (row,) = query(daemon.db, opened, ViolationState.OPEN)
        assert row[1] == "forbid_entities:CN_RESIDENT_ID" and RESIDENT_ID not in row[2] and "*" in row[2]
        print(f"violation recorded {took:.2f} s after the file was written")
        assert "violations:  1 (high 1) open" in status_text(daemon.db)

        (share / "公共" / "名单.txt").unlink()
        resolved = "SELECT id FROM zone_violations WHERE state = ?"
        wait_for(lambda: query(daemon.db, resolved, ViolationState.RESOLVED), timeout=10, what="resolved",
                 daemon=daemon)  # fmt: skip
        assert query(daemon.db, "SELECT COUNT(*) FROM zone_violations")[0][0] == 1
    finally:
        assert daemon.stop() == 0
    assert RESIDENT_ID not in daemon.logs_all()
