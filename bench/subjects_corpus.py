"""Link precision/recall of data subjects on the dev corpus (../shared/corpus), run by hand only.

Subject truth is built from the corpus labels (truth.jsonl: path, group, value, start, end):
- labels on the same record of a file are one person. Two definitions are scored: "line" (the label's line in
  the decoded file) and "record" (a line for tables and logs; the array element for .json; the blank-line
  separated paragraph for prose and pages: contracts' party blocks);
- the same strong identifier value (ID, PASSPORT, PHONE, EMAIL, normalised) in several places is one person.
Only labels with offsets (plain-text formats) have a place; each is matched to the finding of its group that
overlaps at least half of it, and takes that finding's subject. Pairwise precision/recall is over the matched
labels; distinct people are counted among them (truth clusters vs subjects).

    python bench/subjects_corpus.py [--corpus ../shared/corpus] [--db existing.db]
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # a checkout works without installing

from scanner.extract.base import TextBlock  # noqa: E402
from scanner.record_keys import RecordSpans  # noqa: E402

GROUP_OF = {
    "PERSON": "PERSON", "CN_RESIDENT_ID": "ID", "CN_PASSPORT": "PASSPORT", "CN_HK_MACAO_PASS": "PASSPORT",
    "CN_MOBILE": "PHONE", "CN_LANDLINE": "PHONE", "PHONE_NUMBER": "PHONE", "CN_BANK_CARD": "CARD",
    "CREDIT_CARD": "CARD", "EMAIL_ADDRESS": "EMAIL", "CN_ADDRESS": "ADDRESS", "LOCATION": "ADDRESS",
    "CN_USCC": "USCC", "CN_LICENSE_PLATE": "PLATE", "DATE_OF_BIRTH": "DOB", "IP_ADDRESS": "IP", "CN_QQ": "IM",
    "CN_WECHAT": "IM",
}  # fmt: skip
STRONG_GROUPS = {"ID", "PASSPORT", "PHONE", "EMAIL"}
PERSON_GROUPS = {"PERSON", "ID", "PASSPORT", "PHONE", "EMAIL", "CARD", "IM"}
ROW_SUFFIXES = {".csv", ".tsv", ".jsonl", ".log", ".md"}


def decoded(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def truth_records(files: Path, labels: list[dict], by: str) -> list[tuple[str, str]]:
    """Each label's (path, record) under the definition ``by`` ("line" or "record")."""
    texts: dict[str, str] = {}
    spans: dict[str, RecordSpans] = {}
    out = []
    for label in labels:
        path = label["path"]
        if path not in texts:
            texts[path] = decoded(files / path)
            suffix = Path(path).suffix.lower()
            spans[path] = RecordSpans(".json" if suffix == ".json" else ".csv" if suffix in ROW_SUFFIXES else ".txt")
            spans[path].feed(TextBlock(texts[path], 0))
            spans[path].finish()
        line = texts[path].count("\n", 0, label["start"]) + 1
        out.append((path, f"line {line}" if by == "line" else spans[path].key(label["start"], f"line {line}")))
    return out


def truth_people(labels: list[dict], records: list[tuple[str, str]]) -> list[int]:
    """Union of labels on one record and of labels sharing a strong identifier value: a person per label."""
    parent = list(range(len(labels)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[object, int] = {}
    for i, (label, record) in enumerate(zip(labels, records, strict=True)):
        keys = [record]
        if label["group"] in STRONG_GROUPS:
            keys.append((label["group"], re.sub(r"[\s\-+]", "", label["value"]).lower().removeprefix("86")))
        for key in keys:
            if key in first:
                parent[root(i)] = root(first[key])
            else:
                first[key] = i
    return [root(i) for i in range(len(labels))]


def found_subjects(db: Path, labels: list[dict]) -> list[int | None]:
    """Each label's subject: that of the current, linked finding of its group overlapping half of it."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT fi.rel_path, f.entity_type, f.start, f.end, sf.subject_id FROM findings f"
            " JOIN files fi ON fi.id = f.file_id JOIN subject_findings sf ON sf.finding_id = f.id"
            " WHERE fi.member = '' AND f.location != 'name'"
        ).fetchall()
    by_path: dict[str, list[tuple[str, int, int, int]]] = defaultdict(list)
    for path, entity_type, start, end, subject in rows:
        by_path[path].append((GROUP_OF.get(entity_type, "OTHER"), start, end, subject))
    out: list[int | None] = []
    for label in labels:
        need = (label["end"] - label["start"]) / 2
        best = max(
            ((min(e, label["end"]) - max(s, label["start"]), subject) for g, s, e, subject in by_path[label["path"]]
             if g == label["group"]),
            default=(0, None),
        )  # fmt: skip
        out.append(best[1] if best[0] >= need and best[0] > 0 else None)
    return out


def pairwise(found: list[int], truth: list[int]) -> tuple[float, float]:
    pairs = lambda counts: sum(n * (n - 1) // 2 for n in counts.values())  # noqa: E731
    together, truly = pairs(Counter(found)), pairs(Counter(truth))
    both = pairs(Counter(zip(found, truth, strict=True)))
    return (both / together if together else 1.0), (both / truly if truly else 1.0)


def scan(files: Path, db: Path) -> None:
    from scanner.build import build_scanner
    from scanner.detect.rulepack import load_default_packs
    from scanner.store.store import Store
    from scanner.subjects.link import link_subjects

    with Store(db) as store:
        build_scanner(store, db, load_default_packs()).scan(files)
        print(link_subjects(store))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "corpus")
    parser.add_argument("--db", type=Path, help="a database of the corpus already scanned and linked")
    args = parser.parse_args()
    files = args.corpus / "files"
    truth = [json.loads(line) for line in (args.corpus / "truth.jsonl").read_text(encoding="utf-8").splitlines()]
    labels = [t for t in truth if t.get("start") is not None and t["group"] != "USCC"]
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "custos.db"
        if args.db is None:
            scan(files, db)
        subjects = found_subjects(db, labels)
    matched = [i for i, s in enumerate(subjects) if s is not None]
    print(f"labels with a place: {len(labels)}; matched to a linked finding: {len(matched)}")
    for by in ("line", "record"):
        people = truth_people(labels, truth_records(files, labels, by))
        found = [subjects[i] for i in matched]
        true = [people[i] for i in matched]
        precision, recall = pairwise(found, true)
        persons = {people[i] for i in matched if labels[i]["group"] in PERSON_GROUPS}
        print(
            f"truth by {by}: pairwise link precision {precision:.3f} recall {recall:.3f}; distinct people among"
            f" matched labels: found {len(set(found))}, true {len(set(true))} ({len(persons)} holding a person's"
            " identifier)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
