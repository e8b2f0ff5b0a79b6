"""Daemon configuration: read `custos.toml` (or command-line arguments) into frozen, validated records.

Loading checks types, ranges, unknown keys and overlapping roots without touching the roots themselves;
`validate_paths` then checks the filesystem (roots exist and are readable, the database is on local disk and
outside every watched root). Every error is one line naming the file and the key, e.g.
``custos.toml: daemon.workers: expected an integer 1..64, got "two"``. ``roots[N]`` counts from 1.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import tomli

from scanner.alerts.config import AlertsConfig, AlertsConfigError, parse_alerts
from scanner.i18n import N_, _
from scanner.paths import default_db
from scanner.selection import DEFAULT_EXCLUDES, FileSelection
from scanner.states import OcrMode
from scanner.zones.config import ZoneConfigError, parse_zones
from scanner.zones.model import Zone

NETWORK_FILESYSTEMS = frozenset({"nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "glusterfs", "fuse.sshfs"})
LOG_LEVELS = ("debug", "info", "warning", "error")
MAX_WORKERS = 64
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_OCTAL = re.compile(r"\\([0-7]{3})")


class ConfigError(ValueError):
    """A configuration that cannot be used; the message is one line naming the file and the key."""


def _in_file(path: Path, problem: Exception) -> str:
    return _("{path}: {problem}").format(path=path, problem=problem)


@dataclass(frozen=True)
class RootConfig:
    """One watched directory and the files under it that are scanned."""

    path: Path
    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()
    polling: bool = False
    poll_interval: float = 30.0

    @cached_property
    def selection(self) -> FileSelection:
        """Which files under the root are scanned: the same rules as `custos scan --exclude` (scanner.selection);
        symbolic links are never followed."""
        return FileSelection(exclude=(*DEFAULT_EXCLUDES, *self.exclude), include=self.include)

    def wants(self, rel: str) -> bool:
        """Whether the file at `rel` (relative to the root, POSIX '/') is scanned (`FileSelection.wants`)."""
        return self.selection.wants(rel)

    def wants_dir(self, rel_dir: str) -> bool:
        """Whether a walk enters the directory at `rel_dir`; include globs never prune directories."""
        return self.selection.wants_dir(rel_dir)


@dataclass(frozen=True)
class WatchConfig:
    """Everything `custos watch` needs: daemon settings and the roots it watches."""

    database: Path | None  # None: scanner.paths.default_db(), decided when used
    workers: int
    settle_seconds: float
    reconcile_interval: float  # 0: reconcile only at start-up
    max_file_size: int
    log_level: str
    heartbeat_seconds: float
    roots: tuple[RootConfig, ...]
    source: Path | None  # the file it was read from
    zones: tuple[Zone, ...] = ()  # [[zones]]: where some personal data must not be (scanner.zones)
    alerts: AlertsConfig | None = None  # [alerts]: where zone-violation alerts go (scanner.alerts); None: nowhere
    # the daemon applies its host's approved actions: true, false, or "auto" (on PostgreSQL, where reviewers
    # elsewhere approve them; on SQLite `custos apply` and the review UI run on this host and apply)
    execute_actions: bool | str = "auto"
    # where pictures and scanned pages are read (OcrMode); None: in the background when the ocr extra is installed
    ocr: str | None = None
    ocr_workers: int = 1  # OCR workers in the background mode, each one core at the lowest CPU priority

    def ocr_mode(self) -> OcrMode:
        """`ocr` as given, else background when OCR can run here and inline otherwise (the scan then records
        pictures as needs_ocr with the reason: the extra is not installed)."""
        if self.ocr is not None:
            return OcrMode(self.ocr)
        from scanner.ocr.engine import available

        return OcrMode.BACKGROUND if available() is None else OcrMode.INLINE

    def database_path(self) -> Path:
        return self.database if self.database is not None else default_db()

    def runs_actions(self) -> bool:
        """Whether this daemon executes its host's approved actions (see `execute_actions`)."""
        if self.execute_actions == "auto":
            return getattr(self.database_path(), "target", None) is not None  # a PostgreSQL URL (DatabaseUrlPath)
        return bool(self.execute_actions)


