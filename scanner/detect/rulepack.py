"""Load TOML rule packs into frozen `RulePack` / `Rule` records, checked against `pack_schema` first.

A pack is data (see rules/*.toml): every rule names its entity type, regex patterns, validator, context
words, scores, sensitivity, masking style and its own positive/negative examples. Nothing here detects.
Site packs (``--rules DIR``) come after the built-in ones; see `pack_overlay` for ``extends``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli

from scanner.detect.entity_types import ENTITY_TYPES  # noqa: F401  (re-exported: the names a pack may use)
from scanner.detect.pack_schema import RECOGNIZERS, REGEX_FLAGS, SENSITIVITIES, pack_problems  # noqa: F401
from scanner.detect.table_check import located
from scanner.i18n import _


class RulePackError(ValueError):
    """Rule packs that cannot be used: one line per problem, each naming the file, the rule and the key."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


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
    regroup: str | None = None  # pack_schema.REGROUP_MODES: also match values written in other digit groupings
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
    extends: str | None = None  # "builtin": may replace built-in rules by id and disable them
    disabled_rules: tuple[str, ...] = ()  # built-in rule ids this pack turns off


def load_pack(path: Path) -> RulePack:
    """Parse and validate one pack file; RulePackError lists every problem the file has."""
    try:
        with open(path, "rb") as fh:
            data = tomli.load(fh)
    except OSError as exc:
        raise RulePackError(_("{path}: cannot read rule pack ({error})").format(path=path, error=exc.strerror)) from exc
    except tomli.TOMLDecodeError as exc:
        raise RulePackError(_("{path}: not valid TOML ({error})").format(path=path, error=exc)) from exc
    problems = pack_problems(data, path.parent)
    if problems:
        raise RulePackError(*(located(str(path), line) for line in problems))
    pack_id, version = data["pack_id"], data["version"]
    return RulePack(
        pack_id=pack_id,
        version=version,
        description=data.get("description", ""),
        rules=tuple(_build_rule(raw, pack_id, version, path.parent) for raw in data.get("rules", ())),
        policy=data.get("policy", {}),
        source=path,
        extends=data.get("extends"),
        disabled_rules=tuple(data.get("disabled_rules", ())),
    )


def load_packs(paths: Iterable[Path]) -> list[RulePack]:
    """Load several packs; rule ids must be unique across all of them."""
    packs = _load_all(paths)
    _check_unique((r.id for p in packs for r in p.rules), "rule packs")
    return packs


def load_default_packs(extra_dirs: Iterable[Path] = ()) -> list[RulePack]:
    """The built-in packs plus every ``*.toml`` in ``extra_dirs`` (the ``--rules`` folders)."""
    return load_site_packs(pack_files(extra_dirs))


def pack_files(folders: Iterable[Path]) -> list[Path]:
    """The ``*.toml`` pack files of each folder, in name order."""
    paths: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            raise RulePackError(_("{folder}: rule pack folder does not exist").format(folder=folder))
        paths += sorted(folder.glob("*.toml"))
    return paths


def load_site_packs(site_paths: Sequence[Path]) -> list[RulePack]:
    """The built-in packs with the site packs at ``site_paths`` laid over them (see `pack_overlay`).

    Every file is checked before any error is raised, so one run reports the problems of all of them.
    """
    from rules import builtin_pack_paths
    from scanner.detect.pack_overlay import overlay

    builtin_paths = builtin_pack_paths()
    packs = _load_all([*builtin_paths, *site_paths])
    return overlay(packs[: len(builtin_paths)], packs[len(builtin_paths) :])


def _load_all(paths: Iterable[Path]) -> list[RulePack]:
    packs: list[RulePack] = []
    problems: list[str] = []
    for path in paths:
        try:
            packs.append(load_pack(path))
        except RulePackError as exc:
            problems += exc.problems
    if problems:
        raise RulePackError(*problems)
    return packs


def active_rules(packs: Iterable[RulePack]) -> list[Rule]:
    """Every rule that is not deprecated, in pack order."""
    return [r for p in packs for r in p.rules if not r.deprecated]


def merged_policy(packs: Iterable[RulePack]) -> dict[str, Any]:
    """Policy tables of all packs merged; a later pack's key overrides an earlier one's."""
    merged: dict[str, Any] = {}
    for pack in packs:
        merged.update(pack.policy)
    return merged


def _build_rule(raw: Mapping[str, Any], pack_id: str, version: str, folder: Path) -> Rule:
    """A `Rule` from a table `pack_schema` has accepted; defaults for the keys it leaves out."""
    examples = raw.get("examples", {})
    return Rule(
        id=raw["id"],
        entity_type=raw["entity_type"],
        patterns=tuple(_build_pattern(p) for p in raw.get("patterns", ())),
        validator=raw.get("validator", "always_valid"),
        score=float(raw.get("score", 0.6)),
        sensitivity=raw["sensitivity"],
        pack_id=pack_id,
        pack_version=version,
        context=tuple(raw.get("context", ())),
        context_boost=float(raw.get("context_boost", 0.1)),
        requires_context=raw.get("requires_context", False),
        negative_context=tuple(raw.get("negative_context", ())),
        weak_veto=tuple(raw.get("weak_veto", ())),
        regroup=raw.get("regroup"),
        context_chars=raw.get("context_chars"),
        prefilter=_compile(raw["prefilter"], ignore_case=True) if "prefilter" in raw else None,
        exclude=_compile(raw["exclude"], ignore_case=True) if "exclude" in raw else None,
        recognizer=raw.get("recognizer", "pattern"),
        lexicon=folder / raw["lexicon"] if "lexicon" in raw else None,
        triggers=tuple(raw.get("triggers", ())),
        priority=raw.get("priority", 50),
        mask=MaskStyle(**raw.get("mask", {})),
        description=raw.get("description", ""),
        deprecated=raw.get("deprecated", False),
        positive_examples=tuple(examples.get("positive", ())),
        negative_examples=tuple(examples.get("negative", ())),
    )


def _build_pattern(raw: Mapping[str, Any]) -> PatternSpec:
    regex = _compile(raw["regex"], ignore_case=raw.get("ignore_case", False))
    return PatternSpec(raw["name"], regex, float(raw["score"]) if "score" in raw else None, raw.get("anchor"))


def _compile(source: str, *, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(source, REGEX_FLAGS | (re.IGNORECASE if ignore_case else 0))


def _check_unique(ids: Iterable[str], where: str) -> None:
    seen: set[str] = set()
    for rid in ids:
        if rid in seen:
            raise RulePackError(located(where, _("rule id {id!r} is defined twice").format(id=rid)))
        seen.add(rid)
