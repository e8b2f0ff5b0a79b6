"""The commands beside `scan` in Chinese and in English: findings, propose, approve, audit verify, db status,
status and config check, with --lang, and [interface] language in a daemon config (accepted, and validated)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.daemon.config import ConfigError, load_config
from tests.cli_output import REPO, clean_text, custos

SHARE = REPO / "examples" / "share"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    """The example share scanned once (in English) into a fresh store."""
    path = tmp_path_factory.mktemp("i18n-commands") / "custos.db"
    done = custos("scan", SHARE, "--db", path, "--no-progress", "--jobs", "1")
    assert done.returncode == 0, done.stderr.decode()
    return path


def _out(*args: object) -> str:
    done = custos(*map(str, args))
    return clean_text(done.stdout) + clean_text(done.stderr)


def test_findings_show_chinese_headers_and_entity_names(db) -> None:
    zh = _out("findings", "--db", db, "--lang", "zh_CN")
    assert "敏感级别" in zh and "路径" in zh and "居民身份证号" in zh and "CN_RESIDENT_ID" not in zh
    en = _out("findings", "--db", db, "--lang", "en")
    assert "sensitivity" in en and "CN_RESIDENT_ID" in en and "居民身份证号" not in en


@pytest.mark.slow  # six CLI runs in subprocesses
def test_propose_approve_and_audit_verify_speak_the_chosen_language(db) -> None:
    proposed = _out("propose", "delete", "--finding", "1", "--as", "alice", "--db", db, "--lang", "zh_CN")
    assert "已提议处理操作 1：delete" in proposed and "条发现项" in proposed
    assert "已批准处理操作 1" in _out("approve", "1", "--as", "bob", "--db", db, "--lang", "zh_CN")
    shown = _out("actions", "show", "1", "--db", db, "--lang", "zh_CN")
    assert "提议人" in shown and "批准人" in shown
    assert "审计日志完好" in _out("audit", "verify", "--db", db, "--lang", "zh_CN")
    assert "audit log OK" in _out("audit", "verify", "--db", db, "--lang", "en")


def test_db_status_and_daemon_status_in_chinese(db) -> None:
    status = _out("db", "status", "--db", db, "--lang", "zh_CN")
    assert "引擎：" in status and "表结构：" in status
    assert "engine:" in _out("db", "status", "--db", db, "--lang", "en")
    assert "尚无守护进程在" in _out("status", "--db", db, "--lang", "zh_CN")


def _config(tmp_path: Path, language: str) -> Path:
    (tmp_path / "share").mkdir(exist_ok=True)
    config = tmp_path / "custos.toml"
    config.write_text(f'[[roots]]\npath = "share"\n\n[interface]\nlanguage = "{language}"\n', encoding="utf-8")
    return config


def test_config_check_accepts_interface_language_and_follows_it(tmp_path) -> None:
    config = _config(tmp_path, "zh_CN")
    assert "配置无误：1 个根目录" in _out("config", "check", "--config", config)
    assert "config OK: 1 roots" in _out("config", "check", "--config", config, "--lang", "en")


def test_an_unknown_interface_language_is_refused_by_the_daemon_config(tmp_path) -> None:
    assert load_config(_config(tmp_path, "zh-Hans")).roots
    with pytest.raises(ConfigError, match=r"\[interface\] language: unknown language 'klingon'"):
        load_config(_config(tmp_path, "klingon"))
