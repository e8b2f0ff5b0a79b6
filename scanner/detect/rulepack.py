"""Load and validate TOML rule packs into frozen `RulePack` / `Rule` records.

A pack is data (see rules/*.toml): every rule names its entity type, regex patterns, validator, context
words, scores, sensitivity, masking style and its own positive/negative examples. Nothing here detects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli

from scanner.detect.entity_types import ENTITY_TYPES
from scanner.detect.validators import VALIDATORS

SENSITIVITIES = ("sensitive", "general", "organization")
RECOGNIZERS = ("pattern", "cn_person_name", "en_person_name")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$")
_RULE_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class RulePackError(ValueError):
    """A rule pack that cannot be used; the message names the file and the rule."""


@dataclass(frozen=True)
class PatternSpec:
    """One regex of a rule; a named group ``value`` marks the span to report, else the whole match.

    ``anchor``, when given, is what the one-pass matcher looks for instead of ``regex``: a cheaper pattern
    that must still hit every value the rule can report (the regex's matches its validator accepts), e.g.
    only the card brands the validator knows. The test suite checks that on every rule example.
    """

    name: str
    regex: re.Pattern[str]
    score: float | None = None
    anchor: str | None = None


@dataclass(frozen=True)
class MaskStyle:
    """How a value is shown in previews (and masked in place, later): a named style and its parameters."""

    style: str = "keep"
    head: int = 0
    tail: int = 0


@dataclass(frozen=True)
class Rule:
    """One recognizer, as declared in a pack."""

    id: str
    entity_type: str
    patterns: tuple[PatternSpec, ...]
    validator: str
    score: float
    sensitivity: str
    pack_id: str
    pack_version: str
    context: tuple[str, ...] = ()
    context_boost: float = 0.1
    requires_context: bool = False
    negative_context: tuple[str, ...] = ()
    weak_veto: tuple[str, ...] = ()
    context_chars: int | None = None
    prefilter: re.Pattern[str] | None = None
    exclude: re.Pattern[str] | None = None
    recognizer: str = "pattern"  # "pattern" (regex + validator) or a named built-in such as "cn_person_name"
    lexicon: Path | None = None  # data file for a built-in recognizer, relative to the pack
    triggers: tuple[str, ...] = ()
    priority: int = 50
    mask: MaskStyle = field(default_factory=MaskStyle)
    description: str = ""
    deprecated: bool = False
    positive_examples: tuple[str, ...] = ()
    negative_examples: tuple[str, ...] = ()

    @property
    def pack_ref(self) -> str:
        """``pack@version``, recorded on every finding."""
        return f"{self.pack_id}@{self.pack_version}"


@dataclass(frozen=True)
class RulePack:
    """A versioned set of rules loaded from one TOML file."""

    pack_id: str
    version: str
    description: str
    rules: tuple[Rule, ...]
    policy: Mapping[str, Any]
    source: Path


def load_pack(path: Path) -> RulePack:
    """Parse and validate one pack file."""
    try:
        with open(path, "rb") as fh:
            data = tomli.load(fh)
    except OSError as exc:
        raise RulePackError(f"{path}: cannot read rule pack ({exc.strerror})") from exc
    except tomli.TOMLDecodeError as exc:
        raise RulePackError(f"{path}: not valid TOML ({exc})") from exc
    where = str(path)
    pack_id = _req(data, "pack_id", str, where)
    version = _req(data, "version", str, where)
    if not _SEMVER.match(version):
        raise RulePackError(f"{where}: version {version!r} is not semantic (MAJOR.MINOR.PATCH)")
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        raise RulePackError(f"{where}: 'rules' must be an array of tables ([[rules]])")
    rules = tuple(_parse_rule(r, pack_id, version, where, path.parent) for r in raw_rules)
    _check_unique((r.id for r in rules), where)
    return RulePack(pack_id, version, str(data.get("description", "")), rules, _pack_policy(data, where), path)


def _pack_policy(data: dict[str, Any], where: str) -> dict[str, Any]:
    """A pack's classification settings; action policy (two-person rule, retention) is site configuration."""
    policy = data.get("policy", {})
    if not isinstance(policy, dict):
        raise RulePackError(f"{where}: 'policy' must be a table ([policy])")
    if "actions" in policy:
        raise RulePackError(
            f"{where}: [policy.actions] is not allowed in a rule pack; action policy (two-person rule, vault "
            "retention, default proposals) lives in the site policy file (policy.toml beside the database)"
        )
    return policy


def load_packs(paths: Iterable[Path]) -> list[RulePack]:
    """Load several packs; rule ids must be unique across all of them."""
    packs = [load_pack(p) for p in paths]
    _check_unique((r.id for p in packs for r in p.rules), "rule packs")
    return packs


def load_default_packs(extra_dirs: Iterable[Path] = ()) -> list[RulePack]:
    """The built-in packs plus every ``*.toml`` in ``extra_dirs``."""
    from rules import builtin_pack_paths

    paths = builtin_pack_paths()
    for folder in extra_dirs:
        if not folder.is_dir():
            raise RulePackError(f"{folder}: rule pack folder does not exist")
        paths += sorted(folder.glob("*.toml"))
    return load_packs(paths)


def active_rules(packs: Iterable[RulePack]) -> list[Rule]:
    """Every rule that is not deprecated, in pack order."""
    return [r for p in packs for r in p.rules if not r.deprecated]


def merged_policy(packs: Iterable[RulePack]) -> dict[str, Any]:
    """Policy tables of all packs merged; a later pack's key overrides an earlier one's."""
    merged: dict[str, Any] = {}
    for pack in packs:
        merged.update(pack.policy)
    return merged


def _parse_rule(raw: Mapping[str, Any], pack_id: str, version: str, where: str, folder: Path) -> Rule:
    rid = _req(raw, "id", str, where)
    where = f"{where}: rule {rid!r}"
    if not _RULE_ID.match(rid):
        raise RulePackError(f"{where}: id must be lower_snake_case")
    entity = _req(raw, "entity_type", str, where)
    if entity not in ENTITY_TYPES:
        raise RulePackError(f"{where}: unknown entity_type {entity!r} (see taxonomy.md)")
    validator = raw.get("validator", "always_valid")
    if validator not in VALIDATORS:
        raise RulePackError(f"{where}: unknown validator {validator!r}; known: {', '.join(sorted(VALIDATORS))}")
    sensitivity = _req(raw, "sensitivity", str, where)
    if sensitivity not in SENSITIVITIES:
        raise RulePackError(f"{where}: sensitivity must be one of {SENSITIVITIES}")
    examples = raw.get("examples", {})
    recognizer = raw.get("recognizer", "pattern")
    if recognizer not in RECOGNIZERS:
        raise RulePackError(f"{where}: unknown recognizer {recognizer!r}; known: {', '.join(RECOGNIZERS)}")
    lexicon = folder / raw["lexicon"] if "lexicon" in raw else None
    if recognizer != "pattern" and (lexicon is None or not lexicon.is_file()):
        raise RulePackError(f"{where}: recognizer {recognizer!r} needs an existing 'lexicon' file")
    raw_patterns = raw.get("patterns", []) if recognizer != "pattern" else _req(raw, "patterns", list, where)
    return Rule(
        id=rid,
        entity_type=entity,
        patterns=tuple(_parse_pattern(p, where) for p in raw_patterns),
        validator=validator,
        score=_score(raw.get("score", 0.6), where),
        sensitivity=sensitivity,
        pack_id=pack_id,
        pack_version=version,
        context=tuple(raw.get("context", ())),
        context_boost=_score(raw.get("context_boost", 0.1), where),
        requires_context=bool(raw.get("requires_context", False)),
        negative_context=tuple(raw.get("negative_context", ())),
        weak_veto=tuple(raw.get("weak_veto", ())),
        context_chars=int(raw["context_chars"]) if "context_chars" in raw else None,
        prefilter=_compile(raw["prefilter"], "prefilter", where, ignore_case=True) if "prefilter" in raw else None,
        exclude=_compile(raw["exclude"], "exclude", where, ignore_case=True) if "exclude" in raw else None,
        recognizer=recognizer,
        lexicon=lexicon,
        triggers=tuple(raw.get("triggers", ())),
        priority=int(raw.get("priority", 50)),
        mask=MaskStyle(**raw["mask"]) if "mask" in raw else MaskStyle(),
        description=str(raw.get("description", "")),
        deprecated=bool(raw.get("deprecated", False)),
        positive_examples=tuple(examples.get("positive", ())),
        negative_examples=tuple(examples.get("negative", ())),
    )


def _parse_pattern(raw: Mapping[str, Any], where: str) -> PatternSpec:
    name = _req(raw, "name", str, where)
    source = _req(raw, "regex", str, where)
    compiled = _compile(source, name, where, ignore_case=bool(raw.get("ignore_case")))
    anchor = raw.get("anchor")
    if anchor is not None:
        if not isinstance(anchor, str):
            raise RulePackError(f"{where}: pattern {name!r}: 'anchor' must be a string")
        _compile(anchor, f"{name} anchor", where, ignore_case=bool(raw.get("ignore_case")))
    return PatternSpec(name, compiled, _score(raw["score"], where) if "score" in raw else None, anchor)


def _compile(source: str, name: str, where: str, *, ignore_case: bool) -> re.Pattern[str]:
    try:
        # ASCII: \b, \w and \d must not treat CJK characters or full-width digits as word characters.
        return re.compile(source, re.ASCII | (re.IGNORECASE if ignore_case else 0))
    except re.error as exc:
        raise RulePackError(f"{where}: pattern {name!r} does not compile: {exc}") from exc


def _req(data: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in data:
        raise RulePackError(f"{where}: missing required key {key!r}")
    value = data[key]
    if not isinstance(value, kind):
        raise RulePackError(f"{where}: {key!r} must be a {kind.__name__}")
    return value


def _score(value: Any, where: str) -> float:
    if not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise RulePackError(f"{where}: scores must be numbers between 0 and 1, got {value!r}")
    return float(value)


def _check_unique(ids: Iterable[str], where: str) -> None:
    seen: set[str] = set()
    for rid in ids:
        if rid in seen:
            raise RulePackError(f"{where}: rule id {rid!r} is defined twice")
        seen.add(rid)
