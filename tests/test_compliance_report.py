"""Issue 17 part 1: the compliance report's numbers are the database's, its charts carry Chinese as text, and no
format holds a plain personal value, a script or a link outside the file."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scanner import i18n
from scanner.cli import main
from scanner.i18n import CHINESE, ENGLISH
from scanner.reports.compliance.build import build_report
from scanner.reports.compliance.catalogue import Words, choose_language
from scanner.reports.compliance.charts import cjk_font
from scanner.reports.compliance.gather import gather
from scanner.reports.compliance.pdf import RendererMissing, find_browser
from tests.engines import as_path, audit_text, tuples
from tests.report_fixtures import NAMED_FILE, PLAIN_VALUES, RETAIN_REASON, build_report_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.slow])]
)
def db(request, tmp_path_factory, packs, detector) -> Iterator[Path]:
    """The report's database, built once per engine (the PostgreSQL one keeps its key and audit under CUSTOS_HOME)."""
    tmp = tmp_path_factory.mktemp("compliance")
    if request.param == "sqlite":
        yield build_report_db(tmp, packs, detector)
        return
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CUSTOS_HOME", str(tmp / "state"))
        target = as_path(request.getfixturevalue("postgres_server").new_database())
        yield build_report_db(tmp, packs, detector, target=target)


@pytest.fixture(scope="module")
def pages(db) -> dict[str, str]:
    return {
        f"{fmt}-{lang}": build_report(db, fmt=fmt, language=lang, zone=SHANGHAI).decode("utf-8")
        for fmt in ("html", "md")
        for lang in ("zh_CN", "en")
    }


def _one(db: Path, sql: str, *params) -> list[tuple]:
    return tuples(db, sql, params)


def db_argument(db: Path) -> str:
    """What --db is given for this database: its path, or its PostgreSQL URL."""
    target = getattr(db, "target", None)
    return target.url if target is not None else str(db)


def test_the_numbers_are_the_databases(db):
    report = gather(db)
    assert report.coverage.inspected == _one(db, "SELECT COUNT(*) FROM files WHERE status = 'scanned'")[0][0] == 5
    assert report.coverage.not_inspected == {"encrypted": 1, "needs_ocr": 1}
    assert report.holdings.people == _one(db, "SELECT COUNT(*) FROM subjects")[0][0] > 0
    by_type = _one(db, "SELECT entity_type, sensitivity, COUNT(*), COUNT(DISTINCT file_id) FROM findings"
                       " WHERE state = 'active' GROUP BY 1, 2")  # fmt: skip
    assert sorted(report.holdings.by_type) == sorted(by_type)
    assert report.holdings.findings == _one(db, "SELECT COUNT(*) FROM findings WHERE state = 'active'")[0][0]
    assert report.holdings.files_with_sensitive == 2  # 公共/名单.txt and 人事/档案.txt hold the resident ID
    assert sorted(report.progress.actions) == sorted(
        _one(db, "SELECT kind, state, COUNT(*) FROM actions GROUP BY 1, 2")
    )
    assert [(a.kind, a.until) for a in report.progress.retained] == [
        ("retain", (date.today() + timedelta(days=30)).isoformat())
    ]
    assert [a.state for a in report.progress.unsuccessful] == ["stale"]
    assert report.violations.available and report.violations.open == 1
    assert report.violations.open_items[0][:3] == ("公共盘", "high", "forbid_entities:CN_RESIDENT_ID")
    assert report.exposure.available and report.exposure.by_level == {
        "owner": 1,
        "group": 0,
        "broad_group": 0,
        "all": 1,
    }
    assert report.exposure.all_users == 1  # 公共/名单.txt (0644); 人事/档案.txt is 0600
    runs = _one(db, "SELECT id FROM scan_runs ORDER BY id")
    assert [r.id for r in report.scope.runs] == [r[0] for r in runs] and len(report.holdings.trend) == len(runs)
    assert report.scope.packs and all("@" in p for p in report.scope.packs)


def test_the_audit_head_is_the_logs_last_record(db):
    report = gather(db)
    last = json.loads(audit_text(db).splitlines()[-1])  # the log file, or the company chain on PostgreSQL
    assert report.audit.ok and report.audit.records == last["seq"]
    assert report.audit.head == (last["seq"], last["hash"]) == report.audit.database_head


