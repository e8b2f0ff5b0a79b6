"""The interface's language: every user-facing string goes through `_` (or `ngettext`), looked up in the
active gettext catalog (``scanner/locale/<language>/LC_MESSAGES/custos.mo``, compiled from the ``.po`` beside
it and shipped with the package). English is the source language: without a catalog a string shows as written.

Which language: ``--lang`` on the command line, then ``CUSTOS_LANG``, then ``[interface] language`` in the
config, then ``LC_ALL`` / ``LC_MESSAGES`` / ``LANG`` (`resolve`). Anything Chinese (zh, zh_CN, zh_Hans,
zh_SG …) is zh_CN; anything else is en. The daemon's key=value log keys, exports (JSONL, CSV headers) and
entity type names in exports stay English whatever the language: other tools read them.

Strings defined at import time (class attributes, module constants) are marked with `N_` and translated where
they are shown, so the language can be chosen after the modules are imported.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "custos"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
ENGLISH, CHINESE = "en", "zh_CN"
LANGUAGES = (ENGLISH, CHINESE)
_ENVIRONMENT_ORDER = ("LC_ALL", "LC_MESSAGES", "LANG")

_catalog: gettext.NullTranslations = gettext.NullTranslations()
_language = ENGLISH


class LanguageError(ValueError):
    """A language Custos has no interface for, named where the user can correct it."""


def _(message: str) -> str:
    """``message`` in the active language."""
    return _catalog.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count`` in the active language (Chinese has one form)."""
    return _catalog.ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Marks ``message`` for the catalog without translating it now: translate it with `_` where it is shown."""
    return message


def language() -> str:
    """The active language: "en" or "zh_CN"."""
    return _language


def normalise(value: str | None) -> str | None:
    """A locale name (zh_CN.UTF-8, zh-Hans, en_US, C) as one of LANGUAGES; None when it names no language."""
    if not value:
        return None
    code = value.split(".")[0].split("@")[0].replace("-", "_").lower()
    if code in ("", "c", "posix"):
        return None
    if code == "zh" or code.startswith("zh_"):  # Traditional-script locales too: the nearest interface there is
        return CHINESE
    return ENGLISH


def resolve(cli: str | None = None, config: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language to use: ``cli`` (--lang), CUSTOS_LANG, ``config`` ([interface] language), then the locale
    variables. An explicit choice (--lang, CUSTOS_LANG, the config) that is not a supported language is an
    error; a locale variable that is not one simply means English."""
    env = os.environ if environ is None else environ
    for source, value in (("--lang", cli), ("CUSTOS_LANG", env.get("CUSTOS_LANG")), ("[interface] language", config)):
        if value:
            chosen = _explicit(value)
            if chosen is None:
                raise LanguageError(f"{source}: unknown language {value!r} (choose one of: {', '.join(LANGUAGES)})")
            return chosen
    for name in _ENVIRONMENT_ORDER:
        if env.get(name):  # the first one set decides, as for gettext itself
            return normalise(env[name]) or ENGLISH
    return ENGLISH


def _explicit(value: str) -> str | None:
    code = value.split(".")[0].replace("-", "_").lower()
    if code in ("en", "en_us", "en_gb", "english"):
        return ENGLISH
    if code in ("zh", "zh_cn", "zh_hans", "zh_sg", "chinese"):
        return CHINESE
    return None


def set_language(code: str) -> str:
    """Make ``code`` (one of LANGUAGES) the active language; returns it."""
    global _catalog, _language
    if code not in LANGUAGES:
        raise LanguageError(f"unknown language {code!r} (choose one of: {', '.join(LANGUAGES)})")
    _language = code
    _catalog = (
        gettext.NullTranslations()
        if code == ENGLISH
        else gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[code], fallback=True)
    )
    return code
