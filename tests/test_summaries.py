"""The review's kept totals (scanner/store/summaries.py) on SQLite and PostgreSQL: after every kind of write that
changes findings or files (scans, re-scans, false positives, masks and their undo, moves, deletions, files gone),
what the writes kept equals a full recount, and the dashboard and page counts they feed equal counting the rows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scanner.review.pages import read_page
from scanner.states import FileStatus, FindingState
from scanner.store.actions import ActionStore
from scanner.store.moves import FileMoves
from scanner.store.review import FindingFilter, ReviewQueries
from scanner.store.store import NewFinding, Store
from scanner.store.summaries import recount

REPO = Path(__file__).resolve().parents[1]
ROOT = "/srv/share"


def finding(entity_type: str, start: int, sensitivity: str = "general", location: str = "line 1") -> NewFinding:
    return NewFinding(entity_type, start, start + 5, location, 0.9, f"{entity_type.lower()}.v1", "cn-core@1",
                      sensitivity, (), "138****0000", f"fp-{entity_type}-{start}", None)  # fmt: skip


def scan(store: Store, run: int, rel_path: str, *findings: NewFinding, status: str = FileStatus.SCANNED,
         member: str = "") -> int:  # fmt: skip
    return store.record_scan(root=ROOT, rel_path=rel_path, member=member, run_id=run, status=status,
                             size=1, mtime_ns=1, sha256="x", findings=list(findings))  # fmt: skip


def assert_kept_equals_recount(store: Store) -> None:
    with store.transaction():
        found = recount(store.connection, repair=False)
    assert (found.files_wrong, found.totals_wrong) == (0, 0), found


def test_every_kind_of_write_keeps_the_totals_equal_to_a_recount(db_url):
    with Store(db_url) as store:
        run = store.begin_run(ROOT, "cn-core@1", "test")
        a = scan(store, run, "财务部/客户名单.csv", finding("CN_MOBILE", 0), finding("CN_RESIDENT_ID", 10, "sensitive"),
                 finding("CN_MOBILE", 20))  # fmt: skip
        b = scan(store, run, "人事部/花名册.xlsx", finding("PERSON", 0), finding("PERSON", 7, location="name"))
        scan(store, run, "readme.txt")
        scan(store, run, "locked.pdf", status=FileStatus.PERMISSION_DENIED)
        scan(store, run, "bundle.zip", finding("EMAIL_ADDRESS", 3), member="inner/a.csv")
        assert_kept_equals_recount(store)

        scan(store, run, "财务部/客户名单.csv", finding("CN_MOBILE", 0), finding("CN_BANK_CARD", 30, "sensitive"))
        scan(store, run, "readme.txt", finding("EMAIL_ADDRESS", 1))  # a re-scan finds something new
        assert_kept_equals_recount(store)

        actions = ActionStore(store)
        ids = [f.id for f in actions.active_findings_of(a)]
        with store.transaction():
            actions.set_finding_state(ids[:1], FindingState.DISMISSED)  # a false positive
        actions.set_file_status(b, FileStatus.QUARANTINED)
        assert_kept_equals_recount(store)

        moves = FileMoves(store)
        moves.rename_dir(ROOT, "财务部", "archive/财务部")  # the top folder changes
        moves.rename_file(ROOT, "readme.txt", "docs/readme.txt")
        moves.mark_file_gone(ROOT, "bundle.zip")
        assert_kept_equals_recount(store)
        store.mark_missing(ROOT, store.begin_run(ROOT, "cn-core@1", "test"), under="archive")
        assert_kept_equals_recount(store)


def test_the_dashboard_and_page_counts_equal_counting_the_rows(db_url):
    with Store(db_url) as store:
        run = store.begin_run(ROOT, "cn-core@1", "test")
        for i in range(12):
            scan(store, run, f"d{i % 3}/f{i}.csv", *[finding("CN_MOBILE", 10 * k) for k in range(i % 4)],
                 finding("CN_RESIDENT_ID", 99, "sensitive"))  # fmt: skip
        scan(store, run, "gone.csv", finding("PERSON", 0))
        store.mark_missing(ROOT, store.begin_run(ROOT, "cn-core@1", "test"), under="nowhere")  # nothing missing
        FileMoves(store).mark_file_gone(ROOT, "gone.csv")
        db = store.connection
        board = ReviewQueries(store).dashboard()

        def counted(sql: str) -> list[tuple]:
            return sorted(tuple(r) for r in db.execute(sql))

        active = "FROM findings f WHERE f.state = 'active'"
        assert sorted(board.by_state) == counted("SELECT state, COUNT(*) FROM findings GROUP BY state")
        assert sorted(board.by_sensitivity) == counted(f"SELECT sensitivity, COUNT(*) {active} GROUP BY 1")
        assert sorted(board.by_type) == counted(
            f"SELECT entity_type, COUNT(*), COUNT(DISTINCT file_id) {active} GROUP BY 1"
        )  # fmt: skip
        assert sorted(board.by_folder) == [("d0", 10), ("d1", 10), ("d2", 10)]
        assert board.files_total == db.execute("SELECT COUNT(*) FROM files WHERE status != 'gone'").fetchone()[0]
        assert board.files_with_findings == 12

        queries = ReviewQueries(store)
        everything, sensitive = FindingFilter(), FindingFilter(sensitivity="sensitive")
        assert read_page(queries, "findings", everything, "path", 0, 5).total == 30
        assert read_page(queries, "findings", sensitive, "type", 0, 5).total == 12
        files = read_page(queries, "files", everything, "findings", 0, 5)
        assert files.total == 12 and [f.findings for f in files.rows] == [4, 4, 4, 3, 3]
        assert files.rows[0].types == "CN_MOBILE,CN_RESIDENT_ID" and files.rows[0].sensitive == 1


def test_counts_past_the_cap_are_shown_as_at_least(tmp_path, monkeypatch):
    import scanner.review.pages as pages

    monkeypatch.setattr(pages, "COUNT_CAP", 10)
    with Store(tmp_path / "custos.db") as store:
        run = store.begin_run(ROOT, "cn-core@1", "test")
        for i in range(6):
            scan(store, run, f"客户/f{i}.csv", finding("CN_MOBILE", 0), finding("CN_MOBILE", 9))
        search = FindingFilter(search="客户")  # not answered from the kept totals: counted, up to the cap
        first = read_page(ReviewQueries(store), "findings", search, "path", 0, 5)
        assert (first.total, first.exact) == (11, False)
        last = read_page(ReviewQueries(store), "findings", search, "path", None, 5)  # the last page: counted exactly
        assert (last.total, last.exact, last.offset, len(last.rows)) == (12, True, 10, 2)


def test_db_recount_repairs_totals_that_went_wrong(tmp_path):
    db = tmp_path / "custos.db"
    with Store(db) as store:
        scan(store, store.begin_run(ROOT, "cn-core@1", "test"), "a.csv", finding("CN_MOBILE", 0))
        store.connection.execute("UPDATE review_counts SET n = n + 5 WHERE metric = 'state'")
        store.connection.execute("DELETE FROM file_summaries")
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    command = [sys.executable, "-m", "scanner.cli", "db", "recount", "--db", str(db)]
    repaired = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert repaired.returncode == 0, repaired.stderr
    assert "1 file summary" in repaired.stdout and "1 total" in repaired.stdout, repaired.stdout
    again = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert "nothing to repair" in again.stdout, again.stdout
