"""RuleRecognizer: one rule's regex candidates, kept or dropped by its validator, tagged with rule and verdict."""

from __future__ import annotations

import re

import pytest
from presidio_analyzer import EntityRecognizer, RecognizerResult

from scanner.detect.recognizer import RULE_KEY, VERDICT_KEY, RuleRecognizer, rule_result
from scanner.detect.rulepack import PatternSpec, Rule
from scanner.detect.validators import Verdict
from tests.conftest import TODAY

VALID_ID, OTHER_ID, BAD_CHECK_DIGIT = "11010519491231002X", "110105199003071239", "110105194912310021"


def rule(*patterns: PatternSpec, validator: str = "cn_resident_id", **extra) -> Rule:
    fields = dict(id="demo_id", entity_type="CN_RESIDENT_ID", validator=validator, score=0.6,
                  sensitivity="sensitive", pack_id="demo", pack_version="1.0.0")  # fmt: skip
    return Rule(patterns=patterns, **{**fields, **extra})


def spec(regex: str, name: str = "p", score: float | None = None) -> PatternSpec:
    return PatternSpec(name=name, regex=re.compile(regex), score=score)


def found(recognizer: RuleRecognizer, text: str, entities: list[str] | None = None) -> list[tuple[str, str]]:
    return [(text[r.start : r.end], r.recognition_metadata[VERDICT_KEY]) for r in recognizer.analyze(text, entities)]


ID_RULE = rule(spec(r"\d{17}[\dXx]"))


def test_the_validator_drops_a_candidate_that_only_looks_like_a_value():
    text = f"身份证号{VALID_ID}，旧档案{BAD_CHECK_DIGIT}。"
    assert found(RuleRecognizer(ID_RULE, "zh", TODAY), text, ["CN_RESIDENT_ID"]) == [(VALID_ID, "valid")]


def test_each_result_names_its_rule_entity_score_and_pattern():
    [result] = RuleRecognizer(ID_RULE, "zh", TODAY).analyze(f"号码{VALID_ID}", [])
    assert (result.entity_type, result.start, result.end, result.score) == ("CN_RESIDENT_ID", 2, 20, 0.6)
    assert result.recognition_metadata[RULE_KEY] == "demo_id"
    assert result.recognition_metadata[RecognizerResult.RECOGNIZER_NAME_KEY] == "demo_id"
    assert result.analysis_explanation.pattern == r"\d{17}[\dXx]"
    assert result.analysis_explanation.validation_result is True


def test_a_weak_verdict_is_kept_and_tagged_for_the_context_enhancer():
    weak = rule(spec(r"\b[A-Z]{3}\d{4}\b"), validator="always_weak", entity_type="CN_QQ")
    assert found(RuleRecognizer(weak, "zh", TODAY), "code ABC1234 end", []) == [("ABC1234", "weak")]


def test_only_the_value_group_is_reported_when_the_pattern_has_one():
    labelled = rule(spec(r"(?:ID|证号)[:：]?\s*(?P<value>\d{17}[\dXx])"))
    [result] = RuleRecognizer(labelled, "zh", TODAY).analyze(f"证号：{VALID_ID}", [])
    assert (result.start, result.end) == (3, 21)


def test_a_pattern_score_overrides_the_rule_score():
    scored = rule(spec(r"\d{17}[\dXx]", name="bare", score=0.3), spec(r"ID(?P<value>\d{17}[\dXx])", score=0.9))
    results = RuleRecognizer(scored, "zh", TODAY).analyze(f"ID{VALID_ID}", [])
    assert sorted((r.analysis_explanation.pattern_name, r.score) for r in results) == [("bare", 0.3), ("p", 0.9)]


def test_another_entity_asked_for_returns_nothing():
    assert RuleRecognizer(ID_RULE, "zh", TODAY).analyze(VALID_ID, ["EMAIL_ADDRESS"]) == []
    assert len(RuleRecognizer(ID_RULE, "zh", TODAY).analyze(VALID_ID, [])) == 1  # no entities: every entity


def test_a_prefilter_that_misses_skips_the_patterns():
    filtered = rule(spec(r"\d{17}[\dXx]"), prefilter=re.compile("身份证"))
    recognizer = RuleRecognizer(filtered, "zh", TODAY)
    assert recognizer.analyze(f"号码{VALID_ID}", []) == []
    assert found(recognizer, f"身份证{VALID_ID}") == [(VALID_ID, "valid")]


def test_values_on_the_rules_exclude_list_are_not_reported():
    excluding = rule(spec(r"\d{17}[\dXx]"), exclude=re.compile(re.escape(VALID_ID)))
    text = f"{VALID_ID} {OTHER_ID}"
    assert found(RuleRecognizer(ID_RULE, "zh", TODAY), text) == [(VALID_ID, "valid"), (OTHER_ID, "valid")]
    assert found(RuleRecognizer(excluding, "zh", TODAY), text) == [(OTHER_ID, "valid")]


def test_an_empty_value_group_is_skipped():
    optional = rule(spec(r"ID(?P<value>\d{17}[\dXx])?"))
    assert RuleRecognizer(optional, "zh", TODAY).analyze("ID none here", []) == []


def test_the_validator_judges_birth_dates_against_the_recognizers_today():
    born_2025 = "110105202501010011"
    assert found(RuleRecognizer(ID_RULE, "zh", TODAY), born_2025) == [(born_2025, "valid")]
    assert found(RuleRecognizer(ID_RULE, "zh", TODAY.replace(year=2020)), born_2025) == []  # not born yet


@pytest.mark.parametrize("verdict", [Verdict.VALID, Verdict.WEAK])
def test_rule_result_carries_the_verdict_value(verdict):
    recognizer = RuleRecognizer(ID_RULE, "zh", TODAY)
    result = rule_result(recognizer, ID_RULE, 4, 9, 0.5, "how", verdict)
    assert isinstance(recognizer, EntityRecognizer)
    assert result.recognition_metadata[VERDICT_KEY] == verdict.value
    assert result.recognition_metadata[RecognizerResult.RECOGNIZER_IDENTIFIER_KEY] == recognizer.id
    assert result.analysis_explanation.validation_result is (verdict is Verdict.VALID)


def test_a_builtin_rule_finds_an_id_glued_to_chinese_text(packs):
    [builtin] = [r for p in packs for r in p.rules if r.id == "cn_resident_id"]
    values = {v for v, _ in found(RuleRecognizer(builtin, "zh", TODAY), f"客户身份证号码{VALID_ID}已核实")}
    assert VALID_ID in values
