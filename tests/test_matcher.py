"""The shared multi-pattern matcher: Hyperscan hits are a superset of the exact patterns' matches, anchors
Hyperscan cannot run fall back to Python, and the compiled database is cached between processes."""

from __future__ import annotations

import re

import pytest

from scanner.detect.examples import parse_example
from scanner.detect.matcher import Anchor, MultiMatcher, to_hyperscan
from scanner.detect.pack_recognizer import PackRecognizer
from scanner.detect.rulepack import active_rules
from scanner.detect.validators import VALIDATORS, Verdict
from tests.conftest import TODAY

TEXT = (
    "客户王芳 13800138000，身份证 11010519491231002X，卡号 6214 8331 5382 9935，邮箱 wang.fang@example.com\n"
    "订单 202403051201331234 金额 199.00 元 ip=10.8.1.11 护照 E93380489 车牌 浙A12345 QQ：221416440\n"
    "Dear Ethan Prescott, Signed: Haoran ZHENG, Phone: +44 121 496 0778, DOB: 07/22/1990\n"
    "统一社会信用代码 91330102MA6UFC6405 地址：杭州市西湖区文三路90号1幢2单元301室\n"
)


def test_python_syntax_becomes_hyperscan_syntax():
    converted = to_hyperscan(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
    assert converted == r"(?:^|[^0-9A-Za-z])1[3-9]\d{9}(?:[^0-9A-Za-z]|$)"
    assert to_hyperscan(r"[\u4e00-\u9fff]{2}") == r"[\x{4e00}-\x{9fff}]{2}"


@pytest.mark.parametrize("use_hyperscan", [True, False])
def test_every_value_a_rule_can_report_is_hit(packs, use_hyperscan, tmp_path):
    """The anchor (a rule's regex, or its cheaper `anchor`) hits every match its validator accepts: on the
    text above and on every rule example."""
    text = TEXT + "\n".join(parse_example(ex)[0] for p in packs for r in p.rules for ex in r.positive_examples)
    anchors, specs = [], {}
    for rule in active_rules(packs):
        for spec in rule.patterns:
            key = (rule.id, spec.name)
            source = spec.anchor or spec.regex.pattern
            anchors.append(Anchor(key, source, ignore_case=bool(spec.regex.flags & re.IGNORECASE)))
            specs[key] = (rule, spec)
    hits = MultiMatcher(anchors, use_hyperscan=use_hyperscan, cache_dir=tmp_path).scan(text)
    checked = 0
    for key, (rule, spec) in specs.items():
        for match in spec.regex.finditer(text):
            span = match.span("value") if "value" in spec.regex.groupindex else match.span()
            if VALIDATORS[rule.validator](text[span[0] : span[1]], today=TODAY) is Verdict.INVALID:
                continue
            ends = set(hits.get(key, ()))
            assert match.end() in ends or match.end() + 1 in ends, (key, match.group(0))
            checked += 1
    assert checked > 100


def test_a_cheaper_anchor_skips_what_the_validator_would_reject(packs, tmp_path):
    rule = next(r for p in packs for r in p.rules if r.id == "credit_card")
    card_plain = next(s for s in rule.patterns if s.name == "card_plain")
    hits = MultiMatcher([Anchor("card", card_plain.anchor)], cache_dir=tmp_path).scan(
        "条码 6928437191098 订单 20240918123456789 卡号 4111111111111111"
    )
    assert hits["card"] == [57]  # the Visa number only (it ends the text): no barcode, no dated order number


def test_an_anchor_hyperscan_refuses_runs_in_python(tmp_path):
    matcher = MultiMatcher([Anchor("digits", r"\d{3}"), Anchor("maybe", "(?:ab)*c?")], cache_dir=tmp_path)
    assert matcher.engine == "hyperscan+re"  # the second can match the empty string: Hyperscan refuses it
    hits = matcher.scan("xx123 abababc")
    assert hits["digits"] == [5] and 13 in hits["maybe"]


def test_the_compiled_database_is_cached_and_a_damaged_cache_is_rebuilt(tmp_path):
    anchors = [Anchor("mobile", r"1[3-9]\d{9}"), Anchor("word", "身份证", ignore_case=True)]
    first = MultiMatcher(anchors, cache_dir=tmp_path).scan(TEXT)
    [cached] = tmp_path.glob("anchors-*.hsdb")
    assert MultiMatcher(anchors, cache_dir=tmp_path).scan(TEXT) == first
    cached.write_bytes(b"[0, 1]\nnot a database")
    assert MultiMatcher(anchors, cache_dir=tmp_path).scan(TEXT) == first
    assert first["word"] and first["mobile"]


def test_offsets_are_characters_not_bytes(tmp_path):
    text = "客户王芳电话13800138000"
    [end] = MultiMatcher([Anchor("m", r"1[3-9]\d{9}")], cache_dir=tmp_path).scan(text)["m"]
    assert text[end - 11 : end] == "13800138000"


def test_one_recognizer_returns_every_rule_result_for_a_text(packs):
    recognizer = PackRecognizer({r.id: r for r in active_rules(packs)}, "zh", TODAY)
    results = recognizer.analyze(TEXT)
    rules = {r.recognition_metadata["custos_rule"] for r in results}
    assert {"cn_mobile", "cn_resident_id", "cn_bank_card", "email", "cn_uscc", "cn_passport"} <= rules
    assert {r.recognition_metadata["recognizer_identifier"] for r in results} == {recognizer.id}
