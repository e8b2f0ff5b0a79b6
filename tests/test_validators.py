"""Validators: shared research vectors, own hard cases, birth-date helpers, python-stdnum cross-check."""

from __future__ import annotations

import json
import socket
from datetime import date
from pathlib import Path

import pytest

from scanner.detect import validators as v
from scanner.detect.validators import VALIDATORS, Verdict

TODAY = date(2026, 11, 23)
VECTORS_PATH = Path(__file__).resolve().parent / "data" / "cn_vectors.json"  # copied from shared/research

VALID, WEAK, INVALID = Verdict.VALID, Verdict.WEAK, Verdict.INVALID

# Vector type → validator name. Checksum types must give VALID exactly for the valid vectors (a Luhn-failing
# UnionPay number is WEAK, which is "not confirmed", matching the file's valid=false); the others only have to
# keep valid vectors (VALID or WEAK) and drop invalid ones.
CHECKSUM_TYPES = {
    "cn_resident_id_18": "cn_resident_id",
    "cn_hmt_residence_permit_id": "cn_resident_id",  # 81/82/83 residence permits share the ID format
    "cn_foreigner_pr_id_2023": "cn_resident_id",  # 9 + province + country code, same MOD 11-2
    "cn_uscc": "cn_uscc",
    "cn_bank_card": "cn_bank_card",
}
SHAPE_TYPES = {
    "cn_resident_id_15_legacy": "cn_resident_id",  # no check digit: WEAK at best
    "cn_mobile": "cn_mobile",
    "cn_landline": "cn_landline",
    "cn_passport": "cn_passport",
    "cn_hkmo_home_return_permit": "cn_hk_macao_pass",  # 回乡证
    "cn_exit_entry_permit_hkmo": "cn_hk_macao_pass",  # 往来港澳通行证
    "cn_license_plate": "cn_license_plate",
    "cn_qq": "cn_qq",
    "cn_wechat_id": "cn_wechat",
}
# Types with no validator: rulepack.ENTITY_TYPES has no entity for them, and the research notes say none has a
# reliable shape without a keyword. Each such vector is reported as an explicit skip giving this reason.
UNCOVERED_TYPES = {
    "cn_taiwan_compatriot_permit": "台胞证: bare 8/10 digits, no check digit; no Custos entity or validator",
    "cn_postcode": "postcode: 6 bare digits; no Custos entity or validator",
    "cn_military_officer_id": "军官证: no public spec; no Custos entity or validator",
}


def _load_vectors() -> list[dict]:
    return json.loads(VECTORS_PATH.read_text(encoding="utf-8"))


VECTORS = _load_vectors()


