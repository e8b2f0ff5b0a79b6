"""Reading the site policy file (``policy.toml`` beside the database, or ``$CUSTOS_POLICY``): validated,
unknown keys are errors, and it is merged onto the built-in floor key by key, only ever towards stricter.

    [actions]
    second_person = ["mask"]                 # kinds ADDED to delete, quarantine, purge
    vault_retention_days = 90                # at least the built-in minimum (30)
    default_by_sensitivity = { general = "mask" }
    default_by_entity = { CN_PASSPORT = "quarantine" }

    [report]
    time_zone = "Asia/Shanghai"              # local time shown beside UTC in reports (the default)
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli

from scanner.actions.policy import ActionPolicy, PolicyError
from scanner.i18n import _
from scanner.local_time import TimeZoneError, time_zone
from scanner.states import ACTION_KINDS, ActionKind

DEFAULT_PROPOSALS = (
    ActionKind.MASK,
    ActionKind.QUARANTINE,
    ActionKind.DELETE,
)  # what a finding's default proposal may be
SENSITIVITIES = ("sensitive", "general")
_ACTION_KEYS = ("second_person", "vault_retention_days", "default_by_sensitivity", "default_by_entity")
_SECOND = "actions.second_person"


def load_site_policy(path: Path) -> ActionPolicy:
    """The built-in policy made stricter by the file at ``path``; the built-in policy alone if there is none."""
    try:
        with open(path, "rb") as fh:
            mode = os.fstat(fh.fileno()).st_mode
            data = tomli.load(fh)
    except FileNotFoundError:
        return ActionPolicy()
    except OSError as exc:
        raise PolicyError(
            _("{path}: cannot read the site policy file ({error})").format(path=path, error=exc.strerror)
        ) from exc
    except tomli.TOMLDecodeError as exc:
        raise PolicyError(
            _("{path}: the site policy file is not valid TOML ({error})").format(path=path, error=exc)
        ) from exc
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise PolicyError(
            _("{path}: the site policy file is writable by group or others (mode {mode}); whoever can write it "
              "decides the two-person rule. Run: chmod go-w {path}").format(path=path, mode=f"{stat.S_IMODE(mode):04o}")
        )  # fmt: skip
    return merge_site_policy(ActionPolicy(), data, str(path))


def merge_site_policy(base: ActionPolicy, data: Mapping[str, Any], where: str) -> ActionPolicy:
    """``base`` made stricter by a parsed site policy ``data``; PolicyError names the file and the key."""
    _only_known(data, ("actions", "report"), where, "")
    zone = _report_time_zone(data.get("report", {}), where, base.report_time_zone)
    actions = data.get("actions", {})
    if not isinstance(actions, Mapping):
        raise PolicyError(_not_a_table(where, "actions"))
    _only_known(actions, _ACTION_KEYS, where, "actions.")
    second = _kinds(actions.get("second_person", []), where)
    retention = actions.get("vault_retention_days", base.vault_retention_days)
    if not isinstance(retention, int) or isinstance(retention, bool):
        raise PolicyError(
            _("{where}: {key} must be a whole number of days").format(where=where, key="actions.vault_retention_days")
        )
    if retention < base.vault_retention_days:
        raise PolicyError(
            _("{where}: {key} = {value} is below the minimum of {minimum} days; a site policy can keep vault items "
              "longer, never shorter").format(where=where, key="actions.vault_retention_days", value=retention,
                                              minimum=base.vault_retention_days)
        )  # fmt: skip
    by_sensitivity = _proposals(actions, "default_by_sensitivity", where, SENSITIVITIES)
    by_entity = _proposals(actions, "default_by_entity", where, None)
    return ActionPolicy(
        default_by_sensitivity={**base.default_by_sensitivity, **by_sensitivity},
        default_by_entity={**base.default_by_entity, **by_entity},
        second_person=base.second_person | second,
        vault_retention_days=retention,
        source=where,
        report_time_zone=zone,
    )


def _report_time_zone(report: Any, where: str, default: str) -> str:
    if not isinstance(report, Mapping):
        raise PolicyError(_not_a_table(where, "report"))
    _only_known(report, ("time_zone",), where, "report.")
    zone = report.get("time_zone", default)
    try:
        time_zone(zone if isinstance(zone, str) else "")
    except TimeZoneError as exc:
        raise PolicyError(_("{where}: {key}: {error}").format(where=where, key="report.time_zone", error=exc)) from None
    return zone


def _only_known(table: Mapping[str, Any], known: tuple[str, ...], where: str, prefix: str) -> None:
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise PolicyError(
            _("{where}: unknown key {key} in the site policy file; known: {known}").format(
                where=where, key=prefix + unknown[0], known=", ".join(prefix + k for k in known)
            )
        )


def _kinds(value: Any, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(_("{where}: {key} must be a list of action kinds").format(where=where, key=_SECOND))
    unknown = sorted(set(value) - set(ACTION_KINDS))
    if unknown:
        raise PolicyError(
            _("{where}: {key} names unknown kinds {kinds}; known: {known}").format(
                where=where, key=_SECOND, kinds=unknown, known=", ".join(ACTION_KINDS)
            )
        )
    return frozenset(value)


def _proposals(actions: Mapping[str, Any], key: str, where: str, keys: tuple[str, ...] | None) -> dict[str, str]:
    table = actions.get(key, {})
    if not isinstance(table, Mapping):
        raise PolicyError(
            _('{where}: {key} must be a table of name = "kind"').format(where=where, key=f"actions.{key}")
        )
    for name, kind in table.items():
        if keys is not None and name not in keys:
            raise PolicyError(
                _("{where}: {key}: not a sensitivity; known: {known}").format(
                    where=where, key=f"actions.{key}.{name}", known=", ".join(keys)
                )
            )
        if kind not in DEFAULT_PROPOSALS:
            raise PolicyError(
                _("{where}: {key} = {value}: a default proposal is one of {kinds}").format(
                    where=where, key=f"actions.{key}.{name}", value=repr(kind), kinds=", ".join(DEFAULT_PROPOSALS)
                )
            )
    return dict(table)


def _not_a_table(where: str, key: str) -> str:
    return _("{where}: '{key}' must be a table ([{key}])").format(where=where, key=key)