def parse_size(text: str) -> int:
    """Bytes in "500M", "1.5G", "10KB" or "2048" (binary units, as for `custos scan --max-size`)."""
    value, unit = text.strip().upper().rstrip("B"), ""
    if value and value[-1] in _UNITS:
        value, unit = value[:-1], value[-1]
    try:
        return int(float(value) * _UNITS[unit])
    except (ValueError, OverflowError) as exc:
        raise ValueError(
            _("{value} is not a size: use a number with K, M, G or T (e.g. 500M)").format(value=repr(text))
        ) from exc


def load_config(path: Path) -> WatchConfig:
    """Read and validate a config file; relative paths in it are taken from the file's directory."""
    data = _read(path)
    source = Path(os.path.abspath(path))
    try:
        return _build(data, base=source.parent, source=source)
    except _Invalid as exc:
        raise ConfigError(_in_file(path, exc)) from None


def load_zones(path: Path) -> tuple[Zone, ...]:
    """Only the [[zones]] of a config file (`custos scan --config`): no [[roots]] needed, the rest not checked
    beyond its top-level names."""
    data = _read(path)
    try:
        _known_keys(data, "", TOP_LEVEL_KEYS)
        return _zones(data)
    except _Invalid as exc:
        raise ConfigError(_in_file(path, exc)) from None


def load_alerts(path: Path) -> AlertsConfig | None:
    """Only the [alerts] of a config file (`custos scan --config`, `custos alerts`); None without one."""
    data = _read(path)
    try:
        _known_keys(data, "", TOP_LEVEL_KEYS)
        return _alerts(data)
    except _Invalid as exc:
        raise ConfigError(_in_file(path, exc)) from None


def _read(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomli.load(fh)
    except OSError as exc:
        raise ConfigError(_("{path}: cannot read config file ({error})").format(path=path, error=exc.strerror)) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            _("{path}: not UTF-8 text (byte {byte}); save it as UTF-8").format(path=path, byte=exc.start)
        ) from exc
    except tomli.TOMLDecodeError as exc:
        raise ConfigError(_("{path}: not valid TOML: {error}").format(path=path, error=exc)) from exc


def _zones(data: Mapping[str, Any]) -> tuple[Zone, ...]:
    try:
        return parse_zones(data.get("zones"))
    except ZoneConfigError as exc:
        raise _Invalid(str(exc)) from None


def config_from_args(roots: Sequence[Path], **overrides: Any) -> WatchConfig:
    """A config without a file (`custos watch /srv/share --workers 2`), checked like one; None = not given.

    `overrides` are [daemon] keys, and [[roots]] keys applied to every root. Relative paths are taken from
    the current directory; error messages name the keyword (``workers: expected an integer 1..64, got 0``).
    """
    if unknown := sorted(set(overrides) - _OPTIONS):
        raise TypeError(f"config_from_args: unknown option(s) {', '.join(unknown)}")
    if not roots:
        raise ConfigError(_("no directory to watch given"))
    given = {k: v for k, v in overrides.items() if v is not None}
    given = {k: str(v) if isinstance(v, Path) else list(v) if isinstance(v, tuple) else v for k, v in given.items()}
    data = {
        "daemon": {k: v for k, v in given.items() if k in _DAEMON_KEYS},
        "roots": [{"path": str(r), **{k: v for k, v in given.items() if k in _ROOT_KEYS}} for r in roots],
    }
    try:
        return _build(data, base=Path.cwd(), source=None)
    except _Invalid as exc:
        raise ConfigError(str(exc).removeprefix("daemon.")) from None