def _ric(first17: str) -> str:
    """Append the GB 11643 check digit (independent oracle, so test IDs can carry impossible dates)."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


def _uscc(first17: str) -> str:
    """Append the GB 32100 check character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(alphabet.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return first17 + alphabet[(31 - total % 31) % 31]


def _org(first8: str) -> str:
    """Append the GB 11714 organisation-code check character (0–9 or X)."""
    check = 11 - sum(int(c, 36) * w for c, w in zip(first8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return first8 + {10: "X", 11: "0"}.get(check, str(check))


def test_oracles_reproduce_published_examples() -> None:
    assert _ric("11010519491231002") == "11010519491231002X"  # GB 11643 appendix
    assert _uscc("91110000600037341") == "91110000600037341L"  # python-stdnum test vector


# --- 1. research vectors -----------------------------------------------------------------------------------


def test_every_vector_type_is_accounted_for() -> None:
    assert len(VECTORS) == 123
    known = CHECKSUM_TYPES.keys() | SHAPE_TYPES.keys() | UNCOVERED_TYPES.keys()
    assert {vec["type"] for vec in VECTORS} == known


# Vectors of UNCOVERED_TYPES (no entity in taxonomy.md) are named there, with the reason, not tested here.
_COVERED = [vec for vec in VECTORS if vec["type"] not in UNCOVERED_TYPES]


@pytest.mark.parametrize("vec", _COVERED, ids=[f"{vec['type']}-{vec['value']}" for vec in _COVERED])
def test_research_vector(vec: dict) -> None:
    kind, value, expected = vec["type"], vec["value"], vec["valid"]
    if kind in CHECKSUM_TYPES:
        verdict = VALIDATORS[CHECKSUM_TYPES[kind]](value, today=TODAY)
        assert (verdict is VALID) == expected, verdict
    else:
        verdict = VALIDATORS[SHAPE_TYPES[kind]](value, today=TODAY)
        assert (verdict is not INVALID) == expected, verdict
    if kind == "cn_resident_id_15_legacy" and expected:
        assert verdict is WEAK


# --- 2. own cases ------------------------------------------------------------------------------------------

GANSU_ID_PASSING_LUHN = "620102198807151257"
JIANGXI_ID_PASSING_LUHN = "360102198807151755"  # 36 is also a Diners Club prefix
HENAN_ID_PASSING_LUHN = "410102198807151055"  # 4 is also the Visa prefix

CASES: list[tuple[str, str, Verdict]] = [
    # resident ID
    ("cn_resident_id", "11010519491231002x", VALID),  # lower-case x occurs in real data
    ("cn_resident_id", "110105 19491231 002X", VALID),
    ("cn_resident_id", "110105-19491231-002X", VALID),
    ("cn_resident_id", "110105194912310021", INVALID),  # check digit altered
    ("cn_resident_id", "440300202311231234", INVALID),  # order number: fails MOD 11-2
    ("cn_resident_id", "310115202611230001", INVALID),  # order number: fails MOD 11-2
    ("cn_resident_id", _ric("11010519491331002"), INVALID),  # checksum fine, month 13
    ("cn_resident_id", _ric("11010519490230002"), INVALID),  # checksum fine, 30 February
    ("cn_resident_id", _ric("11010520270101002"), INVALID),  # born in the future
    ("cn_resident_id", _ric("11010520261124002"), INVALID),  # born tomorrow
    ("cn_resident_id", _ric("11010520261123002"), VALID),  # born today
    ("cn_resident_id", _ric("11010518991231002"), INVALID),  # before 1900
    ("cn_resident_id", _ric("20010519491231002"), INVALID),  # 20 is no province
    ("cn_resident_id", _ric("72010519491231002"), INVALID),  # 72 is no province
    ("cn_resident_id", _ric("92068219850101001"), INVALID),  # foreigner card, province part 20
    ("cn_resident_id", _ric("97168219850101001"), VALID),  # foreigner card, province part 71
    ("cn_resident_id", "20261123101530", INVALID),  # 14-digit timestamp
    ("cn_resident_id", "1101051949123100", INVALID),  # 16 digits
    ("cn_resident_id", "110105194912310021X", INVALID),  # 19 chars
    ("cn_resident_id", "110105491231002", WEAK),  # legacy 15 digits
    ("cn_resident_id", "110105491331002", INVALID),  # legacy, month 13
    ("cn_resident_id", "200105491231002", INVALID),  # legacy, no province 20
    ("cn_resident_id", "91010549123100X", INVALID),  # legacy has no letters
    ("cn_resident_id", GANSU_ID_PASSING_LUHN, VALID),
    # USCC
    ("cn_uscc", "9131 0115 MA1K 3BTP 2B", VALID),
    ("cn_uscc", "91310115ma1k3btp2b", INVALID),  # upper-case by standard
    ("cn_uscc", _uscc("A1110000" + _org("MA000000")), VALID),  # A/N/Y registering authorities are legal
    ("cn_uscc", _uscc("N2110000" + _org("MA000000")), VALID),
    ("cn_uscc", _uscc("Y1110000" + _org("MA000000")), VALID),
    ("cn_uscc", _uscc("01110000600037341"), INVALID),  # 0 is no registering authority
    ("cn_uscc", _uscc("B1110000600037341"), INVALID),
    ("cn_uscc", "91110000600037341LX", INVALID),
    # UnionPay cards
    ("cn_bank_card", "6212 3456 7890 1265", VALID),
    ("cn_bank_card", "6212-3456-7890-1265", VALID),
    ("cn_bank_card", "6212 3456\n7890 1265", VALID),
    ("cn_bank_card", "6212345678901266", WEAK),  # Luhn fails: kept only next to a card keyword
    ("cn_bank_card", "6221730301002042987", WEAK),
    ("cn_bank_card", GANSU_ID_PASSING_LUHN, INVALID),  # an ID first
    ("cn_bank_card", "4111111111111111", INVALID),  # Visa: credit_card's job
    ("cn_bank_card", "620000000000005", INVALID),  # 15 digits
    ("cn_bank_card", "62000000000000000004", INVALID),  # 20 digits
    ("cn_bank_card", "62000000000000O5", INVALID),
    # international cards
    ("credit_card", "4111 1111 1111 1111", VALID),  # Visa
    ("credit_card", "4222222222222", VALID),  # Visa, 13 digits
    ("credit_card", "5555555555554444", VALID),  # Mastercard
    ("credit_card", "2223003122003222", VALID),  # Mastercard 2-series
    ("credit_card", "378282246310005", VALID),  # Amex
    ("credit_card", "6011111111111117", VALID),  # Discover
    ("credit_card", "3530111333300000", VALID),  # JCB
    ("credit_card", "30569309025904", VALID),  # Diners
    ("credit_card", "4111111111111112", INVALID),  # Luhn fails
    ("credit_card", "3782822463100005", INVALID),  # Amex prefix, 16 digits
    ("credit_card", "6200000000000005", INVALID),  # UnionPay: cn_bank_card's job
    ("credit_card", "7000000000000007", INVALID),  # no brand
    ("credit_card", JIANGXI_ID_PASSING_LUHN, INVALID),
    ("credit_card", HENAN_ID_PASSING_LUHN, INVALID),
    # mobiles
    ("cn_mobile", "13800138000", VALID),
    ("cn_mobile", "138 0013 8000", VALID),
    ("cn_mobile", "+86 138 0013 8000", VALID),
    ("cn_mobile", "(+86)13800138000", VALID),
    ("cn_mobile", "0086-138-0013-8000", VALID),
    ("cn_mobile", "86 13800138000", VALID),
    ("cn_mobile", "17400123456", VALID),  # 1740x satellite range
    ("cn_mobile", "12539390165", INVALID),
    ("cn_mobile", "10384738502", INVALID),
    ("cn_mobile", "14612345678", INVALID),  # data-only SIM range
    ("cn_mobile", "+1 13800138000", INVALID),
    ("cn_mobile", "8613800138000 1", INVALID),
    ("cn_mobile", "20261123101530", INVALID),
    # landlines
    ("cn_landline", "(010) 6234-5678", VALID),
    ("cn_landline", "+86 10 6234 5678", VALID),
    ("cn_landline", "+86 (0)10 6234 5678", VALID),
    ("cn_landline", "0086-755-86012345", VALID),
    ("cn_landline", "400-810-8888", INVALID),  # service hotline
    ("cn_landline", "800-820-8820", INVALID),
    ("cn_landline", "+86 400 810 8888", INVALID),
    ("cn_landline", "13800138000", INVALID),  # mobile
    ("cn_landline", "62345678", INVALID),  # no area code
    # international phones
    ("intl_phone", "+1 415-555-2671", VALID),
    ("intl_phone", "(415) 555-2671", VALID),  # no +: read as US
    ("intl_phone", "+44 20 7946 0958", VALID),
    ("intl_phone", "0044 20 7946 0958", VALID),
    ("intl_phone", "+86 138 0013 8000", INVALID),  # Chinese: cn_mobile's job
    ("intl_phone", "+86 10 6234 5678", INVALID),
    ("intl_phone", "+1 415-555-267", INVALID),
    ("intl_phone", "12345", INVALID),
    ("intl_phone", "phone", INVALID),
    # email
    ("email", "zhang.san@example.com", VALID),
    ("email", "li+tag@mail.example.co.uk", VALID),
    ("email", "wang_wu@company.com.cn", VALID),
    ("email", "a@example.notatld", INVALID),
    ("email", "a@localhost", INVALID),
    ("email", "a@@example.com", INVALID),
    ("email", ".a@example.com", INVALID),
    ("email", "a@-example.com", INVALID),
    ("email", "a@example..com", INVALID),
    ("email", "example.com", INVALID),
    # IP addresses (telling firmware versions from addresses is the rule pack's job)
    ("ipv4", "5.170.3.1", VALID),
    ("ipv4", "192.168.1.1", VALID),
    ("ipv4", "0.0.0.0", INVALID),  # "any address" in configs, and versions such as 0.9.1.2: never a host
    ("ipv4", "0.9.1.2", INVALID),
    ("ipv4", "192.168.1.0/24", VALID),  # a CIDR block is reported whole
    ("ipv4", "10.0.0.0/33", INVALID),
    ("ipv4", "255.255.255.255", VALID),
    ("ipv4", "256.1.1.1", INVALID),
    ("ipv4", "01.2.3.4", INVALID),
    ("ipv4", "1.2.3", INVALID),
    ("ipv4", "1.2.3.4.5", INVALID),
    ("ipv4", "1.2.3.a", INVALID),
    ("ipv6", "2001:db8::1", VALID),
    ("ipv6", "::1", VALID),
    ("ipv6", "fe80:0:0:0:200:f8ff:fe21:67cf", VALID),
    ("ipv6", "12:30", INVALID),  # a time
    ("ipv6", "2001:db8::g", INVALID),
    ("ipv6", "1:2:3:4:5:6:7:8:9", INVALID),
    ("ipv6", "fe80::1%eth0", VALID),
    ("ipv6", "::ffff:192.0.2.1", VALID),
    ("ipv6", "2001:db8::192.168.1.1", VALID),
    ("ipv6", "2001:db8::/32", VALID),
    ("ipv6", "2001:db8::/129", INVALID),
    ("ipv6", "ab::cd", INVALID),  # a C++ scope, no digit
    ("ipv6", "::", INVALID),
    # Hong Kong, Macau, Taiwan identity cards
    ("hk_identity_card", "P174468(6)", VALID),
    ("hk_identity_card", "AB987654(3)", VALID),
    ("hk_identity_card", "G123456(A)", VALID),
    ("hk_identity_card", "P1744686", WEAK),  # no brackets: a keyword must vouch
    ("hk_identity_card", "P174468(5)", INVALID),
    ("hk_identity_card", "P174468(6", INVALID),
    ("macau_identity_card", "1234567(8)", WEAK),
    ("macau_identity_card", "5/215432/1", WEAK),
    ("macau_identity_card", "2234567(8)", INVALID),
    ("tw_identity_card", "B221690311", VALID),
    ("tw_identity_card", "A123456789", VALID),
    ("tw_identity_card", "A800000014", VALID),  # 2021 resident certificate
    ("tw_identity_card", "A123456788", INVALID),
    ("tw_identity_card", "A323456789", INVALID),
    # national phone formats under a phone label
    ("phone_any_region", "080-1234-5678", VALID),
    ("phone_any_region", "09-7625400", VALID),
    ("phone_any_region", "12345", INVALID),
    ("phone_any_region", "0000000000", INVALID),
    # Beijing and Shanghai 8-digit local numbers starting with 1
    ("cn_landline", "010-12345678", VALID),
    ("cn_landline", "(021)13579246", VALID),
    ("cn_landline", "0571-18084421", INVALID),
    # travel documents
    ("cn_passport", "e12345678", WEAK),
    ("cn_passport", "DE1234567", WEAK),
    ("cn_passport", "PE1234567", WEAK),
    ("cn_passport", "EA123456", INVALID),
    ("cn_passport", "G1234567X", INVALID),
    ("cn_hk_macao_pass", "CA0000001", WEAK),
    ("cn_hk_macao_pass", "M12345678", WEAK),
    ("cn_hk_macao_pass", "H1234567800", WEAK),
    ("cn_hk_macao_pass", "CO1234567", INVALID),
    ("cn_hk_macao_pass", "H12345678901", INVALID),
    # plates
    ("cn_license_plate", "粤B·D12345", VALID),  # new energy, small car
    ("cn_license_plate", "沪AD12345", VALID),
    ("cn_license_plate", "粤B D12345", VALID),
    ("cn_license_plate", "粤B-12345", VALID),
    ("cn_license_plate", "粤B•12345", VALID),
    ("cn_license_plate", "京a12345", VALID),
    ("cn_license_plate", "粤Z1234港", VALID),
    ("cn_license_plate", "京AO2345", INVALID),
    ("cn_license_plate", "京I12345", INVALID),
    ("cn_license_plate", "京A1234O", INVALID),
    ("cn_license_plate", "沪AD1234I", INVALID),
    ("cn_license_plate", "沪AZ12345", INVALID),  # Z is no new-energy class letter
    ("cn_license_plate", "京A12345挂", INVALID),
    # dates of birth
    ("date_of_birth", "1990年5月3日", VALID),
    ("date_of_birth", "1990年5月3", VALID),
    ("date_of_birth", "1990 年 05 月 03 日", VALID),
    ("date_of_birth", "1990-5-3", VALID),
    ("date_of_birth", "1990/05/03", VALID),
    ("date_of_birth", "1990.5.3", VALID),
    ("date_of_birth", "19900503", VALID),
    ("date_of_birth", "23/5/1990", VALID),
    ("date_of_birth", "5/23/1990", VALID),
    ("date_of_birth", "5/5/1990", VALID),  # both readings agree
    ("date_of_birth", "3 May 1990", VALID),
    ("date_of_birth", "May 3, 1990", VALID),
    ("date_of_birth", "Sept 3rd, 1990", VALID),
    ("date_of_birth", "2026-11-23", VALID),  # today
    ("date_of_birth", "3/5/1990", VALID),  # March or May: a birth date either way (next to a birth label)
    ("date_of_birth", "3/5/2999", INVALID),
    ("date_of_birth", "1990-5/3", INVALID),
    ("date_of_birth", "1990-02-30", INVALID),
    ("date_of_birth", "1990年13月1日", INVALID),
    ("date_of_birth", "2026-11-24", INVALID),  # tomorrow
    ("date_of_birth", "1899-12-31", INVALID),
    ("date_of_birth", "Foo 3, 1990", INVALID),
    ("date_of_birth", "20261123101530", INVALID),
    # messaging handles
    ("cn_qq", "10001", WEAK),
    ("cn_qq", "1234 5678", WEAK),
    ("cn_qq", "01234", INVALID),
    ("cn_qq", "1234a", INVALID),
    ("cn_wechat", "13800138000", WEAK),  # a mobile number doubles as a WeChat ID
    ("cn_wechat", "+86 138 0013 8000", WEAK),
    ("cn_wechat", "a" * 20, WEAK),
    ("cn_wechat", "a" * 21, INVALID),
    ("cn_wechat", "12345678", INVALID),
    ("cn_wechat", "张三abcdef", INVALID),
    ("always_weak", "anything", WEAK),
    ("transliterated_name", "买买提·艾力", VALID),
    ("transliterated_name", "阿依古丽·吐尔逊", VALID),
    ("transliterated_name", "商品·服务", INVALID),  # both parts are ordinary words
    ("transliterated_name", "买买提", INVALID),
    ("foreign_name", "克林顿", VALID),  # jieba's dictionary knows it as a name
    ("foreign_name", "卢梭", VALID),
    ("foreign_name", "山克曼", VALID),  # not in the dictionary at all, three characters
    ("foreign_name", "亚当·山克曼", VALID),
    ("foreign_name", "俄罗斯", INVALID),  # a place
    ("foreign_name", "莫斯科", INVALID),  # tagged as a name by jieba, but far too frequent for one
    ("foreign_name", "科威特", INVALID),  # jieba tags it as a name (265): rules/lexicons/world_places.toml says place
    ("foreign_name", "南斯拉夫", INVALID),
    ("foreign_name", "萨阿德", VALID),
    ("foreign_name", "马可", INVALID),  # two characters the dictionary does not know as a name: too little
    ("foreign_name", "商品·服务", INVALID),
    ("foreign_name", "约翰·", INVALID),
    ("always_valid", "anything", VALID),
]


@pytest.mark.parametrize(("name", "value", "expected"), CASES, ids=[f"{n}-{val}" for n, val, _ in CASES])
def test_own_case(name: str, value: str, expected: Verdict) -> None:
    assert VALIDATORS[name](value, today=TODAY) is expected


def test_collision_cases_really_collide() -> None:
    for value in (GANSU_ID_PASSING_LUHN, JIANGXI_ID_PASSING_LUHN, HENAN_ID_PASSING_LUHN):
        assert v.luhn_ok(value)
        assert v.cn_resident_id(value, today=TODAY) is VALID


def test_registry_names_match_functions() -> None:
    assert set(VALIDATORS) == {
        "cn_address",
        "cn_resident_id",
        "cn_uscc",
        "cn_bank_card",
        "credit_card",
        "cn_mobile",
        "cn_landline",
        "intl_phone",
        "phone_any_region",
        "email",
        "ipv4",
        "ipv6",
        "hk_identity_card",
        "macau_identity_card",
        "tw_identity_card",
        "cn_passport",
        "cn_hk_macao_pass",
        "cn_license_plate",
        "date_of_birth",
        "cn_qq",
        "cn_wechat",
        "always_weak",
        "always_valid",
        "transliterated_name",
        "foreign_name",
    }
    for name, fn in VALIDATORS.items():
        assert fn.__name__ == name


def test_today_defaults_to_the_clock() -> None:
    assert v.cn_resident_id("11010519491231002X") is VALID
    assert v.date_of_birth("1990-05-03") is VALID
    assert v.date_of_birth("2999-01-01") is INVALID


@pytest.mark.parametrize(
    ("digits", "expected"),
    [("79927398713", True), ("79927398710", False), ("0", True), ("", False), ("4111 1111", False)],
)
def test_luhn_ok(digits: str, expected: bool) -> None:
    assert v.luhn_ok(digits) is expected


def test_email_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    v._suffix_extractor.cache_clear()  # force a fresh TLDExtract under the patched sockets
    assert v.email("someone@example.org") is VALID
    assert v.email("someone@example.invalidtld") is INVALID


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1990年5月3日", date(1990, 5, 3)),
        ("19491231", date(1949, 12, 31)),
        ("31/12/1949", date(1949, 12, 31)),
        ("12/31/1949", date(1949, 12, 31)),
        ("31 December 1949", date(1949, 12, 31)),
        ("Dec. 31, 1949", date(1949, 12, 31)),
        ("2000-02-29", date(2000, 2, 29)),
        ("2001-02-29", None),
        ("1/2/1949", None),
        ("1949-12", None),
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert v.parse_date(text) == expected


# --- 3. birth date and age ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("11010519491231002X", date(1949, 12, 31)),
        ("11010519491231002x", date(1949, 12, 31)),
        ("110105 19491231 002X", date(1949, 12, 31)),
        ("150102880730303", date(1988, 7, 30)),  # legacy: century 19
        ("330102200403064", date(1920, 4, 3)),
        (_ric("11010519491331002"), None),  # month 13
        ("1101051949123100", None),
        ("11010519491231002Y", None),
    ],
)
def test_resident_id_birth_date(value: str, expected: date | None) -> None:
    assert v.resident_id_birth_date(value) == expected


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        (date(1949, 12, 31), 76),
        (date(2012, 11, 23), 14),  # 14th birthday today
        (date(2012, 11, 24), 13),  # turns 14 tomorrow
        (date(2013, 5, 1), 13),
        (date(2026, 11, 23), 0),
        (date(2008, 2, 29), 18),
    ],
)
def test_age_on(birth: date, expected: int) -> None:
    assert v.age_on(birth, TODAY) == expected


