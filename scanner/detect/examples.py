"""Run a rule's own examples: each «marked» span of a positive must be found by that rule, exactly;
a negative must yield nothing from that rule. Used by `custos rules test` and by the test suite."""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanner.detect.engine import Detector
from scanner.detect.rulepack import Rule

_MARK = re.compile("«(.*?)»", re.S)


@dataclass(frozen=True)
class ExampleFailure:
    rule_id: str
    example: str
    problem: str


def parse_example(example: str) -> tuple[str, list[tuple[int, int]]]:
    """Strip «» markers; return the text and the marked spans."""
    text, spans, pos = "", [], 0
    for match in _MARK.finditer(example):
        text += example[pos : match.start()]
        spans.append((len(text), len(text) + len(match.group(1))))
        text += match.group(1)
        pos = match.end()
    return text + example[pos:], spans


def check_positive(detector: Detector, rule: Rule, example: str) -> list[ExampleFailure]:
    text, spans = parse_example(example)
    if not spans:
        return [ExampleFailure(rule.id, example, "positive example has no «marked» value")]
    detections = detector.detect(text)
    found = {(d.start, d.end) for d in detections if d.rule_id == rule.id}
    failures = []
    for start, end in spans:
        if (start, end) not in found:
            got = ", ".join(f"{d.rule_id}:{d.value!r}" for d in detections) or "nothing"
            failures.append(ExampleFailure(rule.id, example, f"expected {text[start:end]!r}; found {got}"))
    return failures


def check_negative(detector: Detector, rule: Rule, example: str) -> list[ExampleFailure]:
    hits = [d.value for d in detector.detect(example) if d.rule_id == rule.id]
    return [ExampleFailure(rule.id, example, f"must not match, found {hits!r}")] if hits else []


def check_rule(detector: Detector, rule: Rule) -> list[ExampleFailure]:
    failures = [f for ex in rule.positive_examples for f in check_positive(detector, rule, ex)]
    failures += [f for ex in rule.negative_examples for f in check_negative(detector, rule, ex)]
    if not rule.positive_examples or not rule.negative_examples:
        failures.append(ExampleFailure(rule.id, "", "every rule needs positive and negative examples"))
    return failures
