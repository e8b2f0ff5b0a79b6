"""The handover throughput benchmark runs end to end and prints MB/s for build, verify and open."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_handover_bench_prints_throughput() -> None:
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "handover_throughput.py"), "--mb", "2", "--files", "3"],
                          capture_output=True, text=True, timeout=120, cwd=REPO, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    for step in ("build", "verify (no key)", "verify (with key)", "open"):
        assert re.search(rf"^{re.escape(step)}\s+\d+\.\d\d\s+\d+\.\d$", proc.stdout, re.M), proc.stdout
