"""Daemon configuration: real TOML files in tmp_path, one-line errors naming the key, root include/exclude."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.daemon.config import (
    ConfigError,
    RootConfig,
    WatchConfig,
    config_from_args,
    load_config,
    parse_size,
    validate_paths,
)
from scanner.paths import default_db

REPO = Path(__file__).resolve().parent.parent
ROOT = '[[roots]]\npath = "share"\n'
SIZE = 'a size such as "500M" or "1G", or a number of bytes'
SECONDS = "a number >= 0 (seconds)"
DAEMON_KEYS = (
    "database, workers, settle_seconds, reconcile_interval, max_file_size, log_level, heartbeat_seconds,"
    " execute_actions, ocr, ocr_workers"
)


def write(tmp_path: Path, text: str, name: str = "custos.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- loading -----------------------------------------------------------------------------------------


def test_full_config_round_trips_with_paths_resolved_against_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    conf_dir = tmp_path / "etc"
    conf_dir.mkdir()
    path = write(
        conf_dir,
        """
[daemon]
database = "state/custos.db"
workers = 4
settle_seconds = 2.5
reconcile_interval = 0
max_file_size = "500M"
log_level = "DEBUG"
heartbeat_seconds = 10

[[roots]]
path = "../srv/share"
include = ["*.xlsx", "HR/*"]
exclude = ["*.bak", "tmp/*"]

