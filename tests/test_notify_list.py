"""The notification list's pure parts: contacts per person, the notice template, and the CSV and xlsx bytes."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from scanner import i18n
from scanner.i18n import CHINESE, ENGLISH
from scanner.notify.contacts import contacts_of, normal_mobile
from scanner.notify.csv_out import BOM, csv_chunks
from scanner.notify.readback import ReadValue
from scanner.notify.rows import Recipient, header, notification_rows
from scanner.notify.template import (
    TemplateError,
    checked_template,
    default_template,
    load_template,
    recorded_template,
)
from scanner.notify.xlsx_out import xlsx_chunks

RECIPIENT = Recipient("乙方科技有限公司", "400-800-1234 / privacy@buyer.example", "2026-12-01")


def _values(*pairs: tuple[str, str]) -> list[ReadValue]:
    return [ReadValue(entity_type, value) for entity_type, value in pairs]


def test_contacts_are_normalised_and_deduplicated():
    contacts = contacts_of(
        _values(
            ("PERSON", "王芳"),
            ("CN_MOBILE", "+86 138-0013-8000"),
            ("CN_MOBILE", "13800138000"),
            ("CN_MOBILE", "008613800138000"),
            ("EMAIL_ADDRESS", "WangFang@Example.COM"),
            ("EMAIL_ADDRESS", "wangfang@example.com"),
            ("CN_ADDRESS", "北京市朝阳区 建国路88号"),
            ("CN_ADDRESS", "北京市朝阳区建国路88号"),
            ("PERSON", "王 芳"),
            ("PERSON", "王小芳"),
            ("CN_MOBILE", "13912345678"),
            ("CN_RESIDENT_ID", "110101199003074578"),
        )  # fmt: skip
    )
    assert contacts.name == "王芳"  # found twice (once spaced), 王小芳 once
    assert contacts.mobiles == ("13800138000", "13912345678")
    assert contacts.emails == ("wangfang@example.com",)
    assert contacts.addresses == ("北京市朝阳区 建国路88号",)  # as first found; the unspaced spelling is the same


def test_a_person_without_a_name_has_an_empty_name_and_is_addressed_as_customer():
    rows = notification_rows({7: _values(("CN_MOBILE", "13800138000"))}, {7: ["contact"]}, default_template(CHINESE),
                             RECIPIENT)  # fmt: skip
    assert rows[0].name == ""
    assert rows[0].notice.startswith("尊敬的客户")


@pytest.mark.parametrize("text", ["１３８００１３８０００", "138 0013 8000", "+8613800138000", "86-138-0013-8000"])
def test_mobile_spellings_become_one_number(text):
    assert normal_mobile(text) == "13800138000"


@pytest.mark.parametrize("text", ["1380013800", "23800138000", "+1 415 555 0100"])
def test_what_is_not_a_mainland_mobile_is_left_out(text):
    assert normal_mobile(text) is None


def test_the_notice_names_the_recipient_the_categories_and_the_date():
    rows = notification_rows(
        {3: _values(("PERSON", "李强"))}, {3: ["contact", "identity", "minor"]}, default_template(CHINESE), RECIPIENT
    )
    notice = rows[0].notice
    assert notice.startswith("尊敬的李强")
    assert "第二十二条" in notice
    assert "接收方名称：乙方科技有限公司" in notice
    assert "接收方联系方式：400-800-1234 / privacy@buyer.example" in notice
    assert "身份信息、联系方式、不满十四周岁未成年人的个人信息" in notice
    assert "2026-12-01" in notice
    assert rows[0].categories == ("身份信息", "联系方式", "不满十四周岁未成年人的个人信息")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{recipient_company} {recipient_contact} {phone}", "unknown placeholder {phone}"),
        ("{recipient_company} {recipient_contact} {}", "unknown placeholder {}"),
        ("{recipient_company} {recipient_contact} {name.__class__}", "unknown placeholder {name.__class__}"),
        ("{recipient_company} {recipient_contact} {name:>40}", "{name} takes no format"),
        ("{recipient_company} {recipient_contact} {name!r}", "{name} takes no format"),
        ("{recipient_company} {recipient_contact} {name", "expected '}'"),
        ("{recipient_company} only", "must name {recipient_contact}"),
        ("   ", "empty"),
    ],
)
def test_a_template_with_a_wrong_placeholder_is_refused_clearly(text, message):
    with pytest.raises(TemplateError, match="^my template: .*" + _escaped(message)):
        checked_template(text, "my template")


def _escaped(text: str) -> str:
    import re

    return re.escape(text)


def test_a_template_file_is_read_as_utf8_and_checked(tmp_path: Path):
    good = tmp_path / "notice.txt"
    good.write_text("\ufeff{name}，您的信息将转移至{recipient_company}（{recipient_contact}）。", encoding="utf-8")
    template = load_template(good)
    assert template.render(name="王芳", recipient_company="乙", recipient_contact="400", categories=(),
                           effective_date="") == "王芳，您的信息将转移至乙（400）。"  # fmt: skip
    bad = tmp_path / "gbk.txt"
    bad.write_bytes("{recipient_company}{recipient_contact}您好".encode("gbk"))
    with pytest.raises(TemplateError, match=r"gbk\.txt: not UTF-8 text"):
        load_template(bad)
    with pytest.raises(TemplateError, match="cannot be read"):
        load_template(tmp_path / "missing.txt")


def test_a_value_with_braces_is_inserted_as_it_is():
    rows = notification_rows({1: _values(("PERSON", "{recipient_company}"))}, {}, default_template(CHINESE), RECIPIENT)
    assert rows[0].notice.startswith("尊敬的{recipient_company}")


def _rows():
    return notification_rows(
        {
            1: _values(("PERSON", "王芳"), ("CN_MOBILE", "13800138000"), ("EMAIL_ADDRESS", "wf@example.com"),
                       ("CN_ADDRESS", '上海市"浦东"新区, 世纪大道100号')),
            2: _values(("PERSON", "=HYPERLINK(\"http://x\")"), ("CN_MOBILE", "13912345678"),
                       ("CN_MOBILE", "13700001111")),
            3: _values(("PERSON", "@SUM(A1)"), ("CN_ADDRESS", "-1+1"), ("EMAIL_ADDRESS", "+x@example.com")),
        },
        {1: ["identity", "contact"], 2: ["contact"]},
        default_template(CHINESE),
        RECIPIENT,
    )  # fmt: skip


def test_csv_has_a_bom_quotes_safely_and_neutralises_formulas():
    data = b"".join(csv_chunks(_rows()))
    assert data.startswith(BOM) and data.count(BOM) == 1
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert tuple(table[0]) == header(CHINESE)
    assert table[1][1:5] == ["王芳", "13800138000", "wf@example.com", '上海市"浦东"新区, 世纪大道100号']
    assert table[1][6].startswith("尊敬的王芳") and "\n" in table[1][6]  # the notice keeps its lines, quoted
    assert table[2][1] == '\'=HYPERLINK("http://x")'
    assert table[2][2] == "13912345678; 13700001111"
    assert table[3][1:4] == ["'@SUM(A1)", "", "'+x@example.com"]
    assert table[3][4] == "'-1+1"
    assert len(table) == 4


def test_csv_of_many_rows_comes_in_several_chunks_with_one_bom():
    rows = _rows() * 1500
    chunks = list(csv_chunks(rows))
    assert len(chunks) > 2 and chunks[0].startswith(BOM) and not any(c.startswith(BOM) for c in chunks[1:])
    assert len(list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"), newline="")))) == 4501


def test_xlsx_opens_with_openpyxl_and_keeps_formulas_as_text():
    data = b"".join(xlsx_chunks(_rows()))
    sheet = load_workbook(io.BytesIO(data)).active
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert tuple(table[0]) == header(CHINESE)
    assert table[1][:5] == ["1", "王芳", "13800138000", "wf@example.com", '上海市"浦东"新区, 世纪大道100号']
    assert table[2][1] == '=HYPERLINK("http://x")'
    cell = sheet["B3"]
    assert cell.data_type == "s" and cell.quotePrefix  # text, shown as written, never a formula
    assert not sheet["B2"].quotePrefix
    assert sheet["C2"].number_format == "@"  # a mobile stays text


def test_xlsx_of_many_rows_streams_in_chunks():
    chunks = list(xlsx_chunks(_rows() * 1500))
    assert len(chunks) > 2
    sheet = load_workbook(io.BytesIO(b"".join(chunks)), read_only=True).active
    assert sum(1 for _ in sheet.iter_rows(values_only=True)) == 4501


def test_xlsx_replaces_characters_xml_cannot_hold():
    rows = notification_rows({1: _values(("PERSON", "王\x07芳"))}, {}, default_template(CHINESE), RECIPIENT)
    sheet = load_workbook(io.BytesIO(b"".join(xlsx_chunks(rows)))).active
    assert sheet["B2"].value == "王\ufffd芳"


def test_the_built_in_notice_in_chinese_and_in_english():
    """Issue 20: the Art. 22 notice, its categories, its date and the list's columns in the notice's language."""
    when = date(2026, 12, 1)
    zh, en = default_template(CHINESE), default_template(ENGLISH)
    assert (zh.language, en.language) == (CHINESE, ENGLISH) and zh.built_in and en.built_in
    assert zh.reference() == "built-in:zh_CN" and en.reference() == "built-in:en"
    assert recorded_template("built-in").text == zh.text  # lists proposed before the English notice existed
    assert recorded_template("built-in:en").text == en.text
    assert (zh.date_text(when), en.date_text(when)) == ("2026年12月1日", "December 1, 2026")
    recipient = Recipient("乙方科技有限公司", "400-800-1234", en.date_text(when))
    [row] = notification_rows({3: _values(("CN_MOBILE", "13800138000"))}, {3: ["minor", "contact"]}, en, recipient)
    assert (
        row.notice.startswith("Dear Customer,\n") and "Article 22 of the Personal Information Protection" in row.notice
    )
    assert "Recipient: 乙方科技有限公司\nRecipient's contact: 400-800-1234" in row.notice
    assert "(contact details, personal information of minors under fourteen)" in row.notice
    assert "with effect from December 1, 2026." in row.notice and not re.search(r"[\u4e00-\u9fff]{3}", row.notice[:30])
    assert header(ENGLISH)[:3] == ("No.", "Name", "Mobile") and row.cells()[5].startswith("contact details, ")
    assert next(csv.reader(io.StringIO(b"".join(csv_chunks([row], ENGLISH))[len(BOM) :].decode())))[-1] == "Notice"
    [row] = notification_rows({3: _values(("CN_MOBILE", "13800138000"))}, {3: ["minor", "contact"]}, zh, recipient)
    assert row.notice.startswith("尊敬的客户：") and "（联系方式、不满十四周岁未成年人的个人信息）" in row.notice
    assert header(CHINESE)[-2:] == ("所涉个人信息类别", "告知内容")
    titles = {
        lang: load_workbook(io.BytesIO(b"".join(xlsx_chunks([row], lang)))).active.title for lang in (CHINESE, ENGLISH)
    }
    assert titles == {CHINESE: "告知名单", ENGLISH: "Notification list"}


def test_the_built_in_notice_follows_the_interface_language():
    try:
        i18n.set_language(CHINESE)
        assert default_template().language == CHINESE and "第二十二条" in default_template().text
        with pytest.raises(TemplateError, match="必须包含"):
            checked_template("{name}", "我的模板")
        i18n.set_language(ENGLISH)
        assert default_template().language == ENGLISH and default_template().text.startswith("Dear {name},")
    finally:
        i18n.set_language(ENGLISH)
