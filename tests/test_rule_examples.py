"""Every rule ships positive and negative examples; each one is a test case here."""

from __future__ import annotations

import pytest

from scanner.detect.examples import check_negative, check_positive, parse_example
from scanner.detect.rulepack import active_rules, load_default_packs

_RULES = active_rules(load_default_packs())
_POSITIVE = [(r, ex) for r in _RULES for ex in r.positive_examples]
_NEGATIVE = [(r, ex) for r in _RULES for ex in r.negative_examples]


@pytest.mark.parametrize(("rule", "example"), _POSITIVE, ids=[f"{r.id}:{ex[:30]}" for r, ex in _POSITIVE])
def test_positive_example_found_at_marked_span(detector, rule, example):
    assert check_positive(detector, rule, example) == []


@pytest.mark.parametrize(("rule", "example"), _NEGATIVE, ids=[f"{r.id}:{ex[:30]}" for r, ex in _NEGATIVE])
def test_negative_example_stays_quiet(detector, rule, example):
    assert check_negative(detector, rule, example) == []


@pytest.mark.parametrize("rule", _RULES, ids=[r.id for r in _RULES])
def test_every_rule_has_both_kinds_of_examples(rule):
    assert len(rule.positive_examples) >= 2 and len(rule.negative_examples) >= 2
    assert all(parse_example(ex)[1] for ex in rule.positive_examples), "positives mark their value with «»"


def test_example_checker_reports_a_wrong_span(detector):
    rule = next(r for r in _RULES if r.id == "cn_mobile")
    failures = check_positive(detector, rule, "电话«1380013»8000")
    assert failures and "expected '1380013'" in failures[0].problem


def test_example_checker_reports_a_noisy_negative(detector):
    rule = next(r for r in _RULES if r.id == "cn_mobile")
    assert check_negative(detector, rule, "电话13800138000")