def test_open_risks_name_unread_files_stale_actions_and_expired_retentions(db):
    keys = {r.key: r for r in gather(db).risks}
    assert set(keys) == {"risk_violations", "risk_readable_by_all", "risk_encrypted", "risk_needs_ocr",
                         "risk_failed_actions"}  # fmt: skip
    assert keys["risk_readable_by_all"].lines == (f"{db.parent.parent}/share/公共/名单.txt",)
    assert keys["risk_encrypted"].lines[0].endswith("/加密.pdf")
    later = gather(db, today=date.today() + timedelta(days=31))  # the retention's date has passed
    assert [r.count for r in later.risks if r.key == "risk_expired_retention"] == [1]


def test_since_limits_the_period_but_not_what_is_held(db):
    report = gather(db, since=datetime.now(UTC) + timedelta(days=1))
    assert report.scope.runs == () and report.progress.actions == () and report.holdings.trend == ()
    assert report.holdings.findings == gather(db).holdings.findings > 0


def test_no_plain_value_in_any_format(pages):
    for name, text in pages.items():
        for value in PLAIN_VALUES:
            assert value not in text, (name, value)
    assert "张*_139****5678.txt" in pages["html-en"]  # the named file, masked, in the retained list
    assert RETAIN_REASON not in pages["md-zh_CN"] and "与张\\* 13" in pages["md-zh_CN"]
    assert NAMED_FILE not in pages["md-en"]


