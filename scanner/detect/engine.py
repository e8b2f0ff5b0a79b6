"""The detector: one Presidio call per text, all rule packs in one recognizer, overlaps resolved.

Presidio stays the framework: the rules run as one `EntityRecognizer` (`PackRecognizer`, one pass of a shared
multi-pattern matcher, exact patterns and validators only at its hits), beside any custom recognizers a
caller plugs in and spaCy's NER when a trained pipeline is installed; `AnalyzerEngine` is called once per text
(a chunk of up to a MiB, a batch of cells, a page), never per line or cell. Context words are applied by
`WindowContextEnhancer` to the candidates only.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from scanner.detect.context import CONTEXT_KEY, FieldContext, WindowContextEnhancer
from scanner.detect.nlp import OfflineSpacyNlpEngine
from scanner.detect.normalize import blank_markup, to_ascii_view
from scanner.detect.pack_recognizer import PackRecognizer
from scanner.detect.recognizer import RULE_KEY, VERDICT_KEY
from scanner.detect.rulepack import Rule, RulePack, active_rules

LANGUAGE = "zh"  # rules are language-neutral; one language means no finding is lost to a wrong guess


@dataclass(frozen=True)
class Detection:
    """One piece of personal data found in a text; `value` never leaves the process unmasked."""

    entity_type: str
    start: int
    end: int
    score: float
    rule_id: str
    pack: str
    value: str
    verdict: str
    context_word: str | None = None

    def shifted(self, offset: int) -> Detection:
        """The same detection with its offsets moved by ``offset`` (into an enclosing text)."""
        if offset == 0:
            return self
        return Detection(  # direct construction: dataclasses.replace costs several times as much per finding
            self.entity_type, self.start + offset, self.end + offset, self.score, self.rule_id, self.pack,
            self.value, self.verdict, self.context_word,
        )  # fmt: skip


def build_analyzer(
    rules: Mapping[str, Rule], nlp: OfflineSpacyNlpEngine, recognizers: Sequence[EntityRecognizer]
) -> tuple[AnalyzerEngine, WindowContextEnhancer]:
    """Presidio's engine over ``recognizers`` (plus spaCy's NER when a trained pipeline is loaded), with the
    window context enhancer for the rules; the enhancer is returned too, since callers set its field context."""
    registry = RecognizerRegistry(recognizers=list(recognizers), supported_languages=[LANGUAGE])
    if nlp.has_ner:
        registry.add_recognizer(SpacyRecognizer(supported_language=LANGUAGE, supported_entities=["PERSON", "LOCATION"]))
    enhancer = WindowContextEnhancer(rules)
    analyzer = AnalyzerEngine(
        registry=registry, nlp_engine=nlp, supported_languages=[LANGUAGE], context_aware_enhancer=enhancer
    )
    return analyzer, enhancer


def to_detection(
    result: RecognizerResult, text: str, rules: Mapping[str, Rule], nlp: OfflineSpacyNlpEngine
) -> Detection:
    """A Presidio result on ``text`` as a Detection: rule and pack from its metadata, a custom recognizer by
    name, spaCy's NER as spacy_ner."""
    meta = result.recognition_metadata
    rule = rules.get(meta.get(RULE_KEY, ""))
    if rule is not None:
        rule_id, pack = rule.id, rule.pack_ref
    elif isinstance(meta.get(RecognizerResult.RECOGNIZER_NAME_KEY), str) and not _is_spacy(meta):
        rule_id, pack = meta[RecognizerResult.RECOGNIZER_NAME_KEY], "custom"
    else:
        rule_id, pack = "spacy_ner", f"spacy@{nlp.choices[LANGUAGE].name}"
    return Detection(
        entity_type=result.entity_type,
        start=result.start,
        end=result.end,
        score=round(result.score, 4),
        rule_id=rule_id,
        pack=pack,
        value=text[result.start : result.end],
        verdict=meta.get(VERDICT_KEY, "model"),
        context_word=meta.get(CONTEXT_KEY),
    )


_PREFILTER_CHARS = 4096  # longer texts nearly always hold an anchor: scanning them twice would cost more


class Detector:
    """Finds personal data in text with the rules of the given packs (and any extra Presidio recognizers,
    which must support the language "zh": Custos analyses every text as one language)."""

    def __init__(
        self,
        packs: Sequence[RulePack],
        *,
        trained_pipelines: Mapping[str, str | None] | None = None,
        today: date | None = None,
        extra_recognizers: Sequence[EntityRecognizer] = (),
    ) -> None:
        self.today = today or date.today()
        self.rules: dict[str, Rule] = {r.id: r for r in active_rules(packs)}
        self.nlp = OfflineSpacyNlpEngine(trained_pipelines)
        self.nlp.load()
        self.recognizer = PackRecognizer(self.rules, LANGUAGE, self.today)
        self.analyzer, self._enhancer = build_analyzer(self.rules, self.nlp, [self.recognizer, *extra_recognizers])
        self._empty_artifacts = self.nlp.empty_artifacts(LANGUAGE)
        self.recognizer.warm_up()
        # With the rule packs alone, a text in which no anchor fires holds nothing: a short one (a path, a
        # cell) is checked by the one-pass matcher first and skips Presidio's per-call cost.
        self._prefilter = not extra_recognizers and not self.nlp.has_ner

    def detect(self, text: str, *, field_context: FieldContext | None = None) -> list[Detection]:
        """All detections in ``text``, offsets into ``text``, sorted by position.

        ``field_context`` gives labels (column headers, keys) for a span of ``text``; a `LabelledSpans`
        (tables, cells) also tells context-requiring rules which columns to look in.
        """
        if not text:
            return []
        view = blank_markup(to_ascii_view(text))
        if self._prefilter and len(view) <= _PREFILTER_CHARS and not self.recognizer.may_hold_findings(view):
            return []
        self._enhancer.field_context = field_context or _no_labels
        self.recognizer.field_context = field_context
        try:
            results = self.analyzer.analyze(
                view, language=LANGUAGE, nlp_artifacts=self._artifacts(view), return_decision_process=True
            )
        finally:
            self._enhancer.field_context = _no_labels
            self.recognizer.field_context = None
        return _resolve_overlaps(
            [to_detection(r, text, self.rules, self.nlp) for r in results if r.score > 0], self.rules
        )

    def _artifacts(self, view: str):
        if not self.nlp.has_ner:
            return self._empty_artifacts
        pipeline = self.nlp.nlp[LANGUAGE]
        pipeline.max_length = max(pipeline.max_length, len(view) + 1)
        return self.nlp.process_text(view, LANGUAGE)


def _is_spacy(meta: Mapping[str, object]) -> bool:
    return meta.get(RecognizerResult.RECOGNIZER_NAME_KEY) == SpacyRecognizer.__name__


def _no_labels(start: int, end: int) -> tuple[str, ...]:
    return ()


def _resolve_overlaps(found: list[Detection], rules: Mapping[str, Rule]) -> list[Detection]:
    """Keep the strongest of overlapping detections: rule priority, then score, then length."""

    def strength(d: Detection) -> tuple[int, float, int]:
        rule = rules.get(d.rule_id)
        return (rule.priority if rule else 0, d.score, d.end - d.start)

    kept: list[Detection] = []  # non-overlapping, sorted by start: only the neighbours can collide
    for det in sorted(found, key=strength, reverse=True):
        i = bisect.bisect_left(kept, det.start, key=lambda k: k.start)
        if i > 0 and kept[i - 1].end > det.start:
            continue
        if i < len(kept) and kept[i].start < det.end:
            continue
        kept.insert(i, det)
    return kept
