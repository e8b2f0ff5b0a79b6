"""Validators: pure checks that turn a regex candidate into a `Verdict` (confirmed, plausible, or noise).

Rule packs name a validator from `VALIDATORS`; each takes the matched text (full-width already folded to
ASCII, separators still present) and a keyword-only ``today`` so date checks are reproducible in tests.
Where python-stdnum is stricter than the standards (resident IDs, USCC), the rules follow the standards;
see shared/research/cn-identifiers.md.
"""

from __future__ import annotations

import datetime
import enum
import functools
import ipaddress
import operator
import re
from collections.abc import Callable

import phonenumbers
import tldextract

from scanner.detect.normalize import compact


class Verdict(enum.Enum):
    """How far a validator vouches for a candidate."""

    VALID = "valid"  # strong: checksum/structure confirms it
    WEAK = "weak"  # plausible but unconfirmed: the engine keeps it only when a context word is near
    INVALID = "invalid"  # discard


_MIN_YEAR = 1900

# --- helpers ---------------------------------------------------------------------------------------------


def _valid_if(ok: object) -> Verdict:
    return Verdict.VALID if ok else Verdict.INVALID


def _date_or_none(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _plausible_birth(birth: datetime.date | None, today: datetime.date | None) -> bool:
    limit = today if today is not None else datetime.date.today()
    return birth is not None and birth.year >= _MIN_YEAR and birth <= limit


def _digits_only(value: str) -> str | None:
    """The value without separators, or None when anything but ASCII digits remains."""
    digits = compact(value)
    return digits if digits.isascii() and digits.isdigit() else None


_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")  # each digit doubled, digits of the product summed


def luhn_ok(digits: str) -> bool:
    """True when ``digits`` (ASCII digits only) passes the Luhn mod-10 check."""
    if not digits or not (digits.isascii() and digits.isdigit()):
        return False
    backwards = digits[::-1]
    total = sum(map(int, backwards[0::2])) + sum(map(int, backwards[1::2].translate(_LUHN_DOUBLED)))
    return total % 10 == 0


def age_on(birth: datetime.date, today: datetime.date) -> int:
    """Full years lived by ``today`` (the birthday itself counts)."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


# --- resident identity card (GB 11643) -------------------------------------------------------------------

# 81/82/83 are HK/Macao/Taiwan residence permits, which share the format and check digit.
_PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)
_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RIC_CHECK = "10X98765432"
_RIC18 = re.compile(r"\d{17}[\dX]", re.ASCII)


def resident_id_birth_date(value: str) -> datetime.date | None:
    """Birth date encoded in an 18- or 15-digit resident ID (15-digit IDs are all 19xx births)."""
    ric = compact(value).upper()
    if len(ric) == 18 and _RIC18.fullmatch(ric):
        return _date_or_none(int(ric[6:10]), int(ric[10:12]), int(ric[12:14]))
    if len(ric) == 15 and ric.isascii() and ric.isdigit():
        return _date_or_none(1900 + int(ric[6:8]), int(ric[8:10]), int(ric[10:12]))
    return None


def _ric_check_digit(first17: str) -> str:
    return _RIC_CHECK[sum(int(c) * w for c, w in zip(first17, _RIC_WEIGHTS, strict=True)) % 11]


def _ric_region_ok(ric: str) -> bool:
    # 2023 foreigner permanent-residence cards: 9 + province + 3-digit country code.
    province = ric[1:3] if len(ric) == 18 and ric[0] == "9" else ric[:2]
    return int(province) in _PROVINCES


def cn_resident_id(value: str, *, today: datetime.date | None = None) -> Verdict:
    """18 digits: checksum + province + real past birth date → VALID. Legacy 15 digits → WEAK at best.

    The county code is deliberately not checked against the birth year: it records where the number was
    issued, and python-stdnum's attempt to check it rejects genuine IDs.
    """
    ric = compact(value).upper()
    birth = resident_id_birth_date(ric)
    if birth is None or not _ric_region_ok(ric) or not _plausible_birth(birth, today):
        return Verdict.INVALID
    if len(ric) == 15:
        return Verdict.WEAK  # no check digit to confirm it
    return _valid_if(_ric_check_digit(ric[:17]) == ric[17])


# --- unified social credit code (GB 32100) ---------------------------------------------------------------

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_USCC_FIRST = frozenset("123456789ANY")  # registering authority; A/N/Y are legal even if stdnum disagrees


def cn_uscc(value: str, *, today: datetime.date | None = None) -> Verdict:
    """GB 32100 mod-31 check. Upper-case by standard, so lower-case letters are rejected, not folded."""
    code = compact(value)
    if len(code) != 18 or code[0] not in _USCC_FIRST:
        return Verdict.INVALID
    try:
        total = sum(map(operator.mul, map(_USCC_VALUES.__getitem__, code[:17]), _USCC_WEIGHTS))
        if code[17] not in _USCC_VALUES:
            return Verdict.INVALID
    except KeyError:  # a character outside the code's alphabet
        return Verdict.INVALID
    if _USCC_ALPHABET[(31 - total % 31) % 31] != code[17]:
        return Verdict.INVALID
    # One random 18-character string in 31 passes the check above (order numbers do). Real codes also carry a
    # province in characters 3–4 and a GB 11714 organisation code in 9–17: without both, a label must vouch.
    if not code[2:4].isdigit() or int(code[2:4]) not in _PROVINCES or not _org_code_ok(code[8:17]):
        return Verdict.WEAK
    return Verdict.VALID


_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_code_ok(code: str) -> bool:
    """GB 11714 organisation code: 8 characters and a check character (0–9 or X)."""
    if not code[:8].isalnum():
        return False
    total = sum(int(c, 36) * w for c, w in zip(code[:8], _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return code[8] == {10: "X", 11: "0"}.get(check, str(check))


# --- payment cards ---------------------------------------------------------------------------------------


def _is_resident_id(digits: str) -> bool:
    # A number that is a valid ID is reported as an ID, not also as a card (Gansu IDs start with 62).
    return len(digits) == 18 and cn_resident_id(digits) is Verdict.VALID


def cn_bank_card(value: str, *, today: datetime.date | None = None) -> Verdict:
    """UnionPay (62/81) 16–19 digits: Luhn pass → VALID, fail → WEAK (some real UnionPay cards fail Luhn)."""
    digits = _digits_only(value)
    if digits is None or not 16 <= len(digits) <= 19 or digits[:2] not in ("62", "81"):
        return Verdict.INVALID
    if _is_resident_id(digits):
        return Verdict.INVALID
    return Verdict.VALID if luhn_ok(digits) else Verdict.WEAK


# Inclusive prefix ranges (both ends the same length): Visa; Mastercard; JCB; Discover; Diners Club.
_BRAND_PREFIXES = (
    (4, 4),
    (51, 55),
    (2221, 2720),
    (3528, 3589),
    (6011, 6011),
    (644, 649),
    (65, 65),
    (300, 305),
    (36, 36),
    (38, 38),
)


# The same ranges as sets of prefix strings by length: a set look-up per length instead of int() per range.
_BRAND_PREFIX_SETS = tuple(
    (width, frozenset(str(n) for lo, hi in _BRAND_PREFIXES if len(str(lo)) == width for n in range(lo, hi + 1)))
    for width in sorted({len(str(lo)) for lo, _ in _BRAND_PREFIXES})
)


def _card_brand_ok(digits: str) -> bool:
    if digits[:2] in ("34", "37"):
        return len(digits) == 15  # Amex
    return any(digits[:width] in prefixes for width, prefixes in _BRAND_PREFIX_SETS)


def credit_card(value: str, *, today: datetime.date | None = None) -> Verdict:
    """International brands (not UnionPay): 13–19 digits, Luhn and a known brand prefix."""
    digits = _digits_only(value)
    if digits is None or not 13 <= len(digits) <= 19:
        return Verdict.INVALID
    return _valid_if(_card_brand_ok(digits) and luhn_ok(digits) and not _is_resident_id(digits))  # cheap first


# --- phones ----------------------------------------------------------------------------------------------

# libphonenumber's CN mobile pattern: it leaves out the 140/146/148/149 data-only and IoT ranges.
_CN_MOBILE = re.compile(r"1(?:610\d|740[0-5])\d{6}|1(?:[38]\d|4[57]|[59][0-35-9]|6[25-7]|7[0-35-8])\d{8}", re.ASCII)
# Beijing (010) and Shanghai (021) also hand out 8-digit local numbers that start with 1.
_CN_LANDLINE = re.compile(r"0(?:10|2\d|[3-9]\d{2})[2-9]\d{6,7}|0(?:10|21)1\d{7}", re.ASCII)


def _strip_cn_country_code(number: str, national_len: int | None = None) -> tuple[str, bool]:
    """Drop +86 / 0086 (and bare 86 when it leaves ``national_len`` digits); report whether one was there."""
    for prefix in ("+86", "0086"):
        if number.startswith(prefix):
            return number[len(prefix) :], True
    if national_len and number.startswith("86") and len(number) == national_len + 2:
        return number[2:], True
    return number, False


def cn_mobile(value: str, *, today: datetime.date | None = None) -> Verdict:
    """Mainland mobile: 11 digits in a voice range (optionally after +86 / 0086 / 86)."""
    national, _ = _strip_cn_country_code(compact(value), national_len=11)
    return _valid_if(_CN_MOBILE.fullmatch(national))


def cn_landline(value: str, *, today: datetime.date | None = None) -> Verdict:
    """Mainland fixed line: area code + 7–8 digit local number, confirmed by libphonenumber."""
    national, had_cc = _strip_cn_country_code(compact(value))
    if national.startswith(("400", "800")):  # company hotlines, not a person's line
        return Verdict.INVALID
    if had_cc and not national.startswith("0"):
        national = "0" + national  # international form drops the trunk 0
    if not _CN_LANDLINE.fullmatch(national):
        return Verdict.INVALID
    # Only digits remain, which phonenumbers always parses; it knows each area code's local-number lengths.
    return _valid_if(phonenumbers.is_valid_number(phonenumbers.parse(national, "CN")))


def intl_phone(value: str, *, today: datetime.date | None = None) -> Verdict:
    """A valid non-Chinese number; without a + it is read as US, or as UK when it has a trunk 0."""
    number = compact(value)
    if number.startswith("00"):
        number = "+" + number[2:]
    if number.startswith("+"):
        regions: tuple[str | None, ...] = (None,)
    else:
        regions = ("GB",) if number.startswith("0") else ("US",)
    for region in regions:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed) and phonenumbers.region_code_for_number(parsed) != "CN":
            return Verdict.VALID
    return Verdict.INVALID


# National formats people write without a country code, tried in this order under a phone label (a mainland
# landline is also found by cn_landline, whose priority wins).
_NATIONAL_REGIONS = (
    "JP", "KR", "TW", "GB", "DE", "FR", "IT", "NL", "BE", "CH", "AT", "AU", "NZ", "IL",
    "IN", "TH", "MY", "ID", "PH", "VN", "TR", "ZA", "EG", "AR", "PE",
)  # fmt: skip


def phone_any_region(value: str, *, today: datetime.date | None = None) -> Verdict:
    """A number in the national format of some country (090-1234-5678, 09-7625400): only a phone label says
    it is a phone, so the rule that uses this requires one."""
    number = compact(value)
    if not (number.startswith("0") and number.isdigit() and 8 <= len(number) <= 13):
        return Verdict.INVALID  # a trunk prefix and a subscriber number
    return _national_number_verdict(number)


@functools.lru_cache(maxsize=4096)  # a phone column repeats its numbers; each miss parses up to 26 regions
def _national_number_verdict(number: str) -> Verdict:
    for region in ("CN", *_NATIONAL_REGIONS):
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number_for_region(parsed, region):
            return Verdict.VALID
    return Verdict.INVALID


# --- network ---------------------------------------------------------------------------------------------

_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_IPV4 = re.compile(r"(?:0|[1-9]\d{0,2})(?:\.(?:0|[1-9]\d{0,2})){3}", re.ASCII)  # no leading zeros
_DNS_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


@functools.cache
def _suffix_extractor() -> tldextract.TLDExtract:
    # No URLs and no cache dir: the bundled public-suffix snapshot only, so a scan never touches the network.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def email(value: str, *, today: datetime.date | None = None) -> Verdict:
    """local@domain where the domain ends in a real public suffix."""
    local, at, domain = value.strip().rpartition("@")
    if not at or len(local) > 64 or not _EMAIL_LOCAL.fullmatch(local):
        return Verdict.INVALID
    labels = domain.split(".")
    if len(labels) < 2 or not all(_DNS_LABEL.fullmatch(label) for label in labels):
        return Verdict.INVALID
    parts = _suffix_extractor()(domain)
    return _valid_if(parts.suffix and parts.domain)


def _is_address(kind: type[ipaddress.IPv4Address | ipaddress.IPv6Address], text: str) -> bool:
    try:
        kind(text)
    except ValueError:
        return False
    return True


def _prefix_ok(prefix: str, bits: int) -> bool:
    return prefix == "" or (prefix.isdigit() and len(prefix) <= 3 and int(prefix) <= bits)


def ipv4(value: str, *, today: datetime.date | None = None) -> Verdict:
    """Dotted quad, each part 0–255 without leading zeros, optionally a CIDR block (/24). Not 0.x.x.x: that
    block is "this network", and 0.0.0.0 and 0.9.1.2 in text are placeholders and versions, never a host."""
    text, _, prefix = value.strip().partition("/")
    if not _IPV4.fullmatch(text) or text.startswith("0.") or not _prefix_ok(prefix, 32):
        return Verdict.INVALID
    return _valid_if(_is_address(ipaddress.IPv4Address, text))


def ipv6(value: str, *, today: datetime.date | None = None) -> Verdict:
    """What `ipaddress` accepts as IPv6 (zone ids such as %eth0 and embedded IPv4 included), optionally a CIDR
    block; at least one digit, so C++ scopes (ab::cd) and a bare :: are not addresses."""
    text, _, prefix = value.strip().partition("/")
    if text.count(":") < 2 or not any(ch.isdigit() for ch in text) or not _prefix_ok(prefix, 128):
        return Verdict.INVALID
    return _valid_if(_is_address(ipaddress.IPv6Address, text))


# --- Hong Kong, Macau and Taiwan identity cards ---------------------------------------------------------

_HKID = re.compile(r"([A-Z]{1,2})(\d{6})\(?([0-9A])\)?", re.ASCII)
_HKID_SPACE = 36  # the value of the blank that pads a one-letter prefix to two


def _hkid_check(prefix: str, digits: str) -> str:
    """HKID check character: weights 9…2 over the (padded) letters and six digits, mod 11; 10 is written A."""
    values = [_HKID_SPACE] * (2 - len(prefix)) + [ord(c) - ord("A") + 10 for c in prefix] + [int(d) for d in digits]
    remainder = sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True)) % 11
    return "0123456789A"[(11 - remainder) % 11]


def hk_identity_card(value: str, *, today: datetime.date | None = None) -> Verdict:
    """Hong Kong identity card: 1–2 letters, 6 digits, check character. Written with its check in brackets,
    P174468(6), the shape and check vouch for it; bare, P1744686, a context word must."""
    text = value.strip().upper()
    match = _HKID.fullmatch(text)
    if match is None or ("(" in text) != (")" in text):
        return Verdict.INVALID
    prefix, digits, check = match.groups()
    if _hkid_check(prefix, digits) != check:
        return Verdict.INVALID
    return Verdict.VALID if "(" in text else Verdict.WEAK


_MACAU_ID = re.compile(r"[157]/?\d{6}/?\(?\d\)?", re.ASCII)


def macau_identity_card(value: str, *, today: datetime.date | None = None) -> Verdict:
    """Macau resident identity card (BIR), 1/5/7 + 6 digits + check digit: the check algorithm is not
    published, so the shape is all there is and a context word must vouch."""
    return Verdict.WEAK if _MACAU_ID.fullmatch(value.strip()) else Verdict.INVALID


# Letter → area number; the odd places (I, O, W, X, Y, Z) are the areas added after the first 22.
_TW_AREAS = {c: n for n, c in enumerate("ABCDEFGHJKLMNPQRSTUVXYWZIO", start=10)}
_TW_ID = re.compile(r"[A-Z][1289]\d{8}", re.ASCII)
_TW_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 1, 1)


def tw_identity_card(value: str, *, today: datetime.date | None = None) -> Verdict:
    """Taiwan national ID (and the resident certificate numbers of 2021 on): letter, sex digit 1/2 (8/9 for
    residents), 7 digits and a check digit; area digits weighted 1 and 9, the rest 8…1 and 1, sum mod 10."""
    text = value.strip().upper()
    if not _TW_ID.fullmatch(text):
        return Verdict.INVALID
    area = _TW_AREAS[text[0]]
    weighted = sum(int(d) * w for d, w in zip(text[1:], _TW_WEIGHTS, strict=True))
    total = area // 10 + (area % 10) * 9 + weighted
    return _valid_if(total % 10 == 0)


# --- travel documents and plates (format only: no public check digit) ------------------------------------

_PASSPORT = re.compile(r"E\d{8}|E[A-HJ-NP-Z]\d{7}|G\d{8}|[DSP]E\d{7}", re.ASCII)
# 往来港澳通行证 C…; 回乡证 H/M + 8-digit lifetime number (+ 2-digit renewal count).
_HK_MACAO_PASS = re.compile(r"C\d{8}|C[A-HJ-NP-Z]\d{7}|[HM]\d{8}(?:\d{2})?", re.ASCII)
_PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][·•・ -]?"
    r"(?:[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳使领]"  # ordinary
    r"|[DABCEFGHJK][A-HJ-NP-Z0-9]\d{4}|\d{5}[DABCEFGHJK])",  # new energy: small car, large car
    re.ASCII,
)


def cn_passport(value: str, *, today: datetime.date | None = None) -> Verdict:
    """PRC passport number shapes; WEAK because the shape alone is common in other codes."""
    return Verdict.WEAK if _PASSPORT.fullmatch(compact(value).upper()) else Verdict.INVALID


def cn_hk_macao_pass(value: str, *, today: datetime.date | None = None) -> Verdict:
    """Exit-entry permit for HK/Macao or home-return permit shapes; WEAK, needs a keyword."""
    return Verdict.WEAK if _HK_MACAO_PASS.fullmatch(compact(value).upper()) else Verdict.INVALID


def cn_license_plate(value: str, *, today: datetime.date | None = None) -> Verdict:
    """Mainland plate: province + city letter + 5 (ordinary) or 6 (new-energy) characters, no I/O."""
    return _valid_if(_PLATE.fullmatch(value.strip().upper()))


# --- dates -----------------------------------------------------------------------------------------------

_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTHS = {n: i for i, full in enumerate(_MONTH_NAMES, 1) for n in (full, full[:3])} | {"sept": 9}
_ORD = r"(?:st|nd|rd|th)?"
_YMD_PATTERNS = (
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?", re.ASCII),
    re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})", re.ASCII),
    re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII),
)
_DMY_OR_MDY = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})", re.ASCII)
_EN_DAY_FIRST = re.compile(rf"(\d{{1,2}}){_ORD}\s+([A-Za-z]+)\.?,?\s+(\d{{4}})", re.ASCII)
_EN_MONTH_FIRST = re.compile(rf"([A-Za-z]+)\.?\s+(\d{{1,2}}){_ORD},?\s+(\d{{4}})", re.ASCII)


def _numbers(match: re.Match[str]) -> list[int]:
    return [int(g) for g in match.groups() if g.isdigit()]


def _parse_numeric(text: str) -> datetime.date | None:
    for pattern in _YMD_PATTERNS:
        if m := pattern.fullmatch(text):
            return _date_or_none(*_numbers(m))
    if m := _DMY_OR_MDY.fullmatch(text):
        a, b, year = _numbers(m)
        if a > 12 or a == b:  # day first (or both readings agree)
            return _date_or_none(year, b, a)
        if b > 12:
            return _date_or_none(year, a, b)
    return None  # 3/5/1990 could be March or May: refuse to guess


def _parse_english(text: str) -> datetime.date | None:
    if m := _EN_DAY_FIRST.fullmatch(text):
        day, month_name, year = m.groups()
    elif m := _EN_MONTH_FIRST.fullmatch(text):
        month_name, day, year = m.groups()
    else:
        return None
    month = _MONTHS.get(month_name.lower())
    return _date_or_none(int(year), month, int(day)) if month else None


def parse_date(value: str) -> datetime.date | None:
    """One calendar date in a Chinese, ISO-like, compact, unambiguous D/M/Y or M/D/Y, or English form."""
    text = value.strip()
    return _parse_numeric(text) or _parse_english(text) or _parse_month_day_year(text)


# Web forms write "10月20日, 2001": Chinese month and day, then the year.
_MD_Y = re.compile(r"(\d{1,2})月(\d{1,2})[日号],\s*(\d{4})")


def _parse_month_day_year(text: str) -> datetime.date | None:
    match = _MD_Y.fullmatch(text)
    if not match:
        return None
    month, day, year = (int(g) for g in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def date_of_birth(value: str, *, today: datetime.date | None = None) -> Verdict:
    """A real date between 1900 and today. "born 2/8/1935" is a birth date whether it means 2 August or
    February 8: next to a birth label, either plausible reading of a D/M/Y-or-M/D/Y date will do."""
    if _plausible_birth(parse_date(value), today):
        return Verdict.VALID
    if m := _DMY_OR_MDY.fullmatch(value.strip()):
        a, b, year = _numbers(m)
        return _valid_if(any(_plausible_birth(_date_or_none(year, *md), today) for md in ((a, b), (b, a))))
    return Verdict.INVALID


# --- messaging handles (no structure to confirm) ---------------------------------------------------------

_WECHAT = re.compile(r"[A-Za-z][A-Za-z0-9_-]{5,19}")


def cn_qq(value: str, *, today: datetime.date | None = None) -> Verdict:
    """QQ number: 5–11 digits, no leading zero."""
    digits = _digits_only(value)
    return Verdict.WEAK if digits and 5 <= len(digits) <= 11 and digits[0] != "0" else Verdict.INVALID


def cn_wechat(value: str, *, today: datetime.date | None = None) -> Verdict:
    """WeChat ID (letter + 5–19 of [A-Za-z0-9_-]) or a mobile number, which also works as an ID."""
    text = value.strip()
    if _WECHAT.fullmatch(text) or cn_mobile(text) is Verdict.VALID:
        return Verdict.WEAK
    return Verdict.INVALID


def transliterated_name(value: str, *, today: datetime.date | None = None) -> Verdict:
    """买买提·艾力: each part a transliteration, not a dictionary word (商品·服务 is two words)."""
    import jieba

    jieba.initialize()
    parts = value.split("·")
    return _valid_if(len(parts) == 2 and not all(jieba.dt.FREQ.get(part, 0) >= 50 for part in parts))


def foreign_name(value: str, *, today: datetime.date | None = None) -> Verdict:
    """克林顿, 卢梭, 亚当·山克曼: a transliterated name, not a transliterated place or thing (俄罗斯, 巴西, or any
    part a place of world_places.toml: 科威特, 南斯拉夫). One part:
    a word jieba's dictionary tags as a personal name, or (three characters or more) a rare one; several parts:
    not all of them ordinary words. jieba tags some frequent places as names (莫斯科 1817, 阿根廷 964): a
    name word that frequent is taken for a place."""
    from scanner.detect.segmenter import dictionary_entry

    parts = value.split("·")
    if not all(parts) or any(part in _world_places() for part in parts):
        return Verdict.INVALID  # 科威特, 南斯拉夫: rules/lexicons/world_places.toml
    if len(parts) > 1:
        return _valid_if(not all(dictionary_entry(part)[0] >= 50 and not dictionary_entry(part)[1] for part in parts))
    frequency, is_name = dictionary_entry(value)
    return _valid_if((is_name and frequency < 900) or (frequency < 50 and len(value) >= 3))


@functools.cache
def _world_places() -> frozenset[str]:
    """Countries, capitals, cities and regions, whose transliterations look like names (the lexicon is data)."""
    from pathlib import Path

    import tomli

    import rules

    with open(Path(rules.__file__).parent / "lexicons" / "world_places.toml", "rb") as fh:
        data = tomli.load(fh)
    return frozenset((*data.get("countries", ()), *data.get("places", ())))


def cn_address(value: str, *, today: datetime.date | None = None) -> Verdict:
    """An address may be broken over two lines (a narrow table cell, a wrapped form), never more."""
    return _valid_if(value.count("\n") <= 1)


def always_weak(value: str, *, today: datetime.date | None = None) -> Verdict:
    """For rules whose shape carries no proof: the engine then requires a context word."""
    return Verdict.WEAK


def always_valid(value: str, *, today: datetime.date | None = None) -> Verdict:
    """For rules whose regex is already the whole check."""
    return Verdict.VALID


VALIDATORS: dict[str, Callable[..., Verdict]] = {
    fn.__name__: fn
    for fn in (
        cn_resident_id,
        cn_uscc,
        cn_bank_card,
        credit_card,
        cn_mobile,
        cn_landline,
        intl_phone,
        phone_any_region,
        email,
        ipv4,
        ipv6,
        cn_passport,
        cn_hk_macao_pass,
        hk_identity_card,
        macau_identity_card,
        tw_identity_card,
        cn_license_plate,
        date_of_birth,
        cn_qq,
        cn_wechat,
        always_weak,
        always_valid,
        transliterated_name,
        foreign_name,
        cn_address,
    )
}
