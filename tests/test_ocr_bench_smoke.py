"""The OCR benchmark's smoke mode runs end to end and prints its numbers (CI runs only this mode)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # loads the recognizer and reads about ten pictures: 10–20 s
@pytest.mark.skipif(importlib.util.find_spec("rapidocr") is None, reason="the ocr extra is not installed")
def test_ocr_bench_quick_prints_pages_per_second() -> None:
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "ocr.py"), "--quick"],
                          capture_output=True, text=True, timeout=300, cwd=REPO, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert re.search(r"^ocr: 3 pictures, [1-9]\d* characters read; model load \d+\.\d s$", out, re.M), out
    assert re.search(r"^ocr: \d+\.\d\d pages/s per core \(CPU time\), \d+\.\d\d pages/s wall clock$", out, re.M), out
    assert re.search(r"^ocr: pictures on typed PDF pages \d+\.\d\d pages/s wall clock, [1-9]\d* characters", out, re.M)
    assert re.search(r"^ocr: copies answered from the reading cache \d+\.\d ms per picture$", out, re.M), out
    assert re.search(r"^ocr: peak RSS \d+ MB$", out, re.M), out