[[roots]]
path = "~/mnt/finance"
polling = true
poll_interval = 60
""",
    )
    config = load_config(path)
    assert config == WatchConfig(
        database=(conf_dir / "state" / "custos.db").resolve(),
        workers=4,
        settle_seconds=2.5,
        reconcile_interval=0.0,
        max_file_size=500 << 20,
        log_level="debug",
        heartbeat_seconds=10.0,
        roots=(
            RootConfig((tmp_path / "srv" / "share").resolve(), ("*.xlsx", "HR/*"), ("*.bak", "tmp/*"), False, 30.0),
            RootConfig((tmp_path / "home" / "mnt" / "finance").resolve(), ("*",), (), True, 60.0),
        ),
        source=path,
    )
    assert all(isinstance(v, float) for v in (config.settle_seconds, config.reconcile_interval))


def test_omitted_keys_take_their_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("CUSTOS_HOME", str(tmp_path / "state"))
    config = load_config(write(tmp_path, ROOT))
    assert (config.database, config.workers, config.settle_seconds, config.reconcile_interval) == (None, 1, 1.0, 3600.0)
    assert (config.max_file_size, config.log_level, config.heartbeat_seconds) == (1 << 30, "info", 5.0)
    assert config.roots == (RootConfig(tmp_path / "share", ("*",), (), False, 30.0),)
    assert config.database_path() == default_db() == tmp_path / "state" / "custos.db"


@pytest.mark.parametrize("mode", ["background", "inline", "off"])
def test_the_ocr_mode_is_read_as_given(tmp_path, mode):
    config = load_config(write(tmp_path, f'[daemon]\nocr = "{mode}"\nocr_workers = 2\n' + ROOT))
    assert (config.ocr_mode(), config.ocr_workers) == (mode, 2)


def test_without_an_ocr_key_pictures_are_read_in_the_background_when_the_extra_is_installed(tmp_path):
    from scanner.ocr.engine import available

    config = load_config(write(tmp_path, ROOT))
    assert config.ocr is None and config.ocr_workers == 1
    assert config.ocr_mode() == ("background" if available() is None else "inline")


def test_max_file_size_accepts_a_plain_number_of_bytes(tmp_path):
    assert load_config(write(tmp_path, "[daemon]\nmax_file_size = 4096\n" + ROOT)).max_file_size == 4096


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[daemon]\nworkers = "two"\n', 'daemon.workers: expected an integer 1..64, got "two"'),
        ("[daemon]\nworkers = 0\n", "daemon.workers: expected an integer 1..64, got 0"),
        ("[daemon]\nworkers = 65\n", "daemon.workers: expected an integer 1..64, got 65"),
        ("[daemon]\nworkers = true\n", "daemon.workers: expected an integer 1..64, got true"),
        ("[daemon]\nworkers = 1.5\n", "daemon.workers: expected an integer 1..64, got 1.5"),
        ("[daemon]\nsettle_seconds = -1\n", "daemon.settle_seconds: expected a number >= 0 (seconds), got -1"),
        ("[daemon]\nreconcile_interval = inf\n", f"daemon.reconcile_interval: expected {SECONDS}, got inf"),
        ("[daemon]\nheartbeat_seconds = 0\n", "daemon.heartbeat_seconds: expected a number > 0 (seconds), got 0"),
        ('[daemon]\nmax_file_size = "1X"\n', f'daemon.max_file_size: expected {SIZE}, got "1X"'),
        ('[daemon]\nmax_file_size = "-1G"\n', f'daemon.max_file_size: expected {SIZE}, got "-1G"'),
        ("[daemon]\nmax_file_size = 0\n", f"daemon.max_file_size: expected {SIZE}, got 0"),
        ('[daemon]\nlog_level = "verbose"\n', 'daemon.log_level: expected debug|info|warning|error, got "verbose"'),
        ("[daemon]\ndatabase = 5\n", "daemon.database: expected a path string, got 5"),
        ("[daemon]\nwokers = 2\n", "unknown key daemon.wokers (did you mean workers?)"),
        ('[daemon]\nocr = "later"\n', 'daemon.ocr: expected "background", "inline" or "off", got "later"'),
        ("[daemon]\nocr = true\n", 'daemon.ocr: expected "background", "inline" or "off", got true'),
        ('[daemon]\nocr = "Background"\n', 'daemon.ocr: expected "background", "inline" or "off", got "Background"'),
        ("[daemon]\nocr_workers = 0\n", "daemon.ocr_workers: expected an integer 1..64, got 0"),
        ("[daemon]\nocr_worker = 2\n", "unknown key daemon.ocr_worker (did you mean ocr_workers?)"),
        ("[daemon]\ncolour = 2\n", f"unknown key daemon.colour (known keys: {DAEMON_KEYS})"),
        ("[deamon]\nworkers = 2\n", "unknown key deamon (did you mean daemon?)"),
        ("daemon = 3\n", "daemon: expected a table ([daemon]), got 3"),
    ],
)
def test_a_bad_daemon_value_is_one_line_naming_file_and_key(tmp_path, text, expected):
    path = write(tmp_path, text + ROOT)
    assert error_of(path) == f"{path}: {expected}"


@pytest.mark.parametrize(
    ("second_root", "expected"),
    [
        ('path = "b"\npolling = "yes"', 'roots[2].polling: expected true or false, got "yes"'),
        ('path = "b"\npoll_interval = 0', "roots[2].poll_interval: expected a number > 0 (seconds), got 0"),
        ('path = "b"\ninclude = []', "roots[2].include: expected a non-empty array of glob strings, got an array"),
        ('path = "b"\nexclude = "*.bak"', 'roots[2].exclude: expected an array of glob strings, got "*.bak"'),
        ('path = "b"\nexclude = [1]', "roots[2].exclude: expected an array of glob strings, got an array"),
        ('path = "b"\nexcludes = ["*.bak"]', "unknown key roots[2].excludes (did you mean exclude?)"),
        ("path = { a = 1 }", "roots[2].path: expected a path string, got a table"),
        ('path = ""', 'roots[2].path: expected a path string, got ""'),
        ("polling = true", "roots[2].path: missing; give the directory to watch"),
    ],
)
def test_a_bad_root_value_names_the_root_by_its_position(tmp_path, second_root, expected):
    path = write(tmp_path, f"{ROOT}[[roots]]\n{second_root}\n")
    assert error_of(path) == f"{path}: {expected}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[daemon]\nworkers = 2\n", "no [[roots]] given"),
        ("roots = []\n", "no [[roots]] given"),
        ('roots = "/srv"\n', 'roots: expected [[roots]] tables, got "/srv"'),
    ],
)
def test_roots_must_be_given(tmp_path, text, expected):
    path = write(tmp_path, text)
    assert error_of(path) == f"{path}: {expected}"


def test_toml_syntax_error_gives_line_and_column(tmp_path):
    path = write(tmp_path, "[daemon]\nworkers = two\n" + ROOT)
    message = error_of(path)
    assert message.startswith(f"{path}: not valid TOML: ")
    assert "line 2, column 11" in message


def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    assert error_of(path) == f"{path}: cannot read config file (No such file or directory)"


def test_a_file_saved_as_gbk_is_reported_not_crashed_on(tmp_path):
    path = tmp_path / "custos.toml"
    path.write_bytes(("# 财务共享盘\n" + ROOT).encode("gbk"))
    assert error_of(path) == f"{path}: not UTF-8 text (byte 2); save it as UTF-8"


def test_duplicate_root_is_rejected_naming_both(tmp_path):
    path = write(tmp_path, f'{ROOT}[[roots]]\npath = "./share/"\n')
    share = tmp_path / "share"
    assert error_of(path) == f"{path}: roots[2].path: {share} is already watched by roots[1] ({share})"


def test_nested_roots_are_rejected_whichever_comes_first(tmp_path):
    share, sub = tmp_path / "share", tmp_path / "share" / "HR"
    inner = write(tmp_path, f'{ROOT}[[roots]]\npath = "share/HR"\n', "inner.toml")
    assert error_of(inner) == (
        f"{inner}: roots[2].path: {sub} is inside roots[1] ({share}); watch only one, with exclude to skip parts"
    )
    outer = write(tmp_path, f'[[roots]]\npath = "share/HR"\n{ROOT}', "outer.toml")
    assert error_of(outer).startswith(f"{outer}: roots[2].path: {share} is above roots[1] ({sub});")


def test_sibling_roots_with_a_common_prefix_are_not_nested(tmp_path):
    config = load_config(write(tmp_path, f'{ROOT}[[roots]]\npath = "share2"\n'))
    assert [r.path.name for r in config.roots] == ["share", "share2"]


def test_config_is_picklable_for_spawned_workers(tmp_path):
    config = load_config(write(tmp_path, ROOT))
    assert pickle.loads(pickle.dumps(config)) == config


def test_example_config_in_contrib_loads():
    config = load_config(REPO / "contrib" / "custos.toml")
    assert [r.polling for r in config.roots] == [False, True]
    assert config.database == Path("/var/lib/custos/custos.db")


def test_loading_a_config_does_not_import_the_detector():
    code = "import sys, scanner.daemon.config; assert 'presidio_analyzer' not in sys.modules, 'presidio loaded'"
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


# --- which files a root wants ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "wanted"),
    [
        ("客户/名单.csv", True),
        ("a.bak", False),  # name glob
        ("deep/er/a.bak", False),  # name glob at any depth
        ("tmp/a.txt", False),  # path glob
        ("tmp/sub/a.txt", False),  # "*" crosses "/"
        ("x/tmp/a.txt", True),  # path globs are anchored at the root
        ("archive/2019/a.txt", False),  # path glob naming a directory
        ("archive/2020/a.txt", True),
        ("a/node_modules/b.txt", False),  # DEFAULT_EXCLUDES, as a directory component
        ("proj/.git/config", False),
        ("~$报价.xlsx", False),
        ("x/data.tmp", False),
        (".custos-mask-1a2b.csv", False),  # Custos's own temporary files
        ("sub/.custos-deleted-0011", False),
        ("A.BAK", True),  # globs are case-sensitive, like `custos scan --exclude`
        ("./a.txt", True),
        ("", False),
    ],
)
def test_exclude_matches_path_name_and_directories(rel, wanted):
    root = RootConfig(Path("/srv/share"), exclude=("*.bak", "tmp/*", "archive/2019"))
    assert root.wants(rel) is wanted


@pytest.mark.parametrize(
    ("rel", "wanted"),
    [
        ("a.xlsx", True),
        ("财务/2024/a.xlsx", True),  # "*" crosses "/", and the name matches too
        ("HR/notes.txt", True),  # path glob
        ("x/HR/notes.txt", False),
        ("payroll-2024.docx", True),  # name glob at the top
        ("dept/payroll-2024.docx", True),  # and deeper
        ("dept/report.docx", False),
        ("HR/old.bak", False),  # exclude wins over include
    ],
)
def test_include_matches_relative_path_or_name(rel, wanted):
    root = RootConfig(Path("/srv/share"), include=("*.xlsx", "HR/*", "payroll-*"), exclude=("*.bak",))
    assert root.wants(rel) is wanted


@pytest.mark.parametrize(
    ("rel_dir", "entered"),
    [
        ("", True),
        (".", True),
        ("docs", True),
        ("node_modules", False),
        ("a/b/.git", False),
        ("a/__pycache__", False),
        ("cache", False),  # name glob
        ("x/cache", False),
        ("archive/2019", False),  # path glob
        ("archive", True),
        ("tmp", True),  # "tmp/*" excludes what is inside; the walk still enters and finds nothing
        ("tmp/sub", False),
        ("not-included", True),  # include never prunes directories
    ],
)
def test_wants_dir_prunes_only_excluded_directories(rel_dir, entered):
    root = RootConfig(Path("/srv/share"), include=("*.xlsx",), exclude=("cache", "archive/2019", "tmp/*"))
    assert root.wants_dir(rel_dir) is entered


# --- validate_paths ------------------------------------------------------------------------------------


def config_for(tmp_path: Path, roots: list[Path], database: Path, *, polling: bool = False) -> WatchConfig:
    return config_from_args(roots, database=database, polling=polling)


def test_validate_paths_accepts_a_good_layout(tmp_path):
    (tmp_path / "share").mkdir()
    config = config_for(tmp_path, [tmp_path / "share"], tmp_path / "state" / "custos.db")
    assert validate_paths(config, mounts=tmp_path / "no-mounts") == []


def test_validate_paths_reports_missing_root_file_root_and_database_inside_a_root(tmp_path):
    (tmp_path / "share").mkdir()
    (tmp_path / "notes.txt").write_text("x")
    share, missing, notes = tmp_path / "share", tmp_path / "missing", tmp_path / "notes.txt"
    db = share / ".state" / "custos.db"
    config = config_for(tmp_path, [share, missing, notes], db)
    assert validate_paths(config, mounts=tmp_path / "no-mounts") == [
        f"roots[2].path: {missing} cannot be used (No such file or directory)",
        f"roots[3].path: {notes} is not a directory",
        f"daemon.database: {db} is inside roots[1] ({share}); keep it off the share",
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every directory")
def test_validate_paths_reports_an_unreadable_root(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o000)
    try:
        config = config_for(tmp_path, [locked], tmp_path / "custos.db")
        assert validate_paths(config, mounts=tmp_path / "no-mounts") == [
            f"roots[1].path: {locked} is not readable by this user (uid {os.getuid()})"
        ]
    finally:
        locked.chmod(0o700)


def test_validate_paths_reports_network_filesystems(tmp_path):
    local, smb, nfs = tmp_path / "local", tmp_path / "smb share", tmp_path / "nfs"
    for d in (local, smb, nfs):
        d.mkdir()
    mounts, escaped = tmp_path / "mounts", str(smb).replace(" ", r"\040")  # as /proc/mounts writes a space
    mounts.write_text(
        f"/dev/sda1 / ext4 rw 0 0\n"
        f"//fs/share {escaped} cifs rw 0 0\n"
        f"fs:/export {nfs} nfs4 rw 0 0\n"
        f"/dev/sdb1 {nfs}/local ext4 rw 0 0\n"
    )
    config = config_for(tmp_path, [local, smb], nfs / "custos.db")
    assert validate_paths(config, mounts=mounts) == [
        f"roots[2].path: {smb} is on cifs, where inotify misses other clients' changes; set polling = true",
        f"daemon.database: {nfs / 'custos.db'} is on nfs4; SQLite's write-ahead log needs a local filesystem",
    ]
    assert validate_paths(config_for(tmp_path, [smb], nfs / "local" / "custos.db", polling=True), mounts=mounts) == []


# --- config_from_args and parse_size -------------------------------------------------------------------


def test_config_from_args_resolves_against_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = config_from_args(
        [Path("a"), Path("b")], workers=2, max_file_size="2G", exclude=("*.bak",), polling=True, log_level=None
    )
    assert config.roots == (
        RootConfig(tmp_path / "a", ("*",), ("*.bak",), True, 30.0),
        RootConfig(tmp_path / "b", ("*",), ("*.bak",), True, 30.0),
    )
    assert (config.workers, config.max_file_size, config.log_level, config.source) == (2, 2 << 30, "info", None)
    assert config.database is None


def test_config_from_args_errors_name_the_option(tmp_path):
    with pytest.raises(ConfigError, match=r"^workers: expected an integer 1\.\.64, got 0$"):
        config_from_args([tmp_path], workers=0)
    with pytest.raises(ConfigError, match=r"^roots\[2\]\.path: .* is inside roots\[1\]"):
        config_from_args([tmp_path, tmp_path / "sub"])
    with pytest.raises(ConfigError, match="^no directory to watch given$"):
        config_from_args([])
    with pytest.raises(TypeError, match="wokers"):
        config_from_args([tmp_path], wokers=2)


@pytest.mark.parametrize(
    ("text", "size"),
    [("1G", 1 << 30), ("500M", 500 << 20), ("1.5k", 1536), ("10KB", 10 << 10), ("2048", 2048), (" 2T ", 2 << 40)],
)
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "G", "1X", "inf", "nan", "one"])
def test_parse_size_rejects_nonsense(text):
    with pytest.raises(ValueError, match="is not a size"):
        parse_size(text)
