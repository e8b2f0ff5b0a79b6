"""IPv6 and CIDR as addresses, versions as no addresses; landlines and international numbers as written; Hong Kong,
Macau and Taiwan identity cards with their check digits (issue 15)."""

from __future__ import annotations

import pytest

from scanner.detect.tables import TableContext


def _found(detector, text: str, **kwargs) -> list[tuple[str, str]]:
    return [(d.entity_type, text[d.start : d.end]) for d in detector.detect(text, **kwargs)]


@pytest.mark.parametrize(
    ("line", "address"),
    [
        ("2024-09-18 00:00:01 sshd[311]: Accepted publickey from ::1 port 52144", "::1"),
        ("ping6 -c 3 fe80::1%eth0 (link-local)", "fe80::1%eth0"),
        ("client ::ffff:192.0.2.1 connected via dual stack", "::ffff:192.0.2.1"),
        ("nat64 translated 2001:db8::192.168.1.1 -> 192.168.1.1", "2001:db8::192.168.1.1"),
        ("iptables -A INPUT -s 192.168.1.0/24 -j ACCEPT", "192.168.1.0/24"),
        ("allow 2001:db8::/32;", "2001:db8::/32"),
    ],
)
def test_ip_addresses_and_blocks_are_reported_whole(detector, line, address):
    assert ("IP_ADDRESS", address) in _found(detector, line)


@pytest.mark.parametrize(
    "line",
    [
        "Collecting apsw-3.53.4.0 (from -r requirements.txt)",
        "server.listen(0.0.0.0:8080)",
        "release v1.2.3.4 built",
        "std::vector<int> ids; auto it = ids.begin();",
    ],
)
def test_versions_and_placeholders_are_not_ip_addresses(detector, line):
    assert not [f for f in _found(detector, line) if f[0] == "IP_ADDRESS"]


def test_beijing_and_shanghai_numbers_starting_with_1(detector):
    text = "北京办事处电话：010-12345678；上海：(021)13579246；杭州：0571-18084421"
    found = _found(detector, text)
    assert ("CN_LANDLINE", "010-12345678") in found and ("CN_LANDLINE", "(021)13579246") in found
    assert not [f for f in found if "18084421" in f[1]]


def test_any_plus_number_as_written(detector):
    text = "Athens office: +30 21 0 1234567, Tokyo: +81 90-1234-5678"
    found = _found(detector, text)
    assert ("PHONE_NUMBER", "+30 21 0 1234567") in found and ("PHONE_NUMBER", "+81 90-1234-5678") in found


def test_bare_national_numbers_only_under_a_phone_header(detector):
    text = "name,phone,city\nTanaka Aoi,080-1234-5678,Osaka\nNoa Levi,09-7625400,Netanya\n"
    context = TableContext(text, header=["name", "phone", "city"], header_is_first_line=True)
    found = _found(detector, text, field_context=context)
    assert ("PHONE_NUMBER", "080-1234-5678") in found and ("PHONE_NUMBER", "09-7625400") in found
    log = "2024-09-18 00:00:09 worker 09-7625400 finished batch 080-1234-5678\n"
    assert not [f for f in _found(detector, log) if f[0] == "PHONE_NUMBER"]


def test_hong_kong_identity_card(detector):
    text = "申请人：陈大文，香港身份證號碼：P174468(6)，已核驗。"
    assert ("CN_RESIDENT_ID", "P174468(6)") in _found(detector, text)
    assert not [f for f in _found(detector, "工单 P174468(5) 已处理") if f[0] == "CN_RESIDENT_ID"]
    assert not [f for f in _found(detector, "型号 P1744686 已入库") if f[0] == "CN_RESIDENT_ID"]


def test_macau_identity_card_needs_a_macau_word(detector):
    assert ("CN_RESIDENT_ID", "1234567(8)") in _found(detector, "澳門居民身份證：1234567(8)")
    assert not [f for f in _found(detector, "物料 1234567(8) 已入库") if f[0] == "CN_RESIDENT_ID"]


def test_taiwan_identity_card(detector):
    text = "台湾居民林美玲，身分證字號 B221690311，电话 0912345678"
    assert ("CN_RESIDENT_ID", "B221690311") in _found(detector, text)
    assert not [f for f in _found(detector, "身分證字號 B221690312") if f[0] == "CN_RESIDENT_ID"]
    assert not [f for f in _found(detector, "料号 B221690311") if f[0] == "CN_RESIDENT_ID"]
