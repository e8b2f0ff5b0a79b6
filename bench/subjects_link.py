"""Benchmark: linking data subjects on a generated share of >= 100,000 records, with its link precision/recall.

The share holds the exports a company really has about the same customers: a CRM CSV (name, mobile, resident
ID) of everyone, an orders workbook and a members JSON Lines export of random halves of them (the same customer
in three exports, found again by the mobile), families sharing one mobile (two people, two IDs: must stay two),
a small pool of names (many 王芳 with different IDs: must stay apart) and a front-desk visitor log where
thousands of visitors left the company's switchboard number (too common: must link nobody).

The share is scanned for real (`build_scanner`), then `link_subjects` is timed. Every record's true person is
known from the generator, so pairwise link precision/recall and distinct people found vs true are printed.

    python bench/subjects_link.py                 # 100,000+ records
    python bench/subjects_link.py --people 2000   # quick
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # a checkout works without installing

from scanner.build import build_scanner  # noqa: E402
from scanner.detect.rulepack import load_default_packs  # noqa: E402
from scanner.store.store import Store  # noqa: E402
from scanner.subjects.link import link_subjects  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = ("芳", "伟", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英")
SWITCHBOARDS = ("13300001111", "13300002222", "13300003333")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(rng: random.Random, serial: int) -> str:
    birth = f"{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = f"{rng.choice(('110101', '310112', '330106', '440305'))}{birth}{serial % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def generate(root: Path, people: int, seed: int = 16) -> tuple[dict[tuple[str, str], int], int]:
    """Write the share; (file, record key) → true person id, and the number of records."""
    rng = random.Random(seed)
    names = [rng.choice(SURNAMES) + rng.choice(GIVEN) for _ in range(people)]
    ids = [resident_id(rng, n) for n in range(people)]
    phones = [f"1{rng.choice('3589')}{n:09d}" for n in range(people)]
    for person in range(0, people - 1, 20):  # families: every 20th person shares the next one's mobile
        phones[person] = phones[person + 1]
    truth: dict[tuple[str, str], int] = {}
    root.mkdir(parents=True)
    with (root / "crm_客户.csv").open("w", encoding="utf-8") as out:
        out.write("姓名,手机号,身份证号\n")
        for person in range(people):
            out.write(f"{names[person]},{phones[person]},{ids[person]}\n")
            truth[("crm_客户.csv", f"line {person + 2}")] = person
    _orders(root, rng, people, names, phones, truth)
    with (root / "members.jsonl").open("w", encoding="utf-8") as out:
        for line, person in enumerate(rng.sample(range(people), people // 2), start=1):
            row = {"name": names[person], "mobile": phones[person], "email": f"member{person}@example.com"}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            truth[("members.jsonl", f"line {line}")] = person
    visitors = max(people // 25, 10)
    with (root / "front_desk.csv").open("w", encoding="utf-8") as out:
        out.write("访客姓名,联系电话\n")
        for line in range(visitors):
            out.write(f"{rng.choice(SURNAMES) + rng.choice(GIVEN)},{rng.choice(SWITCHBOARDS)}\n")
            truth[("front_desk.csv", f"line {line + 2}")] = people + line
    return truth, len(truth)


def _orders(root: Path, rng: random.Random, people: int, names, phones, truth) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("订单")
    sheet.append(["姓名", "手机号", "金额"])
    for row, person in enumerate(rng.sample(range(people), people // 2), start=2):
        sheet.append([names[person], phones[person], rng.randint(10, 9999)])
        truth[("orders.xlsx", f"订单!{row}")] = person
    book.save(root / "orders.xlsx")


def pairwise(found: dict[tuple[str, str], int], truth: dict[tuple[str, str], int]) -> tuple[float, float]:
    """Pairwise precision/recall over the records both sides know: pairs put together vs truly together."""
    common = [k for k in truth if k in found]
    together = sum(n * (n - 1) // 2 for n in Counter(found[k] for k in common).values())
    truly = sum(n * (n - 1) // 2 for n in Counter(truth[k] for k in common).values())
    both = sum(n * (n - 1) // 2 for n in Counter((found[k], truth[k]) for k in common).values())
    return (both / together if together else 1.0), (both / truly if truly else 1.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=50_000, help="customers (records are about 2.04 times it)")
    parser.add_argument("--keep", type=Path, help="build the share and database here instead of a temp folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        share, db = base / "share", base / "state" / "custos.db"
        truth, records = generate(share, args.people)
        print(f"share: {records:,} records of {len(set(truth.values())):,} people in 4 exports")
        began = time.perf_counter()
        with Store(db) as store:
            build_scanner(store, db, load_default_packs()).scan(share)
            scanned = time.perf_counter() - began
            stats = link_subjects(store)
        with sqlite3.connect(db) as conn:
            found = {
                (path, record): subject
                for path, record, subject in conn.execute(
                    "SELECT f.rel_path, r.record, r.subject_id FROM subject_records r JOIN files f ON f.id = r.file_id"
                )
            }
        precision, recall = pairwise(found, truth)
        print(f"scan: {scanned:.1f} s; findings linked: {stats.findings:,} on {stats.records:,} records")
        print(f"link_subjects: {stats.seconds:.2f} s for {stats.records:,} records (target < 60 s for 100,000)")
        print(f"links: {stats.linked:,} merges, {stats.too_common:,} too common, {stats.conflicts:,} refused")
        print(f"people found: {stats.subjects:,}; true people: {len(set(truth.values())):,}")
        print(f"pairwise link precision {precision:.4f}, recall {recall:.4f} ({len(found):,} records matched)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
