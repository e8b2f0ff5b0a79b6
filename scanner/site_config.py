"""What every command reads from custos.toml: which database (`[database] url`, `password_file`), which host this
is (`[host] id`) and the interface language (`[interface] language`, scanner.i18n).

Which file: `--config` when the command takes one (watch, scan, config check), else `$CUSTOS_CONFIG` (the
service units set it to /etc/custos/custos.toml); none is fine, and no file is read without being named. A command
given `--config` passes it on in `CUSTOS_CONFIG`, so the daemon's worker processes read the same file.

Precedence, most specific first (docs/postgresql.md):
- database: `--db`, then `CUSTOS_DB`, then `[database] url`, then custos.db in the state folder. (`custos watch`
  also reads its older `[daemon] database` path, which comes before `CUSTOS_DB`, as it always has.)
- host id: `CUSTOS_HOST_ID`, then `[host] id`, then the machine's hostname (scanner.hosts.identity).

`password_file` (relative to the config file) holds the database password: it is read when connecting and never
put in the URL, a log or an error. A password written in the URL itself is refused here: the file may be readable
by more people than the password should be.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.i18n import _

_DATABASE_KEYS = ("url", "password_file")
_HOST_KEYS = ("id",)
_INTERFACE_KEYS = ("language",)


class SiteConfigError(ValueError):
    """The [database] or [host] table of the config file is not usable (the message names file and key)."""


@dataclass(frozen=True)
class SiteConfig:
    source: Path | None = None
    database: Path | None = None  # a SQLite path, or a DatabaseUrlPath carrying the URL and its password_file
    host_id: str | None = None
    language: str | None = None  # [interface] language: zh_CN or en (scanner.i18n.resolve checks the value)


_loaded: dict[str, SiteConfig] = {}


def config_path() -> Path | None:
    """The config file every command reads: $CUSTOS_CONFIG (set from --config by a command given one), or none."""
    return Path(os.environ["CUSTOS_CONFIG"]) if os.environ.get("CUSTOS_CONFIG") else None


def use_config(path: Path | None) -> SiteConfig:
    """Read and check the config file a command runs with (`--config`, else `config_path()`); raises
    SiteConfigError naming the file and key. Given `--config`, child processes read the same file."""
    if path is not None:
        os.environ["CUSTOS_CONFIG"] = str(Path(path).absolute())
    return site_config(strict=True)


def site_config(*, strict: bool = False) -> SiteConfig:
    """The [database] and [host] settings of `config_path()` (read once per file). Not `strict` (help texts,
    defaults computed before a command runs): a file that cannot be read counts as none; `use_config` reports it."""
    path = config_path()
    if path is None:
        return SiteConfig()
    try:
        stat = path.stat()
        key = f"{path}:{stat.st_mtime_ns}:{stat.st_size}"  # read again once edited
    except OSError:
        key = str(path)
    if key not in _loaded:
        try:
            _loaded[key] = _read(path)
        except SiteConfigError:
            if strict:
                raise
            return SiteConfig(source=path)
    return _loaded[key]


def _read(path: Path) -> SiteConfig:
    import tomli

    try:
        with open(path, "rb") as fh:
            data = tomli.load(fh)
    except OSError as exc:
        raise SiteConfigError(
            _("{path}: cannot read config file ({error})").format(path=path, error=exc.strerror)
        ) from None
    except (tomli.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SiteConfigError(_("{path}: not valid TOML ({error})").format(path=path, error=exc)) from None
    try:
        return parse_site_tables(data, Path(os.path.abspath(path)))
    except SiteConfigError as exc:
        raise SiteConfigError(f"{path}: {exc}") from None


def parse_site_tables(data: Mapping[str, Any], source: Path) -> SiteConfig:
    """The [database] and [host] tables of a parsed config file (the daemon's config checks them through this);
    SiteConfigError names the key, the caller the file."""
    database = _table(data, "database", _DATABASE_KEYS, source)
    host = _table(data, "host", _HOST_KEYS, source)
    interface = _table(data, "interface", _INTERFACE_KEYS, source)
    return SiteConfig(source, _database(database, source), _host_id(host, source), interface.get("language"))


def interface_language(path: Path) -> str | None:
    """[interface] language of the config file ``path``, read as a command starts (before its help is built); a
    file that cannot be read counts as none here: `use_config` reports it once the command runs."""
    try:
        return _read(path).language
    except SiteConfigError:
        return None


def _table(data: Mapping[str, Any], name: str, known: tuple[str, ...], source: Path) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise SiteConfigError(_("{name}: expected a table ([{name}])").format(name=name))
    for key, value in table.items():
        if key not in known:
            raise SiteConfigError(
                _("unknown key {table}.{key} (known keys: {known})").format(table=name, key=key, known=", ".join(known))
            )
        if not isinstance(value, str) or not value:
            raise SiteConfigError(_("{table}.{key}: expected a non-empty string").format(table=name, key=key))
    return table


def _database(table: Mapping[str, str], source: Path) -> Path | None:
    from scanner.store.engine import DatabaseTarget, parse_target, url_path

    url = table.get("url")
    if url is None:
        if "password_file" in table:
            raise SiteConfigError(_("database.password_file: given without database.url"))
        return None
    target = parse_target(url)
    if not target.is_postgresql:
        if "password_file" in table:
            raise SiteConfigError(_("database.password_file: only for a postgresql:// url"))
        path = target.path if target.path.is_absolute() else source.parent / target.path
        return Path(os.path.normpath(path))
    from urllib.parse import urlsplit

    if urlsplit(url).password is not None:
        raise SiteConfigError(
            _("database.url: holds a password ({url}); put it in password_file or PGPASSFILE").format(url=target.shown)
        )
    password_file = table.get("password_file")
    if password_file is not None:
        password_file = Path(password_file) if Path(password_file).is_absolute() else source.parent / password_file
    return url_path(DatabaseTarget(target.kind, url=url, password_file=password_file))


def _host_id(table: Mapping[str, str], source: Path) -> str | None:
    from scanner.hosts.identity import HostIdError, valid_host_id

    if "id" not in table:
        return None
    try:
        return valid_host_id(table["id"], "host.id")
    except HostIdError as exc:
        raise SiteConfigError(f"{exc}") from None
