"""Names the optional statistical tagger vouches for, where the rule-based name finder left a candidate open.

Only installed with the `tagger` extra (scanner/detect/name_tagger.py). The rules run first; the model reads
only prose — a stretch of non-ASCII text with enough Chinese in it (not a file name, a cell, a log field; IDs
and codes cut it, so the phrases exports repeat are tagged once) — that holds a surname no accepted name
covers and that does not only start dictionary words (周一, 金额). A tagged span becomes a name only if the
lexicon agrees as well: a known surname and one or two given characters (a title after it trimmed: 王先生 is
a surname and a title), or a transliterated name written with `·`; never a dictionary word (扎伊尔), a
listed not-name (李宁) or fictional name (孙悟空), nor a span starting or ending inside a word (受让方于).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
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
_CJK = re.compile(r"[\u4e00-\u9fff]")
EVIDENCE = "tagger"
ROLL_EVIDENCE = "roll"  # names.ChineseNameRecognizer's evidence for a name cut from a roll of names
TAGGER_LEXICON = "name_tagger.toml"  # beside the Chinese name rule's lexicon
PLACES_LEXICON = "world_places.toml"
_PREFIXES = "小老阿"  # 小张倩, 老王: familiar prefixes, not part of the name
_MEMO_SIZE = 20_000
_COMMON_HEAD_FREQ = 100  # 周光…: a single surname and a frequent two-character word together are no name


class TaggedNameFinder:
    """Turns the tagger's spans in prose with open name candidates into PERSON results of the Chinese name rule."""

    def __init__(self, recognizer: EntityRecognizer, rule: Rule, lexicon: NameLexicon) -> None:
        self._recognizer = recognizer
        self._rule = rule
        self._lexicon = lexicon
        with open(Path(rule.lexicon).with_name(TAGGER_LEXICON), "rb") as fh:
            own = tomli.load(fh)
        self._places = load_places(Path(rule.lexicon).with_name(PLACES_LEXICON))
        self._foreign_chars = frozenset(own.get("transliteration_chars", ""))
        self._min_foreign = int(own.get("min_foreign_chars", 3))
        self._foreign_run = re.compile(f"[{re.escape(''.join(sorted(self._foreign_chars)))}]{{{self._min_foreign},}}")
        self._name_suffixes = frozenset((*own.get("name_suffix_words", ()), *lexicon.titles_after))
        self._honorifics = frozenset(own.get("honorifics_after", ()))
        self._place_after = _alternation(own.get("place_words_after", ()))
        self._place_before = re.compile(f"(?:{_alternation(own.get('place_words_before', ())).pattern})$")
        self._not_names = lexicon.not_names | frozenset((*own.get("fictional_names", ()), *own.get("brands", ())))
        self._placeholders = frozenset(own.get("placeholder_given", ()))
        self._two_char_freq = int(own.get("max_dictionary_freq_two_chars", 30))
        self._two_char_freq_in_clause = int(own.get("max_dictionary_freq_two_chars_before_predicate", 30))
        predicate = (*lexicon.predicate_markers, *lexicon.verbs_after, *lexicon.clause_chars, *lexicon.titles_after)
        self._predicate_at = _alternation(predicate)
        self._min_prose = int(own.get("min_prose_chars", 10))
        # Non-ASCII text and the punctuation between it: the detector reads full-width ，（）：！？ folded to ASCII,
        # and a clause such as （原名林毓英） is read with its sentence. Digits, letters, tabs and newlines cut it.
        # Only pieces of at least min_prose characters (a shorter one cannot hold enough Chinese): the regex engine
        # skips the many short ones (a cell, a word between digits) without a Python step each.
        more = max(self._min_prose - 1, 0)
        self._prose = re.compile(f"[^\\x00-\\x7f](?:[^\\x00-\\x7f]|[(),:;!?\"'](?=[^\\x00-\\x7f])){{{more},}}")
        self._titles = tuple(sorted(set(lexicon.titles_after), key=len, reverse=True))
        self._memo: dict[str, tuple[Span, ...]] = {}
        self._open_heads: dict[str, bool] = {}
        compounds = "|".join(re.escape(c) for c in sorted(lexicon.compound_surnames, key=len, reverse=True))
        self._surname_at = re.compile(f"(?:{compounds}|[{''.join(sorted(lexicon.surnames))}])(?=[\u4e00-\u9fff])")

    def resolve(self, text: str, accepted: Sequence[RecognizerResult]) -> list[RecognizerResult]:
        """``accepted`` (the rules' names in ``text``) and the names the tagger adds in the prose where the rules
        left a surname open. Spans overlapping an accepted name are left to the rule — except a name the rules
        cut from a roll written without separators (李鹏乔石李瑞环…): where the tagger cuts such a roll otherwise,
        its cut wins (a roll's 2- or 3-character tiles are a guess; 孙勇孙|文盛 → 孙勇|孙文盛)."""
        rolled = [r for r in accepted if _evidence(r) == ROLL_EVIDENCE]
        firm = [r for r in accepted if _evidence(r) != ROLL_EVIDENCE]
        taken = _Taken((r.start, r.end) for r in firm)
        guessed = _Taken((r.start, r.end) for r in rolled)
        tagged: list[Span] = []
        for piece in self._prose.finditer(text):
            start, end = piece.span()
            if len(_CJK.findall(text, start, end)) < self._min_prose or not (
                self._holds_open_candidate(text, start, end, taken) or guessed.overlaps((start, end))
            ):
                continue  # too little Chinese for the model, or nothing the rules left open
            for name_start, name_end in self._names_in(text[start:end]):
                span = (start + name_start, start + name_end)
                if not taken.overlaps(span) and not _after_number(text, span[0]):
                    tagged.append(span)
        if not tagged:
            return list(accepted)
        recut = _Taken(tagged)
        kept = [r for r in rolled if (r.start, r.end) in set(tagged) or not recut.overlaps((r.start, r.end))]
        known = {(r.start, r.end) for r in kept}
        return [*firm, *kept, *(self._result(*span) for span in tagged if span not in known)]

    def has_prose(self, text: str) -> bool:
        """Does ``text`` hold a stretch of prose long enough for `resolve` to read (anchors or not)?"""
        return any(len(_CJK.findall(text, *piece.span())) >= self._min_prose for piece in self._prose.finditer(text))

    def _holds_open_candidate(self, text: str, start: int, end: int, taken: _Taken) -> bool:
        """Does text[start:end] hold a surname that no accepted name covers and that does not only start
        dictionary words (周一, 高兴, 金额), or a run of transliteration characters that is no word and no place
        (普里马科夫)? Such windows are what the rules could not decide."""
        for found in self._surname_at.finditer(text, start, end):
            pos = found.start()
            if not taken.overlaps((pos, pos + 1)) and self._open(text[pos : pos + 4]):
                return True
        return any(
            not taken.overlaps(run.span()) and self._foreign(run.group(0))
            for run in self._foreign_run.finditer(text, start, end)
        )

    def _open(self, head: str) -> bool:
        """Could a name start ``head`` (surname plus up to three characters), as far as the lexicon tells?"""
        known = self._open_heads.get(head)
        if known is None:
            surname = self._surname_length(head)
            known = any(
                self._candidate(head[: surname + given], surname, in_clause=True)
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
                known = tuple(
                    span
                    for span in found
                    if span is not None
                    and self._on_bounds(window, span, bounds)
                    and not self._place(window, span, bounds)
                )
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
        if "·" in (text[start - 1 : start], text[end : end + 1]):
            return None  # 本雅明·内塔尼亚胡: part of a dotted name, which the dotted-name rules decide whole
        if "·" in word:
            parts = word.split("·")
            return (start, end) if all(parts) and not self._is_word(word) else None
        if word in self._places:
            return None  # 马拉维, 扎伊尔: the model tags transliterated places as people too
        surname = self._surname_length(word)
        in_clause = self._predicate_at.match(text, end) is not None
        if surname and surname + 1 <= len(word) <= surname + 2 and self._candidate(word, surname, in_clause):
            return start, end
        return (start, end) if self._foreign(word) else None

    def _foreign(self, word: str) -> bool:
        """A transliterated foreign name written without `·` (克林顿, 普里马科夫): long enough, every character
        from the transliteration table, no dictionary word (法西斯) and no place (马拉维)."""
        return (
            len(word) >= self._min_foreign
            and all(c in self._foreign_chars for c in word)
            and word not in self._places
            and word not in self._not_names
            and not self._is_word(word)
        )

    def _place(self, window: str, span: Span, bounds: frozenset[int]) -> bool:
        """Right before a place word that stands as a word (克夫拉达悬崖, 闻韶辖区) or right after a word for a town
        (小镇萨利马): the span names a place."""
        after = self._place_after.match(window, span[1])
        if after is not None and after.end() in bounds:
            return True
        return self._place_before.search(window, 0, span[0]) is not None

    def _on_bounds(self, window: str, span: Span, bounds: frozenset[int]) -> bool:
        """A name starts and ends between dictionary words, never inside one (受让方于 → 受让方 | 于, not 方于) —
        unless the word it ends inside is the name and a title or a doctrine after it (鲍 | 林先生, 邓小平理论)."""
        start, end = span
        if start not in bounds:
            return False
        if end in bounds:
            return True
        word_end = min((b for b in bounds if b > end), default=len(window))
        return window[end:word_end] in self._name_suffixes

    def _candidate(self, word: str, surname: int, in_clause: bool = False) -> bool:
        """Surname plus given characters that are no word: not a listed not-name (李宁), not in the dictionary
        as anything but a name (周旋), not a frequent two-character word (李子; less strict ``in_clause``: before a
        predicate, 李鹏在…), and not a frequent two-character word with one more character (周光)."""
        if word in self._not_names or word[-1] in self._lexicon.not_given_endings or self._is_word(word):
            return False
        if any(c in self._placeholders for c in word[surname:]):
            return False  # 张某: anonymised
        if len(word) == surname + 1 and word[-1] in self._honorifics:
            return False  # 王老, 钱氏: a surname and an honorific, like a surname and a title
        most = self._two_char_freq_in_clause if in_clause else self._two_char_freq
        if len(word) == 2 and dictionary_entry(word)[0] >= most:
            return False  # 李子, 刘海: jieba lists them as names too
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


class _Taken:
    """Spans already taken by accepted names, asked whether a span overlaps one in O(log n): exports hold
    thousands of names and candidates."""

    def __init__(self, spans: Iterable[Span]) -> None:
        ordered = sorted(spans)
        self._starts = [start for start, _ in ordered]
        self._reach: list[int] = []  # the furthest end of the spans up to each index
        for _, stop in ordered:
            self._reach.append(max(stop, self._reach[-1]) if self._reach else stop)

    def overlaps(self, span: Span) -> bool:
        before = bisect.bisect_left(self._starts, span[1])  # spans starting before ``span`` ends
        return before > 0 and self._reach[before - 1] > span[0]


def _alternation(words: Iterable[str]) -> re.Pattern[str]:
    """Longest first; never matches when there are no words."""
    return re.compile("|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w))) or "(?!)")


def _evidence(result: RecognizerResult) -> str | None:
    explanation = result.analysis_explanation
    return explanation.pattern_name if explanation is not None else None


def load_places(path: Path) -> frozenset[str]:
    """Countries, capitals, cities and regions (rules/lexicons/world_places.toml)."""
    with open(path, "rb") as fh:
        data = tomli.load(fh)
    return frozenset((*data.get("countries", ()), *data.get("places", ())))


def _word_bounds(text: str) -> frozenset[int]:
    """Where jieba's dictionary words start and end (characters no word claims stand alone)."""
    bounds, pos = {0}, 0
    for word in dictionary_words(text):
        pos += len(word)
        bounds.add(pos)
    return frozenset(bounds)


def _after_number(text: str, start: int) -> bool:
    """Right after a number a surname character is a unit or a measure word (70,000元整, 3 万人)."""
    before = text[max(0, start - 4) : start].rstrip(" ")[-1:]
    return before != "" and (before.isdigit() or before in ".,")
