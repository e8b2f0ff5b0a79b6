"""Every rule of the loaded packs as one Presidio recognizer: one pass over a chunk, exact checks at the hits.

The cost follows the candidates, not rules × text:
- a pattern rule's regex runs only around the places the shared matcher says it may match;
- a rule that requires context runs only where one of its context words is near, or inside a field (column,
  cell) whose label holds one: its regex never sees the rest of the text;
- the name recognizers look only at the surname positions and name lines the matcher flags.
Validators, exclusions and the context decision itself are the rules' own, unchanged.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from scanner.detect.context import FieldContext, context_word_pattern
from scanner.detect.lines import line_end, line_span, line_start
from scanner.detect.matcher import Anchor, MultiMatcher
from scanner.detect.name_windows import NameResolver
from scanner.detect.recognizer import RULE_KEY, regrouped_results, rule_result
from scanner.detect.regroup import RUN_ANCHOR, WRAP_ANCHOR, find_runs, runs_near
from scanner.detect.rulepack import PatternSpec, Rule
from scanner.detect.validators import VALIDATORS, Verdict
from scanner.paths import cache_dir

REACH = 512  # characters before a hit's end in which the exact match must start (longer values are cut)
LOOK_AHEAD = 8  # characters past a hit's end that a pattern's look-ahead may read
KEY_REACH = 60  # how far before a value a field key ("realName":) may start; see context._key_before
LONGEST_VALUE = 200  # a context-gated value ends at most this far before its context word ("… (DOB)")
DEFAULT_BEFORE = 40  # the enhancer's window sizes (context.WindowContextEnhancer)
DEFAULT_AFTER = 12


_RUN_KEYS = (("regroup", "run"), ("regroup", "wrap"))
_KEY_TAIL = re.compile(r"""[\w.-]{0,40}["']?\s*[:=：]""")  # the rest of a key and its separator (context._KEY_BEFORE)
Region = tuple[int, int, int]  # (pos, stop, endpos): matches starting in [pos, stop], text read up to endpos


class LabelledSpans:
    """A field context that can also list the spans whose label satisfies a test (whole columns or cells),
    so a context-gated rule looks only there. Callables without `labelled_spans` get the whole text."""

    def labelled_spans(self, accept: Callable[[str], bool]) -> list[tuple[int, int]]:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True)
class _GatedRule:
    rule: Rule
    reach_before: int  # a candidate may start this far after a context word
    reach_after: int  # … or end this far before one
    accepts_label: Callable[[str], bool]
    width: int | None  # the longest value its patterns can match (None: unbounded)
    longest_word: int  # its longest context word
    key_only: bool  # only a field's own label counts (context_chars = 1): a word in the text must be a key


