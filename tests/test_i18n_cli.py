"""`custos` in Chinese and in English: --lang on any command, CUSTOS_LANG, [interface] language; entity types named
in Chinese on screen and canonical in exports; Chinese table headers aligned by display width."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from rich.cells import cell_len

from scanner import i18n
from scanner.cli import _command_named
from scanner.i18n import CHINESE, ENGLISH, LanguageError
from scanner.i18n.entity_names import entity_name, sensitivity_name
from scanner.i18n.numbers import format_count, format_day
from scanner.i18n.startup import choose_language, split_lang
from scanner.text_table import Column, render, wrap
from tests.cli_output import REPO, cli_env, custos

SHARE = REPO / "examples" / "share"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> tuple[Path, str]:
    """The example share scanned in Chinese: the database and what the scan printed."""
    db = tmp_path_factory.mktemp("i18n") / "custos.db"
    done = custos("--lang", "zh_CN", "scan", SHARE, "--db", db, "--no-progress", "--jobs", "1")
    assert done.returncode == 0, done.stderr.decode()
    return db, done.stdout.decode()


@pytest.mark.parametrize(
    ("argv", "lang", "rest"),
    [
        (["--lang", "zh_CN", "scan", "x"], "zh_CN", ["scan", "x"]),
        (["scan", "--lang=en", "x"], "en", ["scan", "x"]),
        (["scan", "--", "--lang", "x"], None, ["scan", "--", "--lang", "x"]),
    ],
)
def test_lang_is_taken_from_anywhere_before_the_double_dash(argv, lang, rest) -> None:
    assert split_lang(argv) == (lang, rest)


def test_the_command_word_skips_the_lang_option() -> None:
    assert _command_named(["--lang", "zh_CN", "scan", "/x"]) == "scan"
    assert _command_named(["--lang=zh_CN", "status"]) == "status"


def test_the_config_chooses_the_language_and_lang_overrides_it(tmp_path, monkeypatch) -> None:
    config = tmp_path / "custos.toml"
    config.write_text('[interface]\nlanguage = "zh_CN"\n', encoding="utf-8")
    monkeypatch.delenv("CUSTOS_LANG", raising=False)
    monkeypatch.setenv("CUSTOS_CONFIG", str(config))
    try:
        choose_language(["status"])
        assert i18n.language() == CHINESE
        choose_language(["--lang", "en", "status"])
        assert i18n.language() == ENGLISH
        config.write_text('[interface]\nlanguage = "klingon"\n', encoding="utf-8")
        with pytest.raises(LanguageError, match=r"\[interface\] language"):
            choose_language(["status"])
    finally:
        i18n.set_language(ENGLISH)


def test_entity_types_are_named_in_chinese_only_in_the_chinese_interface(chinese) -> None:
    assert entity_name("CN_RESIDENT_ID") == "居民身份证号"
    assert entity_name("SOMETHING_NEW") == "SOMETHING_NEW"
    assert sensitivity_name("sensitive") == "敏感"
    i18n.set_language(ENGLISH)
    assert entity_name("CN_RESIDENT_ID") == "CN_RESIDENT_ID"
    assert sensitivity_name("sensitive") == "sensitive"


def test_numbers_and_dates_follow_the_locale(chinese) -> None:
    assert format_count(1234567) == "1,234,567"
    assert format_day(date(2026, 1, 5)) == "2026年1月5日"
    i18n.set_language(ENGLISH)
    assert format_day(date(2026, 1, 5)) == "Jan 5, 2026"


def test_a_chinese_header_is_aligned_by_display_width_and_no_character_is_cut() -> None:
    columns = [Column("个人信息类型"), Column("发现项", right=True), Column("路径")]
    rows = [("居民身份证号", "1,234", "人事部/" + "在职员工花名册" * 12 + ".xlsx"), ("PERSON", "7", "a.txt")]
    lines = "\n".join(render(columns, rows, 80)).split("\n")
    assert all(cell_len(line) <= 80 for line in lines)
    header, first = lines[0], lines[1]
    # the right-aligned column ends in the same terminal cell on both lines
    assert cell_len(header[: header.index("发现项") + 3]) == cell_len(first[: first.index("1,234") + 5])
    assert "".join(line.strip() for line in lines[1:-1]).endswith(".xlsx")  # the folded path loses nothing


def test_the_scan_summary_is_chinese_with_chinese_entity_names(scanned) -> None:
    out = scanned[1]
    assert "已扫描" in out and "按个人信息类型统计的发现项" in out and "个人信息类型" in out and "合计" in out
    assert "居民身份证号" in out and "手机号" in out
    assert "CN_RESIDENT_ID" not in out and "Findings by entity type" not in out


@pytest.mark.slow  # several CLI runs in subprocesses
def test_custos_lang_chooses_chinese_and_lang_en_english(tmp_path) -> None:
    db = tmp_path / "custos.db"
    zh = custos("scan", SHARE, "--db", db, "--no-progress", "--jobs", "1", env=cli_env(CUSTOS_LANG="zh_CN"))
    assert zh.returncode == 0 and "按个人信息类型统计的发现项" in zh.stdout.decode()
    en = custos("scan", SHARE, "--db", db, "--no-progress", "--jobs", "1", "--lang", "en",
                env=cli_env(CUSTOS_LANG="zh_CN"))  # fmt: skip
    out = en.stdout.decode()
    assert en.returncode == 0 and "Findings by entity type" in out and "CN_RESIDENT_ID" in out and "已扫描" not in out


def test_exports_keep_canonical_entity_types_in_chinese(scanned) -> None:
    db = scanned[0]
    jsonl = custos("--lang", "zh_CN", "export", "--db", db, "--format", "jsonl")
    types = {json.loads(line)["entity_type"] for line in jsonl.stdout.decode().splitlines()}
    assert "CN_RESIDENT_ID" in types and "居民身份证号" not in types
    assert "已导出" in jsonl.stderr.decode()
    table = custos("--lang", "zh_CN", "export", "--db", db, "--format", "csv", "--no-bom")
    rows = list(csv.DictReader(io.StringIO(table.stdout.decode())))
    assert {row["entity_type"] for row in rows} == types


def test_help_and_errors_are_chinese(tmp_path) -> None:
    helped = custos("--lang", "zh_CN", "scan", "--help")
    assert helped.returncode == 0 and "扫描" in helped.stdout.decode() and "用法" in helped.stdout.decode()
    wrong = custos("scan", tmp_path / "nowhere", "--lang", "zh_CN")
    assert wrong.returncode == 2 and "文件或文件夹不存在" in wrong.stderr.decode()
    unknown = custos("--lang", "fr", "scan", tmp_path)
    assert unknown.returncode == 2 and "--lang" in unknown.stderr.decode()


def test_help_text_wraps_by_display_width_and_keeps_words_and_closing_marks() -> None:
    text = "发现项数据库（默认 /root/.local/state/custos/custos.db）；请先运行 custos scan 再导出发现项"
    lines = wrap(text, 40)
    assert all(cell_len(line) <= 40 or " " not in line for line in lines)
    assert not any(line[0] in "，。；：、）" for line in lines)
    assert "/root/.local/state/custos/custos.db）；" in "".join(lines)  # the path is never broken
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_chinese_help_fits_80_columns() -> None:
    helped = custos("--lang", "zh_CN", "scan", "--help", env=cli_env(COLUMNS="80"))
    lines = helped.stdout.decode().splitlines()
    assert all(cell_len(line) <= 80 for line in lines if "custos.db" not in line), lines
