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
from pathlib import Path

import tomli
from presidio_analyzer import EntityRecognizer, RecognizerResult

from scanner.detect.name_tagger import tag_names
from scanner.detect.names import NameLexicon
from scanner.detect.recognizer import rule_result
from scanner.detect.rulepack import Rule
from scanner.detect.segmenter import dictionary_entry, dictionary_words
from scanner.detect.validators import Verdict

Span = tuple[int, int]
EVIDENCE = "tagger"
TAGGER_LEXICON = "name_tagger.toml"  # beside the Chinese name rule's lexicon
# A clause around a candidate: the tagger reads it whole (it needs the words around a name), nothing more.
_CJK = re.compile(r"[\u4e00-\u9fff]")
# The model reads the non-ASCII stretches of a window: IDs, amounts and codes between them say nothing about
# names, and without them the phrases exports repeat (客户1896咨询… / 客户86219咨询…) are tagged once.
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_CLAUSE_END = re.compile(r"[\n\t|,\"。！？；!?;]")  # sentence ends, and the edges of cells and fields
_CLAUSE_REACH = 160  # characters either side of a candidate at most (a long clause is cut)
_RESOLVED_REACH = 8  # a candidate hit counts as resolved when an accepted name lies this close before its end
# Prose: a run of Chinese characters and in-sentence punctuation long enough to be a sentence, not a cell or
# a log field; structured text rarely holds one, so the tagger's cost follows the prose.
_PROSE_RUN = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fff，、“”《》（）]{11,}")
_PREFIXES = "小老阿"  # 小张倩, 老王: familiar prefixes, not part of the name
_MEMO_SIZE = 20_000
_COMMON_HEAD_FREQ = 100  # 周光…: a single surname and a frequent two-character word together are no name


class TaggedNameFinder:
    """Turns the tagger's spans near open name candidates into PERSON results of the Chinese name rule."""

    def __init__(self, recognizer: EntityRecognizer, rule: Rule, lexicon: NameLexicon) -> None:
        self._recognizer = recognizer
        self._rule = rule
        self._lexicon = lexicon
        with open(Path(rule.lexicon).with_name(TAGGER_LEXICON), "rb") as fh:
            own = tomli.load(fh)
        self._not_names = lexicon.not_names | frozenset(own.get("fictional_names", ()))
        self._min_prose = int(own.get("min_prose_chars", 10))
        self._titles = tuple(sorted(set(lexicon.titles_after), key=len, reverse=True))
        self._memo: dict[str, tuple[Span, ...]] = {}
        self._open_heads: dict[str, bool] = {}
        compounds = "|".join(re.escape(c) for c in sorted(lexicon.compound_surnames, key=len, reverse=True))
        self._surname_at = re.compile(f"(?:{compounds}|[{''.join(sorted(lexicon.surnames))}])(?=[\u4e00-\u9fff])")

    def find(
        self, text: str, hits: Mapping[str, Sequence[int]], accepted: Sequence[RecognizerResult]
    ) -> list[RecognizerResult]:
        """Names the tagger finds in the clauses of ``text`` that hold a candidate hit (the name matcher's hit
        ends, per anchor) which no ``accepted`` name resolved. Spans overlapping an accepted name are left out."""
        taken = sorted((r.start, r.end) for r in accepted)
        ends = sorted({end for key, found in hits.items() if key != "minority" for end in found})
        windows = [_clause(text, end) for end in ends if not _resolved(taken, end)]
        windows += [run.span() for run in _PROSE_RUN.finditer(text)]
        results = []
        for window_start, window_end in _merge(windows):
            for piece in _NON_ASCII_RUN.finditer(text, window_start, window_end):
                start, end = piece.span()
                if len(_CJK.findall(text, start, end)) < self._min_prose or not self._holds_open_candidate(
                    text, start, end, taken
                ):
                    continue  # a file name, a short cell or field, or nothing the rules left open
                for name_start, name_end in self._names_in(text[start:end]):
                    span = (start + name_start, start + name_end)
                    if not _overlaps(taken, span):
                        results.append(self._result(*span))
        return results

    def has_prose(self, text: str) -> bool:
        """Does ``text`` hold a run of prose (where `find` may run the tagger even without a candidate hit)?"""
        return _PROSE_RUN.search(text) is not None

    def _holds_open_candidate(self, text: str, start: int, end: int, taken: Sequence[Span]) -> bool:
        """Does text[start:end] hold a surname that no accepted name covers and that does not only start
        dictionary words (周一, 高兴, 金额)? Such windows are what the rules could not decide."""
        for found in self._surname_at.finditer(text, start, end):
            pos = found.start()
            if not _overlaps(taken, (pos, pos + 1)) and self._open(text[pos : pos + 4]):
                return True
        return False

    def _open(self, head: str) -> bool:
        """Could a name start ``head`` (surname plus up to three characters), as far as the lexicon tells?"""
        known = self._open_heads.get(head)
        if known is None:
            surname = self._surname_length(head)
            known = any(
                self._candidate(head[: surname + given], surname)
                for given in (1, 2)
                if surname + given <= len(head) and "\u4e00" <= head[surname + given - 1] <= "\u9fff"
            )
            if len(self._open_heads) >= _MEMO_SIZE:
                self._open_heads.clear()
            self._open_heads[head] = known
        return known

    def names(self, text: str) -> list[Span]:
        """The spans of ``text`` that the tagger tags and the lexicon accepts (no window selection)."""
        return list(self._names_in(text))

    def _names_in(self, window: str) -> tuple[Span, ...]:
        known = self._memo.get(window)
        if known is None:
            tagged = tag_names(window)
            if tagged:
                bounds = _word_bounds(window)
                found = (self._accepted(window, start, end) for start, end in tagged)
                known = tuple(span for span in found if span is not None and _on_bounds(span, bounds))
            else:
                known = ()
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
        if not surname or not surname + 1 <= len(word) <= surname + 2 or not self._candidate(word, surname):
            return None
        return start, end

    def _candidate(self, word: str, surname: int) -> bool:
        """Surname plus given characters that are no word: not a listed not-name (李宁), not in the dictionary
        as anything but a name (周旋), and not a frequent two-character word with one more character (周光)."""
        if word in self._not_names or word[-1] in self._lexicon.not_given_endings or self._is_word(word):
            return False
        return not (surname == 1 and len(word) == 3 and _common(word[:2], _COMMON_HEAD_FREQ))

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


def _word_bounds(text: str) -> frozenset[int]:
    """Where jieba's dictionary words start and end (characters no word claims stand alone)."""
    bounds, pos = {0}, 0
    for word in dictionary_words(text):
        pos += len(word)
        bounds.add(pos)
    return frozenset(bounds)


def _on_bounds(span: Span, bounds: frozenset[int]) -> bool:
    """A name starts and ends between dictionary words, never inside one (受让方于 → 受让方 | 于, not 方于)."""
    return span[0] in bounds and span[1] in bounds
