"""Name-shaped tokens in text shown on screen, for `scanner.display_mask`: suspicion, not detection.

The name detector (`scanner.detect.names`) reports a name only with evidence; the display mask hides a token
as soon as it has the shape of a name and nothing proves it harmless, because a context line or a sheet title
shown in clear is a disclosure even when no rule fired. Over-masking is preferred to under-masking.

Chinese: text is cut into jieba's dictionary words (no HMM guessing). A surname from the name lexicon that
starts a word, with the one or two characters no dictionary word claims after it (刘|芳, 陈|思|远) or a
two-character word after it (肖|宇航), is name-shaped; so is a short run of Han text that is a surname plus
one or two characters on its own (a cell, a sheet title, "(刘芳)"). Proven harmless are: a word in
rules/lexicons/display_harmless.toml, the rule packs' context words and the lexicon's titles and roles; a
surname plus a title (王经理, 陈工); a place (邹城, 唐山港); a dictionary word that begins with a surname (周一,
金额, 马上, 方法) unless a role or a name label stands before it or a title after it (客服高峰, 高峰先生), or it is
a rare word jieba tags as a name (叶笃初) — jieba tags most such words as names (顾客, 毛巾), so its tag
alone proves nothing; and a surname that is mostly a word of its own inside a sentence (女士于周四, 都很).
Transliterated names with a middle dot (买买提·艾力) keep the first character of each part.
Latin script: two or more capitalised words in a row that are not headers or business words (John Smith,
Wang Xiaoming, ZHANG Wei), and a capitalised word after Mr/Ms/Dr.

Measured on tests/data: 99% of the names in cn_names_in_context.txt hidden, something starred in 6.5% of the
sentences of cn_not_names.txt (brands such as 支付宝, fictional names). Limits: a name whose surname is not in
the lexicon (过家豪), a name that is also a common word opening a sentence (田野负责…), a given name alone
(芳姐), pinyin in lower case (zhangwei) and a single Latin word are shown as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import tomli

from scanner.detect.segmenter import dictionary_entry, dictionary_words

Span = tuple[int, int]  # characters to star: start, end

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD_FREQ = 30  # jieba frequency from which a dictionary word is a word, whatever its tag (as in the detector)
_VERY_COMMON = 1_000  # a word this frequent is a word even after a role (孙师傅明天上午来)
_JOINERS = "和与及或、"
_NAME_DOT = re.compile("[·•‧・]")
_PART_STOPS = frozenset("的了是在和与及等说将被把已也")
_PLACE_SUFFIXES = "省市县区州乡镇村港城路街巷站馆厂店园"
# Characters that end a given name before they start (a verb, a particle, a pronoun, a placeholder)
_STOP_CHARS = (
    "的了着过吗呢吧啊是在把被已将和与或及说都也就还又向从对为给让到去来上下中里内外前后等您你我他她它们这那哪某地城请"
)
_LATIN_WORD = re.compile(r"(?:O'|Ma?c)?[A-Z][a-z]+(?:-[A-Z][a-z]+)?|[A-Z]{2,}")
_LATIN_GAP = re.compile(r"(?: [A-Z]\.)? ")  # between two parts of a name: a space, or a middle initial


@dataclass(frozen=True)
class DisplayLexicon:
    """What the display mask reads: surnames, the words that prove a token harmless, titles and roles."""

    surnames: frozenset[str]
    compound_surnames: frozenset[str]
    surname_chars: frozenset[str]  # every character that can open a surname, compound ones too
    harmless: frozenset[str]
    titles: tuple[str, ...]
    before_name: tuple[str, ...]  # roles, leads and list labels: a name may follow (客服肖宇航)
    not_names: frozenset[str]
    not_given_endings: frozenset[str]
    function_chars: frozenset[str]
    no_surname: re.Pattern[str]
    latin_harmless: frozenset[str]
    latin_pairs: frozenset[str]
    latin_titles: frozenset[str]
    pinyin_surnames: frozenset[str]


@cache
def display_lexicon() -> DisplayLexicon:
    """The lexicon from rules/lexicons and the built-in rule packs' context words, read once."""
    from scanner.detect.rulepack import load_default_packs

    lexicons = Path(str(resources.files("rules"))) / "lexicons"  # beside the built-in packs
    cn = _toml(lexicons / "cn_names.toml")
    en = _toml(lexicons / "en_names.toml")
    allow = _toml(lexicons / "display_harmless.toml")
    rules = [rule for pack in load_default_packs() for rule in pack.rules]
    context_words = {w for rule in rules for w in rule.context}
    name_labels = [w for rule in rules if rule.entity_type == "PERSON" for w in rule.context]  # 姓名, 收件人
    titles = _longest_first(cn.get("titles_after", ()))
    before = _longest_first(
        [*cn.get("roles_before", ()), *cn.get("leads_before", ()), *cn.get("list_labels", ()), *name_labels]
    )
    harmless = {*allow.get("han_words", ()), *context_words, *titles, *before, *cn.get("verbs_after", ())}
    parts = _longest_first(cn.get("tibetan_name_parts", ()))
    mongolian = _longest_first(cn.get("mongolian_names", ()))
    no_surname = "|".join([f"(?:{'|'.join(parts)}){{2}}"] * bool(parts) + list(mongolian)) or "(?!)"
    pairs = {p.lower() for p in en.get("not_name_words", ())}
    latin = {w.lower() for w in allow.get("latin_words", ())} | {w.lower() for w in context_words if w.isascii()}
    return DisplayLexicon(
        surnames=frozenset(cn.get("surnames_single", ())),
        compound_surnames=frozenset(cn.get("surnames_compound", ())),
        surname_chars=frozenset(cn.get("surnames_single", ())) | {s[0] for s in cn.get("surnames_compound", ())},
        harmless=frozenset(w for w in harmless if len(w) > 1),
        titles=titles,
        before_name=before,
        not_names=frozenset(cn.get("not_names", ())),
        not_given_endings=frozenset(cn.get("not_given_endings", ())),
        function_chars=frozenset(allow.get("function_chars", ())),
        no_surname=re.compile(no_surname),
        latin_harmless=frozenset(latin),
        latin_pairs=frozenset(pairs),
        latin_titles=frozenset(t.rstrip(".") for t in en.get("titles", ())),
        pinyin_surnames=frozenset(en.get("pinyin_surnames", ())),
    )


