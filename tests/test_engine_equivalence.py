"""The one-pass engine finds exactly what the reference engine (each rule its own Presidio recognizer, one
Presidio call per trigger window) finds: same types, same spans, same rules, scores and context words."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from openpyxl import Workbook

from scanner.detect.engine import Detector
from scanner.detect.examples import parse_example
from scanner.detect.reference import WindowedDetector
from scanner.detect.stream import ChunkedDetector
from scanner.extract.archive_limits import ArchiveLimits
from scanner.extract.base import TextBlock
from scanner.extract.registry import extractor_for, format_label
from tests.conftest import TODAY

REPO = Path(__file__).resolve().parent.parent
SHARE = REPO / "examples" / "share"
DATA = REPO / "tests" / "data"


@pytest.fixture(scope="module")
def reference(packs) -> WindowedDetector:
    return WindowedDetector(packs, today=TODAY)


@pytest.fixture(scope="module")
def detector(packs) -> Detector:
    """The one-pass engine on the rule packs alone: the reference has no counterpart of the optional name
    tagger (extra "tagger"), so it is off here even where it is installed (tests/test_name_tagger.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CUSTOS_NAME_TAGGER", "0")
        return Detector(packs, today=TODAY)


def _found(detector, path: Path, chunk_chars: int = 1 << 20) -> list[tuple]:
    extractor = extractor_for(path.name, chunk_chars, ArchiveLimits())
    assert extractor is not None, path
    blocks = (b for b in extractor.blocks(path) if isinstance(b, TextBlock))
    chunked = ChunkedDetector(detector, chunk_chars=chunk_chars, overlap=min(4096, chunk_chars // 8))
    return sorted(
        (d.location, d.detection.entity_type, d.detection.start, d.detection.end, d.detection.rule_id,
         d.detection.score, d.detection.context_word)
        for d in chunked.detect(blocks, suffix=format_label(path.name))
    )  # fmt: skip


def _share_files() -> list[Path]:
    return sorted(p for p in SHARE.rglob("*") if p.is_file() and extractor_for(p.name, 1 << 20, ArchiveLimits()))


@pytest.mark.parametrize("path", [*_share_files(), *sorted(DATA.glob("*.txt"))], ids=lambda p: p.name)
def test_same_findings_as_the_reference_engine(detector, reference, path):
    assert _found(detector, path) == _found(reference, path)


def _rule_example_document(packs, seed: int) -> str:
    """Every rule's positive and negative examples, shuffled among filler, logs and a delimited table."""
    rng = random.Random(seed)
    examples = [ex for p in packs for r in p.rules for ex in (*r.positive_examples, *r.negative_examples)]
    lines = [parse_example(ex)[0] for ex in examples]
    lines += [
        "2024-03-05 12:01:33.123 INFO [order] 订单 202403051201331234 已支付，金额 199.00 元，商品：汽车脚垫(全包围)",
        "GET /api/v1/products/88231?page=3 200 12ms trace=9f8e7d6c5b4a3921 node=app-03",
        "适用车型：大众朗逸、丰田卡罗拉、本田思域（2016-2023 款）。Ships within 48 hours from our Hangzhou warehouse.",
    ] * 20
    rng.shuffle(lines)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(6))
def test_same_findings_on_every_rule_example_in_one_document(detector, reference, packs, tmp_path, seed):
    path = tmp_path / "examples.txt"
    path.write_text(_rule_example_document(packs, seed), encoding="utf-8")
    found = _found(detector, path, chunk_chars=4096)  # many chunks: overlaps and cuts are exercised too
    assert len(found) > 100
    assert found == _found(reference, path, chunk_chars=4096)


def test_same_findings_in_a_csv_whose_headers_say_what_the_columns_hold(detector, reference, tmp_path):
    rng = random.Random(5)
    rows = ["姓名,联系人,QQ,出生日期,备注,realName"]
    for i in range(300):
        rows.append(
            f"{rng.choice(['王芳', '李娜', '欧阳娜娜', '张伟'])},{rng.choice(['陈静', '刘洋'])},"
            f"{rng.randrange(10000, 99999999)},"
            f"{rng.randrange(1950, 2010)}-0{rng.randrange(1, 9)}-1{rng.randrange(0, 9)},"
            f"客户{i}已回访,{rng.choice(['Isabel Ortiz', 'Peng XIAO', 'n/a'])}"
        )
    path = tmp_path / "customers.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    found = _found(detector, path, chunk_chars=8192)
    assert {f[1] for f in found} >= {"PERSON", "CN_QQ", "DATE_OF_BIRTH"}
    assert found == _found(reference, path, chunk_chars=8192)


def test_same_findings_in_spreadsheet_cells(detector, reference, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["客户姓名", "手机", "身份证号", "QQ", "备注"])
    for i in range(200):
        name = ["王芳", "李娜", "赵志鹏"][i % 3]
        sheet.append([name, 13800138000 + i * 7, "11010519491231002X", 12345678 + i, f"订单{i}"])
    path = tmp_path / "customers.xlsx"
    workbook.save(path)
    found = _found(detector, path)
    assert {f[1] for f in found} >= {"PERSON", "CN_MOBILE", "CN_RESIDENT_ID", "CN_QQ"}
    assert found == _found(reference, path)
