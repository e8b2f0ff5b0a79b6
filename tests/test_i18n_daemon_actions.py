"""The daemon's and the actions' messages in Chinese and in English: `config check` on a bad custos.toml, the
two-person rule refusing an approval; what is stored (audit records, action errors) stays English."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner import i18n
from scanner.daemon.config import ConfigError, config_from_args, load_config
from scanner.i18n import CHINESE, ENGLISH
from tests.cli_output import REPO, clean_text, custos

SHARE = REPO / "examples" / "share"


@pytest.fixture
def chinese():
    i18n.set_language(CHINESE)
    yield
    i18n.set_language(ENGLISH)


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
