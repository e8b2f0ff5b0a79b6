"""Names the optional statistical tagger vouches for, where the rule-based name finder left a candidate open.

Only installed with the `tagger` extra (scanner/detect/name_tagger.py). The rules run first; the model runs
only on the clauses around name candidates they looked at and did not accept, so text without such
candidates costs nothing. A tagged span becomes a name only if the lexicon agrees as well: a known surname
and one or two given characters (a title after it trimmed: 王先生 is a surname and a title), or a
transliterated name written with `·`; never a dictionary word (周旋, 扎伊尔) nor a listed not-name (李宁).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from presidio_analyzer import EntityRecognizer, RecognizerResult

from scanner.detect.name_tagger import tag_names
from scanner.detect.names import NameLexicon
from scanner.detect.recognizer import rule_result
from scanner.detect.rulepack import Rule
from scanner.detect.segmenter import dictionary_entry
from scanner.detect.validators import Verdict

Span = tuple[int, int]
EVIDENCE = "tagger"
# A clause around a candidate: the tagger reads it whole (it needs the words around a name), nothing more.
_CLAUSE_END = re.compile(r"[\n。！？；!?;]")
_CLAUSE_REACH = 160  # characters either side of a candidate at most (a long clause is cut)
_RESOLVED_REACH = 8  # a candidate hit counts as resolved when an accepted name lies this close before its end
_PREFIXES = "小老阿"  # 小张倩, 老王: familiar prefixes, not part of the name
_MEMO_SIZE = 20_000
_COMMON_HEAD_FREQ = 100  # 周光…: a single surname and a frequent two-character word together are no name


class TaggedNameFinder:
    """Turns the tagger's spans near open name candidates into PERSON results of the Chinese name rule."""

    def __init__(self, recognizer: EntityRecognizer, rule: Rule, lexicon: NameLexicon) -> None:
        self._recognizer = recognizer
        self._rule = rule
        self._lexicon = lexicon
        self._titles = tuple(sorted(set(lexicon.titles_after), key=len, reverse=True))
        self._memo: dict[str, tuple[Span, ...]] = {}

    def find(
        self, text: str, hits: Mapping[str, Sequence[int]], accepted: Sequence[RecognizerResult]
    ) -> list[RecognizerResult]:
        """Names the tagger finds in the clauses of ``text`` that hold a candidate hit (the name matcher's hit
        ends, per anchor) which no ``accepted`` name resolved. Spans overlapping an accepted name are left out."""
        taken = sorted((r.start, r.end) for r in accepted)
        ends = sorted({end for key, found in hits.items() if key != "minority" for end in found})
        windows = _merge(_clause(text, end) for end in ends if not _resolved(taken, end))
        results = []
        for start, end in windows:
            for name_start, name_end in self._names_in(text[start:end]):
                span = (start + name_start, start + name_end)
                if not _overlaps(taken, span):
                    results.append(self._result(*span))
        return results

    def names(self, text: str) -> list[Span]:
        """The spans of ``text`` that the tagger tags and the lexicon accepts (no window selection)."""
        return list(self._names_in(text))

    def _names_in(self, window: str) -> tuple[Span, ...]:
        known = self._memo.get(window)
        if known is None:
            found = (self._accepted(window, start, end) for start, end in tag_names(window))
            known = tuple(span for span in found if span is not None)
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[window] = known
        return known

    def _accepted(self, text: str, start: int, end: int) -> Span | None:
        """The name inside a tagged span, or None when the lexicon does not agree it is one."""
        word = text[start:end]
        title = next((t for t in self._titles if word.endswith(t) and len(word) > len(t)), "")
        end -= len(title)
        if text[start] in _PREFIXES and end - start >= 3 and self._surname_length(text[start + 1 : end]):
            start += 1
        word = text[start:end]
        if "·" in word:
            parts = word.split("·")
            return (start, end) if all(parts) and not self._is_word(word) else None
        surname = self._surname_length(word)
        if not surname or not surname + 1 <= len(word) <= surname + 2:
            return None
        if word in self._lexicon.not_names or self._is_word(word):
            return None
        if surname == 1 and len(word) == 3 and _common(word[:2], _COMMON_HEAD_FREQ):
            return None
        return start, end

    def _surname_length(self, word: str) -> int:
        if word[:2] in self._lexicon.compound_surnames:
            return 2
        return 1 if word[:1] in self._lexicon.surnames else 0

    def _is_word(self, word: str) -> bool:
        return _common(word, 1)

    def _result(self, start: int, end: int) -> RecognizerResult:
        score = min(1.0, self._rule.score + self._rule.context_boost)
        return rule_result(self._recognizer, self._rule, start, end, score, EVIDENCE, Verdict.VALID)


def _common(word: str, min_freq: int) -> bool:
    """A dictionary word as something other than a personal name, at least this frequent."""
    frequency, is_name = dictionary_entry(word)
    return frequency >= min_freq and not is_name


def _resolved(taken: Sequence[Span], end: int) -> bool:
    return any(start < end and end - _RESOLVED_REACH < stop for start, stop in taken)


def _overlaps(taken: Sequence[Span], span: Span) -> bool:
    return any(start < span[1] and span[0] < stop for start, stop in taken)


def _clause(text: str, pos: int) -> Span:
    """The clause around ``pos`` (bounded by a newline or a sentence end), at most _CLAUSE_REACH either side."""
    lo = max(0, pos - _CLAUSE_REACH)
    before = [m.end() for m in _CLAUSE_END.finditer(text, lo, max(lo, pos - 1))]
    start = before[-1] if before else lo
    after = _CLAUSE_END.search(text, pos, min(len(text), pos + _CLAUSE_REACH))
    return start, after.end() if after else min(len(text), pos + _CLAUSE_REACH)


def _merge(spans: Iterable[Span]) -> list[Span]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]
