"""Chunked detection: bounded chunks, every value found exactly once, wherever the chunk boundaries fall."""

from __future__ import annotations

import pytest

from scanner.detect.stream import ChunkedDetector
from scanner.extract.base import TextBlock

FILLER = "这是一段没有个人信息的普通文字，用来把值推到块的边界上。\n"
VALUES = ["13800138000", "11010519491231002X", "zhangwei@example.com", "6214 8331 5382 9935"]


def blocks(text, size):
    return [TextBlock(text[i : i + size], i) for i in range(0, len(text), size)]


@pytest.mark.parametrize("shift", range(0, 40, 3))
def test_values_straddling_chunk_boundaries_are_found_once(detector, shift):
    chunked = ChunkedDetector(detector, chunk_chars=600, overlap=120)
    lines = []
    for i in range(60):
        lines.append(FILLER[: (i * 7 + shift) % len(FILLER)] + f"卡号 {VALUES[i % 4]} 结束\n")
    text = "".join(lines)
    located = list(chunked.detect(blocks(text, 97)))
    values = [text[d.detection.start : d.detection.end] for d in located]
    assert sorted(values) == sorted(VALUES[i % 4] for i in range(60))
    starts = [d.detection.start for d in located]
    assert len(starts) == len(set(starts))


def test_locations_are_line_numbers(detector):
    text = "第一行\n第二行 13800138000\r\n第三行\n第四行 zhangwei@example.com\n" + "无关内容\n" * 30
    # The overlap must be at least as long as the longest value (production: 4096 characters).
    located = list(ChunkedDetector(detector, chunk_chars=96, overlap=24).detect(blocks(text, 5)))
    assert [(d.location, d.detection.entity_type) for d in located] == [
        ("line 2", "CN_MOBILE"),
        ("line 4", "EMAIL_ADDRESS"),
    ]


def test_csv_header_applies_to_every_chunk(detector):
    rows = "".join(f"员工{i},2214164{i:02d}\n" for i in range(200))
    text = "姓名,QQ\n" + rows
    located = list(ChunkedDetector(detector, chunk_chars=400, overlap=64).detect(blocks(text, 128), suffix=".csv"))
    assert len(located) == 200 and {d.detection.entity_type for d in located} == {"CN_QQ"}


def test_overlap_must_be_small_against_the_chunk(detector):
    with pytest.raises(ValueError):
        ChunkedDetector(detector, chunk_chars=100, overlap=50)
