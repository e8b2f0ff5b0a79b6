"""Names on independent test sets (tests/data, written apart from the detector): quiet on surname-initial
words, and recall on names in varied contexts."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.detect.examples import parse_example

DATA = Path(__file__).parent / "data"
NOT_NAMES = [line for line in (DATA / "cn_not_names.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
NAMED = [line for line in (DATA / "cn_names_in_context.txt").read_text(encoding="utf-8").splitlines() if line.strip()]

# Measured on 2026-11-23: 296 of 308 (0.961); the issue asks for 0.95.
RECALL_FLOOR = 296 / 308  # the speed work (issue 11) must not lose a name: 296 found before it


def test_the_sets_are_large_enough():
    assert len(NOT_NAMES) >= 200
    assert sum(len(parse_example(line)[1]) for line in NAMED) >= 200


@pytest.mark.parametrize("sentence", NOT_NAMES, ids=[s[:20] for s in NOT_NAMES])
def test_surname_initial_words_are_not_people(detector, sentence):
    assert [d.value for d in detector.detect(sentence) if d.entity_type == "PERSON"] == []


def test_names_in_context_are_found(detector):
    found = total = 0
    missed = []
    for line in NAMED:
        text, spans = parse_example(line)
        people = [(d.start, d.end) for d in detector.detect(text) if d.entity_type == "PERSON"]
        for start, end in spans:
            total += 1
            if any(s < end and start < e for s, e in people):
                found += 1
            else:
                missed.append(text[start:end])
    assert found / total >= RECALL_FLOOR, f"{found}/{total}; missed e.g. {missed[:10]}"
