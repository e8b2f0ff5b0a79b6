"""Presidio stays the framework: a custom EntityRecognizer plugged into the detector reports beside the rule
packs, through the same single analysis call, and its findings are stored like any other (masked)."""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from scanner.classify import Policy
from scanner.detect.engine import Detector
from scanner.detect.rulepack import merged_policy
from scanner.scan import Scanner
from scanner.store.store import Store
from tests.conftest import TODAY


def employee_ids() -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="EMPLOYEE_ID",
        name="employee_id",
        supported_language="zh",
        patterns=[Pattern("employee_id", r"\bEMP-\d{6}\b", 0.8)],
        context=["工号"],
    )


def test_a_custom_recognizer_reports_beside_the_rule_packs(packs):
    detector = Detector(packs, today=TODAY, extra_recognizers=[employee_ids()])
    text = "工号 EMP-204815，手机13800138000，联系人：王小明"
    found = {(d.entity_type, d.value, d.rule_id, d.pack) for d in detector.detect(text)}
    assert ("EMPLOYEE_ID", "EMP-204815", "employee_id", "custom") in found
    mobile_pack = next(r.pack_ref for p in packs for r in p.rules if r.id == "cn_mobile")  # cn-contact@<version>
    assert ("CN_MOBILE", "13800138000", "cn_mobile", mobile_pack) in found
    assert any(t == "PERSON" and v == "王小明" for t, v, _, _ in found)


def test_custom_findings_are_stored_masked(packs, tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    (share / "staff.txt").write_text("员工 EMP-204815 已离职\n", encoding="utf-8")
    detector = Detector(packs, today=TODAY, extra_recognizers=[employee_ids()])
    with Store(tmp_path / "custos.db") as store:
        scanner = Scanner(store, detector, key=b"k" * 32, policy=Policy.from_mapping(merged_policy(packs)))
        scanner.scan(share)
        [row] = [r for r in store.findings() if r.entity_type == "EMPLOYEE_ID"]
    assert row.rule == "employee_id" and row.location == "line 1"
    assert "204815" not in row.preview and row.preview.startswith("E")
    assert b"EMP-204815" not in (tmp_path / "custos.db").read_bytes()
