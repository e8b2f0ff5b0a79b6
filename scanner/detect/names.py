"""Chinese personal names in free text: surname-led candidates that need evidence, never a bare guess.

A candidate is a known surname (compound first) plus one or two given-name characters. It is reported only
with evidence from the text around it: a title after it (王芳女士), a role before it (客服肖鹏), a list of
names (参会人员：张伟、李娜), or standing alone on a line that holds other personal data (…13929011986，余建华).
Words jieba's dictionary knows as something other than a name (周一, 高兴, 马上, 方法) and the lexicon's
not-names (王府井, 李宁) are vetoed. The lexicon is data: rules/lexicons/cn_names.toml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import tomli
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from scanner.detect.lines import line_at, line_end, line_start
from scanner.detect.name_rolls import name_rolls
from scanner.detect.name_windows import NameResolver, NameWindow, windows_around
from scanner.detect.recognizer import rule_result
from scanner.detect.rulepack import Rule
from scanner.detect.segmenter import name_words as _name_words
from scanner.detect.segmenter import splits_a_word
from scanner.detect.validators import Verdict

_CJK = re.compile(r"[\u4e00-\u9fff]")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{0,2}")
_PII_ON_LINE = re.compile(r"\d{7,}|\d{3}[ -]\d{4}[ -]\d{4}|@")
_LIST_SEPARATORS = "、，,/ "
_WEAK_MIN_FREQ = 30  # jieba frequency from which a word is a word, whatever jieba's tag says
_SPEAKER_TIME = re.compile(r"[ \t]+(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}[ T]+)?\d{1,2}:\d{2}")  # 王建国 10:32
_JOINERS = "和与或及、"  # between two names: 杜鹏和丁一宁, 高翔宇、林琳
# What `_name_at` reads around a candidate: 8 characters before (roles, leads, set apart) and up to 10 from its
# start (surname, given name, title or verb after, the 6 characters jieba segments).
_LOOK_BEFORE = 8
_LOOK_AFTER = 10
_MEMO_SIZE = 50_000
_UNKNOWN = object()
_CELL_EDGES = frozenset("|,\t\"'，、 \n")  # delimiters around a table cell, field value or listed name


@dataclass(frozen=True)
class NameLexicon:
    """Surnames, the words around names, and words that only look like names."""

    surnames: frozenset[str]
    compound_surnames: frozenset[str]
    titles_after: tuple[str, ...]
    roles_before: tuple[str, ...]
    list_labels: tuple[str, ...]
    verbs_after: tuple[str, ...]
    leads_before: tuple[str, ...]
    closings: tuple[str, ...]
    predicate_markers: str
    not_given_endings: frozenset[str]
    tibetan_name_parts: tuple[str, ...]
    mongolian_names: tuple[str, ...]
    not_names: frozenset[str]
    function_word_surnames: frozenset[str] = frozenset()
    clause_chars: str = ""

    @classmethod
    def load(cls, path: Path) -> NameLexicon:
        with open(path, "rb") as fh:
            data = tomli.load(fh)
        by_length = lambda words: tuple(sorted(set(words), key=lambda w: (-len(w), w)))  # noqa: E731
        return cls(
            surnames=frozenset(data.get("surnames_single", ())),
            compound_surnames=frozenset(data.get("surnames_compound", ())),
            titles_after=by_length(data.get("titles_after", ())),
            roles_before=by_length(data.get("roles_before", ())),
            list_labels=by_length(data.get("list_labels", ())),
            verbs_after=by_length(data.get("verbs_after", ())),
            leads_before=by_length(data.get("leads_before", ())),
            closings=by_length(data.get("closings", ())),
            predicate_markers="".join(data.get("predicate_markers", ())),
            not_given_endings=frozenset(data.get("not_given_endings", ())),
            tibetan_name_parts=by_length(data.get("tibetan_name_parts", ())),
            mongolian_names=by_length(data.get("mongolian_names", ())),
            not_names=frozenset(data.get("not_names", ())),
            function_word_surnames=frozenset(data.get("function_word_surnames", ())),
            clause_chars="".join(data.get("clause_chars", ())),
        )


class _PersonRecognizer(EntityRecognizer):
    """What both name recognizers share: one rule, PERSON only, nothing to load; subclasses implement `_find`."""

    def __init__(self, rule: Rule, language: str) -> None:
        self.rule = rule
        super().__init__(supported_entities=["PERSON"], name=rule.id, supported_language=language)

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if entities and "PERSON" not in entities:
            return []
        return self._find(text)

    def _find(self, text: str) -> list[RecognizerResult]:
        raise NotImplementedError


class ChineseNameRecognizer(_PersonRecognizer):
    """Finds Chinese names by surname plus evidence; see the module docstring."""

    def __init__(self, rule: Rule, lexicon: NameLexicon, language: str) -> None:
        self.lexicon = lexicon
        words = (*lexicon.titles_after, *lexicon.roles_before, *lexicon.list_labels, *lexicon.compound_surnames)
        words += tuple(v for v in lexicon.verbs_after if len(v) > 1)  # single characters would wake every line
        # Lines with any of these words are worth a look even when they hold no digits; so are chat speakers
        # ("陈思远：") and quoted or delimited cells.
        self.trigger_patterns = (
            *(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w))),
            r"[\u4e00-\u9fff]{2,4}[：:]",
            r"[\"|\t,][\u4e00-\u9fff]{2,4}[\"|\t,]",
            "·",
        )
        surname = (
            "|".join(re.escape(c) for c in sorted(lexicon.compound_surnames))
            + f"|[{''.join(sorted(lexicon.surnames))}]"
        )
        self._surname_start = re.compile(surname)
        self._memo: dict[tuple, tuple[int, int, str] | None] = {}
        self._read_line = False
        self._vetoes: dict[tuple[str, int], bool] = {}
        self._word_heads: dict[str, bool] = {}
        self._every_surname = re.compile(f"(?=(?:{surname}))")  # every start position, overlapping ones too
        predicate = f"[{re.escape(lexicon.predicate_markers)}]|{_alternation(lexicon.verbs_after).pattern}"
        leads = _alternation(lexicon.leads_before).pattern
        # A surname opening a clause with a predicate close behind (冷雨欣的航班…), or right after a lead word
        # (请骆家豪…, 据盖玉兰介绍): Chinese prose with no digits or labels still gets a look.
        self.trigger_patterns += (
            rf"(?<![\u4e00-\u9fff])(?:{surname})[\u4e00-\u9fff]{{1,2}}(?:{predicate})",
            rf"(?:{leads})(?:{surname})",
        )
        self._predicate_at = re.compile(predicate)
        self._lead_before_re = re.compile(f"(?:{leads})$")
        self._closing = _alternation(lexicon.closings)
        tibetan = _alternation(lexicon.tibetan_name_parts).pattern
        self._no_surname = re.compile(f"(?:{tibetan}){{2}}|{_alternation(lexicon.mongolian_names).pattern}")
        self.trigger_patterns += (self._no_surname.pattern,)
        self._title_at = _alternation(lexicon.titles_after)
        self._longest_tail = max(map(len, (*lexicon.titles_after, *lexicon.verbs_after, "x")))
        self._verb_at = _alternation(lexicon.verbs_after)
        self._list_label = _alternation(lexicon.list_labels)
        self._role_before_re = re.compile(f"(?:{_alternation(lexicon.roles_before).pattern})$")
        self.resolver: NameResolver | None = None  # see name_windows: the statistical tagger's way in
        super().__init__(rule, language)

    def anchor_patterns(self) -> dict[str, str]:
        """Where a name can start, for the shared matcher (a superset of the places `_name_at` accepts):
        - a single-character surname after a non-Chinese character, when what follows its one or two given
          characters can be evidence: a non-Chinese character or the end, a title, a predicate or a verb;
        - a compound surname after a non-Chinese character (compound surnames are evidence themselves);
        - a surname right after a role or lead word or a joiner (和, 与, 、 …: a partner needs nothing after);
        - a surname followed by a two-character title, wherever it stands; the names without surname;
        - four surnames each one or two characters apart (a roll of names: 李鹏乔石李瑞环彭真…)."""
        lex = self.lexicon
        cjk = "[\u4e00-\u9fff]"
        singles = f"[{''.join(sorted(lex.surnames))}]"
        compounds = _alternation(tuple(lex.compound_surnames)).pattern
        tail = _alternation((*lex.titles_after, *lex.verbs_after, *lex.predicate_markers)).pattern
        after_word = _alternation((*lex.roles_before, *lex.leads_before, *_JOINERS)).pattern
        long_titles = _alternation(tuple(t for t in lex.titles_after if len(t) > 1)).pattern
        surname = self._surname_start.pattern
        return {
            "open_single": f"(?<!{cjk}){singles}{cjk}{{1,2}}(?:[^\u4e00-\u9fff]|$|{tail})",
            "open_compound": f"(?<!{cjk})(?:{compounds}){cjk}",
            "after_word": f"(?:{after_word})(?:{surname}){cjk}",
            "titled": f"(?:{surname}){cjk}{{1,2}}(?:{long_titles})",
            "minority": self._no_surname.pattern,
            "roll": f"{singles}{cjk}{{1,2}}{singles}{cjk}{{1,2}}{singles}{cjk}{{1,2}}{singles}",  # 李鹏乔石李瑞环彭真
        }

    def find_at(self, text: str, hits: dict[str, list[int]]) -> list[RecognizerResult]:
        """Names in ``text`` given the matcher's hit ends per `anchor_patterns` key: the same names as
        `analyze` finds, looking only at the flagged positions."""
        surnames, compounds = self.lexicon.surnames, self.lexicon.compound_surnames
        after_word = hits.get("after_word", ())  # each ends one past its surname
        starts = {end - 2 for end in after_word if text[end - 2] in surnames}
        compound_ends = (*after_word, *hits.get("open_compound", ()))
        starts.update(end - 3 for end in compound_ends if text[end - 3 : end - 1] in compounds)
        reach = 3 + self._longest_tail  # surname, two given characters, the longest tail
        for end in hits.get("open_single", ()):  # the hit ends after the tail: look back for the surname
            for pos in range(max(0, end - reach), end - 1):
                if text[pos] in surnames and (pos == 0 or not _CJK.match(text[pos - 1])):
                    starts.add(pos)
        longest_title = max(map(len, self.lexicon.titles_after), default=0)
        for end in hits.get("titled", ()):
            for pos in range(max(0, end - longest_title - 4), end - 1):
                if text[pos] in self.lexicon.surnames or text[pos : pos + 2] in self.lexicon.compound_surnames:
                    starts.add(pos)
        names = self._with_rolls(text, list(self._names(text, sorted(starts))), hits.get("roll", []))
        if self.resolver is not None:  # every surname position: a name mid-sentence has no anchor of its own
            every = [m.start() for m in self._every_surname.finditer(text)]
            names = self._resolved(text, names, self.unresolved_windows(text, every, names))
        lines = sorted({(line_start(text, end - 1), line_end(text, end)) for end in hits.get("minority", ())})
        return self._results(names + list(self._names_without_surname(text, names, lines)))

    def unresolved_windows(
        self, text: str, starts: Iterable[int], names: list[tuple[int, int, str]]
    ) -> list[NameWindow]:
        """The windows of ``text`` holding candidates at ``starts`` that the rules left undecided: a surname and
        one or two given characters, on dictionary word boundaries, no dictionary word, inside none of ``names``
        (the names the rules accepted)."""
        candidates = []
        for start in starts:
            if any(s <= start < e for s, e, _ in names) or self._only_words_head(text[start : start + 4]):
                continue
            surname_len = 2 if text[start : start + 2] in self.lexicon.compound_surnames else 1
            given = len(_CJK_RUN.match(text, start + surname_len).group(0))
            end = start + surname_len + given
            if given and not self._vetoed_cached(text[start:end], surname_len) and not splits_a_word(text, start, end):
                candidates.append((start, end))
        return windows_around(text, candidates)

    def _resolved(
        self, text: str, names: list[tuple[int, int, str]], windows: list[NameWindow]
    ) -> list[tuple[int, int, str]]:
        """``names`` plus what the resolver finds in ``windows`` (overlapping none of ``names``)."""
        if not windows:
            return names
        found = [
            (start, end, "tagger")
            for start, end in self.resolver(text, windows)
            if 0 <= start < end <= len(text) and not any(s < end and start < e for s, e, _ in names)
        ]
        return sorted(names + found)

    def _find(self, text: str) -> list[RecognizerResult]:
        names = self._with_rolls(text, list(self._names(text)))
        if self.resolver is not None:
            starts = [m.start() for m in self._every_surname.finditer(text)]
            names = self._resolved(text, names, self.unresolved_windows(text, starts, names))
        return self._results(names + list(self._names_without_surname(text, names, [(0, len(text))])))

    def _with_rolls(
        self, text: str, names: list[tuple[int, int, str]], roll_hits: list[int] | None = None
    ) -> list[tuple[int, int, str]]:
        """``names`` plus the names of rolls written without separators (see `name_rolls`; only runs holding one
        of ``roll_hits``, if given), where they overlap none of ``names``."""
        if roll_hits is not None and not roll_hits:
            return names
        lex = self.lexicon
        rolled = [
            (start, end, "roll")
            for start, end in name_rolls(text, lex.surnames, lex.compound_surnames, self._vetoed_cached, roll_hits)
            if not any(s < end and start < e for s, e, _ in names)
        ]
        return sorted(names + rolled) if rolled else names

    def _results(self, found: list[tuple[int, int, str]]) -> list[RecognizerResult]:
        results = []
        for start, end, evidence in found:
            score = min(1.0, self.rule.score + (self.rule.context_boost if evidence != "alone" else 0.0))
            results.append(rule_result(self, self.rule, start, end, score, evidence, Verdict.VALID))
        return results

    def _names_without_surname(self, text: str, names: list[tuple[int, int, str]], regions: list[tuple[int, int]]):
        """Tibetan (次仁卓玛) and Mongolian (巴特尔) names have no surname: a known name, set apart at the
        start of a clause or after a lead word, that jieba does not read as part of a longer word (乌兰察布)."""
        for region_start, region_end in regions:
            for match in self._no_surname.finditer(text, region_start, region_end):
                start, end = match.span()
                opens = _set_apart(text, start) or self._lead_before_re.search(text, max(0, start - 6), start)
                after = text[end : end + 1]
                if not opens or not (after == "" or not _CJK.match(after) or self._predicate_at.match(text, end)):
                    continue
                if self._surname_start.match(text, start) and any(s <= start < e for s, e, _ in names):
                    continue
                if _segment_ends_at(text, start, end):
                    yield start, end, "minority"

    def _names(self, text: str, starts: Iterable[int] | None = None):
        """Names starting at ``starts`` (ascending), or at every surname position of the text."""
        if starts is None:
            starts = (m.start() for m in self._every_surname.finditer(text))
        pos = last_end = 0
        lines: dict[int, tuple[bool, bool, bool]] = {}
        for start in starts:
            if start < pos or self._only_words_head(text[start : start + 4]):
                continue
            after_name = (last_end > 0 and start == last_end + 1 and text[last_end] in _JOINERS) or (
                text[start - 1 : start] in _JOINERS
                and text[start - 2 : start - 1].isascii()
                and text[start - 2 : start - 1].isalpha()  # Chloe Martin或章嘉欣
            )
            found = self._name_at_cached(text, start, after_name, lines)
            if found:
                yield found
                pos = last_end = found[1]

    def _name_at_cached(
        self, text: str, start: int, after_name: bool, lines: dict[int, tuple[bool, bool, bool]]
    ) -> tuple[int, int, str] | None:
        """`_name_at`, remembered by what it reads: LOOK_BEFORE characters before the candidate, LOOK_AFTER
        from it, and — only when it looked at them — three facts about its line. Exports and logs repeat the
        same phrases (已支付，金额 …), so most candidates are decided by one dictionary look-up. The caller has
        ruled out `_only_words_head` already."""
        left = max(0, start - _LOOK_BEFORE)
        local = (text[left : start + _LOOK_AFTER], start - left, after_name)
        known = self._memo.get(local, _UNKNOWN)  # decided by the characters around it alone
        if known is _UNKNOWN:
            opens_at = line_start(text, start)
            facts = lines.get(opens_at)
            if facts is None:
                line = line_at(text, start)
                in_list = _has_list_separator(line) and self._list_label.search(line) is not None
                facts = (in_list, _PII_ON_LINE.search(line) is not None, self._closing.search(line) is not None)
                lines[opens_at] = facts
            closing_before = facts[2] and self._closing.search(text, opens_at, start) is not None
            key = (*local, facts[0], facts[1], closing_before)
            known = self._memo.get(key, _UNKNOWN)
            if known is _UNKNOWN:
                self._read_line = False
                found = self._name_at(text, start, after_name)
                known = None if found is None else (found[0] - start, found[1] - start, found[2])
                if len(self._memo) >= _MEMO_SIZE:
                    self._memo.clear()
                self._memo[key if self._read_line else local] = known
        return None if known is None else (start + known[0], start + known[1], known[2])

    def _name_at(self, text: str, start: int, after_name: bool = False) -> tuple[int, int, str] | None:
        lex = self.lexicon
        if text[start : start + 2] in lex.compound_surnames:
            surname_len = 2
        elif text[start] in lex.surnames:
            surname_len = 1
        else:
            return None
        if self._title_at.match(text, start + surname_len):
            return None  # 张经理 is a surname and a title, not a name
        given_chars = len(_CJK_RUN.match(text, start + surname_len).group(0))
        may_start = after_name or self._may_start_here(text, start)
        for given in (2, 1):
            if given > given_chars:
                continue
            end = start + surname_len + given
            dotted = "·" in (text[end : end + 1], text[start - 1 : start])  # 霍尔格·伯尔纳 is one foreign name
            if dotted or (given == 2 and text[end - 1] in lex.clause_chars):
                continue  # 李力在会上: the clause goes on after 李力
            title = self._title_at.match(text, end)
            long_title = title is not None and len(title.group(0)) > 1
            if not (may_start or long_title) or self._vetoed(text[start:end], surname_len):
                continue  # inside a run of text only a two-character title vouches (请邝嘉欣女士)
            evidence = "title" if title else None
            if evidence is None and may_start:
                evidence = self._evidence(text, start, end, surname_len, after_name)
            compound_word = surname_len == 2 and _is_common_word(text[start : start + 2], 1000)  # 东方
            if evidence is None and may_start and surname_len == 2 and not compound_word:
                evidence = "compound"  # 令狐天宇负责…: compound surnames are rare outside names
            if evidence and not splits_a_word(text, start, end):
                return start, end, evidence  # never 华社 of 新华社, 和国 of 共和国, 司独立 of 公司独立董事
        return None

    def _evidence(self, text: str, start: int, end: int, surname_len: int, after_name: bool) -> str | None:
        found = self._strong_evidence(text, start, end)
        if found:
            return found
        # Weaker evidence from the sentence's shape: the candidate must be no dictionary word at all (jieba
        # tags 顾客 and 阳光 as names too), and jieba must read it as a name-shaped word.
        candidate = text[start:end]
        # 江泽民, 钱其琛: jieba knows them as names; 陆家嘴, 张家港 are places that jieba tags as names too
        known = end - start == surname_len + 2 and candidate[-2] != "家" and candidate in _name_words()
        if (_in_dictionary(candidate, _WEAK_MIN_FREQ) and not known) or (
            surname_len == 1 and len(candidate) > 2 and _in_dictionary(candidate[:2], _WEAK_MIN_FREQ)
        ):
            return None
        nxt, prev = text[end : end + 1], text[start - 1 : start]
        alone_after = nxt == "" or not _CJK.match(nxt)
        set_apart = _set_apart(text, start)
        if set_apart and nxt in _CELL_EDGES and (prev == "" or prev in _CELL_EDGES):
            return "cell"  # | 吕思彤 |, 1042,鞠文涛,研发中心
        if alone_after and set_apart and self._line_fact(_PII_ON_LINE.search(line_at(text, start))):
            return "alone"
        if set_apart and self._verb_at.match(text, end):
            return "subject"  # 柴立伟因个人原因…: a name opening the clause, then what the person did
        if not self._segments_as_name(text, start, end, surname_len):
            return None
        predicate_after = alone_after or self._predicate_at.match(text, end) is not None
        if after_name:
            return "partner"  # 杜鹏和丁一宁, 高翔宇、林琳、郑凯文
        if self._lead_before_re.search(text, max(0, start - 6), start) and predicate_after:
            return "lead"  # 请骆家豪下班前…, 据盖玉兰介绍, 现委托黎永康代为办理
        if _set_apart(text, start) and self._predicate_at.match(text, end):
            return "clause"  # 冷雨欣的航班延误了…: a clause opens with the name and goes on to say something
        opens_at = line_start(text, start)
        if alone_after and self._line_fact(self._closing.search(line_at(text, start)[: start - opens_at])):
            return "signature"  # 此致 敬礼！侯建新 2023年12月5日
        return None

    def _segments_as_name(self, text: str, start: int, end: int, surname_len: int) -> bool:
        """jieba reads the candidate as one word (冷雨欣), or as its surname and a two-character given name
        that is no common word (綦 | 美玲); 程浩在 or 揭晓 | 东是 are not name-shaped."""
        import jieba

        candidate, given = text[start:end], text[start + surname_len : end]
        words = []
        for word in jieba.cut(text[start : end + 6], HMM=True):
            words.append(word)
            if sum(map(len, words)) >= end - start:
                break
        if words[0] == candidate:
            return True
        return (
            len(words) == 2
            and words[0] == candidate[:surname_len]
            and words[1] == given
            and len(given) == 2
            and not _is_common_word(given, 100)
        )

    def _strong_evidence(self, text: str, start: int, end: int) -> str | None:
        nxt = text[end : end + 1]
        prev = text[start - 1 : start]
        alone_after = nxt == "" or not _CJK.match(nxt)
        if self._role_before(text, start) and (alone_after or nxt in "：:说称" or _segment_ends_at(text, start, end)):
            return "role"
        if alone_after and self._in_list(text, start):
            return "list"
        if prev in ("：", ":") and alone_after:
            return "label"  # 报告人：曲晓东
        set_apart = _set_apart(text, start)
        if set_apart and nxt in ("：", ":"):
            return "speaker"  # [10:32] 陈思远：…
        if (
            prev in ("(", "（")
            and nxt in (")", "）")
            and text[end + 1 : end + 2] in ("：", ":")
            and not _in_dictionary(text[start:end], _WEAK_MIN_FREQ)
        ):
            return "speaker"  # 访客(刘芳): …, 客服（何俊峰）：…; not 甲方（盖章）：
        if set_apart and nxt in " \t" and _SPEAKER_TIME.match(text, end):
            return "speaker"  # 王建国 10:32 (a chat export: the speaker, then the time)
        return None

    def _may_start_here(self, text: str, start: int) -> bool:
        """A name starts after a non-Chinese character, a role word, a list separator or a label colon;
        inside a run of Chinese text a surname character is usually just part of a word."""
        if start == 0 or not _CJK.match(text[start - 1]):
            return True
        return (
            self._role_before(text, start)
            or self._lead_before_re.search(text, max(0, start - 6), start) is not None
            or self._after_label(text, start)
            or (text[start - 1] in _LIST_SEPARATORS and self._in_list(text, start))
        )

    def _role_before(self, text: str, start: int) -> bool:
        return self._role_before_re.search(text, max(0, start - 8), start) is not None

    def _after_label(self, text: str, start: int) -> bool:
        return text[start - 1 : start] in "：:"

    def _line_fact(self, found: object) -> bool:
        """Note that the answer depends on the candidate's whole line (see `_name_at_cached`)."""
        self._read_line = True
        return bool(found)

    def _in_list(self, text: str, start: int) -> bool:
        self._read_line = True
        line = line_at(text, start)
        return _has_list_separator(line) and self._list_label.search(line) is not None

    def _only_words_head(self, head: str) -> bool:
        """`_only_words_at` for a candidate's first four characters (all it reads: surname and up to two given
        characters), remembered: the same few words (金额, 成都仓) come up thousands of times."""
        only_words = self._word_heads.get(head)
        if only_words is None:
            if len(self._word_heads) >= _MEMO_SIZE:
                self._word_heads.clear()
            only_words = self._word_heads[head] = self._only_words_at(head, 0)
        return only_words

    def _only_words_at(self, text: str, start: int) -> bool:
        """Every candidate `_name_at` would try here is vetoed as a word (金额, 成都仓, 申请七): it returns None
        whatever the context, so nothing else needs reading."""
        if text[start : start + 2] in self.lexicon.compound_surnames:
            surname_len = 2
        elif text[start] in self.lexicon.surnames:
            surname_len = 1
        else:
            return True
        given_chars = len(_CJK_RUN.match(text, start + surname_len).group(0))
        return all(
            self._vetoed_cached(text[start : start + surname_len + given], surname_len)
            for given in (2, 1)
            if given <= given_chars
        )

    def _vetoed_cached(self, candidate: str, surname_len: int) -> bool:
        key = (candidate, surname_len)
        vetoed = self._vetoes.get(key)
        if vetoed is None:
            if len(self._vetoes) >= _MEMO_SIZE:
                self._vetoes.clear()
            vetoed = self._vetoes[key] = self._vetoed(candidate, surname_len)
        return vetoed

    def _vetoed(self, candidate: str, surname_len: int) -> bool:
        """Words, not names: the candidate, or its first two characters as a frequent word (银行卡, 周报请).
        A compound surname (欧阳) is itself a word: only the whole candidate is checked then."""
        if candidate[-1] in self.lexicon.not_given_endings and len(candidate) > surname_len:
            return True  # 曹县, 唐山港, 朱红色, 谢谢您: no given name ends so
        if candidate in self.lexicon.not_names or _is_common_word(candidate, 1):
            return True
        if candidate[0] in self.lexicon.function_word_surnames and _in_dictionary(candidate[1:], 1):
            return True  # 和领导, 向全体, 那激情: a function word before a word
        return surname_len == 1 and len(candidate) > 2 and _is_common_word(candidate[:2], 100)


