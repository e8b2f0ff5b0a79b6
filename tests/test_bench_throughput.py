"""bench/throughput.py runs end to end at a tiny size and prints its table (slow: run with -m slow)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_throughput_quick_prints_table() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "throughput.py"), "--quick", "--only", "a,b,d"]
        + ["--mb", "0.3", "--eml-mib", "0.3", "--stock-mb", "0.05"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert re.search(
        r"^input\s+MB\s+j1 s\s+j1 MB/s\s+j1 net\s+j2 MB/s\s+j2 net\s+j2/j1\s+findings j1\s+j2\s+RSS MB\s+grep MB/s",
        out,
        re.M,
    )
    number = r"\s+\d+\.\d"
    maybe = r"\s+(\d+\.\d+|n/a)"
    for label in ("a", "b", "d"):
        # MB, seconds, jobs-1 MB/s, net, jobs-2 MB/s, net, ratio (n/a where unknown), findings, check, RSS, grep
        row = rf"^{label}{number}{number}{number}+{maybe}{maybe}{maybe}{maybe}\s+[\d,]+\s+(✓|n/a)\s+\d+{number}"
        assert re.search(row, out, re.M), out
    assert re.search(r"peak RSS per process: \d+ MB", out), out
    assert re.search(r"ratio custos/stock, same terms: \d+\.\dx", out), out
    startup = r"^Start-up \(median of 3\): `custos scan` of two one-line files takes \d+\.\d s with --jobs 1"
    assert re.search(startup, out, re.M), out