class PackRecognizer(EntityRecognizer):
    """Runs all rules of the packs over a text in one `analyze` call (see the module docstring)."""

    def __init__(self, rules: Mapping[str, Rule], language: str, today: date) -> None:
        self.rules = dict(rules)
        self.today = today
        self.field_context: FieldContext | None = None
        anchors: list[Anchor] = []
        self._anchored: list[tuple[Rule, PatternSpec, object, int | None]] = []
        self._gated: list[_GatedRule] = []
        self._cn_names = None
        self._tagged_names = None  # the optional statistical tagger's names (extra "tagger"), when installed
        self._en_names = None
        for rule in self.rules.values():
            if rule.recognizer == "cn_person_name":
                from scanner.detect.names import ChineseNameRecognizer, NameLexicon

                self._cn_names = ChineseNameRecognizer(rule, NameLexicon.load(rule.lexicon), language)
                self._tagged_names = _tagged_name_finder(self._cn_names)
                anchors += [Anchor(("cn", key), src) for key, src in self._cn_names.anchor_patterns().items()]
            elif rule.recognizer == "en_person_name":
                from scanner.detect.names import EnglishNameLexicon, EnglishNameRecognizer

                self._en_names = EnglishNameRecognizer(rule, EnglishNameLexicon.load(rule.lexicon), language)
                anchors += [Anchor(("en", i), src) for i, src in enumerate(self._en_names.anchor_patterns())]
            elif rule.requires_context:
                self._gated.append(_gated(rule))
                anchors += [Anchor(("ctx", rule.id), _literal(word), ignore_case=True) for word in rule.context]
            else:
                for spec in rule.patterns:
                    key = ("pat", rule.id, spec.name)
                    self._anchored.append((rule, spec, key, _max_width(spec.regex)))
                    source = spec.anchor or spec.regex.pattern
                    anchors.append(Anchor(key, source, ignore_case=bool(spec.regex.flags & re.IGNORECASE)))
        self._regrouped = [r for r in self.rules.values() if r.regroup and r.patterns and not r.requires_context]
        if self._regrouped:
            anchors += [Anchor(key, source) for key, source in zip(_RUN_KEYS, (RUN_ANCHOR, WRAP_ANCHOR), strict=True)]
        self.matcher = MultiMatcher(anchors, cache_dir=cache_dir())
        entities = sorted({r.entity_type for r in self.rules.values()})
        super().__init__(supported_entities=entities, name="custos_rule_packs", supported_language=language)

    def load(self) -> None:  # everything is compiled in __init__
        pass

    def use_name_resolver(self, resolver: NameResolver | None) -> None:
        """Let ``resolver`` (a statistical tagger) decide the Chinese name candidates the rules leave open, in the
        prose windows around them (see `name_windows`); None switches it off."""
        if self._cn_names is not None:
            self._cn_names.resolver = resolver

    def warm_up(self) -> None:
        """Load what the validators and name checks load on first use (the public-suffix list, jieba's
        dictionary and word tags), so the first file of a scan does not pay for it."""
        self.analyze("联系人：王小明 13800138000 wang.xiaoming@example.com 冷雨欣的航班延误了")

    def may_hold_findings(self, text: str) -> bool:
        """False when `analyze` would surely find nothing: no anchor fires and (with the optional tagger) no
        prose the tagger would read."""
        if self.matcher.scan(text):
            return True
        return self._tagged_names is not None and self._tagged_names.has_prose(text)

    def analyze(
        self, text: str, entities: list[str] | None = None, nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        wanted = set(entities or ())
        hits = self.matcher.scan(text)
        results: list[RecognizerResult] = []
        for rule, spec, key, width in self._anchored:
            if (not wanted or rule.entity_type in wanted) and key in hits:
                regions = [(s, e, e) for s, e in _merge(_hit_region(text, end, width) for end in hits[key])]
                results += self._matches(text, rule, spec, regions)
        for gated in self._gated:
            if wanted and gated.rule.entity_type not in wanted:
                continue
            regions = self._gated_regions(text, gated, hits.get(("ctx", gated.rule.id), ()))
            seen: set[tuple[int, int]] = set()
            for spec in gated.rule.patterns:
                for result in self._matches(text, gated.rule, spec, regions):
                    if (result.start, result.end, spec.name) not in seen:
                        seen.add((result.start, result.end, spec.name))
                        results.append(result)
        run_ends = [end for key in _RUN_KEYS for end in hits.get(key, ())]
        if run_ends:
            results += self._regrouped_matches(text, run_ends, wanted, results)
        if wanted and "PERSON" not in wanted:
            return results
        if self._cn_names is not None:
            cn_hits = {key[1]: ends for key, ends in hits.items() if key[0] == "cn"}
            cn_results = self._cn_names.find_at(text, cn_hits)
            if self._tagged_names is not None:  # optional tagger: only prose with candidates the rules left open
                cn_results = self._tagged_names.resolve(text, cn_results)
            results += [self._tag(r) for r in cn_results]
        if self._en_names is not None:
            en_hits = (end for key, ends in hits.items() if key[0] == "en" for end in ends)
            lines = _merge(line_span(text, max(0, end - 1)) for end in en_hits)  # a hit may end past a newline
            results += [self._tag(r) for r in self._en_names.find_in_lines(text, lines)]
        return results

    def _regrouped_matches(
        self, text: str, run_ends: list[int], wanted: set[str], found: list[RecognizerResult]
    ) -> list[RecognizerResult]:
        """Values written in other digit groupings, read from the runs around the matcher's run hits; a value a
        rule's own pattern ``found`` already (138 0013 8000) is not reported twice."""
        runs = find_runs(text, _merge(runs_near(text, run_ends)))
        results: list[RecognizerResult] = []
        for rule in self._regrouped:
            if not wanted or rule.entity_type in wanted:
                results += regrouped_results(self, rule, text, runs, self.today)
        if not results:
            return results
        spans = {(r.start, r.end) for r in results}  # only the found values at these spans can repeat them
        plain = {(r.recognition_metadata[RULE_KEY], r.start, r.end) for r in found if (r.start, r.end) in spans}
        return [r for r in results if (r.recognition_metadata[RULE_KEY], r.start, r.end) not in plain]

    def _tag(self, result: RecognizerResult) -> RecognizerResult:
        """Results of the inner name recognizers carry this recognizer's id (Presidio groups results by it)."""
        result.recognition_metadata[RecognizerResult.RECOGNIZER_IDENTIFIER_KEY] = self.id
        return result

    def _matches(
        self, text: str, rule: Rule, spec: PatternSpec, regions: Sequence[Region]
    ) -> Iterator[RecognizerResult]:
        """The exact pattern over each region (matches starting from ``pos`` up to ``stop``, the text read up to
        ``endpos``); validator, exclusion and the rule's literal prefilter apply."""
        validate = VALIDATORS[rule.validator]
        has_value_group = "value" in spec.regex.groupindex
        score = spec.score if spec.score is not None else rule.score
        for pos, stop, endpos in regions:
            for match in spec.regex.finditer(text, pos, endpos):
                if match.start() > stop:
                    break
                start, end = match.span("value") if has_value_group else match.span()
                if start >= end:
                    continue
                # The literal may sit on the line above the value when the match spans a line break (a label,
                # then the value on the next line): read from the match's own line to the value's.
                if (
                    rule.prefilter is not None
                    and rule.prefilter.search(text, line_start(text, match.start()), line_end(text, start)) is None
                ):
                    continue
                if rule.exclude is not None and rule.exclude.search(text, start, end):
                    continue
                verdict = validate(text[start:end], today=self.today)
                if verdict is Verdict.INVALID:
                    continue
                yield rule_result(self, rule, start, end, score, spec.name, verdict, pattern=spec.regex.pattern)

    def _gated_regions(self, text: str, gated: _GatedRule, context_ends: Sequence[int]) -> list[Region]:
        """Where a context-requiring rule's values may start: close enough to one of its context words for the
        enhancer's windows (or a field key) to reach it, or inside a field whose label holds one."""
        regions: list[Region] = []
        for end in context_ends:  # `end` is where a context word ends
            if gated.key_only and not _KEY_TAIL.match(text, end):
                continue  # a word in running text, not the key of a "key: value" the enhancer would read
            if gated.width is None:
                start = max(0, end - gated.reach_after - LONGEST_VALUE)
                stop = line_end(text, min(len(text), end + gated.reach_before))
                regions.append((line_start(text, start), stop, stop))
                continue
            start = max(0, end - gated.longest_word - gated.reach_after - gated.width - 2)
            stop = min(len(text), end + gated.reach_before)
            regions.append((start, stop, max(line_end(text, stop), min(len(text), stop + gated.width + LOOK_AHEAD))))
        field = self.field_context
        if field is not None:
            if isinstance(field, LabelledSpans):
                regions += [(s, e, line_end(text, e)) for s, e in field.labelled_spans(gated.accepts_label)]
            else:
                regions.append((0, len(text), len(text)))
        return _merge_regions(regions)


def _gated(rule: Rule) -> _GatedRule:
    """How far from a context word a value of this rule may sit, from the enhancer's window sizes."""
    before = rule.context_chars or DEFAULT_BEFORE
    after = min(DEFAULT_AFTER, rule.context_chars) if rule.context_chars else DEFAULT_AFTER
    pattern = context_word_pattern(rule.context)

    def accepts_label(label: str) -> bool:
        return pattern is not None and pattern.search(label) is not None

    widths = [_max_width(spec.regex) for spec in rule.patterns]
    width = None if None in widths else max(widths, default=0)
    longest_word = max(map(len, rule.context), default=0)
    # With a one-character window no word of two or more fits: only labels (a field's header, the key right
    # before a value, context._key_before) can vouch, so a word in the text counts only as part of a key.
    key_only = rule.context_chars == 1 and min(map(len, rule.context), default=0) > 1
    reach_before = max(4 * before, KEY_REACH)
    return _GatedRule(rule, reach_before, 3 * after, accepts_label, width, longest_word, key_only)


def _literal(word: str) -> str:
    return "".join("\\" + ch if not ch.isalnum() and ch.isascii() else ch for ch in word)


def _hit_region(text: str, end: int, width: int | None) -> tuple[int, int]:
    """Where an exact match ending at (or one character before) ``end`` can lie. A pattern of bounded width
    starts at most that far back; look-aheads read a few characters past the end. Unbounded patterns: back
    to the previous line's start (at most REACH characters), up to the end of the hit's line."""
    if width is not None:
        return max(0, end - width - 2), min(len(text), end + LOOK_AHEAD)
    own_start = line_start(text, end - 1) if end else 0
    previous_start = line_start(text, own_start - 1) if own_start else 0
    return max(previous_start, end - REACH), line_end(text, end)


def _max_width(pattern: re.Pattern[str]) -> int | None:
    """The longest match ``pattern`` can make, if bounded and short (look-arounds take no width)."""
    try:
        _, longest = re._parser.parse(pattern.pattern, pattern.flags).getwidth()
    except (AttributeError, re.error, RecursionError):  # pragma: no cover - private API of CPython's re
        return None
    return longest if longest <= REACH else None


def _merge(spans) -> list[tuple[int, int]]:
    """Sorted, non-overlapping spans covering the given ones."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _merge_regions(regions: list[Region]) -> list[Region]:
    """Regions whose start ranges overlap, joined; the others kept apart (a match starts in one only)."""
    merged: list[Region] = []
    for pos, stop, endpos in sorted(regions):
        if merged and pos <= merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], stop), max(last[2], endpos))
        else:
            merged.append((pos, stop, endpos))
    return merged


def _tagged_name_finder(names):
    """The optional statistical tagger behind the Chinese name rule, or None when the `tagger` extra is not
    installed (then nothing of it is imported). CUSTOS_NAME_TAGGER=0 turns it off where it is installed."""
    from scanner.detect import name_tagger

    if os.environ.get("CUSTOS_NAME_TAGGER", "1") == "0" or not name_tagger.available():
        return None
    from scanner.detect.tagged_names import TaggedNameFinder

    return TaggedNameFinder(names, names.rule, names.lexicon)