def validate_paths(config: WatchConfig, *, mounts: Path = Path("/proc/mounts")) -> list[str]:
    """Problems that stop the daemon from working, one line each; an empty list means all is well."""
    problems: list[str] = []
    table = _mounts(mounts)
    for i, root in enumerate(config.roots, 1):
        key = f"roots[{i}].path"
        try:
            is_dir = stat.S_ISDIR(os.stat(root.path).st_mode)
        except OSError as exc:
            problems.append(
                _("{key}: {path} cannot be used ({error})").format(key=key, path=root.path, error=exc.strerror)
            )
            continue
        fstype = _fstype(root.path, table)
        if not is_dir:
            problems.append(_("{key}: {path} is not a directory").format(key=key, path=root.path))
        elif not os.access(root.path, os.R_OK | os.X_OK):
            problems.append(
                _("{key}: {path} is not readable by this user (uid {uid})").format(
                    key=key, path=root.path, uid=os.getuid()
                )
            )
        elif fstype in NETWORK_FILESYSTEMS and not root.polling:
            problems.append(
                _(
                    "{key}: {path} is on {fstype}, where inotify misses other clients' changes; set polling = true"
                ).format(key=key, path=root.path, fstype=fstype)
            )
    db = config.database_path().resolve()
    for i, root in enumerate(config.roots, 1):
        if db.is_relative_to(root.path):
            problems.append(
                _("{key}: {db} is inside roots[{n}] ({root}); keep it off the share").format(
                    key="daemon.database", db=db, n=i, root=root.path
                )
            )
    fstype = _fstype(db, table)
    on_postgresql = getattr(config.database_path(), "target", None) is not None  # only the state folder is local
    if fstype in NETWORK_FILESYSTEMS and not on_postgresql:
        problems.append(
            _("{key}: {db} is on {fstype}; SQLite's write-ahead log needs a local filesystem").format(
                key="daemon.database", db=db, fstype=fstype
            )
        )
    return problems


def _site_tables(data: Mapping[str, Any], source: Path | None) -> None:
    """[database], [host] and [interface] are every command's (scanner.site_config): checked here too, so
    `custos config check` reports them; `[daemon] database` and `[database] url` together are ambiguous; the
    language is one Custos has."""
    from scanner.site_config import SiteConfigError, parse_site_tables

    try:
        site = parse_site_tables(data, source or Path("custos.toml"))
    except SiteConfigError as exc:
        raise _Invalid(str(exc)) from None
    if site.database is not None and (data.get("daemon") or {}).get("database") is not None:
        raise _Invalid(
            _("{key} and {other}: give the database once ([database] url)").format(
                key="daemon.database", other="database.url"
            )
        )
    if site.language is not None:
        from scanner.i18n import LanguageError, resolve

        try:
            resolve(config=site.language, environ={})  # the rules --lang and CUSTOS_LANG follow
        except LanguageError as exc:
            raise _Invalid(str(exc)) from None


class _Invalid(Exception):
    """A bad value, raised deep in parsing and given its file name by the public function."""


_Check = tuple[Callable[[Any], bool], Callable[[], str]]  # predicate, and what a valid value looks like (shown)
_REQUIRED = object()


def _expects(text: str, **fields: object) -> Callable[[], str]:
    """What a valid value looks like, in the language active when the message is made (``text`` marked N_)."""
    return lambda: _(text).format(**fields)


_INTEGER = _expects(N_("an integer 1..{maximum}"), maximum=MAX_WORKERS)


def _expected(key: str, expected: str, value: Any) -> str:
    return _("{key}: expected {expected}, got {value}").format(key=key, expected=expected, value=_show(value))


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _number(minimum: float, *, strict: bool = False) -> _Check:
    def ok(v: Any) -> bool:
        good = (_is_int(v) or isinstance(v, float)) and math.isfinite(v)
        return good and (v > minimum if strict else v >= minimum)

    return ok, _expects(N_("a number > {minimum} (seconds)") if strict else N_("a number >= {minimum} (seconds)"),
                        minimum=f"{minimum:g}")  # fmt: skip


