"""Document-level propagation (issue 15): a name accepted once in a file is found at its other mentions there,
in chat logs and across the lines of a table, with exact offsets and bounded memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.detect.engine import Detection
from scanner.detect.name_mentions import DocumentNames
from scanner.detect.stream import ChunkedDetector
from scanner.extract.base import TextBlock

REPO = Path(__file__).resolve().parent.parent

CHAT = """[2024-03-05 10:31] 访客(刘芳): 你好，我上周买的空气净化器还没发货
[2024-03-05 10:32] 客服(何俊峰): 您好，我帮您查一下订单
[2024-03-05 10:35] 客服(何俊峰): 仓库那边说明天发出，物流单号稍后发您
[2024-03-05 10:36] 访客(刘芳): 好的，麻烦何俊峰帮我催一下
[2024-03-05 10:40] 系统: 会话已转接，请何俊峰跟进
[2024-03-05 11:02] 系统: 本次服务由何俊峰提供，刘芳评价：满意
"""

TABLE = """工号,姓名,部门,备注
1001,何俊峰,客服部,
1002,刘芳,财务部,由何俊峰代办入职手续
1003,张伟,研发部,与刘芳同组
"""


def scan_jsonl(folder: Path, tmp_path: Path) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "CUSTOS_HOME": str(tmp_path / "home")}
    out = tmp_path / "findings.jsonl"
    command = [sys.executable, "-m", "scanner.cli", "scan", str(folder), "--db", str(tmp_path / "c.db"),
               "--format", "jsonl", "--output", str(out), "--no-progress", "--jobs", "1"]  # fmt: skip
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow  # a CLI scan in a subprocess; the in-process tests below cover propagation
def test_every_mention_in_a_chat_log_and_a_table_is_found_at_its_exact_offsets(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    (share / "chat.txt").write_text(CHAT, encoding="utf-8")
    (share / "staff.csv").write_text(TABLE, encoding="utf-8")
    findings = [f for f in scan_jsonl(share, tmp_path) if f["entity_type"] == "PERSON"]
    for name, text in (("chat.txt", CHAT), ("staff.csv", TABLE)):
        found = sorted((f["start"], f["end"]) for f in findings if f["path"] == name)
        expected = sorted((i, i + len(person)) for person in ("何俊峰", "刘芳", "张伟") for i in _all(text, person))
        assert found == expected, name
        assert {text[s:e] for s, e in found} <= {"何俊峰", "刘芳", "张伟"}


def _all(text: str, word: str) -> list[int]:
    out, pos = [], text.find(word)
    while pos >= 0:
        out.append(pos)
        pos = text.find(word, pos + 1)
    return out


def test_a_name_accepted_in_one_chunk_is_found_in_the_later_chunks(detector):
    filler = "今天的例会主要讨论了下季度的预算安排和人员调整。\n"
    text = "客服(何俊峰): 您好\n" + filler * 40 + "后续由何俊峰负责跟进。\n" + filler * 40 + "请何俊峰确认。\n"
    chunked = ChunkedDetector(detector, chunk_chars=600, overlap=120)
    blocks = [TextBlock(text[i : i + 97], i) for i in range(0, len(text), 97)]
    located = [d.detection for d in chunked.detect(blocks) if d.detection.entity_type == "PERSON"]
    assert [(d.start, d.end) for d in located] == [(i, i + 3) for i in _all(text, "何俊峰")]
    assert len(located) == 3


def test_mentions_respect_word_boundaries_and_other_findings():
    accepted = Detection("PERSON", 0, 2, 0.6, "cn_person_free_text", "names@1.2.0", "王芳", "valid")
    names = DocumentNames()
    text = "王芳：你好。汪王芳菲不是她；联系王芳 wangfang@example.com"
    email = Detection("EMAIL_ADDRESS", text.index("wang"), len(text), 0.9, "email", "general@1", "x", "valid")
    found = names.complete(text, [accepted, email])
    assert [(d.start, d.value) for d in found if d.entity_type == "PERSON"] == [
        (0, "王芳"),
        (text.index("联系王芳") + 2, "王芳"),
    ]


def test_common_words_and_the_memory_bound():
    names = DocumentNames(max_names=3)
    word = Detection("PERSON", 0, 2, 0.4, "cn_person_field", "cn_contact@1", "高峰", "valid")
    names.learn([word])
    assert len(names) == 0  # 高峰 (a peak) is a word first: never propagated
    people = [Detection("PERSON", i, i + 3, 0.6, "r", "p", value, "valid") for i, value in
              enumerate(["何俊峰", "林晓雯", "陈思远", "黄佳雪", "周建华"])]  # fmt: skip
    names.learn(people)
    assert len(names) == 3
    text = "周建华和陈思远都到了"
    assert [d.value for d in names.complete(text, [])] == ["陈思远"]  # 周建华 came after the bound