def _has_list_separator(line: str) -> bool:
    """Names in a list stand apart by 、，, or spaces (参会人员：张伟 李娜 王芳)."""
    return "、" in line or "，" in line or "," in line or " " in line or "\u3000" in line


def _alternation(words: tuple[str, ...]) -> re.Pattern[str]:
    """Longest first, so 总经理 wins over 经理."""
    return re.compile("|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w))) or "(?!)")


def _is_common_word(word: str, min_freq: int) -> bool:
    """In jieba's dictionary, as something other than a personal name (nr), at least this frequent (≥ 1)."""
    import jieba

    # A word with a frequency is a dictionary word (prefixes jieba adds have 0), and every one has a tag.
    return jieba.dt.FREQ.get(word, 0) >= min_freq and word not in _name_words()


def _set_apart(text: str, start: int) -> bool:
    """Set apart by space or punctuation; after a number it is a measure word (4.2米厢货, 3.2 万人)."""
    prev = text[start - 1 : start]
    before = text[max(0, start - 8) : start].rstrip(" ")[-1:]
    return (prev == "" or not (_CJK.match(prev) or prev.isalnum() or prev == ".")) and not (
        before.isdigit() or before == "."
    )


def _in_dictionary(word: str, min_freq: int) -> bool:
    import jieba

    _name_words()  # jieba's dictionary loaded
    return jieba.dt.FREQ.get(word, 0) >= min_freq


def _segment_ends_at(text: str, start: int, end: int) -> bool:
    """Does jieba cut the text after ``start`` exactly at ``end``? (财务黄佳雪处理 → 黄佳雪 | 处理)"""
    import jieba

    offset = 0
    for word in jieba.cut(text[start : end + 6], HMM=True):
        offset += len(word)
        if offset >= end - start:
            return offset == end - start
    return False


@dataclass(frozen=True)
class EnglishNameLexicon:
    first_names: frozenset[str]
    not_name_pairs: frozenset[str]
    pinyin_surnames: frozenset[str] = frozenset()
    street_words: frozenset[str] = frozenset()  # "Gordon Terrace" is a street, not a person

    @classmethod
    def load(cls, path: Path) -> EnglishNameLexicon:
        with open(path, "rb") as fh:
            data = tomli.load(fh)
        not_names = frozenset(w.lower() for w in data.get("not_name_words", ()))
        return cls(
            frozenset(data.get("first_names", ())),
            not_names,
            frozenset(data.get("pinyin_surnames", ())),
            frozenset(data.get("street_words", ())),
        )


# One pinyin syllable (initial + final); a given name is one to three of them: Xiaoming, Yiran, Haoyu.
_PINYIN_SYLLABLE = (
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxzcsryw])?"
    r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|in|un|er|ia|ie|iu|ua|uo|ui|ue|a|o|e|i|u|v)"
)
_PINYIN_GIVEN = re.compile(rf"(?:{_PINYIN_SYLLABLE}){{1,3}}", re.IGNORECASE)
_PINYIN_PAIR = re.compile(r"(?<![A-Za-z])([A-Z][a-z]+|[A-Z]{2,}) ([A-Z][a-z]+|[A-Z]{2,})(?![A-Za-z])")
# Smith-Jones, O'Connor, McKay, MacInnes, XIAO
_SURNAME = r"(?:[A-Z][a-z]+(?:-[A-Z][a-z]+)?|O'[A-Z][a-z]+|Ma?c[A-Z][a-z]+|[A-Z]{2,})"
_EN_PAIR = re.compile(rf"(?<![A-Za-z])([A-Z][a-z]+)(?: [A-Z]\.)? {_SURNAME}(?![A-Za-z])")


