"""Web and database exports: values saved in HTML form attributes and SQL dump rows, labelled by their field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scanner.discover import FileRef
from scanner.extract.html_forms import form_values
from scanner.extract.registry import extractor_for
from scanner.extract.sql_dump import DumpReader, SqlDumpExtractor
from scanner.file_scan import ScanOptions
from scanner.split import splittable
from tests.cli_output import cli_env, custos

DATA = Path(__file__).parent / "data" / "exports"
FORM = DATA / "会员登记表_已保存.html"
DUMP = DATA / "crm_customers.sql"


def _cells(blocks):
    return [(b.offset + c.start, b.text[c.start : c.end], c.label, c.location) for b in blocks for c in b.cells]


# -- HTML forms ------------------------------------------------------------------------------------------------


def test_form_values_carry_their_label_placeholder_name_or_the_text_before_them():
    page = (
        '<label for="m">手机号码</label>\n<input id="m" name="f2" value="13912345678">\n'
        '<td>会员姓名</td><td><input type="text" name="realname" value="周慧敏"></td>\n'
        '<input name="certNo" placeholder="请输入身份证号" value=" 310112198506124319 ">\n'
    )
    found = _cells(form_values(page, 100, 1))
    assert [(o - 100, v, loc) for o, v, _, loc in found] == [
        (page.index("139"), "13912345678", "line 2"),
        (page.index("周慧敏"), "周慧敏", "line 3"),
        (page.index("3101"), "310112198506124319", "line 4"),  # the blanks around a value are not part of it
    ]
    labels = [label for _, _, label, _ in found]
    assert "手机号码" in labels[0] and "f2" in labels[0]
    assert "会员姓名" in labels[1] and "realname" in labels[1]
    assert "请输入身份证号" in labels[2]


def test_buttons_unticked_choices_and_unselected_options_are_not_values():
    page = (
        '<input type="submit" value="提交"><input type="radio" name="sex" value="M">'
        '<input type="checkbox" name="agree" value="yes" checked>'
        '<select name="city"><option value="bj">北京</option><option value="sh" selected>上海</option></select>'
        '<input type="password" name="pw" value="hunter2"><input name="empty" value="">'
    )
    assert [(v, label) for _, v, label, _ in _cells(form_values(page, 0, 1))] == [("yes", "agree"), ("sh", "city")]


def test_html_blocks_keep_the_page_text_and_add_the_form_values(tmp_path):
    blocks = list(extractor_for(FORM).blocks(FORM))
    text = FORM.read_text("utf-8")
    assert "".join(b.text for b in blocks if not b.cells) == text  # the page itself, as plain text reads it
    values = {v: (o, label) for o, v, label, _ in _cells(blocks)}
    assert text[values["13912345678"][0] :].startswith("13912345678")
    assert "f3a9c2d17b8e44a0" in values  # hidden fields hold data too
    assert "保存" not in values and "M" not in values and "SH-MH-01" in values and "F" in values


# -- SQL dumps -------------------------------------------------------------------------------------------------


def test_dump_values_are_cells_under_their_column_whatever_the_pieces_it_is_read_in():
    text = DUMP.read_text("utf-8")
    results = []
    for size in (len(text), 97, 5, 1):
        reader = DumpReader()
        blocks = [b for i in range(0, len(text), size) for b in reader.feed(text[i : i + size])]
        blocks += reader.feed("", final=True)
        results.append(_cells(blocks))
    assert all(r == results[0] for r in results)
    cells = results[0]
    for offset, value, _, location in cells:
        assert text[offset : offset + len(value)] == value
        assert location == f"line {text.count(chr(10), 0, offset) + 1}"
    labelled = {value: label for _, value, label, _ in cells if label}
    assert labelled["周慧敏"] == "cust_name"  # no column list: the CREATE TABLE's columns
    assert labelled["15800001111"] == "mobile"
    assert labelled["说\\'明天再打\\'; 勿扰"] == "remark"  # a backslash-escaped quote and a ';' inside a string
    assert labelled["O''Neil 刘芳"] == "receiver"  # a doubled quote
    assert labelled["长沙县星沙街道开元东路88号"] == "ship_to"  # the second row of a multi-row VALUES
    assert labelled["赵丽颖"] == "full_name" and labelled["zhaoly@example.com"] == "email"  # COPY … FROM stdin
    assert "\\N" not in labelled and "NULL" not in labelled
    assert ("SELECT pg_catalog.setval('public.members_id_seq', 2, true);", None) in [(v, lab) for _, v, lab, _ in cells]


def test_an_insert_it_cannot_read_goes_on_as_text():
    text = "INSERT INTO t (a, b) VALUES (1, 'x') ON DUPLICATE KEY UPDATE b = 'y';\nINSERT INTO t (a) VALUES (now(;\n"
    reader = DumpReader()
    cells = _cells([*reader.feed(text), *reader.feed("", final=True)])
    assert ("'x'"[1:2], "b") in [(v, lab) for _, v, lab, _ in cells]
    assert all(text[o : o + len(v)] == v for o, v, _, _ in cells)


def test_a_large_dump_is_read_in_bounded_memory(tmp_path):
    row = "({i},'客户{i}','139{i:08d}','no note')"
    dump = tmp_path / "big.sql"
    with dump.open("w", encoding="utf-8") as f:
        f.write("CREATE TABLE `c` (\n  `id` int,\n  `name` text,\n  `phone` text,\n  `note` text\n);\n")
        for chunk in range(50):
            f.write("INSERT INTO `c` VALUES " + ",".join(row.format(i=chunk * 500 + i) for i in range(500)) + ";\n")
    text = dump.read_text("utf-8")
    reader, phones, held = DumpReader(), 0, 0
    for i in range(0, len(text), 1 << 16):
        for block in reader.feed(text[i : i + (1 << 16)]):
            phones += sum(1 for c in block.cells if c.label == "phone")
        held = max(held, reader.buffered)
    phones += sum(1 for b in reader.feed("", final=True) for c in b.cells if c.label == "phone")
    assert phones == 25_000
    assert len(text) > 1_000_000 and held < 200  # what is held back between pieces is the last row's start
    assert sum(1 for b in SqlDumpExtractor(1 << 16).blocks(dump) for c in b.cells if c.label == "phone") == 25_000


def test_dumps_and_pages_are_never_split_into_ranges(tmp_path):
    options = ScanOptions(split_bytes=10)
    for name, split in (("a.sql", False), ("a.html", False), ("a.log", True)):
        ref = FileRef(path=tmp_path / name, rel=name, size=1000, mtime_ns=0, dev=0, ino=0)
        assert splittable(ref, options) is split


# -- end to end ------------------------------------------------------------------------------------------------


def _scan(tmp_path: Path, *files: Path) -> list[dict]:
    share = tmp_path / "share"
    share.mkdir()
    for f in files:
        shutil.copy(f, share / f.name)
    home, out = tmp_path / "home", tmp_path / "out.jsonl"
    home.mkdir()
    done = custos(
        "scan", share, "--db", home / "d.db", "--format", "jsonl", "--output", out, "--no-progress", "--jobs", "1",
        env=cli_env(CUSTOS_HOME=str(home)),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    return [json.loads(line) for line in out.read_text("utf-8").splitlines()]


def _found(records: list[dict], root: Path) -> set[tuple[str, str, str]]:
    """(entity type, value read back at the reported offsets, location) of each finding."""
    out = set()
    for r in records:
        text = (root / r["path"]).read_text("utf-8")
        out.add((r["entity_type"], text[r["start"] : r["end"]], r["location"]))
    return out


@pytest.mark.slow
def test_a_saved_form_and_a_dump_scanned_end_to_end(tmp_path):
    found = _found(_scan(tmp_path, FORM, DUMP), DATA)
    for expected in [
        ("PERSON", "周慧敏", "line 14"),  # <td>会员姓名</td><td><input value="周慧敏">
        ("CN_MOBILE", "13912345678", "line 16"),  # <label for> … <input id value>
        ("CN_RESIDENT_ID", "310112198506124319", "line 18"),
        ("EMAIL_ADDRESS", "zhou.hm@example.com", "line 19"),
        ("PERSON", "李建国", "line 29"),
        ("CN_MOBILE", "+86 138 0013 8000", "line 30"),
        ("CN_ADDRESS", "上海市闵行区莘庄镇莘松路958弄12号601室", "line 32"),  # a <textarea>'s text
        ("PERSON", "周慧敏", "line 32"),  # INSERT without a column list: the CREATE TABLE's `cust_name`
        ("PERSON", "欧阳娜娜", "line 32"),
        ("CN_RESIDENT_ID", "43012119920304562X", "line 32"),
        ("PERSON", "陈晓", "line 37"),  # a multi-row VALUES with a column list
        ("CN_MOBILE", "13512345678", "line 38"),
        ("CN_ADDRESS", "长沙县星沙街道开元东路88号", "line 37"),
        ("PERSON", "赵丽颖", "line 45"),  # COPY … FROM stdin
        ("IP_ADDRESS", "10.20.3.41", "line 3"),  # comments are text
    ]:
        assert expected in found, expected
    assert not any(value in {"f3a9c2d17b8e44a0", "SH-MH-01", "202403051201331234"} for _, value, _ in found)
