"""Context words by character window, not by lemma.

Presidio's LemmaContextAwareEnhancer matches whole lemmas among the few tokens before a match; Chinese text
has no spaces, blank pipelines have no lemmas, and labels such as 身份证号码 split into several tokens, so it
misses most real context (presidio#2216). Here a rule's context word counts when it occurs as a substring in
a window of characters around the match (the current and previous line), or in the field context the caller
supplies for that span (a column header, a JSON key).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts

from scanner.detect.recognizer import RULE_KEY, VERDICT_KEY
from scanner.detect.rulepack import Rule
from scanner.detect.validators import Verdict

FieldContext = Callable[[int, int], Sequence[str]]
"""Given a span of the analysed text, the labels that apply to it (e.g. its column header), lower-cased."""

CONTEXT_KEY = "custos_context"
_WEAK = Verdict.WEAK.value  # read once: an Enum member's .value is a descriptor call


def _no_field_context(start: int, end: int) -> Sequence[str]:
    return ()


class WindowContextEnhancer(ContextAwareEnhancer):
    """Raise scores on nearby context words; drop WEAK or context-requiring matches that have none."""

    def __init__(self, rules: Mapping[str, Rule], chars_before: int = 40, chars_after: int = 12) -> None:
        super().__init__(
            context_similarity_factor=0.0,
            min_score_with_context_similarity=0.0,
            context_prefix_count=0,
            context_suffix_count=0,
        )
        self._rules = rules
        self._before = chars_before
        self._after = chars_after
        self.field_context: FieldContext = _no_field_context

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        lowered = _Lowered(text)  # lower-cased per window: a chunk holds a MiB, its candidates a few lines
        call_context = [w.lower() for w in context or ()]
        for result in raw_results:
            rule = self._rules.get(result.recognition_metadata.get(RULE_KEY, ""))
            if rule is None:  # a recognizer that is not ours (e.g. spaCy NER): leave it alone
                continue
            before = self._before_window(lowered, result.start, rule.context_chars or self._before)
            after_size = min(self._after, rule.context_chars) if rule.context_chars else self._after
            after = _collapse(lowered[result.end : result.end + 3 * after_size]).split("\n", 1)[0][:after_size]
            labels = [*self.field_context(result.start, result.end), *_key_before(text, result.start)]
            if _says_what_it_is_not(rule, _label_before(before), labels):
                result.score = 0.0
                continue
            weak = result.recognition_metadata.get(VERDICT_KEY) == _WEAK
            if weak and _has_word(before + " " + after, rule.weak_veto, whole=True):
                result.score = 0.0  # the text itself says the value failed validation
                continue
            labels += call_context
            word = _first_context_word(rule.context, before, after, labels)
            if word:
                result.score = min(1.0, result.score + rule.context_boost)
                result.recognition_metadata[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
                result.recognition_metadata[CONTEXT_KEY] = word
                if result.analysis_explanation:
                    result.analysis_explanation.set_supportive_context_word(word)
                    result.analysis_explanation.set_improved_score(result.score)
            elif rule.requires_context or weak:
                result.score = 0.0  # Presidio drops zero-score results
        return raw_results

    @staticmethod
    def _before_window(lowered: _Lowered, start: int, size: int) -> str:
        # Blanked markup and padding count as one space, so a label three tags away is still "next to" it.
        window = _collapse(lowered[max(0, start - 4 * size) : start])[-size:]
        # The label of a value sits on its own line or the line above, never further up.
        parts = window.rsplit("\n", 2)
        return "\n".join(parts[-2:])


_SPACES = re.compile(r"[ \t\r]{2,}")
# A value right after its key on the same line: "realName": "…", var.name=…, 姓名：… (JSON, logs, forms).
_KEY_BEFORE = re.compile(r"""["']?([a-z_][\w.-]{0,40}|[\u4e00-\u9fff]{1,8})["']?\s*[:=：]\s*["']?$""")


def _key_before(text: str, start: int) -> tuple[str, ...]:
    # The pattern ends in a separator, blanks and an optional quote right before the value: check that
    # backwards first (most values follow a comma or a space, and searching 60 positions is slow).
    pos = start - 1 if start and text[start - 1] in "\"'" else start
    while pos > 0 and text[pos - 1].isspace():
        pos -= 1
    if pos == 0 or text[pos - 1] not in ":=：":
        return ()
    key = _KEY_BEFORE.search(text[max(0, start - 60) : start].lower())
    return (key.group(1),) if key else ()


class _Lowered:
    """``text.lower()`` for the slices asked of it, without lower-casing the whole text."""

    def __init__(self, text: str) -> None:
        self._text = text

    def __getitem__(self, index: slice) -> str:
        return self._text[index].lower()


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text)


@cache
def _word_pattern(words: tuple[str, ...], whole: bool) -> re.Pattern[str] | None:
    """One alternation for a rule's words. ASCII words match at a word start (and end, if ``whole``): 'tel' is
    not in 'hotel', 'v' not in 'vpn'. Chinese words match anywhere: Chinese has no spaces between words."""
    if not words:
        return None
    parts = []
    for word in sorted(words, key=len, reverse=True):
        escaped = re.escape(word.lower())
        if word.isascii() and word[:1].isalnum():
            escaped = rf"(?<![a-z0-9]){escaped}" + (r"(?![a-z0-9])" if whole else "")
        parts.append(escaped)
    return re.compile("|".join(parts))


def context_word_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """The pattern that finds any of a rule's context words inside a label or window (None without words)."""
    return _word_pattern(tuple(words), False)


def _has_word(text: str, words: tuple[str, ...], *, whole: bool = False) -> bool:
    pattern = _word_pattern(words, whole)
    return pattern is not None and pattern.search(text) is not None


def _label_before(before: str) -> str:
    """The 16 characters before a value on its own line; the line above only when the value starts its line
    (a label on the line above), never a table's header row above a first data row."""
    tail = before[-16:]
    above, newline, own = tail.rpartition("\n")
    return own if not newline or own.strip() else above


def _says_what_it_is_not(rule: Rule, label_before: str, labels: Sequence[str]) -> bool:
    """A negative word (订单号, 流水号, SKU …) right before the value or in its field's label (column header,
    key) vetoes it, whatever its check digit says: order numbers are 1-in-11 valid IDs by chance. A context
    word of the rule in the same label outranks it (身份证编号 is an ID's number, 订单号 an order's)."""
    if not rule.negative_context:
        return False
    if _has_word(label_before, rule.negative_context, whole=True) and not _has_word(label_before, rule.context):
        return True
    return any(_has_word(label, rule.negative_context) and not _has_word(label, rule.context) for label in labels)


def _first_context_word(words: tuple[str, ...], before: str, after: str, labels: Sequence[str]) -> str | None:
    """The context word found (as written in the rule), searching the window and the field labels at once."""
    pattern = _word_pattern(words, False)
    if pattern is None:
        return None
    for haystack in (before, after, *labels):
        if match := pattern.search(haystack):
            found = match.group(0)
            return next((w for w in words if w.lower() == found), found)
    return None
