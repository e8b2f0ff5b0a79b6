"""Addresses as people write them (district-first, over two lines, in English inside Chinese text, with the
building after the number) and English prose (street addresses, streets named after people, "born 2/8/1935")."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scanner.detect.validators import Verdict, cn_address, date_of_birth
from scanner.mask import mask_value
from tests.cli_output import cli_env, custos

PROSE = Path(__file__).parent / "data" / "prose"
CN_NOTES = PROSE / "客户回访记录_2024Q1.txt"
EN_STORY = PROSE / "customer_story_en.txt"


def _found(detector, path: Path) -> list[tuple[str, str]]:
    text = path.read_text("utf-8")
    return [(d.entity_type, text[d.start : d.end]) for d in detector.detect(text)]


def test_district_and_county_first_addresses(detector):
    found = _found(detector, CN_NOTES)
    assert ("CN_ADDRESS", "闵行区莘庄镇莘松路958弄12号601室") in found
    assert ("CN_ADDRESS", "长沙县星沙街道开元东路88号") in found  # no label, no province: "改寄到长沙县…"


def test_an_address_broken_over_two_lines_is_one_span(detector):
    assert ("CN_ADDRESS", "上海市闵行区莘庄镇\n   莘松路958弄12号601室") in _found(detector, CN_NOTES)
    assert cn_address("上海市闵行区\n\n莘松路958弄") is Verdict.INVALID  # never across a blank line


def test_an_english_address_inside_chinese_text(detector):
    expected = ("CN_ADDRESS", "Room 1203, No. 88 Xianxia Road, Changning District, Shanghai 200336")
    assert expected in _found(detector, CN_NOTES)


def test_an_address_never_starts_on_the_label_and_its_building_is_masked_with_it(detector):
    found = _found(detector, CN_NOTES)
    assert ("CN_ADDRESS", "湖南省长沙市岳麓区麓山南路932号") in found  # "联系地址湖南省…": not "址湖南省…"
    assert not any(value.startswith("址") for _, value in found)
    mall = "江苏省南京市玄武区中山路18号德基广场二期"
    assert ("CN_ADDRESS", mall) in found
    text = CN_NOTES.read_text("utf-8")
    detection = next(d for d in detector.detect(text) if d.value == mall)
    shown = mask_value(detection.value, detector.rules[detection.rule_id].mask)
    assert "德基" not in shown and "二期" not in shown and shown.startswith("江苏省南京市")


def test_streets_named_after_people_are_not_people_and_addresses_in_prose_are_found(detector):
    found = _found(detector, EN_STORY)
    assert ("PERSON", "Eleanor Whitfield") in found
    for street in ("Gordon Terrace", "Harvey Street", "Grace Avenue"):
        assert not any(street in value for kind, value in found if kind == "PERSON"), street
    assert ("LOCATION", "1234 Elm Street, Springfield, IL 62704") in found
    assert ("LOCATION", "221B Baker Street") in found


def test_a_birth_date_whose_day_and_month_are_both_twelve_or_less(detector):
    assert ("DATE_OF_BIRTH", "2/8/1935") in _found(detector, EN_STORY)
    assert date_of_birth("2/8/1935") is Verdict.VALID
    assert date_of_birth("13/13/1990") is Verdict.INVALID
    assert date_of_birth("2/8/2999") is Verdict.INVALID


@pytest.mark.slow
def test_prose_files_scanned_end_to_end(tmp_path):
    share, home, out = tmp_path / "share", tmp_path / "home", tmp_path / "out.jsonl"
    share.mkdir()
    home.mkdir()
    for f in (CN_NOTES, EN_STORY):
        shutil.copy(f, share / f.name)
    done = custos(
        "scan", share, "--db", home / "d.db", "--format", "jsonl", "--output", out, "--no-progress", "--jobs", "1",
        env=cli_env(CUSTOS_HOME=str(home)),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    found = {
        (r["entity_type"], (share / r["path"]).read_text("utf-8")[r["start"] : r["end"]], r["location"]): r["preview"]
        for r in records
    }
    assert ("CN_ADDRESS", "长沙县星沙街道开元东路88号", "line 7") in found
    assert ("CN_ADDRESS", "上海市闵行区莘庄镇\n   莘松路958弄12号601室", "line 10") in found
    assert ("DATE_OF_BIRTH", "2/8/1935", "line 3") in found
    assert ("LOCATION", "221B Baker Street", "line 9") in found
    assert "二期" not in found[("CN_ADDRESS", "江苏省南京市玄武区中山路18号德基广场二期", "line 17")]
    assert not [key for key in found if key[0] == "PERSON" and "Terrace" in key[1]]
