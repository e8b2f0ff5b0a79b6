"""Keyset pages of the findings screen (scanner/store/review.py): the page after the last row shown, or before the
first, is exactly the page OFFSET would read, in every sort order, on SQLite and PostgreSQL, ties included."""

from __future__ import annotations

import pytest

from scanner.review.pages import read_page
from scanner.states import FileStatus
from scanner.store.review import SORT_KEYS, FindingFilter, ReviewQueries
from scanner.store.store import NewFinding, Store

ROOT = "/srv/share"


def finding(entity_type: str, start: int, sensitivity: str, score: float) -> NewFinding:
    return NewFinding(entity_type, start, start + 5, "line 1", score, f"{entity_type.lower()}.v1", "cn-core@1",
                      sensitivity, (), "138****0000", f"fp-{entity_type}-{start}", None)  # fmt: skip


@pytest.fixture
def store(db_url):
    with Store(db_url) as store:
        run = store.begin_run(ROOT, "cn-core@1", "test")
        kinds = [
            ("CN_MOBILE", "general", 0.9),
            ("CN_RESIDENT_ID", "sensitive", 0.95),
            ("EMAIL_ADDRESS", "general", 0.9),
        ]
        for i in range(9):
            picked = [kinds[(i + k) % 3] for k in range(i % 5 + 2)]
            rows = [finding(t, 10 * (k % 4), s, score) for k, (t, s, score) in enumerate(picked)]
            # equal starts in one file (k and k + 4): the id breaks the tie
            store.record_scan(root=ROOT, rel_path=f"d{i % 2}/f{i}.csv", run_id=run, status=FileStatus.SCANNED,
                              size=1, mtime_ns=1, sha256="x", findings=rows)  # fmt: skip
        yield store


def test_seeking_page_by_page_reads_what_offsets_read(store):
    for sort in sorted(SORT_KEYS):
        for flt in (FindingFilter(), FindingFilter(sensitivity="general")):
            walk_both_ways(ReviewQueries(store), sort, flt)


def walk_both_ways(queries: ReviewQueries, sort: str, flt: FindingFilter) -> None:
    size = 4
    by_offset = [f.id for f in queries.findings_page(flt, sort=sort, offset=0, limit=1000)]
    assert len(by_offset) > 3 * size

    forwards, page = [], read_page(queries, "findings", flt, sort, 0, size)
    while page.rows:
        forwards += [f.id for f in page.rows]
        following = page.offset + len(page.rows)
        if following >= page.total:
            break
        page = read_page(queries, "findings", flt, sort, following, size, after=page.rows[-1])
        assert page.offset == following
    assert forwards == by_offset

    backwards, page = [], read_page(queries, "findings", flt, sort, None, size)
    while True:
        backwards = [f.id for f in page.rows] + backwards
        if page.offset == 0:
            break
        page = read_page(queries, "findings", flt, sort, page.offset - size, size, before=page.rows[0])
    assert backwards == by_offset