def _toml(path: Path) -> dict:
    with open(path, "rb") as fh:
        return tomli.load(fh)


def _longest_first(words) -> tuple[str, ...]:
    return tuple(sorted(set(words), key=lambda w: (-len(w), w)))


# --- Chinese -----------------------------------------------------------------------------------------------


def han_name_spans(text: str, lex: DisplayLexicon) -> list[Span]:
    """The given-name characters of every name-shaped Han token in ``text`` (the surname stays, as in 张*)."""
    spans: list[Span] = []
    for run in _HAN_RUN.finditer(text):
        if lex.surname_chars.intersection(run.group()) or lex.no_surname.search(run.group()):
            spans.extend(_spans_in_run(text, run.start(), run.end(), lex))
    return spans


def dotted_name_spans(text: str, lex: DisplayLexicon) -> list[Span]:
    """Transliterated names written with a middle dot (买买提·艾力, 迪丽努尔·艾尔肯): every part but its first
    character. A part is up to four characters that are no common word, no title and no particle (的, 在)."""
    spans: list[Span] = []
    for dot in _NAME_DOT.finditer(text):
        before = _HAN_RUN.search(text, max(0, dot.start() - 12), dot.start())
        after = _HAN_RUN.match(text, dot.end())
        if not before or before.end() != dot.start() or not after:
            continue
        head = _name_part(list(reversed(dictionary_words(before.group()))), lex)
        tail = _name_part(dictionary_words(after.group()), lex)
        if head and tail:
            spans += [(dot.start() - head + 1, dot.start()), (dot.end() + 1, dot.end() + tail)]
    return spans


def _name_part(words: list[str], lex: DisplayLexicon) -> int:
    """How many characters of ``words`` (read away from the dot) belong to the name part."""
    taken = 0
    for word in words:
        common = len(word) > 1 and dictionary_entry(word)[0] >= _VERY_COMMON
        if common or word in _PART_STOPS or word in lex.harmless or _title_at(word, lex) or taken + len(word) > 4:
            break
        taken += len(word)
    return taken


def _surname_length(text: str, at: int, lex: DisplayLexicon) -> int:
    if text[at : at + 2] in lex.compound_surnames:
        return 2
    return 1 if text[at] in lex.surnames else 0


