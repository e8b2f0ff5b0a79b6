"""[[zones]] in custos.toml into `Zone` records, validated like the rest of the config.

Every error is one line naming the zone and the key: ``zones[2] "外包": forbid_entities: unknown entity type
"CN_ID" (did you mean CN_RESIDENT_ID?)``; the daemon config adds the file name in front.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from scanner.detect.entity_types import ENTITY_TYPES
from scanner.i18n import N_, _
from scanner.states import EXPOSURE_LEVELS, ZONE_SEVERITIES, ZoneRuleKind, ZoneSeverity
from scanner.subjects.categories import SENSITIVITY_RANK
from scanner.zones.globs import GlobError, ZoneGlobs
from scanner.zones.model import Zone, ZoneRule

ZONE_KEYS = ("name", "globs", "severity", *ZoneRuleKind, "auto_quarantine")
SENSITIVITIES = tuple(SENSITIVITY_RANK)
MAX_PEOPLE_LIMIT = 10_000_000


class ZoneConfigError(ValueError):
    """A [[zones]] entry that cannot be used; one line naming the zone and the key."""


def parse_zones(raw: Any) -> tuple[Zone, ...]:
    """The zones of a config's `zones` value (an array of tables); () when absent."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(z, dict) for z in raw):
        raise ZoneConfigError(_("zones: expected [[zones]] tables"))
    zones: list[Zone] = []
    for i, table in enumerate(raw, 1):
        zone = _zone(table, f"zones[{i}]")
        if any(z.name == zone.name for z in zones):
            raise ZoneConfigError(
                _("zones[{number}] {name}: name: already used by another zone").format(number=i, name=_show(zone.name))
            )
        zones.append(zone)
    return tuple(zones)


def _zone(table: Mapping[str, Any], where: str) -> Zone:
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ZoneConfigError(
            _("{where}: name: expected a non-empty string, got {value}").format(where=where, value=_show(name))
        )
    where = f"{where} {_show(name)}"
    for key in table:
        if key not in ZONE_KEYS:
            close = difflib.get_close_matches(key, ZONE_KEYS, n=1)
            hint = (
                _("did you mean {name}?").format(name=close[0])
                if close
                else _("known keys: {keys}").format(keys=", ".join(ZONE_KEYS))
            )
            raise ZoneConfigError(_("{where}: unknown key {key} ({hint})").format(where=where, key=key, hint=hint))
    globs = table.get("globs")
    if not isinstance(globs, list) or not globs or not all(isinstance(g, str) for g in globs):
        raise ZoneConfigError(
            _("{where}: globs: expected a non-empty array of glob strings, got {value}").format(
                where=where, value=_show(globs)
            )
        )
    try:
        compiled = ZoneGlobs(tuple(globs))
    except GlobError as exc:
        raise ZoneConfigError(_("{where}: globs: {error}").format(where=where, error=exc)) from None
    severity = _choice(table.get("severity"), ZONE_SEVERITIES, _at(where, "severity"))
    auto = table.get("auto_quarantine", False)
    if not isinstance(auto, bool):
        raise ZoneConfigError(
            _("{where}: auto_quarantine: expected true or false, got {value}").format(where=where, value=_show(auto))
        )
    rules = _rules(table, where)
    if not rules:
        kinds = ", ".join(ZoneRuleKind)
        raise ZoneConfigError(_("{where}: no rule given; set at least one of {kinds}").format(where=where, kinds=kinds))
    return Zone(name.strip(), compiled, ZoneSeverity(severity), rules, auto)


def _rules(table: Mapping[str, Any], where: str) -> tuple[ZoneRule, ...]:
    rules = []
    if (raw := table.get(ZoneRuleKind.FORBID_SENSITIVITY)) is not None:
        values = _names(raw, SENSITIVITIES, _at(where, ZoneRuleKind.FORBID_SENSITIVITY), N_("sensitivity"))
        rules.append(ZoneRule(ZoneRuleKind.FORBID_SENSITIVITY, values=values))
    if (raw := table.get(ZoneRuleKind.FORBID_ENTITIES)) is not None:
        values = _names(raw, sorted(ENTITY_TYPES), _at(where, ZoneRuleKind.FORBID_ENTITIES), N_("entity type"))
        rules.append(ZoneRule(ZoneRuleKind.FORBID_ENTITIES, values=values))
    if (raw := table.get(ZoneRuleKind.MAX_PEOPLE)) is not None:
        if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw <= MAX_PEOPLE_LIMIT:
            raise ZoneConfigError(
                _("{where}: {key}: expected an integer >= 0, got {value}").format(
                    where=where, key=ZoneRuleKind.MAX_PEOPLE, value=_show(raw)
                )
            )
        rules.append(ZoneRule(ZoneRuleKind.MAX_PEOPLE, limit=raw))
    if (raw := table.get(ZoneRuleKind.MAX_EXPOSURE)) is not None:
        level = _choice(raw, EXPOSURE_LEVELS, _at(where, ZoneRuleKind.MAX_EXPOSURE))
        rules.append(ZoneRule(ZoneRuleKind.MAX_EXPOSURE, level=level))
    return tuple(rules)


def _names(raw: Any, known: Sequence[str], key: str, what: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(v, str) for v in raw):
        raise ZoneConfigError(
            _("{key}: expected a non-empty array of strings, got {value}").format(key=key, value=_show(raw))
        )
    for value in raw:
        if value not in known:
            close = difflib.get_close_matches(value, known, n=1)
            hint = (
                _("did you mean {name}?").format(name=close[0])
                if close
                else _("known: {names}").format(names=", ".join(known))
            )
            raise ZoneConfigError(
                _("{key}: unknown {what} {value} ({hint})").format(key=key, what=_(what), value=_show(value), hint=hint)
            )
    return tuple(dict.fromkeys(raw))


def _choice(raw: Any, known: Sequence[str], key: str) -> str:
    if raw not in known or not isinstance(raw, str):
        raise ZoneConfigError(
            _("{key}: expected {choices}, got {value}").format(key=key, choices=" | ".join(known), value=_show(raw))
        )
    return raw


def _at(where: str, key: str) -> str:
    """``key`` of the zone ``where``, as messages name it."""
    return _("{where}: {problem}").format(where=where, problem=key)


def _show(value: Any) -> str:
    if value is None:
        return _("nothing")
    if isinstance(value, bool | str | int | float):
        return json.dumps(value, ensure_ascii=False)
    shown = {list: N_("an array"), dict: N_("a table")}.get(type(value))
    return _(shown) if shown else type(value).__name__
