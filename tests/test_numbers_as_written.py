"""Numbers as people write them (issue 15): digit groups split by spaces, dots, OCR gaps or a line break are
read as one value, with offsets exact into the original text; dates, times, versions and addresses are not."""

from __future__ import annotations

from scanner.detect.regroup import find_runs
from scanner.detect.tables import TableContext


def _found(detector, text: str, **kwargs) -> list[tuple[str, str, str]]:
    return [(d.entity_type, d.rule_id, text[d.start : d.end]) for d in detector.detect(text, **kwargs)]


def test_a_run_maps_every_character_back_to_the_original_text():
    text = "客户备注：身份证 6501 0219 9307 0825 4X，已核验。"
    (run,) = find_runs(text, [(0, len(text))])
    assert run.compact == "65010219930708254X"
    assert text[run.start : run.end] == "6501 0219 9307 0825 4X"
    assert [text[i] for i in run.offsets] == list(run.compact)
    assert run.span(0, len(run.compact)) == (run.start, run.end)


def test_dates_times_versions_and_addresses_are_no_runs():
    text = (
        "2024-09-18 00:00:01.274 INFO [order] 订单创建成功 order=20240918211569435447 node=10.8.1.11\n"
        "pip install apsw-3.53.4.0 and requests 2.31.0; gateway 192.168.100.200 port 8080\n"
        "库存 1 2 3 件；日期 2023 11 22\n"
    )
    assert find_runs(text, [(0, len(text))]) == []


def test_spaced_resident_id_in_a_customer_note(detector):
    text = "回访记录：客户陈永红，身份证 6501 0219 9307 0825 4X，地址已更新。"
    assert ("CN_RESIDENT_ID", "cn_resident_id", "6501 0219 9307 0825 4X") in _found(detector, text)


def test_resident_id_wrapped_over_two_lines_of_a_contract(detector):
    text = "乙方（承租方）：陈永红，公民身份号码：65010219930708\n    254X，联系电话见附件。\n"
    found = _found(detector, text)
    assert ("CN_RESIDENT_ID", "cn_resident_id", "65010219930708\n    254X") in found


def test_a_table_row_does_not_continue_in_the_next_row(detector):
    text = "编号,金额,备注\n1,6501021993,无\n2,0708254X,无\n"
    assert not [f for f in _found(detector, text) if f[0] == "CN_RESIDENT_ID"]


def test_mobile_with_country_code_in_odd_groups(detector):
    text = "联系人：王芳 +86 15565 0190 23（工作日）"
    assert ("CN_MOBILE", "cn_mobile", "+86 15565 0190 23") in _found(detector, text)


def test_ocr_gapped_mobile_needs_a_phone_word(detector):
    scanned = "扫描件识别结果：手机 1 5 9 1 4 2 7 3 0 8 8 ，请核对"
    assert ("CN_MOBILE", "cn_mobile", "1 5 9 1 4 2 7 3 0 8 8") in _found(detector, scanned)
    counted = "抽检件数 1 5 9 1 4 2 7 3 0 8 8 ，合格"
    assert not [f for f in _found(detector, counted) if f[0] == "CN_MOBILE"]


def test_uscc_in_groups_on_an_invoice(detector):
    text = "购买方名称：北京某某科技有限公司\n纳税人识别号：91 110000 600037341L\n"
    assert ("CN_USCC", "cn_uscc", "91 110000 600037341L") in _found(detector, text)


def test_card_number_written_with_dots(detector):
    text = "退款账户：工商银行 卡号 6212.2669.2602.6283.341"
    assert ("CN_BANK_CARD", "cn_bank_card", "6212.2669.2602.6283.341") in _found(detector, text)


def test_dotted_ip_is_not_reassembled_into_a_mobile(detector):
    text = "upstream 139.168.100.20 timeout"
    assert [f[0] for f in _found(detector, text)] == ["IP_ADDRESS"]


def test_spaced_numbers_in_a_csv_cell_are_read_under_their_header(detector):
    text = "姓名,证件号码,备注\n陈永红,6501 0219 9307 0825 4X,VIP\n"
    context = TableContext(text, header=["姓名", "证件号码", "备注"], header_is_first_line=True)
    assert ("CN_RESIDENT_ID", "cn_resident_id", "6501 0219 9307 0825 4X") in _found(
        detector, text, field_context=context
    )


def test_full_width_spaced_mobile_keeps_original_offsets(detector):
    text = "电话：１３８　００１３　８０００。"
    (found,) = [d for d in detector.detect(text) if d.entity_type == "CN_MOBILE"]
    assert text[found.start : found.end] == "１３８　００１３　８０００"
