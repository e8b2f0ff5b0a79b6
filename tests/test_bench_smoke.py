"""The benchmark's smoke mode runs end to end and prints its numbers (CI runs only this mode)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # generates a corpus and runs stock Presidio: about a minute
def test_bench_quick_prints_throughput() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--quick", "--mb", "0.3", "--stock-mb", "0.05"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for row in ("custos, full corpus", "custos, second run", "stock Presidio, stock subset"):
        assert row in out
    assert re.search(r"custos, full corpus, fresh DB\s+\d+\.\d+", out), out  # an MB/s figure
    assert re.search(r"stock Presidio, stock subset\s+\d+\.\d+", out), out
    assert re.search(r"Speed ratio custos/stock \(MB/s, same subset\): \d+\.\dx", out), out
    assert re.search(r"Peak RSS: custos \d+ MB, stock Presidio \d+ MB", out), out
    table = out.split("Per format (custos)", 1)
    assert len(table) == 2, out
    assert re.search(r"^format\s+files\s+MB\s+seconds\s+files/s\s+MB/s\s+findings", table[1], re.M), out
    numbers = r"\s+[1-9]\d*\s+\d+\.\d\d\s+\d+\.\d\d\s+\d+\.\d\s+\d+\.\d\d\s+[\d,]+"  # files MB s files/s MB/s findings
    for fmt in ("csv", "txt", "xlsx", "docx", "pdf", "eml", "zip"):
        assert re.search(rf"^{fmt}{numbers}", table[1], re.M), out