def _size_ok(v: Any) -> bool:
    if isinstance(v, str):
        try:
            return parse_size(v) > 0
        except ValueError:
            return False
    return _is_int(v) and v > 0


def _globs_ok(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(g, str) and g for g in v)


_DAEMON_KEYS: dict[str, tuple[Any, _Check]] = {
    "database": (None, (lambda v: isinstance(v, str) and v != "", _expects(N_("a path string")))),
    "workers": (1, (lambda v: _is_int(v) and 1 <= v <= MAX_WORKERS, _INTEGER)),
    "settle_seconds": (1.0, _number(0)),
    "reconcile_interval": (3600.0, _number(0)),
    "max_file_size": ("1G", (_size_ok, _expects(N_('a size such as "500M" or "1G", or a number of bytes')))),
    "log_level": ("info", (lambda v: isinstance(v, str) and v.lower() in LOG_LEVELS, lambda: "|".join(LOG_LEVELS))),
    "heartbeat_seconds": (5.0, _number(0, strict=True)),
    "execute_actions": ("auto", (lambda v: isinstance(v, bool) or v == "auto", _expects(N_('true, false or "auto"')))),
    "ocr": (None, (lambda v: v in tuple(OcrMode), _expects(N_('"background", "inline" or "off"')))),
    "ocr_workers": (1, (lambda v: _is_int(v) and 1 <= v <= MAX_WORKERS, _INTEGER)),
}
_ROOT_KEYS: dict[str, tuple[Any, _Check]] = {
    "path": (_REQUIRED, (lambda v: isinstance(v, str) and v != "", _expects(N_("a path string")))),
    "include": (["*"], (lambda v: _globs_ok(v) and v != [], _expects(N_("a non-empty array of glob strings")))),
    "exclude": ([], (_globs_ok, _expects(N_("an array of glob strings")))),
    "polling": (False, (lambda v: isinstance(v, bool), _expects(N_("true or false")))),
    "poll_interval": (30.0, _number(0, strict=True)),
}
TOP_LEVEL_KEYS = ["daemon", "roots", "zones", "alerts", "database", "host", "interface"]  # the last three: site_config
_OPTIONS = (set(_DAEMON_KEYS) | set(_ROOT_KEYS)) - {"path"}  # what config_from_args accepts


def _known_keys(data: Mapping[str, Any], where: str, known: Sequence[str]) -> None:
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            if close:
                raise _Invalid(_("unknown key {key} (did you mean {close}?)").format(key=where + key, close=close[0]))
            raise _Invalid(_("unknown key {key} (known keys: {keys})").format(key=where + key, keys=", ".join(known)))


def _table(data: Mapping[str, Any], where: str, spec: Mapping[str, tuple[Any, _Check]]) -> dict[str, Any]:
    """Check every key of one TOML table against `spec`; return the values with defaults filled in."""
    _known_keys(data, where, list(spec))
    values = {}
    for key, (default, (ok, expected)) in spec.items():
        value = data.get(key, default)
        if value is _REQUIRED:
            raise _Invalid(_("{key}: missing; give the directory to watch").format(key=where + key))
        if value is not None and not ok(value):
            raise _Invalid(_expected(where + key, expected(), value))
        values[key] = value
    return values