def _is_pinyin_given(word: str) -> bool:
    return _PINYIN_GIVEN.fullmatch(word) is not None and len(word) >= 3


class EnglishNameRecognizer(_PersonRecognizer):
    """Latin-script First Last where First is a known given name and the pair is not a business phrase."""

    def __init__(self, rule: Rule, lexicon: EnglishNameLexicon, language: str) -> None:
        self.lexicon = lexicon
        self.trigger_patterns = (r"(?-i:[A-Z][a-z]+ [A-Z])",)  # case-sensitive inside a case-blind trigger
        super().__init__(rule, language)

    def anchor_patterns(self) -> tuple[str, ...]:
        """Lines worth a look, for the shared matcher: a known given name before a capitalised word, or a
        pinyin surname before or (in capitals) after one. `_find` cannot report a name on any other line."""
        first = "|".join(sorted(self.lexicon.first_names, key=lambda w: (-len(w), w))) or "(?!)"
        surnames = sorted(self.lexicon.pinyin_surnames, key=lambda w: (-len(w), w))
        upper = "|".join(s.upper() for s in surnames) or "(?!)"
        title = "|".join(surnames) or "(?!)"
        return (
            f"(?<![A-Za-z])(?:{first})(?: [A-Z]\\.)? [A-Z]",
            f"(?<![A-Za-z])(?:{title}|{upper}) [A-Z]",
            f"[A-Za-z] (?:{upper})(?![A-Za-z])",
        )

    def find_in_lines(self, text: str, lines: list[tuple[int, int]]) -> list[RecognizerResult]:
        """`_find` on each given line; offsets into ``text``."""
        results = []
        for start, end in lines:
            for result in self._find(text[start:end]):
                result.start += start
                result.end += start
                results.append(result)
        return results

    def _pinyin_name(self, first: str, second: str) -> bool:
        """Wang Xiaoming (surname first) or Haoran ZHENG (surname in capitals last), syllables checked."""
        surnames = self.lexicon.pinyin_surnames
        if first.title() in surnames and second.title() not in surnames and _is_pinyin_given(second):
            return first.istitle() or first.isupper()
        return second.isupper() and second.title() in surnames and _is_pinyin_given(first)

    def _find(self, text: str) -> list[RecognizerResult]:
        results = []
        pos = 0
        while match := _EN_PAIR.search(text, pos):
            first = match.group(1)
            if (
                first not in self.lexicon.first_names
                or match.group(0).lower() in self.lexicon.not_name_pairs
                or match.group(0).rsplit(" ", 1)[-1] in self.lexicon.street_words
            ):
                pos = match.start() + len(first) + 1  # "Dear Ethan Prescott": try again from "Ethan"
                continue
            pos = match.end()
            results.append(
                rule_result(self, self.rule, match.start(), match.end(), self.rule.score, "given_name", Verdict.VALID)
            )
        taken = [(r.start, r.end) for r in results]
        for match in _PINYIN_PAIR.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken) or not self._pinyin_name(*match.groups()):
                continue
            results.append(
                rule_result(self, self.rule, match.start(), match.end(), self.rule.score, "pinyin", Verdict.VALID)
            )
        return results
