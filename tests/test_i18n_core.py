"""The core's errors in Chinese and in English: rule pack problems (`custos rules check`), the findings database
(a folder given as --db, a schema from a newer Custos), the config's [[zones]], and the open violations line."""

from __future__ import annotations

import sqlite3

import pytest

from scanner import i18n
from scanner.i18n import ENGLISH
from scanner.store.schema import SCHEMA_VERSION
from scanner.store.store import Store, StoreError
from scanner.store.violations import open_violations_line
from scanner.zones.config import ZoneConfigError, parse_zones
from tests.cli_output import custos

BAD_PACK = """\
pack_id = "Bad"
version = "1.0.0"
[[rules]]
id = "x"
entity_type = "CN_MOBILE"
sensitivity = "sensitive"
requires_contxt = true
patterns = [{ name = "p", regex = "(" }]
"""


@pytest.fixture
def bad_pack(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD_PACK, encoding="utf-8")
    return path


def test_rules_check_names_each_problem_in_chinese(bad_pack) -> None:
    done = custos("--lang", "zh_CN", "rules", "check", bad_pack)
    assert done.returncode == 2
    err = done.stderr.decode()
    assert "custos: 错误：" in err
    assert "'pack_id' 应为小写字母、数字、'.'、'-' 或 '_'，实际为 'Bad'" in err
    assert "规则 'x'：未知的键 'requires_contxt'（是否应为 'requires_context'？）" in err
    assert "规则 'x'：模式 'p'：'regex' 无法编译：" in err


def test_rules_check_stays_english_by_default(bad_pack) -> None:
    done = custos("rules", "check", bad_pack)
    assert done.returncode == 2
    err = done.stderr.decode()
    assert f"custos: error: {bad_pack}: 'pack_id' must be lower-case letters, digits, '.', '-' or '_', got 'Bad'" in err
    assert f"{bad_pack}: rule 'x': unknown key 'requires_contxt' (did you mean 'requires_context'?)" in err
    assert "pattern 'p': 'regex' does not compile: " in err


def test_a_folder_given_as_the_database_is_refused_in_chinese(tmp_path) -> None:
    done = custos("--lang", "zh_CN", "scan", tmp_path, "--db", tmp_path)
    assert done.returncode == 2
    assert f"custos: 错误：{tmp_path}：这是文件夹，不是发现项数据库；请为 --db 指定文件名" in done.stderr.decode()


def test_a_database_from_a_newer_custos_is_named_in_chinese(tmp_path, chinese) -> None:
    db = tmp_path / "custos.db"
    Store(db).close()
    with sqlite3.connect(db) as con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    con.close()
    newer = f"数据库表结构版本 {SCHEMA_VERSION + 1} 比当前 Custos 支持的版本（{SCHEMA_VERSION}）更新；请升级 Custos"
    with pytest.raises(StoreError, match=newer):
        Store(db)


def test_a_zone_error_is_one_chinese_line(chinese) -> None:
    zones = [{"name": "外包", "globs": ["外包/**"], "severity": "high", "forbid_entities": ["CN_ID"]}]
    with pytest.raises(ZoneConfigError) as caught:
        parse_zones(zones)
    assert str(caught.value).startswith('zones[1] "外包"：forbid_entities：未知的个人信息类型 "CN_ID"（')


def test_the_open_violations_line_names_severities_in_the_interface_language(chinese) -> None:
    assert open_violations_line([("critical", 1), ("high", 2)]) == "3（严重 1，高 2）"
    assert open_violations_line([]) == "无"
    i18n.set_language(ENGLISH)
    assert open_violations_line([("critical", 1), ("high", 2)]) == "3 (critical 1, high 2)"
    assert open_violations_line([]) == "none"


def test_a_damaged_package_and_a_missing_key_are_named_in_chinese(tmp_path, chinese) -> None:
    from scanner.handover.format import PackageError, parse_header
    from scanner.handover.keys import HandoverKeyError, load_recipient_public

    with pytest.raises(PackageError, match=r"^不是 Custos 移交数据包（太短，没有文件头）$"):
        parse_header(b"xx")
    with pytest.raises(HandoverKeyError, match="^找不到接收方公钥 "):
        load_recipient_public(tmp_path / "nobody.pub")
    i18n.set_language(ENGLISH)
    with pytest.raises(HandoverKeyError, match="^recipient public key .* not found$"):
        load_recipient_public(tmp_path / "nobody.pub")
