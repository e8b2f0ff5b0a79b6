"""The OCR candidates side by side on the drawn scans (tests/ocr_fixtures.py): accuracy through the real
detector, seconds per page on one core, and the document kind each one's text gives.

    unshare -n python bench/ocr_candidates.py --count 60        # networking blocked: nothing may download

Candidates: rapidocr-onnxruntime 1.4 (PP-OCRv4 in the wheel), rapidocr 3 (PP-OCRv6 small in the wheel) and
Tesseract 5 with Debian's chi_sim + eng (`--psm 6`, a uniform block; `--psm 3` is worse on cards). Each reads
the upright picture (turns are the orientation step's job, measured in tests/test_ocr_targets.py); one thread.
A candidate that is not installed is reported and skipped (only rapidocr 3 is in the `ocr` extra; the others:
`pip install rapidocr-onnxruntime`, `apt-get install tesseract-ocr tesseract-ocr-chi-sim`).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanner.detect.engine import Detector  # noqa: E402
from scanner.detect.rulepack import load_default_packs  # noqa: E402
from scanner.ocr.document_kind import document_kind  # noqa: E402
from scanner.ocr.layout import Box, RecognizedLine, place  # noqa: E402
from tests.ocr_fixtures import fixture_set, upright  # noqa: E402
from tests.ocr_scoring import Tally  # noqa: E402


def _box(points) -> Box:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return Box(int(min(xs)), int(min(ys)), int(max(xs)), int(max(ys)))


def rapidocr_v1():
    from rapidocr_onnxruntime import RapidOCR

    engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)

    def read(image) -> list[RecognizedLine]:
        import numpy as np

        result, _ = engine(np.asarray(image.convert("RGB"))[:, :, ::-1])
        return [RecognizedLine(text, float(score), _box(box)) for box, text, score in result or ()]

    return read


def rapidocr_v3():
    from rapidocr import RapidOCR

    engine = RapidOCR(params={"EngineConfig.onnxruntime.intra_op_num_threads": 1, "Global.log_level": "error"})

    def read(image) -> list[RecognizedLine]:
        import numpy as np

        out = engine(np.asarray(image.convert("RGB"))[:, :, ::-1])
        if out.txts is None:
            return []
        return [RecognizedLine(t, float(s), _box(b)) for b, t, s in zip(out.boxes, out.txts, out.scores, strict=True)]

    return read


def tesseract():
    def read(image) -> list[RecognizedLine]:
        with tempfile.NamedTemporaryFile(suffix=".png") as f:
            image.save(f.name)
            tsv = subprocess.run(
                ["tesseract", f.name, "stdout", "-l", "chi_sim+eng", "--psm", "6", "tsv"],
                capture_output=True, text=True, check=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            ).stdout  # fmt: skip
        lines: dict[tuple[str, str, str], list[list[str]]] = {}
        for row in tsv.splitlines()[1:]:
            cols = row.split("\t")
            if len(cols) == 12 and cols[0] == "5" and cols[11].strip():
                lines.setdefault((cols[2], cols[3], cols[4]), []).append(cols)
        out = []
        for words in lines.values():
            left = min(int(w[6]) for w in words)
            top = min(int(w[7]) for w in words)
            right = max(int(w[6]) + int(w[8]) for w in words)
            bottom = max(int(w[7]) + int(w[9]) for w in words)
            text = "".join(w[11] for w in words)  # chi_sim splits every character into a word
            score = sum(float(w[10]) for w in words) / len(words) / 100
            out.append(RecognizedLine(text, score, Box(left, top, right, bottom)))
        return out

    return read


def _cpu() -> float:
    """CPU seconds of this process and its finished children (Tesseract runs as one)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


CANDIDATES = {"rapidocr-onnxruntime 1.4.4": rapidocr_v1, "rapidocr 3.10.0": rapidocr_v3, "tesseract 5.3": tesseract}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    detector = Detector(load_default_packs())
    scans = [upright(s) for s in fixture_set(args.count)]
    for name, make in CANDIDATES.items():
        if args.only and args.only not in name:
            continue
        try:
            read = make()
            read(scans[0].image)  # warm up: the first call loads the models
        except (ImportError, FileNotFoundError) as exc:
            print(f"{name}: not installed ({exc})")
            continue
        tally, seconds = Tally(), 0.0
        for item in scans:
            start = _cpu()
            placed = place(read(item.image))
            seconds += _cpu() - start
            found = [(d.entity_type, d.value) for d in detector.detect(placed.text)]
            tally.add(item.label, item.truth, placed.text, found, document_kind(placed.text))
        print(f"{name}: {seconds / len(scans):.2f} CPU s/page; {tally.summary()}")
        print(f"  misses: {', '.join(tally.misses[:12])}")


if __name__ == "__main__":
    main()
