"""The reference detector (the engine before the one-pass rewrite), kept to check the fast engine against.

Each rule is a Presidio recognizer of its own and runs over trigger windows; the fast `Detector` must find
the same. Only the tests and `bench/` use this: it is 10-100× slower.

Cheap before expensive: one compiled trigger regex finds the lines that can hold personal data (digit runs,
'@', the context words of label-only rules); only those lines, with the line above for context, go through
Presidio's AnalyzerEngine.
Cheap before expensive: one compiled trigger regex finds the lines that can hold personal data (digit runs,
'@', the context words of label-only rules); only those lines, with the line above for context, go through
Presidio's AnalyzerEngine. The spaCy pipeline runs only where it can add something (a trained pipeline with
NER, on windows with name context); otherwise Presidio gets empty NLP artifacts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from scanner.detect.context import FieldContext
from scanner.detect.engine import LANGUAGE, Detection, _resolve_overlaps, build_analyzer, to_detection
from scanner.detect.nlp import OfflineSpacyNlpEngine
from scanner.detect.normalize import blank_markup, to_ascii_view
from scanner.detect.recognizer import RuleRecognizer
from scanner.detect.rulepack import Rule, RulePack, active_rules

MAX_WINDOW = 16 * 1024
MERGE_GAP = 256


class WindowedDetector:
    """Finds personal data in text with the rules of the given packs, one Presidio call per window."""

    def __init__(
        self,
        packs: Sequence[RulePack],
        *,
        trained_pipelines: Mapping[str, str | None] | None = None,
        today: date | None = None,
    ) -> None:
        self.today = today or date.today()
        self.rules: dict[str, Rule] = {r.id: r for r in active_rules(packs)}
        self.nlp = OfflineSpacyNlpEngine(trained_pipelines)
        self.nlp.load()
        recognizers = [_recognizer_for(rule, self.today) for rule in self.rules.values()]
        self.analyzer, self._enhancer = build_analyzer(self.rules, self.nlp, recognizers)
        extra = [p for r in recognizers for p in getattr(r, "trigger_patterns", ())]
        self._trigger = _build_trigger(self.rules.values(), extra)
        self._empty_artifacts = self.nlp.empty_artifacts(LANGUAGE)

    def detect(self, text: str, *, field_context: FieldContext | None = None, dense: bool = False) -> list[Detection]:
        """All detections in ``text``, offsets into ``text``, sorted by position.

        ``field_context`` gives labels (column headers, keys) for a span of ``text``. ``dense`` analyses every
        line, not only those with trigger characters: in a table a bare 王芳 means something under 姓名.
        """
        view = blank_markup(to_ascii_view(text))
        found: list[Detection] = []
        windows = _line_windows(view) if dense else _windows(view, self._trigger)
        for w_start, w_end in windows:
            found += self._analyze_window(text, view, w_start, w_end, field_context)
        return _resolve_overlaps(found, self.rules)

    def _analyze_window(
        self, text: str, view: str, w_start: int, w_end: int, field_context: FieldContext | None
    ) -> list[Detection]:
        window = view[w_start:w_end]
        if field_context is not None:
            self._enhancer.field_context = lambda s, e: field_context(s + w_start, e + w_start)
        try:
            artifacts = self.nlp.process_text(window, LANGUAGE) if self.nlp.has_ner else self._empty_artifacts
            results = self.analyzer.analyze(
                window, language=LANGUAGE, nlp_artifacts=artifacts, return_decision_process=True
            )
        finally:
            self._enhancer.field_context = lambda s, e: ()
        return [
            to_detection(r, text[w_start:w_end], self.rules, self.nlp).shifted(w_start) for r in results if r.score > 0
        ]


def _recognizer_for(rule: Rule, today: date):
    if rule.recognizer == "cn_person_name":
        from scanner.detect.names import ChineseNameRecognizer, NameLexicon

        return ChineseNameRecognizer(rule, NameLexicon.load(rule.lexicon), LANGUAGE)
    if rule.recognizer == "en_person_name":
        from scanner.detect.names import EnglishNameLexicon, EnglishNameRecognizer

        return EnglishNameRecognizer(rule, EnglishNameLexicon.load(rule.lexicon), LANGUAGE)
    return RuleRecognizer(rule, LANGUAGE, today)


def _build_trigger(rules: Iterable[Rule], extra_patterns: Iterable[str] = ()) -> re.Pattern[str]:
    """Digit runs, dotted digits and '@' catch every numeric, IP and e-mail rule; label rules add trigger words."""
    words = sorted({w for r in rules for w in r.triggers}, key=len, reverse=True)
    alternatives = [r"\d{3}", r"\d\.\d", "@", *(re.escape(w) for w in words), *extra_patterns]
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _windows(view: str, trigger: re.Pattern[str]) -> list[tuple[int, int]]:
    """Line-aligned windows around trigger hits, with the previous line for context, merged and capped."""
    windows: list[tuple[int, int]] = []
    pos = 0
    while match := trigger.search(view, pos):
        line_start = view.rfind("\n", 0, match.start())
        prev_start = view.rfind("\n", 0, line_start) + 1 if line_start > 0 else 0
        line_end = view.find("\n", match.end())
        end = len(view) if line_end < 0 else line_end
        pos = end + 1  # one hit makes the whole line a candidate: look for the next on the next line
        if windows and prev_start <= windows[-1][1] + MERGE_GAP and end - windows[-1][0] <= MAX_WINDOW:
            windows[-1] = (windows[-1][0], max(windows[-1][1], end))
        elif windows and prev_start < windows[-1][1]:
            windows.append((windows[-1][1], end))  # a window at its cap: continue where it stopped
        else:
            windows.append((prev_start, end))
    return windows


def _line_windows(view: str) -> list[tuple[int, int]]:
    """The whole text in windows of at most MAX_WINDOW, cut at line ends."""
    windows, start = [], 0
    while start < len(view):
        end = view.rfind("\n", start, start + MAX_WINDOW) if start + MAX_WINDOW < len(view) else len(view)
        end = start + MAX_WINDOW if end <= start else end
        windows.append((start, end))
        start = end
    return windows
