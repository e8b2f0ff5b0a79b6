"""The detector on real-world text: full-width digits, glued values, mixed languages, hard negatives."""

from __future__ import annotations

import pytest

from scanner.detect.tables import TableContext, split_header


def found(detector, text, **kw):
    return [(d.entity_type, d.value) for d in detector.detect(text, **kw)]


def test_offsets_index_the_original_text_exactly(detector):
    text = "客户：电话１３８　００１３　８０００，邮箱zhangwei@example.com谢谢，ID 11010519491231002X。"
    for det in detector.detect(text):
        assert text[det.start : det.end] == det.value
    assert ("CN_MOBILE", "１３８　００１３　８０００") in found(detector, text)
    assert ("EMAIL_ADDRESS", "zhangwei@example.com") in found(detector, text)
    assert ("CN_RESIDENT_ID", "11010519491231002X") in found(detector, text)


def test_mixed_chinese_and_english_document_loses_nothing(detector):
    text = (
        "Dear team, 新客户 Mr. John Smith (john.smith@acme.co.uk, +44 121 496 0778) 已签约；\n"
        "联系人：王小明，手机 +86 138-0013-8000，身份证号 44011320141005001x，卡号 6214 8331 5382 9935。\n"
    )
    kinds = {t for t, _ in found(detector, text)}
    assert kinds >= {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CN_MOBILE", "CN_RESIDENT_ID", "CN_BANK_CARD"}


@pytest.mark.parametrize(
    "text",
    [
        "订单号 110105194912310021",  # 18 digits, ID checksum fails
        "生成时间 20231122153045",  # 14-digit timestamp
        "发票代码 144032312345 发票号码 08812345",  # invoice code/number
        "交易号 4111111111111112",  # Luhn-failing card length
        "to=12539390165 err=invalid",  # 11 digits outside mobile prefixes
        "版本 3.7.15，构建 8.0.35",  # versions
        "单价 ¥4,885.50，合计 ¥12,000.00",  # prices
        "客服热线 400-820-8820",  # service hotline
        "条码 6901234567892",  # EAN-13
        "firmware 5.170.3.1 OID 1.3.6.1.2.1.1",  # IP look-alikes
        "手机 138****8000，身份证 110101********123X",  # already masked
    ],
)
def test_hard_negatives_stay_quiet(detector, text):
    assert found(detector, text) == []


def test_gansu_id_that_passes_luhn_is_an_id_not_a_card(detector):
    assert found(detector, "银行卡/身份证：620102198807151257") == [("CN_RESIDENT_ID", "620102198807151257")]


def test_unionpay_card_failing_luhn_needs_a_card_keyword(detector):
    assert found(detector, "6212266926026283342") == []
    assert found(detector, "卡号 6212266926026283342") == [("CN_BANK_CARD", "6212266926026283342")]


def test_qq_needs_its_keyword_and_an_email_wins_over_its_digits(detector):
    assert found(detector, "编号 221416440") == []
    assert found(detector, "QQ 221416440") == [("CN_QQ", "221416440")]
    assert found(detector, "QQ邮箱 221416440@qq.com") == [("EMAIL_ADDRESS", "221416440@qq.com")]


def test_legacy_15_digit_id_needs_a_keyword(detector):
    assert found(detector, "终端号 150102880730303") == []
    assert found(detector, "身份证 150102880730303") == [("CN_RESIDENT_ID", "150102880730303")]


def test_label_in_another_html_element_is_still_context(detector):
    html = '<div><span class="label">生日：</span><span class="val">1990-05-03</span></div>'
    assert found(detector, html) == [("DATE_OF_BIRTH", "1990-05-03")]


def test_column_header_is_context_for_bare_cells(detector):
    filler = "".join(f"技术部,员工{i},,\n" for i in range(5))  # the header line is far away
    text = "部门,姓名,QQ,生日\n" + filler + "技术部,张伟,221416440,1990-05-03\n"
    header = split_header("部门,姓名,QQ,生日", ",")
    # No nearby words: a bare number and a bare date mean nothing (张伟, set apart on a data line, is a name).
    assert {t for t, _ in found(detector, text)} == {"PERSON"}
    cells = found(detector, text, field_context=TableContext(text, header=header))
    assert ("CN_QQ", "221416440") in cells and ("DATE_OF_BIRTH", "1990-05-03") in cells


def test_markdown_table_header_is_context(detector):
    text = "| 姓名 | 护照号 |\n|---|---|\n| 肖鹏 | E93380489 |\n"
    assert found(detector, text, field_context=TableContext(text)) == [("PERSON", "肖鹏"), ("CN_PASSPORT", "E93380489")]


def test_detections_carry_rule_pack_and_context(detector):
    [det] = detector.detect("身份证号：11010519491231002X")
    assert det.rule_id == "cn_resident_id" and det.pack.startswith("cn-identity@")
    assert det.context_word == "身份证" and det.score == 1.0 and det.verdict == "valid"
