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
        raise ZoneConfigError("zones: expected [[zones]] tables")
    zones: list[Zone] = []
    for i, table in enumerate(raw, 1):
        zone = _zone(table, f"zones[{i}]")
        if any(z.name == zone.name for z in zones):
            raise ZoneConfigError(f"zones[{i}] {_show(zone.name)}: name: already used by another zone")
        zones.append(zone)
    return tuple(zones)


def _zone(table: Mapping[str, Any], where: str) -> Zone:
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ZoneConfigError(f"{where}: name: expected a non-empty string, got {_show(name)}")
    where = f"{where} {_show(name)}"
    for key in table:
        if key not in ZONE_KEYS:
            close = difflib.get_close_matches(key, ZONE_KEYS, n=1)
            hint = f"did you mean {close[0]}?" if close else f"known keys: {', '.join(ZONE_KEYS)}"
            raise ZoneConfigError(f"{where}: unknown key {key} ({hint})")
    globs = table.get("globs")
    if not isinstance(globs, list) or not globs or not all(isinstance(g, str) for g in globs):
        raise ZoneConfigError(f"{where}: globs: expected a non-empty array of glob strings, got {_show(globs)}")
    try:
        compiled = ZoneGlobs(tuple(globs))
    except GlobError as exc:
        raise ZoneConfigError(f"{where}: globs: {exc}") from None
    severity = _choice(table.get("severity"), ZONE_SEVERITIES, f"{where}: severity")
    auto = table.get("auto_quarantine", False)
    if not isinstance(auto, bool):
        raise ZoneConfigError(f"{where}: auto_quarantine: expected true or false, got {_show(auto)}")
    rules = _rules(table, where)
    if not rules:
        kinds = ", ".join(ZoneRuleKind)
        raise ZoneConfigError(f"{where}: no rule given; set at least one of {kinds}")
    return Zone(name.strip(), compiled, ZoneSeverity(severity), rules, auto)


def _rules(table: Mapping[str, Any], where: str) -> tuple[ZoneRule, ...]:
    rules = []
    if (raw := table.get(ZoneRuleKind.FORBID_SENSITIVITY)) is not None:
        values = _names(raw, SENSITIVITIES, f"{where}: {ZoneRuleKind.FORBID_SENSITIVITY}", "sensitivity")
        rules.append(ZoneRule(ZoneRuleKind.FORBID_SENSITIVITY, values=values))
    if (raw := table.get(ZoneRuleKind.FORBID_ENTITIES)) is not None:
        values = _names(raw, sorted(ENTITY_TYPES), f"{where}: {ZoneRuleKind.FORBID_ENTITIES}", "entity type")
        rules.append(ZoneRule(ZoneRuleKind.FORBID_ENTITIES, values=values))
    if (raw := table.get(ZoneRuleKind.MAX_PEOPLE)) is not None:
        if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw <= MAX_PEOPLE_LIMIT:
            raise ZoneConfigError(f"{where}: {ZoneRuleKind.MAX_PEOPLE}: expected an integer >= 0, got {_show(raw)}")
        rules.append(ZoneRule(ZoneRuleKind.MAX_PEOPLE, limit=raw))
    if (raw := table.get(ZoneRuleKind.MAX_EXPOSURE)) is not None:
        level = _choice(raw, EXPOSURE_LEVELS, f"{where}: {ZoneRuleKind.MAX_EXPOSURE}")
        rules.append(ZoneRule(ZoneRuleKind.MAX_EXPOSURE, level=level))
    return tuple(rules)


def _names(raw: Any, known: Sequence[str], key: str, what: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(v, str) for v in raw):
        raise ZoneConfigError(f"{key}: expected a non-empty array of strings, got {_show(raw)}")
    for value in raw:
        if value not in known:
            close = difflib.get_close_matches(value, known, n=1)
            hint = f"did you mean {close[0]}?" if close else f"known: {', '.join(known)}"
            raise ZoneConfigError(f"{key}: unknown {what} {_show(value)} ({hint})")
    return tuple(dict.fromkeys(raw))


def _choice(raw: Any, known: Sequence[str], key: str) -> str:
    if raw not in known or not isinstance(raw, str):
        raise ZoneConfigError(f"{key}: expected {' | '.join(known)}, got {_show(raw)}")
    return raw


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool | str | int | float):
        return json.dumps(value, ensure_ascii=False)
    return {list: "an array", dict: "a table"}.get(type(value), type(value).__name__)