def _build(data: Mapping[str, Any], *, base: Path, source: Path | None) -> WatchConfig:
    _known_keys(data, "", TOP_LEVEL_KEYS)
    _site_tables(data, source)
    if not isinstance(data.get("daemon", {}), dict):
        raise _Invalid(
            _("{key}: expected a table ([daemon]), got {value}").format(key="daemon", value=_show(data["daemon"]))
        )
    raw_roots = data.get("roots", [])
    if not isinstance(raw_roots, list) or not all(isinstance(r, dict) for r in raw_roots):
        raise _Invalid(_("roots: expected [[roots]] tables, got {value}").format(value=_show(raw_roots)))
    if not raw_roots:
        raise _Invalid(_("no [[roots]] given"))
    d = _table(data.get("daemon", {}), "daemon.", _DAEMON_KEYS)
    roots = []
    for i, raw in enumerate(raw_roots, 1):
        r = _table(raw, f"roots[{i}].", _ROOT_KEYS)
        path = _resolve(r["path"], base, f"roots[{i}].path")
        interval = float(r["poll_interval"])
        roots.append(RootConfig(path, tuple(r["include"]), tuple(r["exclude"]), r["polling"], interval))
    _check_overlap(roots)
    size = d["max_file_size"]
    return WatchConfig(
        database=None if d["database"] is None else _resolve(d["database"], base, "daemon.database"),
        workers=d["workers"],
        settle_seconds=float(d["settle_seconds"]),
        reconcile_interval=float(d["reconcile_interval"]),
        max_file_size=parse_size(size) if isinstance(size, str) else size,
        log_level=d["log_level"].lower(),
        heartbeat_seconds=float(d["heartbeat_seconds"]),
        execute_actions=d["execute_actions"],
        ocr=d["ocr"],
        ocr_workers=d["ocr_workers"],
        roots=tuple(roots),
        source=source,
        zones=_zones(data),
        alerts=_alerts(data),
    )


def _alerts(data: Mapping[str, Any]) -> AlertsConfig | None:
    if "alerts" not in data:
        return None
    try:
        return parse_alerts(data["alerts"])
    except AlertsConfigError as exc:
        raise _Invalid(str(exc)) from None


def _resolve(text: str, base: Path, key: str) -> Path:
    # Resolved like `custos scan` resolves its root, so findings from both carry the same root string.
    try:
        return (base / Path(text).expanduser()).resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        raise _Invalid(_("{key}: cannot use {value} ({error})").format(key=key, value=_show(text), error=exc)) from None


def _check_overlap(roots: Sequence[RootConfig]) -> None:
    """Reject a root listed twice or inside another: its files would be queued and scanned twice."""
    for i, root in enumerate(roots):
        for j, other in enumerate(roots[:i]):
            names = {"key": f"roots[{i + 1}].path", "path": root.path, "n": j + 1, "other": other.path}
            if root.path == other.path:
                raise _Invalid(_("{key}: {path} is already watched by roots[{n}] ({other})").format(**names))
            if root.path.is_relative_to(other.path):
                raise _Invalid(
                    _("{key}: {path} is inside roots[{n}] ({other}); watch only one, with exclude to skip parts")
                    .format(**names)
                )  # fmt: skip
            if other.path.is_relative_to(root.path):
                raise _Invalid(
                    _("{key}: {path} is above roots[{n}] ({other}); watch only one, with exclude to skip parts")
                    .format(**names)
                )  # fmt: skip


def _show(value: Any) -> str:
    """A value as it would be written in TOML, for error messages."""
    if isinstance(value, bool | str):
        return json.dumps(value, ensure_ascii=False)  # true, false, "two"
    if isinstance(value, list):
        return _("an array")
    return _("a table") if isinstance(value, dict) else str(value)


def _mounts(path: Path) -> dict[str, str]:
    """Mount point → filesystem type; a later line (mounted on top) wins. Octal escapes (\\040) decoded."""
    try:
        rows = [line.split() for line in path.read_text().splitlines()]
    except OSError:
        return {}
    return {_OCTAL.sub(lambda m: chr(int(m[1], 8)), r[1]): r[2] for r in rows if len(r) >= 3}


def _fstype(path: Path, mounts: Mapping[str, str]) -> str | None:
    """The type of the filesystem holding `path`: the longest mount point containing it."""
    points = [m for m in mounts if path.is_relative_to(m)]
    return mounts[max(points, key=len)] if points else None