def _spans_in_run(text: str, start: int, end: int, lex: DisplayLexicon) -> Iterator[Span]:
    run = text[start:end]
    words = dictionary_words(run)
    surname = _surname_length(text, start, lex)
    if surname and len(run) <= surname + 2 and not _harmless_alone(run, surname, words[0], lex):
        yield start + surname, end  # the whole run is surname plus given name: a cell, a title, "(刘芳)"
        return
    for match in lex.no_surname.finditer(run):
        yield start + match.start() + 1, start + match.end()
    at = start
    masked_to = start
    for i, word in enumerate(words):
        surname = _surname_length(text, at, lex)
        if at >= masked_to and surname and not (at == start and text[at - 1 : at] == "*"):
            span = _given_name(text, at, surname, words[i:], lex)
            if span and span[0] < span[1]:
                masked_to = span[1]
                yield span
        at += len(word)


def _harmless_alone(run: str, surname: int, first_word: str, lex: DisplayLexicon) -> bool:
    """A short run standing alone (a cell, a sheet title): harmless only as a known label, a surname plus a
    title, or a common word that jieba does not tag as a name (周日, 方法一; but 高峰, 刘芳 are masked)."""
    if run in lex.harmless or run[surname:] in lex.titles or run[-1] in lex.not_given_endings:
        return True
    if len(first_word) <= surname:
        return False
    frequency, is_name = dictionary_entry(first_word)
    return frequency > 0 and not is_name


def _given_name(text: str, at: int, surname: int, words: list[str], lex: DisplayLexicon) -> Span | None:
    """The given name after the surname at ``at`` (``words`` are the dictionary words from ``at`` on)."""
    word = words[0]
    if any(text.startswith(brand, at) for brand in lex.not_names):
        return None  # 李宁, 周黑鸭
    # a clause, a cell or a field starts here, or a list goes on (车**和晋文华, 高翔宇、林琳)
    opens = at == 0 or not _HAN_RUN.match(text[at - 1]) or text[at - 1] in _JOINERS
    if len(word) > surname:  # a dictionary word that begins with a surname: 李娜, 周一, 王经理, 高峰
        return _name_word(text, at, surname, words, opens, lex)
    if len(word) < surname:  # a compound surname jieba cut in two (欧|阳雪…): star what follows it
        return at + surname, at + surname + min(2, len("".join(words)) - surname)
    if len(words) < 2:
        return None  # a surname ending its run
    evidence = _evidence(text, at, text[at : at + surname + len(words[1])], lex)
    if not opens and text[at] in lex.function_chars and not evidence:
        return None  # 都|很, 于|周四: inside a sentence these are words of their own
    following = words[1]
    if len(following) == 1:  # 刘|芳, 陈|思|远: characters no dictionary word claims
        if not _may_be_given(following, lex):
            return None
        given_end = at + surname + 1
        if len(words) > 2 and _may_be_given(words[2], lex):
            given_end += 1
        return at + surname, given_end
    if len(following) > 2 or following in lex.harmless or _title_at(following, lex) or _place(following, words[2:]):
        return None  # 于|人事部, 肖|经理, 唐|山港
    if not (opens or evidence):
        frequency, is_name = dictionary_entry(following)
        if frequency >= _WORD_FREQ and not is_name:
            return None  # 顺丰|寄出, 由区|域办: a surname inside a sentence before a common word
    return at + surname, at + surname + 2  # 肖|宇航, 高|翔宇


def _name_word(text: str, at: int, surname: int, words: list[str], opens: bool, lex: DisplayLexicon) -> Span | None:
    """A dictionary word that begins with a surname. jieba tags most such words as names (顾客, 毛巾, 支付宝),
    so the tag alone proves nothing: the word is a name after a role or label or before a title (客服高峰,
    高峰先生), or when it is a rare name-tagged word: of three characters (叶笃初) or opening a clause (陶然在…).
    Else it is a word."""
    word = words[0]
    if len(word) > surname + 2 or word in lex.harmless or word[surname:] in lex.titles or _place(word, words[1:]):
        return None  # 向前行驶, 王经理, 邹城, 崔各庄|乡
    if word[-1] in lex.not_given_endings:
        return None  # 曹县, 谢谢您
    frequency, is_name = dictionary_entry(word)
    evidence = frequency < _VERY_COMMON and _evidence(text, at, word, lex)
    orphan = len(word) == surname + 1 and len(words) > 1 and _may_be_given(words[1], lex)  # 尤佳|怡
    rare_name = is_name and frequency < _WORD_FREQ and (opens or len(word) == surname + 2)  # 王旭东, 陶然在
    if evidence or rare_name:
        return at + surname, at + len(word) + orphan
    if orphan and opens and (len(words) == 2 or words[2][0] in _STOP_CHARS):
        return at + surname, at + len(word) + 1  # 揭晓|东|是: a word, one more character, then a verb
    return None


