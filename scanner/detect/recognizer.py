"""A Presidio recognizer built from one rule-pack rule: regex candidates, then the rule's validator."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from scanner.detect.lines import line_span
from scanner.detect.regroup import DigitRun, find_runs, whole_run_value
from scanner.detect.rulepack import Rule
from scanner.detect.validators import VALIDATORS, Verdict

RULE_KEY = "custos_rule"
VERDICT_KEY = "custos_verdict"
_VALUES = {v: v.value for v in Verdict}


def rule_result(
    recognizer: EntityRecognizer,
    rule: Rule,
    start: int,
    end: int,
    score: float,
    how: str,
    verdict: Verdict,
    pattern: str | None = None,
) -> RecognizerResult:
    """A Presidio result tagged with its rule and verdict, which the context enhancer and the engine read."""
    explanation = AnalysisExplanation(
        recognizer=rule.id,
        original_score=score,
        pattern_name=how,
        pattern=pattern,
        validation_result=verdict is Verdict.VALID,
    )
    metadata = {
        RecognizerResult.RECOGNIZER_NAME_KEY: rule.id,
        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        RULE_KEY: rule.id,
        VERDICT_KEY: _VALUES[verdict],
    }
    return RecognizerResult(rule.entity_type, start, end, score, explanation, metadata)


def regrouped_results(
    recognizer: EntityRecognizer, rule: Rule, text: str, runs: Iterable[DigitRun], today: date
) -> Iterator[RecognizerResult]:
    """The rule's values among digit runs written in other groupings (`regroup`): a pattern must cover a run's
    characters without separators; prefilter, exclusion and validator apply as to a plain match. For a
    "grouped" rule, OCR gaps and line breaks leave the value WEAK, so a context word must vouch for it."""
    validate = VALIDATORS[rule.validator]
    for run in runs:
        for spec in rule.patterns:
            span = whole_run_value(spec.regex, run)
            if span is None:
                continue
            start, end = span
            if rule.prefilter is not None and rule.prefilter.search(text, *line_span(text, start)) is None:
                continue
            if rule.exclude is not None and rule.exclude.search(text, start, end):
                continue
            verdict = validate(text[start:end], today=today)
            if verdict is Verdict.INVALID:
                continue
            if verdict is Verdict.VALID and rule.regroup == "grouped" and (run.gapped or run.wrapped):
                verdict = Verdict.WEAK
            score = spec.score if spec.score is not None else rule.score
            yield rule_result(recognizer, rule, start, end, score, f"{spec.name}_regrouped", verdict)
            break  # a run is one value


class RuleRecognizer(EntityRecognizer):
    """Runs one rule's patterns over the (ASCII-folded) text and keeps what its validator does not reject.

    Context words are not applied here: `WindowContextEnhancer` does that for every rule in one place.
    """

    def __init__(self, rule: Rule, language: str, today: date) -> None:
        self.rule = rule
        self._validate = VALIDATORS[rule.validator]
        self._today = today
        super().__init__(
            supported_entities=[rule.entity_type],
            name=rule.id,
            supported_language=language,
            context=list(rule.context),
        )

    def load(self) -> None:  # patterns are compiled when the pack is loaded
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if entities and self.rule.entity_type not in entities:
            return []
        if self.rule.prefilter is not None and self.rule.prefilter.search(text) is None:
            return []  # cheap literal check: none of this rule's patterns can match here
        results: list[RecognizerResult] = []
        for spec in self.rule.patterns:
            has_value_group = "value" in spec.regex.groupindex
            for match in spec.regex.finditer(text):
                start, end = match.span("value") if has_value_group else match.span()
                if start >= end:
                    continue
                if self.rule.exclude is not None and self.rule.exclude.search(text, start, end):
                    continue  # the rule's own list of values that only look like matches
                verdict = self._validate(text[start:end], today=self._today)
                if verdict is Verdict.INVALID:
                    continue
                score = spec.score if spec.score is not None else self.rule.score
                results.append(
                    rule_result(self, self.rule, start, end, score, spec.name, verdict, pattern=spec.regex.pattern)
                )
        if self.rule.regroup:
            results += regrouped_results(self, self.rule, text, find_runs(text, [(0, len(text))]), self._today)
        return results
