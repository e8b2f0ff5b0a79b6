"""OCR throughput: drawn scans (tests/ocr_fixtures.py) read through the scanner's picture extractor on one
core; prints pages per second per core (CPU time and wall clock), model load time and peak RSS.

    python bench/ocr.py              # 30 pictures
    python bench/ocr.py --quick      # 6 pictures (the smoke run)
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanner.extract.image import ImageExtractor  # noqa: E402
from tests.ocr_fixtures import fixture_set  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count = 6 if args.quick else args.count
    with tempfile.TemporaryDirectory() as folder:
        paths = [s.save(Path(folder) / f"{i:03d}.jpg") for i, s in enumerate(fixture_set(count, seed=7))]
        start = time.perf_counter()
        from scanner.ocr.engine import recognizer

        recognizer()
        loaded = time.perf_counter() - start
        cpu0, wall0 = time.process_time(), time.perf_counter()
        chars = 0
        for path in paths:
            chars += sum(len(getattr(b, "text", "")) for b in ImageExtractor(ocr=True).blocks(path))
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"ocr: {count} pictures, {chars} characters read; model load {loaded:.1f} s")
    print(f"ocr: {count / cpu:.2f} pages/s per core (CPU time), {count / wall:.2f} pages/s wall clock")
    print(f"ocr: peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
