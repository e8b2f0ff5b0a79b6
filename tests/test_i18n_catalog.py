"""The Chinese catalog: complete for every translated area, compiled, placeholders kept, the glossary followed.

Which areas are held to a complete translation is `scanner.i18n.catalog.TRANSLATED` ("cli": scanner/cli.py, the scan
summary, the table helper and the i18n package; "tui": the review app and the review service's texts); the others
(commands, reports, daemon) are not yet translated and show in English.
"""

from __future__ import annotations

import re

import pytest
import tomli

from scanner.i18n import catalog
from scanner.i18n.entity_names import GLOSSARY

TRANSLATED = catalog.TRANSLATED
# (msgid, English term) pairs whose sentence really needs another wording than the glossary's.
GLOSSARY_EXCEPTIONS: set[tuple[str, str]] = set()


def _messages(area: str) -> list[tuple[str, str]]:
    """(msgid, msgstr) of ``area``, plural forms included."""
    pairs = []
    for message in catalog.read_area(area):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs.extend((msgid, strings[0] if len(strings) == 1 else strings[min(i, len(strings) - 1)])
                     for i, msgid in enumerate(ids))  # fmt: skip
    return pairs


def test_the_translated_areas_are_named_once_and_exist() -> None:
    assert set(TRANSLATED) <= set(catalog.AREAS)
    for area in TRANSLATED:
        assert catalog.area_files(area), area


def test_every_string_of_a_translated_area_has_a_chinese_translation_and_none_is_stale() -> None:
    problems = [p for p in catalog.problems(TRANSLATED) if not p.endswith("(run: compile)")]
    assert not problems, "\n".join(problems)


def test_custos_mo_is_compiled_from_the_po_files() -> None:
    assert catalog.mo_path().read_bytes() == catalog.compiled(), "run: python -m scanner.i18n.catalog compile"


def test_a_file_belongs_to_one_area() -> None:
    seen: dict = {}
    for area in catalog.AREAS:
        for path in catalog.area_files(area):
            assert path not in seen, f"{path} in {seen[path]} and {area}"
            seen[path] = area


_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}|%\([a-z_]+\)[sdr]|%[sdr]")


@pytest.mark.parametrize("area", TRANSLATED)
def test_placeholders_are_the_same_in_the_translation(area: str) -> None:
    wrong = [(msgid, msgstr) for msgid, msgstr in _messages(area)
             if msgstr and sorted(_PLACEHOLDER.findall(msgid)) != sorted(_PLACEHOLDER.findall(msgstr))]  # fmt: skip
    assert not wrong


def _terms() -> dict[str, str]:
    with open(GLOSSARY, "rb") as fh:
        return tomli.load(fh)["terms"]


# Not prose: placeholders, option names, commands, config tables, file names are never translated.
_NOT_PROSE = re.compile(
    r"\{\w+\}|%\(\w+\)\w|--[\w-]+|custos(?: [a-z][\w-]*)+|\[\[?[\w ]+\]\]?|`[^`]*`|\S+\.(?:md|toml)"
)


def glossary_misses(msgid: str, msgstr: str, terms: dict[str, str]) -> list[str]:
    """The English terms of ``msgid`` whose Chinese term ``msgstr`` lacks (longest term first: "rule pack" is not
    also "rule")."""
    text = _NOT_PROSE.sub(" ", msgid)
    missed = []
    for term in sorted(terms, key=len, reverse=True):
        pattern = re.compile(rf"\b{re.escape(term)}\b", re.IGNORECASE)
        if pattern.search(text):
            text = pattern.sub(" ", text)
            if terms[term] not in msgstr and (msgid, term) not in GLOSSARY_EXCEPTIONS:
                missed.append(f"{term} → {terms[term]}")
    return missed


def test_the_glossary_check_takes_the_longest_term_and_skips_option_names() -> None:
    terms = {"rule": "规则", "rule pack": "规则包", "mask": "脱敏"}
    assert glossary_misses("extra rule pack folder (--mask-paths)", "额外的规则包文件夹", terms) == []
    assert glossary_misses("a rule", "一条", terms) == ["rule → 规则"]


@pytest.mark.parametrize("area", TRANSLATED)
def test_translations_use_the_glossary_terms(area: str) -> None:
    terms = _terms()
    misses = {msgid: m for msgid, msgstr in _messages(area) if msgstr and (m := glossary_misses(msgid, msgstr, terms))}
    assert not misses, misses


def test_every_entity_type_of_the_rule_packs_has_a_chinese_name() -> None:
    from scanner.detect.rulepack import load_default_packs

    with open(GLOSSARY, "rb") as fh:
        named = tomli.load(fh)["entity_types"]
    types = {rule.entity_type for pack in load_default_packs([]) for rule in pack.rules}
    assert types - named.keys() == set()


def test_a_message_shared_by_areas_has_one_translation() -> None:
    # custos.mo holds one translation per message: where two areas' catalogs disagree, one of them silently loses
    translations: dict[str, set[str]] = {}
    where: dict[str, set[str]] = {}
    for area in catalog.AREAS:
        for msgid, text in _messages(area):
            if text:
                translations.setdefault(msgid, set()).add(str(text))
                where.setdefault(msgid, set()).add(area)
    disagree = {m: (sorted(where[m]), sorted(t)) for m, t in translations.items() if len(t) > 1}
    assert not disagree, disagree
