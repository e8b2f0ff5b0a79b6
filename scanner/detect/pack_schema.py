"""The shape of a rule pack, as data: every key a pack, its rules, their patterns, masks and examples may hold.

`pack_problems` checks a parsed pack file against it and returns every problem as one line ("rule 'x':
unknown key 'requires_contxt' (did you mean 'requires_context'?)"); `rulepack.py` adds the file name and
builds the records only from a pack with no problems. To add a key: declare it here, then read it in
`rulepack._build_rule`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from scanner.detect.entity_types import ENTITY_TYPES
from scanner.detect.table_check import (
    Key,
    ListOf,
    OneOf,
    Refused,
    Regex,
    Table,
    Tables,
    Value,
    is_number,
    is_whole,
    located,
    table_problems,
)
from scanner.detect.validators import VALIDATORS
from scanner.i18n import N_, _

SENSITIVITIES = ("sensitive", "general", "organization")
RECOGNIZERS = ("pattern", "cn_person_name", "en_person_name")  # "pattern": regex + validator; else built in
# "any": a value in any grouping keeps its validator's verdict (check digits vouch for it); "grouped": OCR gaps
# and line breaks need a context word, since nothing but the shape vouches for a phone number.
REGROUP_MODES = ("any", "grouped")
BUILTIN = "builtin"  # the one pack set a site pack can extend: the packs shipped in rules/
REGEX_FLAGS = re.ASCII  # \b, \w and \d must not treat CJK characters or full-width digits as word characters
_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$")
_RULE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_PACK_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def _matches(shape: re.Pattern[str], value: object) -> bool:
    return isinstance(value, str) and bool(shape.match(value))


def _mask_styles() -> tuple[str, ...]:
    from scanner.mask import style_names  # scanner.mask reads MaskStyle from rulepack: import when checked

    return style_names()


TEXT = Value(N_("a string"), lambda v: isinstance(v, str))
NAME = Value(N_("a non-empty string"), lambda v: isinstance(v, str) and v.strip() != "")
FLAG = Value(N_("true or false"), lambda v: isinstance(v, bool))
SCORE = Value(N_("a number between 0 and 1"), lambda v: is_number(v) and 0 <= v <= 1)
WORDS = ListOf(NAME)  # context words, triggers, vetoes: matched case-insensitively as whole words
RULE_ID = Value(N_("lower_snake_case (a-z, 0-9, _; a letter first)"), lambda v: _matches(_RULE_ID, v))
REGEX = Regex(REGEX_FLAGS)


def _whole(low: int, high: int | None = None) -> Value:
    expected = N_("a whole number between {low} and {high}") if high is not None else N_("a whole number >= {low}")
    return Value(
        expected,
        lambda v: is_whole(v) and v >= low and (high is None or v <= high),
        bounds=dict(low=low, high=high) if high is not None else dict(low=low),
    )


PATTERN_SHAPE: dict[str, Key] = {
    "name": Key(NAME, required=True),
    "regex": Key(REGEX, required=True),
    "score": Key(SCORE),
    "anchor": Key(REGEX),  # a cheaper superset of `regex` for the one-pass matcher
    "ignore_case": Key(FLAG),
}

MASK_SHAPE: dict[str, Key] = {
    "style": Key(OneOf(_mask_styles)),
    "head": Key(_whole(0)),
    "tail": Key(_whole(0)),
}

EXAMPLES_SHAPE: dict[str, Key] = {
    "positive": Key(ListOf(TEXT)),  # the value each must yield marked «…»
    "negative": Key(ListOf(TEXT)),
}


def _pattern_label(pattern: Mapping[str, Any], index: int) -> str:
    name = pattern.get("name")
    return _("pattern {name!r}").format(name=name) if isinstance(name, str) else f"patterns[{index}]"


RULE_SHAPE: dict[str, Key] = {
    "id": Key(RULE_ID, required=True),
    "entity_type": Key(OneOf(lambda: ENTITY_TYPES), required=True),
    "sensitivity": Key(OneOf(lambda: SENSITIVITIES), required=True),
    "description": Key(TEXT),
    "recognizer": Key(OneOf(lambda: RECOGNIZERS)),
    "lexicon": Key(NAME),  # a data file for a built-in recognizer, relative to the pack file
    "patterns": Key(Tables(PATTERN_SHAPE, _pattern_label)),
    "validator": Key(OneOf(lambda: VALIDATORS)),
    "score": Key(SCORE),
    "context": Key(WORDS),
    "context_boost": Key(SCORE),
    "requires_context": Key(FLAG),
    "context_chars": Key(_whole(1)),
    "negative_context": Key(WORDS),  # words naming what a value is not (订单号): before it, or as its field's label
    "regroup": Key(OneOf(lambda: REGROUP_MODES)),  # values written in any digit grouping (scanner/detect/regroup.py)
    "weak_veto": Key(WORDS),
    "triggers": Key(WORDS),
    "prefilter": Key(REGEX),
    "exclude": Key(REGEX),
    "priority": Key(_whole(0, 100)),
    "mask": Key(Table(MASK_SHAPE)),
    "deprecated": Key(FLAG),
    "examples": Key(Table(EXAMPLES_SHAPE)),
}


def _patterns_for_pattern_rules(rule: Mapping[str, Any]) -> Iterator[str]:
    if rule.get("recognizer", "pattern") == "pattern" and rule.get("patterns") == []:
        yield _("'patterns' is empty; a pattern rule needs at least one")
    elif rule.get("recognizer", "pattern") == "pattern" and "patterns" not in rule:
        yield _("missing required key 'patterns' (or name a built-in 'recognizer')")


def _lexicon_for_builtin_recognizers(rule: Mapping[str, Any]) -> Iterator[str]:
    if rule.get("recognizer", "pattern") != "pattern" and "lexicon" not in rule:
        yield _("recognizer {name!r} needs a 'lexicon' file").format(name=rule["recognizer"])


def _context_when_required(rule: Mapping[str, Any]) -> Iterator[str]:
    if rule.get("requires_context") is True and not rule.get("context"):
        yield _("requires_context = true needs 'context' words (else the rule can never report)")


def _rule_label(rule: Mapping[str, Any], index: int) -> str:
    rid = rule.get("id")
    return _("rule {id!r}").format(id=rid) if isinstance(rid, str) else _("rule #{number}").format(number=index + 1)


POLICY_SHAPE: dict[str, Key] = {
    "minor_age": Key(_whole(0, 150)),  # PIPL Art. 28/31: holders younger than this are minors
    "minor_entity_types": Key(ListOf(OneOf(lambda: ENTITY_TYPES))),
    "actions": Key(
        Refused(
            N_(
                "[policy.actions] is not allowed in a rule pack; action policy (two-person rule, vault retention, "
                "default proposals) lives in the site policy file (policy.toml beside the database)"
            )
        )
    ),
}


def _disabling_needs_extends(pack: Mapping[str, Any]) -> Iterator[str]:
    if "disabled_rules" in pack and "extends" not in pack:
        yield _("'disabled_rules' turns off built-in rules: add extends = {pack!r} to the pack").format(pack=BUILTIN)


PACK_SHAPE: dict[str, Key] = {
    "pack_id": Key(
        Value(N_("lower-case letters, digits, '.', '-' or '_'"), lambda v: _matches(_PACK_ID, v)),
        required=True,
    ),
    "version": Key(
        Value(
            N_("semantic"),
            lambda v: _matches(_SEMVER, v),
            message=N_("{key} {value} is not semantic (MAJOR.MINOR.PATCH)"),
        ),
        required=True,
    ),
    "description": Key(TEXT),
    "extends": Key(OneOf(lambda: (BUILTIN,))),  # replace built-in rules by id, disable them by id
    "disabled_rules": Key(ListOf(RULE_ID)),
    "policy": Key(Table(POLICY_SHAPE)),
    "rules": Key(
        Tables(
            RULE_SHAPE,
            _rule_label,
            constraints=(_patterns_for_pattern_rules, _lexicon_for_builtin_recognizers, _context_when_required),
            unique="id",
            expected=N_("an array of tables ([[rules]])"),
        )
    ),
}
_PACK_CONSTRAINTS = (_disabling_needs_extends,)


def pack_problems(data: Mapping[str, Any], folder: Path) -> list[str]:
    """Every problem of one parsed pack file, one line each; ``folder`` holds the pack (lexicons are relative)."""
    problems = list(table_problems(data, PACK_SHAPE))
    problems += [line for constraint in _PACK_CONSTRAINTS for line in constraint(data)]
    rules = data.get("rules")
    for index, rule in enumerate(rules if isinstance(rules, list) else ()):
        if isinstance(rule, dict):
            lexicon = rule.get("lexicon")
            if isinstance(lexicon, str) and lexicon and not (folder / lexicon).is_file():
                problems.append(
                    located(_rule_label(rule, index), _("lexicon file {name!r} does not exist").format(name=lexicon))
                )
    return problems