def _place(word: str, after: list[str]) -> bool:
    """A place name rather than a person: it ends with, or is followed by, an administrative suffix."""
    return word[-1] in _PLACE_SUFFIXES or (bool(after) and after[0][0] in _PLACE_SUFFIXES)


def _may_be_given(word: str, lex: DisplayLexicon) -> bool:
    return (
        len(word) == 1
        and _HAN_RUN.fullmatch(word) is not None
        and word not in _STOP_CHARS
        and word not in lex.not_given_endings
        and word not in lex.titles  # 王总, 陈工
    )


def _title_at(word: str, lex: DisplayLexicon) -> bool:
    return any(word.startswith(title) for title in lex.titles if len(title) > 1)


def _evidence(text: str, at: int, word: str, lex: DisplayLexicon) -> bool:
    """A role, lead or name label right before the surname at ``at`` (客服肖宇航, 姓名：高峰), or a title right
    after the word (高峰先生): it is a name, whatever the dictionary says."""
    before = text[max(0, at - 9) : at].rstrip(" ：:")
    if any(before.endswith(w) for w in lex.before_name):
        return True
    end = at + len(word)
    return bool(word) and any(text.startswith(title, end) for title in lex.titles if len(title) > 1)


# --- Latin script ------------------------------------------------------------------------------------------


def latin_name_spans(text: str, lex: DisplayLexicon) -> list[Span]:
    """Every character but the first of each part of a name-shaped Latin token (John Smith → J*** S****)."""
    spans: list[Span] = []
    for group in _capitalised_groups(text):
        suspicious = _suspicious_parts(text, group, lex)
        for start, end in suspicious:
            spans.append((start + 1, end))
    return spans


def _capitalised_groups(text: str) -> Iterator[list[Span]]:
    """Runs of capitalised words separated by one space (or a middle initial), each as its word spans."""
    group: list[Span] = []
    for match in _LATIN_WORD.finditer(text):
        start, end = match.span()
        if (
            _ascii_alnum(text[start - 1 : start])
            or text[start - 1 : start] in ("'", "’")
            or _ascii_alnum(text[end : end + 1])
        ):
            continue  # part of a longer token (iPhone, ABC123); Chinese around it is no part (设计师Emma Walsh已)
        if group and _LATIN_GAP.fullmatch(text, group[-1][1], start) is None:
            yield group
            group = []
        group.append((start, end))
    if group:
        yield group


def _suspicious_parts(text: str, group: list[Span], lex: DisplayLexicon) -> list[Span]:
    """The words of ``group`` that may be parts of a name: two or more in a row that are neither harmless nor
    an acronym, or one word after a title (Mr Smith)."""
    words = [text[s:e] for s, e in group]
    harmless = [_latin_harmless(w, lex) for w in words]
    for i in range(len(words) - 1):
        if f"{words[i]} {words[i + 1]}".lower() in lex.latin_pairs:
            harmless[i] = harmless[i + 1] = True
    picked: list[Span] = []
    streak: list[Span] = []
    for i, span in enumerate([*group, None]):
        if span is not None and not harmless[i]:
            streak.append(span)
            continue
        after_title = (
            len(streak) == 1 and streak[0] != group[0] and words[group.index(streak[0]) - 1] in lex.latin_titles
        )
        if len(streak) >= 2 or after_title:
            picked.extend(streak)
        streak = []
    return picked


def _ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _latin_harmless(word: str, lex: DisplayLexicon) -> bool:
    if word.isupper():  # an acronym (ID, VIP, PDF) unless it is a surname in capitals (ZHANG Wei)
        return word.title() not in lex.pinyin_surnames
    return word.lower() in lex.latin_harmless