def test_html_is_self_contained(pages):
    for name in ("html-zh_CN", "html-en"):
        html = pages[name]
        assert "<script" not in html.lower() and "javascript:" not in html.lower(), name
        assert not re.search(r"https?:|//[a-z0-9]", html, re.I), name  # no URL at all, namespaces included
        assert not re.search(r"\b(?:src|srcset|action)=", html, re.I), name
        assert all(ref.startswith("#") for ref in re.findall(r'href="([^"]*)"', html)), name
        assert all(ref.startswith("#") for ref in re.findall(r"url\(([^)]*)\)", html)), name
        assert "@import" not in html and "<link" not in html and "<iframe" not in html
        ids = re.findall(r'\bid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), "chart element ids clash"
        assert html.count("<svg") == 4  # findings by type, people by category, trend, actions


def test_chinese_labels_are_text_in_the_charts(pages):
    assert cjk_font() is not None, "install fonts-wqy-microhei (the CI script does)"
    svgs = re.findall(r"<svg.*?</svg>", pages["html-zh_CN"], re.S)
    texts = " ".join(" ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg)) for svg in svgs)
    for label in ("居民身份证号", "手机号", "身份", "已执行", "隔离", "敏感"):  # entity types by the glossary
        assert label in texts, label
    assert all(cjk_font() in re.search(r"font-family: ([^\"]*)", svg)[1] for svg in svgs)
    assert "<title>按类型统计的发现项</title>" in svgs[0]
    english = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", pages["html-en"]))
    assert "CN_RESIDENT_ID" in english and not re.search(r"[\u4e00-\u9fff]", english)


def test_markdown_tables_hold_the_numbers(db, pages):
    md = pages["md-en"]
    active = _one(db, "SELECT COUNT(*) FROM findings WHERE state = 'active' AND entity_type = 'CN_RESIDENT_ID'")[0][0]
    assert f"| CN\\_RESIDENT\\_ID | sensitive | {active} | 2 |" in md
    assert "| encrypted | 1 |" in md and "<svg" not in md
    assert "## 区域策略违规" in pages["md-zh_CN"] and "| 公共盘 | 高 | 1 | 0 |" in pages["md-zh_CN"]


def test_the_language_is_the_interfaces_unless_given():
    try:
        i18n.set_language(CHINESE)
        assert choose_language(None) == "zh_CN" and choose_language("en") == "en"
        assert Words("zh_CN")("title") == "个人信息保护合规报告"
        i18n.set_language(ENGLISH)
        assert choose_language(None) == "en" and Words("en")("title").startswith("Personal")
    finally:
        i18n.set_language(ENGLISH)


def test_the_report_follows_the_interface_language_and_has_no_lang_of_its_own(db, tmp_path, capsys):
    out = tmp_path / "zh.md"
    try:
        args = ["--lang", "zh_CN", "report", "compliance", "--db", db_argument(db), "--format", "md"]
        assert main([*args, "--output", str(out)]) == 0
        assert out.read_text(encoding="utf-8").startswith("# 个人信息保护合规报告")
        assert main(["--lang", "en", "report", "compliance", "--help"]) == 0
    finally:
        i18n.set_language(ENGLISH)
    assert "report language" not in capsys.readouterr().out  # --lang is the global option, stripped before parsing


def test_into_a_folder_keeps_the_newest_n(db, tmp_path, capsys):
    folder = tmp_path / "reports"
    folder.mkdir()
    for day in ("2020-01-01", "2020-01-08", "2020-01-15"):
        (folder / f"custos-compliance-{day}.md").write_text("old\n", encoding="utf-8")
    (folder / "notes.md").write_text("not a report\n", encoding="utf-8")
    (folder / "custos-compliance-2020-01-01.html").write_text("another format\n", encoding="utf-8")
    args = ["report", "compliance", "--db", db_argument(db), "--format", "md", "--lang", "en", "--into", str(folder)]
    assert main([*args, "--keep", "2"]) == 0
    today = datetime.now(UTC).astimezone().date().isoformat()
    written = folder / f"custos-compliance-{today}.md"
    assert written.read_text(encoding="utf-8").startswith("# Personal information compliance report")
    assert written.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in folder.iterdir()) == sorted([
        "custos-compliance-2020-01-15.md", written.name, "notes.md", "custos-compliance-2020-01-01.html"])  # fmt: skip
    assert main(["report", "compliance", "--db", db_argument(db), "--keep", "2"]) == 2
    assert main(["report", "compliance", "--db", str(tmp_path / "none.db")]) == 2
    assert not (tmp_path / "none.db").exists()  # a report never creates a database
    err = capsys.readouterr().err
    assert "--keep N goes with --into DIR" in err and "no findings database there" in err


def test_a_missing_pdf_renderer_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("CUSTOS_CHROMIUM", raising=False)
    with pytest.raises(RendererMissing, match="apt-get install chromium"):
        find_browser()


def test_the_report_in_chinese_and_in_english(pages):
    """Issue 20: headings, entity names, dates and the legal basis in the report's language; the page says so."""
    zh, en = pages["md-zh_CN"], pages["md-en"]
    assert zh.startswith("# 个人信息保护合规报告\n") and en.startswith("# Personal information compliance report\n")
    for heading in (
        "## 关键数据",
        "## 未决风险",
        "## 覆盖情况",
        "## 持有的个人信息",
        "### 按类型统计的发现项",
        "## 审计链",
    ):
        assert heading in zh, heading
    assert "| 居民身份证号 | 敏感 |" in zh and "| CN\\_RESIDENT\\_ID |" not in zh  # the glossary name, not the code
    assert re.search(r"- \*\*生成时间\*\*：\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d:\d\d \+08:00", zh)
    assert "《个人信息保护法》第五十一条、第五十四条" in zh and "| 已加密 | 1 |" in zh
    assert re.search(r"- \*\*Generated\*\*: [A-Z][a-z]{2} \d{1,2}, \d{4} \d\d:\d\d:\d\d \+08:00", en)
    assert "## Key figures" in en and "PIPL Art. 51, 54" in en
    english_words = "".join(line for line in en.splitlines() if not line.startswith(("| ", "- ")))
    assert not re.search(r"[\u4e00-\u9fff]", english_words)  # table rows and lists hold masked paths and zones
    assert pages["html-zh_CN"].startswith("<!doctype html>\n<html lang='zh-CN'>\n<head>\n<meta charset='utf-8'>")
    assert "<html lang='en'>" in pages["html-en"] and "<th>个人信息类型" not in pages["html-en"]


def test_a_report_in_one_language_leaves_the_interface_in_its_own(db):
    i18n.set_language(ENGLISH)
    assert build_report(db, fmt="md", language=CHINESE, zone=SHANGHAI).startswith("# 个人信息保护合规报告".encode())
    assert i18n.language() == ENGLISH
