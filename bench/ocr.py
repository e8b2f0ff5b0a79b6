"""OCR throughput: drawn scans (tests/ocr_fixtures.py) read through the scanner's picture extractor on one
core; prints pages per second per core (CPU time and wall clock), model load time and peak RSS; then the same
scans pasted under a typed header in a PDF (pictures taken out of text pages) and copies of them in another
folder (answered from the in-memory reading cache, not read again).

    python bench/ocr.py              # 30 pictures
    python bench/ocr.py --quick      # 3 pictures (the smoke run, tests/test_ocr_bench_smoke.py)
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanner.extract.image import ImageExtractor  # noqa: E402
from scanner.extract.pdf import PdfExtractor  # noqa: E402
from tests.ocr_fixtures import fixture_set  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count = 3 if args.quick else args.count
    with tempfile.TemporaryDirectory() as folder:
        paths = [s.save(Path(folder) / f"{i:03d}.jpg") for i, s in enumerate(fixture_set(count, seed=7))]
        start = time.perf_counter()
        from scanner.ocr.engine import recognizer
        from scanner.ocr.reading_cache import READINGS

        recognizer()
        loaded = time.perf_counter() - start
        cpu0, wall0 = time.process_time(), time.perf_counter()
        chars = sum(_characters(ImageExtractor(ocr=True), path) for path in paths)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        copies = Path(folder) / "copies"
        copies.mkdir()
        wall0 = time.perf_counter()
        for path in paths:
            _characters(ImageExtractor(ocr=True), Path(shutil.copy(path, copies)))
        cached = time.perf_counter() - wall0
        READINGS.clear()  # the PDF's pictures are the same scans: read them again, from the PDF
        pdf = _typed_pdf(Path(folder) / "typed.pdf", paths)
        wall0 = time.perf_counter()
        pdf_chars = _characters(PdfExtractor(ocr=True), pdf)
        pdf_wall = time.perf_counter() - wall0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"ocr: {count} pictures, {chars} characters read; model load {loaded:.1f} s")
    print(f"ocr: {count / cpu:.2f} pages/s per core (CPU time), {count / wall:.2f} pages/s wall clock")
    print(f"ocr: pictures on typed PDF pages {count / pdf_wall:.2f} pages/s wall clock, {pdf_chars} characters read")
    print(f"ocr: copies answered from the reading cache {1000 * cached / count:.1f} ms per picture")
    print(f"ocr: peak RSS {peak_mb:.0f} MB")


def _characters(extractor, path: Path) -> int:
    return sum(len(getattr(block, "text", "")) for block in extractor.blocks(path))


def _typed_pdf(path: Path, pictures: list[Path]) -> Path:
    """One page per picture: a typed header, the scan pasted under it (reportlab, from the test extra)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    for number, picture in enumerate(pictures, start=1):
        pdf.drawString(72, 800, f"Customer file {number}: copy of the document below")
        pdf.drawImage(str(picture), 72, 380, width=428, preserveAspectRatio=True, anchor="sw")
        pdf.showPage()
    pdf.save()
    return path


if __name__ == "__main__":
    main()
