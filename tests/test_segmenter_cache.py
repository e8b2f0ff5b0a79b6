"""jieba's name-tagged words are kept in the cache folder: a second start reads them instead of the dictionary."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.detect.segmenter import _read_name_words, _write_name_words

ROOT = Path(__file__).resolve().parents[1]


def test_cache_file_round_trip_is_private(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "jieba-names-x.txt"
    _write_name_words(path, {"王建国", "李娜", "欧阳娜娜"})
    assert _read_name_words(path) == frozenset({"王建国", "李娜", "欧阳娜娜"})
    assert path.stat().st_mode & 0o077 == 0
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_truncated_or_foreign_cache_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "jieba-names-x.txt"
    _write_name_words(path, {"王建国", "李娜", "欧阳娜娜"})
    whole = path.read_text("utf-8")
    for cut in (3, 12, len(whole) - 1):  # a write cut short anywhere
        path.write_text(whole[:-cut], "utf-8")
        assert _read_name_words(path) is None
    path.write_text(whole.replace("李娜\n", ""), "utf-8")  # a word lost
    assert _read_name_words(path) is None
    path.write_bytes(b"\xff\xfe not a cache")
    assert _read_name_words(path) is None
    assert _read_name_words(tmp_path / "missing.txt") is None


@pytest.mark.slow  # two interpreters loading jieba
def test_second_start_reads_the_cache_and_gets_the_same_words(tmp_path: Path) -> None:
    code = (
        "from scanner.detect import segmenter as s; import jieba; w = s.name_words(); "
        "c = s._name_words_cache(jieba); print(len(w), c.exists(), '王' + '建国' in w or len(w) > 10000)"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    cache = list((tmp_path / "custos").glob("jieba-names-*.txt"))
    assert len(cache) == 1
    # two words of our own: the second start shows it read the file, not the dictionary
    cache[0].write_text("2\n甲乙\n丙丁\n-- end --", "utf-8")
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert first.stdout.split()[1:] == ["True", "True"]
    assert int(first.stdout.split()[0]) > 10_000
    assert second.stdout.split()[0] == "2"
