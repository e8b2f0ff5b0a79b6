"""Record keys: which row, object, form or paragraph a finding belongs to, from its location or its offset."""

from __future__ import annotations

import pytest

from scanner.extract.base import TextBlock
from scanner.record_keys import RecordSpans, record_of_location


@pytest.mark.parametrize(
    ("location", "record"),
    [
        ("Sheet1!B7", "Sheet1!7"),
        ("张三的表!AA12", "张三的表!12"),
        ("table 2 row 3 col 1", "table 2 row 3"),
        ("attachment 客户.xlsx Sheet1!C9", "attachment 客户.xlsx Sheet1!9"),
        ("line 4", "line 4"),
        ("page 2", "page 2"),
        ("name", "name"),
    ],
)
def test_a_location_gives_its_record(location: str, record: str) -> None:
    assert record_of_location(location) == record


def _keys(suffix: str, text: str, words: list[str], block: int = 7) -> list[str]:
    spans = RecordSpans(suffix)
    for at in range(0, len(text), block):  # small blocks: boundaries and strings cut between them
        spans.feed(TextBlock(text[at : at + block], at))
    spans.finish()
    return [spans.key(text.index(w), "line 99") for w in words]


def test_json_array_elements_are_records_and_nested_objects_stay_in_them() -> None:
    text = '{"owner": "a",\n "rows": [\n  {"n": "x", "s": "}{",\n   "orders": [{"p": 1}]},\n  {"n": "y"}\n ]}'
    assert _keys(".json", text, ['"a"', '"x"', '"p"', '"y"']) == [
        "object at line 1", "object at line 3", "object at line 3", "object at line 5",
    ]  # fmt: skip


def test_json_without_a_final_line_end_is_read_to_its_end() -> None:
    text = '[{"n": "x"}, {"n": "y"}]'
    assert _keys(".json", text, ['"x"', '"y"'], block=100) == ["object at line 1", "object at line 1"]


def test_prose_paragraphs_are_records() -> None:
    text = "甲方：张三\n电话：1\n\n乙方：李四\n  \n丙方：王五\n"
    assert _keys(".txt", text, ["张三", "电话", "李四", "王五"]) == [
        "paragraph at line 1", "paragraph at line 1", "paragraph at line 4", "paragraph at line 6",
    ]  # fmt: skip


def test_html_forms_are_records_and_text_outside_is_by_line() -> None:
    text = "<p>x</p>\n<form>\n<input value=a>\n<input value=b>\n</form>\n<p>c</p>\n"
    assert _keys(".html", text, ["a>", "b>", "c<"]) == ["form at line 2", "form at line 2", "line 99"]


def test_rows_are_their_lines() -> None:
    assert _keys(".csv", "a,b\nc,d\n", ["c"]) == ["line 99"]


def test_a_finding_moved_into_its_record_keeps_every_other_field() -> None:
    from dataclasses import fields, replace

    from scanner.file_scan import _with_record
    from scanner.store.store import NewFinding

    finding = NewFinding(*(f"v{i}" for i, _ in enumerate(fields(NewFinding))))  # a distinct value in every field
    assert _with_record(finding, "row 7") == replace(finding, record="row 7")
    assert _with_record(finding, finding.record) is finding