def test_child_under_14_from_id() -> None:
    child = _ric("44030520130501002")
    assert v.cn_resident_id(child, today=TODAY) is VALID
    birth = v.resident_id_birth_date(child)
    assert birth == date(2013, 5, 1)
    assert v.age_on(birth, TODAY) < 14  # PIPL Art. 28: minors under 14 are sensitive


def test_age_on_leap_day_birthday() -> None:
    assert v.age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert v.age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


# --- 4. python-stdnum cross-check: why it is not the gate --------------------------------------------------

# Valid by GB 11643 / GB 32100 but rejected by python-stdnum: it checks the county code against the birth
# year (the code records where the number was issued), lacks 83 and 9-prefixed cards, and rejects the
# A/N/Y registering authorities. No vector has a valid A/N/Y USCC (A1110000600037341L fails the checksum),
# so those are computed here.
STDNUM_WRONGLY_REJECTS_RIC = [
    "321083197812162119",  # Hutool's test ID: county 321083 vs birth year 1978
    "830000200209060065",  # Taiwan residence permit
    "932682198501010017",  # 2023 foreigner permanent-residence card
    "911840199001010018",
    "944392200002290026",
]
STDNUM_WRONGLY_REJECTS_USCC = [
    _uscc("A1110000" + _org("MA000000")),
    _uscc("N2110000" + _org("MA000000")),
    _uscc("Y1110000" + _org("MA000000")),
]
ID_TYPES = ("cn_resident_id_18", "cn_hmt_residence_permit_id", "cn_foreigner_pr_id_2023")


