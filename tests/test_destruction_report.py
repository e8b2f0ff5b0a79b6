"""Issue 13: the destruction record shows who proposed, who approved and who executed each action (the
two-person control a regulator must see), and its times in a local zone (default Asia/Shanghai, set by --tz
or the site policy's [report] time_zone) beside UTC."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.action_fixtures import custos, scanned_db, write_share


@pytest.fixture(scope="module")
def db(tmp_path_factory, packs, detector) -> Path:
    """One quarantine proposed by alice, approved by bob, executed by carol."""
    tmp = tmp_path_factory.mktemp("report")
    share = write_share(tmp / "share")
    path = scanned_db(tmp / "state", share, packs, detector)
    for args in (("propose", "quarantine", "--file", share / "客户1.txt", "--as", "alice"),
                 ("approve", "1", "--as", "bob"), ("apply", "--yes", "--as", "carol")):  # fmt: skip
        result = custos(*args, "--db", path)
        assert result.returncode == 0, result.stdout + result.stderr
    return path


def _table(report: str) -> tuple[list[str], list[list[str]]]:
    rows = [[c.strip() for c in line.strip("|").split(" | ")] for line in report.splitlines() if line.startswith("| ")]
    return rows[0], rows[1:]


def test_the_record_names_proposer_approver_and_executor(db):
    report = custos("report", "destruction", "--db", db)
    assert report.returncode == 0, report.stderr
    header, [row] = _table(report.stdout)
    cells = dict(zip(header, row, strict=True))
    assert cells["提议人 Proposed by"] == "alice"
    assert cells["批准人 Approved by"] == "bob"
    assert cells["执行人 Executed by"].startswith("carol")
    html = custos("report", "destruction", "--format", "html", "--db", db).stdout
    assert "<th>提议人 Proposed by</th>" in html and "<td>alice</td>" in html


def test_times_are_local_beside_utc_asia_shanghai_by_default(db):
    header, [row] = _table(custos("report", "destruction", "--db", db).stdout)
    cells = dict(zip(header, row, strict=True))
    local, utc = cells["时间 Time (Asia/Shanghai)"], cells["时间 Time (UTC)"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00", local), local
    utc_moment = datetime.strptime(utc, "%Y-%m-%d %H:%M:%SZ").replace(tzinfo=UTC)
    local_moment = datetime.strptime(local[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) - timedelta(hours=8)
    assert local_moment == utc_moment
    assert abs(datetime.now(UTC) - utc_moment) < timedelta(minutes=10)


def test_the_zone_comes_from_tz_or_the_site_policy(db):
    header, [row] = _table(custos("report", "destruction", "--tz", "UTC", "--db", db).stdout)
    assert header[0] == "时间 Time (UTC)" and row[0].endswith("+00:00")
    policy = db.with_name("policy.toml")
    try:
        policy.write_text('[report]\ntime_zone = "America/New_York"\n', encoding="utf-8")
        os.chmod(policy, 0o644)
        report = custos("report", "destruction", "--db", db).stdout
        assert "时间 Time (America/New_York)" in report and re.search(r"\| \S+ \S+ -0[45]:00 \|", report)
        policy.write_text('[report]\ntime_zone = "Mars/Olympus"\n', encoding="utf-8")
        bad = custos("report", "destruction", "--db", db)
        assert bad.returncode == 2 and bad.stderr.count("\n") == 1
        assert "report.time_zone: unknown time zone 'Mars/Olympus'" in bad.stderr
    finally:
        policy.unlink(missing_ok=True)
    bad = custos("report", "destruction", "--tz", "shanghai", "--db", db)
    assert bad.returncode == 2 and "unknown time zone 'shanghai'" in bad.stderr and not bad.stdout
