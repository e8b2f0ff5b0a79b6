"""custos.toml's [database] and [host] for every command: which database (--db > CUSTOS_DB > [database] url >
the state folder), which host (CUSTOS_HOST_ID > [host] id > hostname), the password kept in its own file, and
one clear error for a bad table."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.cli import main
from scanner.paths import default_db
from scanner.store.store import Store

PASSWORD = "s3cret-Passw0rd"


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Path:
    """A clean environment: a state folder of its own, no database or host from the caller's environment."""
    for name in ("CUSTOS_DB", "CUSTOS_HOST_ID", "CUSTOS_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CUSTOS_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("CUSTOS_CONFIG", "")  # restored after the test even if a command sets it from --config
    return tmp_path


def _config(home: Path, text: str) -> Path:
    path = home / "etc" / "custos.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _status(capsys, *args: str) -> tuple[int, str]:
    code = main(["db", "status", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_the_database_is_the_command_line_then_custos_db_then_the_config_then_the_state_folder(
    home: Path, monkeypatch, capsys
) -> None:
    assert default_db() == home / "state" / "custos.db"
    config = _config(home, '[database]\nurl = "configured.db"\n')  # relative: beside the config file
    monkeypatch.setenv("CUSTOS_CONFIG", str(config))
    assert default_db() == home / "etc" / "configured.db"
    Store(default_db()).close()
    assert f"database: {home / 'etc' / 'configured.db'}" in _status(capsys)[1]
    monkeypatch.setenv("CUSTOS_DB", str(home / "env.db"))
    Store(home / "env.db").close()
    assert f"database: {home / 'env.db'}" in _status(capsys)[1]
    Store(home / "flag.db").close()
    assert f"database: {home / 'flag.db'}" in _status(capsys, "--db", str(home / "flag.db"))[1]


def test_the_host_id_is_custos_host_id_then_the_config(home: Path, monkeypatch) -> None:
    monkeypatch.setenv("CUSTOS_CONFIG", str(_config(home, '[host]\nid = "head-office"\n')))
    with Store(home / "a.db") as store:
        assert store.host == "head-office"
    monkeypatch.setenv("CUSTOS_HOST_ID", "branch-7")
    with Store(home / "b.db") as store:
        assert store.host == "branch-7"


def test_config_given_with_config_is_every_commands(home: Path, capsys) -> None:
    """`custos config check --config F` (or scan/watch --config F): F's [database] is the database."""
    config = _config(home, f'[database]\nurl = "sqlite://{home / "given.db"}"\n[[roots]]\npath = "."\n')
    assert main(["config", "check", "--config", str(config)]) == 0
    assert default_db() == home / "given.db"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[database]\nurl = "postgresql://custos:' + PASSWORD + '@db.example/custos"\n', "holds a password (postgr"),
        ('[database]\nuri = "x.db"\n', "unknown key database.uri (known keys: url, password_file)"),
        ('[database]\npassword_file = "pw"\n', "database.password_file: given without database.url"),
        ('[host]\nid = "head office"\n', "host.id 'head office' is not a valid host id"),
        ("[host]\nid = 7\n", "host.id: expected a non-empty string"),
    ],
)
def test_a_bad_table_is_one_line_naming_file_and_key_and_never_the_password(
    home: Path, monkeypatch, capsys, text: str, message: str
) -> None:
    config = _config(home, text)
    monkeypatch.setenv("CUSTOS_CONFIG", str(config))
    code, out = _status(capsys)
    assert code == 2 and f"custos: error: {config}: " in out and message in out, out
    assert PASSWORD not in out
    check = main(["config", "check", "--config", str(config)])
    out = capsys.readouterr()
    assert check == 2 and message in out.err and PASSWORD not in out.out + out.err


def test_the_daemon_config_refuses_two_databases(home: Path) -> None:
    from scanner.daemon.config import ConfigError, load_config

    (home / "share").mkdir()
    config = _config(home, '[daemon]\ndatabase = "a.db"\n[database]\nurl = "b.db"\n[[roots]]\npath = "../share"\n')
    with pytest.raises(ConfigError, match="give the database once"):
        load_config(config)


@pytest.mark.postgres
def test_a_postgresql_url_with_its_password_file(home: Path, monkeypatch, capsys, pg_url: str) -> None:
    (home / "etc").mkdir()
    (home / "etc" / "db.password").write_text(PASSWORD + "\n", encoding="utf-8")
    config = _config(home, f'[database]\nurl = "{pg_url}"\npassword_file = "db.password"\n[host]\nid = "nas-2"\n')
    monkeypatch.setenv("CUSTOS_CONFIG", str(config))
    target = default_db().target
    assert target.url == pg_url and target.password_file == home / "etc" / "db.password"
    with Store(default_db()) as store:  # the test server trusts 127.0.0.1: the password is sent, not checked
        assert store.dialect == "postgresql" and store.host == "nas-2"
    code, out = _status(capsys)
    assert code == 0 and "engine:   postgresql" in out and PASSWORD not in out
