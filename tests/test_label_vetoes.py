"""Columns and keys that say what a number is not (issue 15): an order number under 订单号 is no 身份证 and a
transaction serial under 交易流水号 no bank card, even with a valid check digit; a label naming the entity wins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.detect.tables import TableContext
from tests.cli_output import cli_env, custos

# Valid check digits: an ID of a child born 2019 (flagged minor when reported) and a Luhn-valid UnionPay number.
CHILD_ID = "110105201903070012"
ADULT_ID = "110105194912310038"
UNIONPAY = "6217000000000000012"


def _types(detector, text: str, header: list[str]) -> list[tuple[str, str]]:
    context = TableContext(text, header=header, header_is_first_line=True)
    return [(d.entity_type, text[d.start : d.end]) for d in detector.detect(text, field_context=context)]


def test_order_number_column_is_not_a_resident_id(detector):
    text = f"订单号,下单时间,金额\n{CHILD_ID},2024-07-01 08:00:22,283.50\n"
    assert ("CN_RESIDENT_ID", CHILD_ID) not in _types(detector, text, ["订单号", "下单时间", "金额"])


def test_transaction_serial_column_is_not_a_bank_card(detector):
    text = f"交易流水号,金额,状态\n{UNIONPAY},99.00,成功\n"
    assert ("CN_BANK_CARD", UNIONPAY) not in _types(detector, text, ["交易流水号", "金额", "状态"])


def test_a_header_naming_the_entity_outranks_a_veto_word(detector):
    text = f"身份证编号,收款银行卡号\n{ADULT_ID},{UNIONPAY}\n"
    found = _types(detector, text, ["身份证编号", "收款银行卡号"])
    assert ("CN_RESIDENT_ID", ADULT_ID) in found and ("CN_BANK_CARD", UNIONPAY) in found


def test_json_keys_veto_and_vouch(detector):
    text = json.dumps({"orderNo": CHILD_ID, "idNo": ADULT_ID, "txnSerial": UNIONPAY}, ensure_ascii=False)
    found = [(d.entity_type, d.value) for d in detector.detect(text)]
    assert found == [("CN_RESIDENT_ID", ADULT_ID)]


def test_label_before_the_value_in_prose(detector):
    text = f"您的订单号：{CHILD_ID}，预计明天送达。退款将原路退回尾号0012的卡。"
    assert not [d for d in detector.detect(text) if d.entity_type == "CN_RESIDENT_ID"]
    text = f"经核实，客户身份证号：{ADULT_ID}，订单已补发。"
    assert [d.value for d in detector.detect(text) if d.entity_type == "CN_RESIDENT_ID"] == [ADULT_ID]


def test_order_header_in_the_row_above_does_not_veto_the_first_row(detector):
    text = "会员姓名,手机,订单号\n丁凯,18861564598,231004433049971170\n"
    found = _types(detector, text, ["会员姓名", "手机", "订单号"])
    assert ("CN_MOBILE", "18861564598") in found


@pytest.mark.slow  # subprocesses of the CLI: seconds each (default run under 5 min)
def test_scanning_an_order_export_reports_no_minor_id(tmp_path: Path):
    share = tmp_path / "share"
    share.mkdir()
    (share / "orders.csv").write_text(
        f"订单号,收货人,手机,身份证号\n{CHILD_ID},王芳,13800138000,{ADULT_ID}\n", encoding="utf-8"
    )
    (share / "payments.json").write_text(
        json.dumps([{"交易流水号": UNIONPAY, "收款卡号": "6212266926026283341"}], ensure_ascii=False), encoding="utf-8"
    )
    out = tmp_path / "findings.jsonl"
    result = custos(
        "scan", share, "--db", tmp_path / "c.db", "--format", "jsonl", "--output", out, "--no-progress", "--jobs", "1",
        env=cli_env(CUSTOS_HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(tmp_path / "cache")),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    by_type = {(r["path"], r["entity_type"]) for r in rows}
    assert ("orders.csv", "CN_RESIDENT_ID") in by_type  # the 身份证号 column
    assert not [r for r in rows if "minor" in r["flags"]]  # the child-dated order number is gone
    cards = [r for r in rows if r["entity_type"] == "CN_BANK_CARD"]
    assert [c["preview"][-4:] for c in cards] == ["3341"]
