"""Numbers and dates for people, in the interface language's conventions (Babel's CLDR data): 12,345 files,
3.4 MB, 2026年1月5日. Exports never use these: they keep plain machine-readable values."""

from __future__ import annotations

from datetime import date

from scanner.i18n import CHINESE, ENGLISH, language

_DAY_PATTERNS = {ENGLISH: "MMM d, y", CHINESE: "y年M月d日"}  # CLDR's medium English and long Chinese dates


def format_count(count: int) -> str:
    """A whole number with the locale's thousands separators."""
    from babel.numbers import format_decimal  # Babel loads its CLDR data on first use, not at every start

    return format_decimal(count, locale=language())


def format_decimal(value: float, digits: int = 1) -> str:
    """A number with ``digits`` decimals and the locale's separators."""
    from babel.numbers import format_decimal as babel_decimal

    return babel_decimal(value, format=f"#,##0.{'0' * digits}", locale=language())


def format_day(day: date) -> str:
    """A date as people of the locale write it (medium length: Jan 5, 2026 / 2026年1月5日)."""
    from babel.dates import format_date

    return format_date(day, format=_DAY_PATTERNS[language()], locale=language())
