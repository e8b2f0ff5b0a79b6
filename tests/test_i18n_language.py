"""Which interface language is chosen, and that an explicit wrong one is refused."""

from __future__ import annotations

import pytest

from scanner import i18n
from scanner.i18n import CHINESE, ENGLISH, LanguageError, resolve


@pytest.mark.parametrize(
    ("cli", "config", "environ", "expected"),
    [
        (None, None, {}, ENGLISH),
        (None, None, {"LANG": "zh_CN.UTF-8"}, CHINESE),
        (None, None, {"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, ENGLISH),  # LC_ALL first, and C means English
        (None, None, {"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_SG.UTF-8"}, CHINESE),
        (None, "zh_CN", {"LANG": "en_US.UTF-8"}, CHINESE),  # the config before the locale
        (None, "en", {"CUSTOS_LANG": "zh_CN"}, CHINESE),  # CUSTOS_LANG before the config
        ("en", "zh_CN", {"CUSTOS_LANG": "zh_CN", "LANG": "zh_CN.UTF-8"}, ENGLISH),  # --lang before everything
        ("zh-Hans", None, {}, CHINESE),
        (None, None, {"LANG": "fr_FR.UTF-8"}, ENGLISH),
    ],
)
def test_resolution_order(cli, config, environ, expected) -> None:
    assert resolve(cli, config, environ) == expected


@pytest.mark.parametrize(
    ("cli", "environ", "named"), [("fr", {}, "--lang"), (None, {"CUSTOS_LANG": "de"}, "CUSTOS_LANG")]
)
def test_an_explicit_unknown_language_is_refused_naming_where_it_came_from(cli, environ, named) -> None:
    with pytest.raises(LanguageError, match=named):
        resolve(cli, None, environ)


def test_english_is_the_source_and_a_missing_message_shows_as_written() -> None:
    try:
        i18n.set_language(ENGLISH)
        assert i18n._("findings") == "findings"
        assert i18n.ngettext("{n} file", "{n} files", 2) == "{n} files"
        i18n.set_language(CHINESE)
        assert i18n.language() == CHINESE
        assert i18n._("a message no catalog holds") == "a message no catalog holds"
    finally:
        i18n.set_language(ENGLISH)
