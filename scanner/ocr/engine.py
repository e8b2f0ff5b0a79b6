"""The recognizer: RapidOCR 3 (PP-OCRv6 small detection and recognition models, Chinese and English, inside its
wheel) on ONNX Runtime, loaded on first use, once per process, with one inference thread.

It is the optional extra `ocr` (about 290 MB with OpenCV and ONNX Runtime). Without it, `recognizer()` raises
`OcrUnavailable` whose reason the scan records as `needs_ocr`. docs/ocr.md says why this engine.
"""

from __future__ import annotations

import logging
import threading
from functools import cache
from typing import Any

from PIL import Image

from scanner.ocr.layout import Box, RecognizedLine

ENGINE_NAME = "rapidocr 3 (PP-OCRv6 small)"
INSTALL_HINT = "install the OCR extra (pip install 'custos[ocr]')"

# Models and settings: all from the wheel; the model check never reaches the network when the file is there.
_PARAMS = {
    "Global.log_level": "error",
    "Global.text_score": 0.5,
    # No line-angle classifier: a line upside down then reads as low-confidence noise, which is how
    # orientation.py tells that the whole picture is turned (the classifier would read it and hide the turn).
    "Global.use_cls": False,
    "EngineConfig.onnxruntime.intra_op_num_threads": 1,  # one core per worker: --jobs N scales across files
    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
}


class OcrUnavailable(Exception):
    """No recognizer in this installation; the message says what to install."""


class Recognizer:
    """Reads the lines of text on one upright picture. Thread-safe: one call at a time per process."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self.calls = 0  # pictures passed to the engine (each quarter turn tried counts): what the cache saves

    def read(self, image: Image.Image) -> list[RecognizedLine]:
        import numpy as np

        pixels = np.asarray(image.convert("RGB"))[:, :, ::-1]  # OpenCV's channel order
        with self._lock:
            self.calls += 1
            out = self._engine(pixels)
        if out.txts is None:
            return []
        return [
            RecognizedLine(text, float(score), _bounding(points))
            for points, text, score in zip(out.boxes, out.txts, out.scores, strict=True)
            if text.strip()
        ]


@cache
def recognizer() -> Recognizer:
    """The process's recognizer, loaded on the first call (about a second); OcrUnavailable without the extra."""
    try:
        from rapidocr import RapidOCR
    except ImportError as exc:
        raise OcrUnavailable(f"no OCR engine installed ({exc.name or exc}); {INSTALL_HINT}") from exc
    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    try:
        return Recognizer(RapidOCR(params=_PARAMS))
    except Exception as exc:  # a broken install (missing model, wrong onnxruntime) must not stop the scan
        raise OcrUnavailable(f"the OCR engine failed to load ({type(exc).__name__}: {exc}); {INSTALL_HINT}") from exc


def available() -> str | None:
    """None when OCR can run here, else the reason it cannot (without loading the models)."""
    import importlib.util

    for module in ("rapidocr", "onnxruntime", "cv2"):
        if importlib.util.find_spec(module) is None:
            return f"no OCR engine installed ({module} missing); {INSTALL_HINT}"
    return None


def _bounding(points: Any) -> Box:
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    return Box(round(min(xs)), round(min(ys)), round(max(xs)), round(max(ys)))
