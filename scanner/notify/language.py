"""The notification list's language: that of its notice template (zh_CN or en), which may differ from the
interface's; `words` translates in it, `day` writes a date as its readers do."""

from __future__ import annotations

import gettext
from datetime import date
from functools import cache

from scanner.i18n import CHINESE, DOMAIN, LOCALE_DIR

_DAY_PATTERNS = {CHINESE: "y年M月d日", "en": "MMMM d, y"}


@cache
def words(language: str) -> gettext.NullTranslations:
    """The catalog of ``language`` (English is the source: no catalog)."""
    if language != CHINESE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[language], fallback=True)


def day(value: date, language: str) -> str:
    """2026年12月1日 / December 1, 2026."""
    from babel.dates import format_date

    return format_date(value, format=_DAY_PATTERNS.get(language, _DAY_PATTERNS["en"]), locale=language)
