"""Issue 13: the destruction record shows who proposed, who approved and who executed each action (the
two-person control a regulator must see), and its times in a local zone (default Asia/Shanghai, set by --tz
or the site policy's [report] time_zone) beside UTC."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.action_fixtures import cli_env, custos, scanned_db, write_share


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
    assert cells["Proposed by"] == "alice"
    assert cells["Approved by"] == "bob"
    assert cells["Executed by"].startswith("carol")
    html = custos("report", "destruction", "--format", "html", "--db", db).stdout
    assert "<th>Proposed by</th>" in html and "<td>alice</td>" in html


def test_times_are_local_beside_utc_asia_shanghai_by_default(db):
    header, [row] = _table(custos("report", "destruction", "--db", db).stdout)
    cells = dict(zip(header, row, strict=True))
    local, utc = cells["Time (Asia/Shanghai)"], cells["Time (UTC)"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00", local), local
    utc_moment = datetime.strptime(utc, "%Y-%m-%d %H:%M:%SZ").replace(tzinfo=UTC)
    local_moment = datetime.strptime(local[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) - timedelta(hours=8)
    assert local_moment == utc_moment
    assert abs(datetime.now(UTC) - utc_moment) < timedelta(minutes=10)


def test_the_zone_comes_from_tz_or_the_site_policy(db):
    header, [row] = _table(custos("report", "destruction", "--tz", "UTC", "--db", db).stdout)
    assert header[0] == "Time (UTC)" and row[0].endswith("+00:00")
    policy = db.with_name("policy.toml")
    try:
        policy.write_text('[report]\ntime_zone = "America/New_York"\n', encoding="utf-8")
        os.chmod(policy, 0o644)
        report = custos("report", "destruction", "--db", db).stdout
        assert "Time (America/New_York)" in report and re.search(r"\| \S+ \S+ -0[45]:00 \|", report)
        policy.write_text('[report]\ntime_zone = "Mars/Olympus"\n', encoding="utf-8")
        bad = custos("report", "destruction", "--db", db)
        assert bad.returncode == 2 and bad.stderr.count("\n") == 1
        assert "report.time_zone: unknown time zone 'Mars/Olympus'" in bad.stderr
    finally:
        policy.unlink(missing_ok=True)
    bad = custos("report", "destruction", "--tz", "shanghai", "--db", db)
    assert bad.returncode == 2 and "unknown time zone 'shanghai'" in bad.stderr and not bad.stdout


def test_the_record_in_chinese_and_in_english(db):
    """Issue 20: the whole record in the interface language; local dates as the locale writes them."""
    zh = custos("--lang", "zh_CN", "report", "destruction", "--db", db)
    assert zh.returncode == 0, zh.stderr
    header, [row] = _table(zh.stdout)
    cells = dict(zip(header, row, strict=True))
    assert zh.stdout.startswith("# 个人信息销毁记录\n")
    assert header[:2] == ["时间（Asia/Shanghai）", "时间（UTC）"]
    assert cells["提议人"] == "alice" and cells["批准人"] == "bob" and cells["执行人"].startswith("carol")
    assert cells["处理操作"] == "已隔离（加密保险库）"
    assert "审计记录 #" in cells["核验"] and "## 移交记录" in zh.stdout and "《个人信息保护法》第四十七条" in zh.stdout
    assert re.search(r"生成：\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d:\d\d \+08:00", zh.stdout)
    assert "Proposed by" not in zh.stdout and "Handover" not in zh.stdout
    html = custos("report", "destruction", "--format", "html", "--db", db, env=cli_env(CUSTOS_LANG="zh_CN")).stdout
    assert "<html lang='zh-CN'><meta charset='utf-8'><title>个人信息销毁记录</title>" in html
    assert "<th>提议人</th>" in html and "Noto Sans CJK SC" in html
    en = custos("--lang", "en", "report", "destruction", "--db", db, env=cli_env(LANG="zh_CN.UTF-8")).stdout
    assert en.startswith("# Personal information destruction record\n") and "| quarantined (encrypted vault) |" in en
    assert re.search(r"Generated: [A-Z][a-z]{2} \d{1,2}, \d{4} ", en)
    words = "".join(line for line in en.splitlines() if not line.startswith("| "))  # rows hold the file's name
    assert not re.search(r"[\u4e00-\u9fff]", words)