@pytest.mark.parametrize("value", STDNUM_WRONGLY_REJECTS_RIC)
def test_stdnum_ric_rejects_valid_ids(value: str) -> None:
    ric = pytest.importorskip("stdnum.cn.ric")
    assert v.cn_resident_id(value, today=TODAY) is VALID
    assert not ric.is_valid(value)


@pytest.mark.parametrize("value", STDNUM_WRONGLY_REJECTS_USCC)
def test_stdnum_uscc_rejects_a_n_y(value: str) -> None:
    uscc = pytest.importorskip("stdnum.cn.uscc")
    assert v.cn_uscc(value) is VALID
    assert not uscc.is_valid(value)


CROSS_CHECK = [
    vec
    for vec in VECTORS
    if vec["type"] in (*ID_TYPES, "cn_uscc")
    and vec["value"] not in STDNUM_WRONGLY_REJECTS_RIC + STDNUM_WRONGLY_REJECTS_USCC
]


@pytest.mark.parametrize("vec", CROSS_CHECK, ids=[f"{vec['type']}-{vec['value']}" for vec in CROSS_CHECK])
def test_stdnum_agrees_elsewhere(vec: dict) -> None:
    module = pytest.importorskip("stdnum.cn.uscc" if vec["type"] == "cn_uscc" else "stdnum.cn.ric")
    ours = VALIDATORS["cn_uscc" if vec["type"] == "cn_uscc" else "cn_resident_id"](vec["value"], today=TODAY)
    assert module.is_valid(vec["value"]) == (ours is VALID) == vec["valid"]


def test_cross_check_covers_the_ordinary_valid_vectors() -> None:
    valid_kinds = {vec["type"] for vec in CROSS_CHECK if vec["valid"]}
    assert {"cn_resident_id_18", "cn_hmt_residence_permit_id", "cn_uscc"} <= valid_kinds


def test_uscc_whose_organisation_code_fails_is_only_weak() -> None:
    # Passes GB 32100 (one random string in 31 does) but characters 9–17 fail GB 11714: needs a label nearby.
    code = _uscc("91330102" + "12345678" + "0")
    assert code[8:17] != _org(code[8:16])
    assert VALIDATORS["cn_uscc"](code) is WEAK
    assert VALIDATORS["cn_uscc"](_uscc("91330102" + _org("MA6UFC64"))) is VALID
