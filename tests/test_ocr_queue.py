"""The OCR queue's parts without the recognizer: the work queue's lanes (both engines, SKIP LOCKED on PostgreSQL),
a scan with OCR left to the queue ("queued for OCR"), the ocr_done status counted as inspected, and the OCR
worker's lowered priority. The daemon running them with real OCR is tests/test_daemon_ocr.py (slow)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.classify import Policy
from scanner.daemon.priority import thread_nice_values
from scanner.discover import FileRef
from scanner.file_scan import FileResult, FileScanner, ScanOptions
from scanner.reports.compliance.model import Coverage
from scanner.states import FileStatus, JobReason
from scanner.store.file_status import not_inspected
from scanner.store.store import NewFinding, Store
from scanner.store.work_queue import ANY_JOB, OCR_JOBS, SCAN_JOBS, WorkQueue
from scanner.store.work_queue_pg import OCR_MAX_WAIT_S
from tests.engines import rows
from tests.ocr_fixtures import ID_FRONT, docx_with_picture, scan

ROOT = "/srv/share"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def queue(db_url: str):
    with Store(db_url) as store:
        yield WorkQueue(store)


def _claim(queue: WorkQueue, lane: str, now: float = 10) -> str | None:
    job = queue.claim(f"w-{lane[:5]}", now=now, lease_seconds=60, lane=lane)
    return job and f"{job.rel_path}:{job.reason}"


# --- the queue's lanes ---------------------------------------------------------------------------------------
def test_scan_workers_leave_ocr_jobs_and_the_ocr_worker_waits_for_the_ready_text_jobs(queue):
    assert queue.enqueue_ocr(ROOT, "photo.jpg", now=0)
    queue.enqueue(ROOT, "a.txt", "created", not_before=5, now=0)
    queue.enqueue(ROOT, "later.txt", "created", not_before=100, now=0)
    depth = queue.depth(now=10)
    assert (depth.queued, depth.ocr_queued) == (3, 1) and queue.has_ocr_jobs()
    assert _claim(queue, OCR_JOBS) is None  # a.txt is ready: text first
    text = queue.claim("w1", now=10, lease_seconds=60, lane=SCAN_JOBS)
    assert (text.rel_path, queue.complete(text.id, "w1")) == ("a.txt", True)
    assert _claim(queue, SCAN_JOBS) is None  # later.txt is not due, and the picture is not a scan worker's
    assert queue.next_ready_in(10, SCAN_JOBS) == 90  # a scan worker sleeps till later.txt, not on the picture
    picture = queue.claim("ocr-1", now=10, lease_seconds=60, lane=OCR_JOBS)  # later.txt, not due, does not hold it
    assert (picture.rel_path, picture.reason) == ("photo.jpg", JobReason.OCR)
    assert queue.depth(now=10).ocr_queued == 0 and queue.has_ocr_jobs()  # running
    assert queue.complete(picture.id, "ocr-1") and not queue.has_ocr_jobs()
    assert _claim(queue, ANY_JOB, now=100) == "later.txt:created"


def test_a_picture_waiting_longer_than_the_bound_is_read_even_while_text_jobs_keep_coming(queue):
    assert queue.enqueue_ocr(ROOT, "photo.jpg", now=0)
    queue.enqueue(ROOT, "busy.txt", "modified", not_before=0, now=0)
    assert _claim(queue, OCR_JOBS, now=OCR_MAX_WAIT_S - 1) is None  # text first, while the picture is fresh
    assert _claim(queue, OCR_JOBS, now=OCR_MAX_WAIT_S) == "photo.jpg:ocr_queue"  # then no longer
    assert _claim(queue, SCAN_JOBS, now=OCR_MAX_WAIT_S) == "busy.txt:modified"


def test_an_event_for_a_path_queued_for_ocr_makes_it_an_ordinary_job_again(queue):
    queue.enqueue_ocr(ROOT, "photo.jpg", now=0)
    queue.enqueue(ROOT, "photo.jpg", "modified", not_before=5, now=1)  # changed while it waited: read it afresh
    assert queue.depth(now=10).ocr_queued == 0
    assert _claim(queue, OCR_JOBS) is None
    assert _claim(queue, SCAN_JOBS) == "photo.jpg:modified"


def test_a_path_already_queued_is_not_queued_for_ocr_over_it(queue, db_url):
    queue.enqueue(ROOT, "photo.jpg", "modified", not_before=5, now=0)
    assert not queue.enqueue_ocr(ROOT, "photo.jpg", now=1)  # that scan queues OCR again if it still needs it
    assert [r["reason"] for r in rows(db_url, "SELECT reason FROM work_queue")] == ["modified"]


def test_ocr_queued_by_the_worker_scanning_the_path_waits_for_that_scan_to_end(queue):
    queue.enqueue(ROOT, "photo.jpg", "created", not_before=0, now=0)
    job = queue.claim("w1", now=1, lease_seconds=60, lane=SCAN_JOBS)
    assert queue.enqueue_ocr(ROOT, "photo.jpg", now=2)  # before complete, as the worker does
    assert _claim(queue, OCR_JOBS, now=3) is None  # w1 still holds the path
    assert queue.complete(job.id, "w1")
    assert _claim(queue, OCR_JOBS, now=3) == f"photo.jpg:{JobReason.OCR}"


def test_a_scan_job_put_back_onto_a_path_queued_for_ocr_stays_a_scan_job(queue):
    queue.enqueue(ROOT, "photo.jpg", "created", not_before=0, now=0)
    queue.claim("w1", now=1, lease_seconds=60, lane=SCAN_JOBS)
    queue.enqueue_ocr(ROOT, "photo.jpg", now=2)
    assert queue.release("w1") == 1  # the scan it stood for was never done: merged, it is a scan job
    assert _claim(queue, SCAN_JOBS, now=3) == "photo.jpg:created"


# --- a scan that leaves pictures to the queue ----------------------------------------------------------------
def _scan(detector, path: Path, **options) -> FileResult:
    scanner = FileScanner(detector, key=b"k" * 32, policy=Policy(), options=ScanOptions(**options))
    st = os.stat(path)
    return scanner.scan(FileRef(path, path.name, st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)).results[-1]


def test_a_scan_for_the_ocr_queue_marks_what_it_left_unread_and_says_so(detector, tmp_path):
    picture = scan(ID_FRONT, 3, level=0).save(tmp_path / "id.png")
    pdf = tmp_path / "scan.pdf"
    scan(ID_FRONT, 4, level=0).image.save(pdf, "PDF", resolution=100)
    contract = docx_with_picture(tmp_path / "contract.docx", "客户手机：13912345678", picture)
    note = tmp_path / "note.txt"
    note.write_text("手机：13912345678\n", encoding="utf-8")

    queued = {p.name: _scan(detector, p, ocr=False, ocr_queued=True) for p in (picture, pdf, contract, note)}
    assert {n: (r.status, r.ocr_queued) for n, r in queued.items()} == {
        "id.png": (FileStatus.NEEDS_OCR, True), "scan.pdf": (FileStatus.NEEDS_OCR, True),
        "contract.docx": (FileStatus.SCANNED, True), "note.txt": (FileStatus.SCANNED, False),
    }  # fmt: skip
    assert queued["id.png"].error.endswith("not read: queued for OCR")
    assert queued["scan.pdf"].error.endswith("; queued for OCR")
    assert "pictures inside, not read: queued for OCR" in queued["contract.docx"].error
    assert [f.entity_type for f in queued["contract.docx"].findings] == ["CN_MOBILE"]  # its text read meanwhile

    off = _scan(detector, picture, ocr=False)  # custos scan --no-ocr: the reason stays its own
    assert (off.status, off.ocr_queued) == (FileStatus.NEEDS_OCR, False) and "--no-ocr" in off.error
    office_off = _scan(detector, contract, ocr=False)
    assert "pictures inside, not read: OCR is off" in office_off.error and not office_off.ocr_queued


# --- ocr_done counts as read ---------------------------------------------------------------------------------
def test_an_ocr_done_file_is_inspected_in_every_count(db_url):
    from scanner.review.dashboard import read_dashboard

    finding = NewFinding("CN_RESIDENT_ID", 0, 18, "image 1 box 1,2,3,4", 0.9, "cn_resident_id", "custos-cn@1",
                         "sensitive", (), "110105********1239", "ab" * 16, None, "image 1")  # fmt: skip
    with Store(db_url) as store:
        run = store.begin_run(ROOT, "custos-cn@1", "test")
        for rel, status in (("id.jpg", FileStatus.OCR_DONE), ("a.txt", FileStatus.SCANNED),
                            ("b.jpg", FileStatus.NEEDS_OCR)):  # fmt: skip
            store.record_scan(root=ROOT, rel_path=rel, run_id=run, status=status, size=1, mtime_ns=1,
                              sha256="0" * 64, findings=(finding,) if rel == "id.jpg" else ())  # fmt: skip
        assert store.not_inspected_counts() == {"needs_ocr": 1}
        view = read_dashboard(store, now=0)
    assert view.counts.not_inspected == 1
    by_status = {FileStatus.OCR_DONE: 1, FileStatus.SCANNED: 1, FileStatus.NEEDS_OCR: 1}
    coverage = Coverage(by_status, 3, 3, 0, not_inspected={"needs_ocr": 1}, not_inspected_list=())
    assert (coverage.inspected, coverage.on_share) == (2, 3)  # the compliance report's "inspected"
    assert not not_inspected(FileStatus.OCR_DONE) and not_inspected(FileStatus.NEEDS_OCR)


# --- the OCR worker's priority -------------------------------------------------------------------------------
def test_lowering_the_priority_reaches_threads_already_running_and_those_started_after():
    code = (
        "import os, threading, time\n"
        "from scanner.daemon.priority import lower_priority\n"
        "stop = threading.Event()\n"
        "threading.Thread(target=stop.wait).start()\n"
        "lower_priority()\n"
        "threading.Thread(target=stop.wait).start()\n"
        "print(os.getpid(), flush=True)\n"
        "input()\n"
        "stop.set()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})  # fmt: skip
    try:
        pid = int(proc.stdout.readline())
        values = thread_nice_values(pid)
    finally:
        proc.communicate("\n", timeout=30)
    assert len(values) == 3 and set(values.values()) == {19}, values
    assert set(thread_nice_values(os.getpid()).values()) == {0}  # this process untouched


@pytest.mark.postgres
def test_ocr_claims_in_open_transactions_skip_each_others_rows_and_keep_to_their_host(pg_url):
    """PostgreSQL: OCR workers claim side by side (FOR UPDATE SKIP LOCKED), and another host's ready text job does
    not hold this host's OCR queue."""
    with Store(pg_url, host="files01") as mine, Store(pg_url, host="files02") as theirs:
        for name in ("a.jpg", "b.jpg"):
            WorkQueue(mine).enqueue_ocr(ROOT, name, now=0)
        WorkQueue(theirs).enqueue(ROOT, "text.txt", "created", not_before=0, now=0)
    stores = [Store(pg_url, host="files01") for _ in range(3)]
    try:
        for store in stores:
            store.connection.execute("BEGIN")  # held open: the row locks stay until COMMIT
        jobs = [WorkQueue(s).claim(f"ocr-{n}", now=1, lease_seconds=60, lane=OCR_JOBS) for n, s in enumerate(stores)]
        for store in stores:
            store.connection.execute("COMMIT")
    finally:
        for store in stores:
            store.close()
    assert sorted(j.rel_path for j in jobs[:2]) == ["a.jpg", "b.jpg"] and jobs[2] is None
    assert rows(pg_url, "SELECT host, state FROM work_queue WHERE rel_path = 'text.txt'") == [
        {"host": "files02", "state": "queued"}
    ]
