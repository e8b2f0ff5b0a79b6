"""A Presidio recognizer built from one rule-pack rule: regex candidates, then the rule's validator."""

from __future__ import annotations

from datetime import date

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

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
        return results
