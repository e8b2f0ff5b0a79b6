"""The daemon's and the actions' messages in Chinese and in English: `config check` on a bad custos.toml, the
two-person rule refusing an approval; what is stored (audit records, action errors) stays English."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner import i18n
from scanner.daemon.config import ConfigError, config_from_args, load_config
from scanner.i18n import ENGLISH
from tests.cli_output import REPO, clean_text, custos

SHARE = REPO / "examples" / "share"


def _run(*args: object) -> tuple[int, str]:
    done = custos(*map(str, args))
    return done.returncode, clean_text(done.stdout) + clean_text(done.stderr)


def _bad_config(tmp_path: Path) -> Path:
    (tmp_path / "share").mkdir(exist_ok=True)
    config = tmp_path / "custos.toml"
    config.write_text('[daemon]\nworkers = "two"\n\n[[roots]]\npath = "share"\n', encoding="utf-8")
    return config


def test_config_check_names_the_problem_in_chinese_and_in_english(tmp_path) -> None:
    config = _bad_config(tmp_path)
    code, zh = _run("--lang", "zh_CN", "config", "check", "--config", config)
    assert code == 2 and 'daemon.workers：应为介于 1..64 的整数，实际为 "two"' in zh
    code, en = _run("--lang", "en", "config", "check", "--config", config)
    assert code == 2 and 'daemon.workers: expected an integer 1..64, got "two"' in en


def test_config_check_path_problems_in_chinese(tmp_path) -> None:
    config = tmp_path / "custos.toml"
    config.write_text('[[roots]]\npath = "missing"\n', encoding="utf-8")
    code, zh = _run("--lang", "zh_CN", "config", "check", "--config", config)
    assert code == 1 and "roots[1].path：无法使用" in zh


def test_config_errors_follow_the_language_active_when_raised(tmp_path, chinese) -> None:
    with pytest.raises(ConfigError, match="未知的配置项 daemon.worker（是否应为 workers？）"):
        load_config(_config_text(tmp_path, "[daemon]\nworker = 2\n"))
    with pytest.raises(ConfigError, match="已由 roots\\[1\\]"):
        config_from_args([tmp_path, tmp_path])
    i18n.set_language(ENGLISH)
    with pytest.raises(ConfigError, match=r"unknown key daemon.worker \(did you mean workers\?\)"):
        load_config(_config_text(tmp_path, "[daemon]\nworker = 2\n"))


def _config_text(tmp_path: Path, text: str) -> Path:
    (tmp_path / "share").mkdir(exist_ok=True)
    config = tmp_path / "custos.toml"
    config.write_text(f'{text}\n[[roots]]\npath = "share"\n', encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    """The example share scanned once into a fresh store."""
    path = tmp_path_factory.mktemp("i18n-actions") / "custos.db"
    done = custos("scan", SHARE, "--db", path, "--no-progress", "--jobs", "1")
    assert done.returncode == 0, done.stderr.decode()
    return path


@pytest.mark.slow  # a scan and four CLI runs in subprocesses
def test_the_two_person_rule_refuses_in_chinese_and_in_english(db) -> None:
    code, out = _run("--lang", "zh_CN", "propose", "delete", "--finding", "1", "--as", "alice", "--db", db)
    assert code == 0, out
    code, zh = _run("--lang", "zh_CN", "approve", "1", "--as", "alice", "--db", db)
    assert code == 2 and "处理操作 1（delete）须由第二人批准（双人复核）：alice 是提议人，不能再批准" in zh
    code, en = _run("--lang", "en", "approve", "1", "--as", "alice", "--db", db)
    assert code == 2 and "action 1 (delete) needs a second person: alice proposed it and cannot approve it too" in en
    code, shown = _run("--lang", "zh_CN", "approve", "--help")
    assert "不能由提议它的复核人身份批准" in shown
    code, audit = _run("--lang", "zh_CN", "audit", "show", "--db", db)
    assert code == 0 and '"event": "proposed"' in audit and "第二人" not in audit  # the records stay English


def test_a_refused_proposal_names_the_problem_in_chinese(db) -> None:
    code, zh = _run("--lang", "zh_CN", "propose", "false_positive", "--finding", "2", "--as", "alice", "--db", db)
    assert code == 2 and "标记误报需要给出理由（--reason）" in zh


def test_actions_owned_by_another_host_are_explained_in_the_interface_language(chinese) -> None:
    from types import SimpleNamespace

    from scanner.actions.policy import two_person_rule_text
    from scanner.actions.service import owned_elsewhere

    one = [SimpleNamespace(id=3, host="nas-2")]
    assert owned_elsewhere(one, "nas-1").startswith("处理操作 3 属于主机 nas-2：只有 nas-2 能执行")
    assert "双人复核" not in two_person_rule_text() and "规则包无法更改" in two_person_rule_text()
    i18n.set_language(ENGLISH)
    assert owned_elsewhere(one, "nas-1") == (
        "action 3 belongs to host nas-2: only nas-2 executes it: its custos watch does once approved, or custos "
        "apply run on nas-2; this is host nas-1"
    )


def test_an_audit_problem_is_named_in_chinese(db, tmp_path) -> None:
    code, out = _run("propose", "delete", "--finding", "5", "--as", "alice", "--db", db)  # the audit log exists
    assert code == 0 or "already" in out, out
    missing = tmp_path / "nope.pub"
    code, zh = _run("--lang", "zh_CN", "audit", "verify", "--public-key", missing, "--db", db)
    assert code == 2 and f"未找到审计公钥 {missing}；请复制与日志一同保存的 .pub 文件" in zh
    code, en = _run("--lang", "en", "audit", "verify", "--public-key", missing, "--db", db)
    assert code == 2 and f"audit public key {missing} not found" in en
