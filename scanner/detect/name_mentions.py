"""Document-level propagation: a name accepted once in a document is found at its other mentions there.

A chat log names its speaker once with evidence (客服(何俊峰):) and then a dozen times bare (何俊峰说…, 请何俊峰
跟进); a table names a person in its 姓名 column and again in a remark. `DocumentNames` remembers the PERSON values
a document has yielded so far (at most `MAX_NAMES`, so memory stays bounded however long the file) and finds their
other mentions in each text it is shown: the one it learned them from (so a mention before the first accepted one
in the same chunk is found too) and every later one. Texts already reported are not revisited: a mention in an
earlier chunk of a file over a MiB is only found when that chunk held an accepted mention itself.

A mention counts only on word boundaries: for Chinese names, never inside a dictionary word (王芳 in 王芳菲? 李宁 in
李宁运动鞋 is vetoed as a brand already); for Latin names, never inside a longer word. Names that are also common
words (高峰, 金城, 白云) are not learned.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from scanner.detect.engine import Detection

MAX_NAMES = 256  # per document; a customer export's thousandth name is not worth a longer search
_COMMON_WORD_FREQ = 100  # jieba frequency from which a name that is also a word is not propagated
_CJK_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{2,8}·[\u4e00-\u9fff]{2,8}")
_LATIN_NAME = re.compile(r"[A-Z][a-z]+(?:[ -][A-Z][A-Za-z'.-]+){1,2}")


class DocumentNames:
    """The names accepted so far in one document, and their other mentions in its texts."""

    def __init__(self, max_names: int = MAX_NAMES) -> None:
        self.max_names = max_names
        self._names: dict[str, Detection] = {}  # value -> the detection that accepted it (rule, pack, score)
        self._pattern: re.Pattern[str] | None = None

    def __len__(self) -> int:
        return len(self._names)

    def complete(self, text: str, detections: list[Detection]) -> list[Detection]:
        """``detections`` of ``text`` plus the other mentions of every name accepted so far (these included),
        sorted by start; offsets into ``text``."""
        self.learn(detections)
        if not self._names:
            return detections
        mentions = list(self.mentions(text, detections))
        if not mentions:
            return detections
        return sorted(detections + mentions, key=lambda d: d.start)

    def learn(self, detections: Iterable[Detection]) -> None:
        for det in detections:
            if det.entity_type != "PERSON" or det.value in self._names or len(self._names) >= self.max_names:
                continue
            if _worth_propagating(det.value):
                self._names[det.value] = det
                self._pattern = None

    def mentions(self, text: str, taken: list[Detection]) -> Iterable[Detection]:
        """Mentions of the known names in ``text`` that overlap none of ``taken`` (the text's own detections)."""
        if self._pattern is None:
            self._pattern = _alternation(self._names)
        spans = sorted((d.start, d.end) for d in taken)
        for match in self._pattern.finditer(text):
            start, end = match.span()
            if _overlaps(spans, start, end) or not _on_boundaries(text, start, end):
                continue
            accepted = self._names[match.group(0)]
            yield Detection(
                "PERSON", start, end, accepted.score, accepted.rule_id, accepted.pack, match.group(0),
                accepted.verdict,
            )  # fmt: skip


def _worth_propagating(value: str) -> bool:
    if _LATIN_NAME.fullmatch(value):
        return True
    if not _CJK_NAME.fullmatch(value):
        return False
    from scanner.detect.segmenter import dictionary_entry

    frequency, is_name = dictionary_entry(value)
    # jieba tags many two-character words as names too (高峰, 白云, 林立): only a rare one is propagated
    return frequency < _COMMON_WORD_FREQ or (is_name and len(value) >= 3)


def _alternation(names: Iterable[str]) -> re.Pattern[str]:
    """One pattern for all names, longest first (欧阳娜娜 before 欧阳娜), grouped by first character so the regex
    engine tries only the names that start with the character at hand."""
    by_first: dict[str, list[str]] = {}
    for name in sorted(names, key=lambda n: (-len(n), n)):
        by_first.setdefault(name[0], []).append(re.escape(name[1:]))
    groups = [f"{re.escape(first)}(?:{'|'.join(rests)})" for first, rests in sorted(by_first.items())]
    return re.compile("|".join(groups))


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Does [start, end) overlap one of ``spans`` (sorted, not overlapping each other, as a detector gives them)?"""
    i = bisect.bisect_left(spans, (end,))
    return i > 0 and spans[i - 1][1] > start


def _on_boundaries(text: str, start: int, end: int) -> bool:
    first, last = text[start], text[end - 1]
    if first.isascii():
        before, after = text[start - 1 : start], text[end : end + 1]
        return not (before.isalnum() or after.isalnum())
    from scanner.detect.segmenter import splits_a_word

    return not splits_a_word(text, start, end) and last != "·" and text[end : end + 1] != "·"
