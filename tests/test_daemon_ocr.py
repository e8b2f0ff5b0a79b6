"""The daemon's OCR queue for real: a `custos watch` subprocess, real inotify events, drawn ID-card pictures read by
the real recognizer. Text files dropped with pictures are all scanned before any picture is read; each picture
ends `ocr_done` with its findings; a picture changed while it waits is read on its new content only; the OCR
worker runs at nice 19."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import time
from pathlib import Path

import pytest

from scanner.daemon.priority import thread_nice_values
from scanner.store.store import Store
from scanner.store.work_queue import WorkQueue
from tests.ocr_fixtures import ID_FRONT, scan
from tests.test_daemon import Daemon, query, status_text, wait_for

pytestmark = [
    pytest.mark.slow,  # a daemon, its workers and the recognizer: tens of seconds
    pytest.mark.skipif(importlib.util.find_spec("rapidocr") is None, reason="the ocr extra is not installed"),
]
PHONE = "13912345678"


def _config(tmp: Path, share: Path) -> Path:
    path = tmp / "custos.toml"
    path.write_text(
        "[daemon]\n"
        f'database = "{tmp / "state" / "custos.db"}"\n'
        'workers = 1\nsettle_seconds = 0.5\nreconcile_interval = 0\nheartbeat_seconds = 0.5\nlog_level = "debug"\n'
        'ocr = "background"\n'
        f'[[roots]]\npath = "{share}"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def share(tmp_path: Path) -> Path:
    path = tmp_path / "share"
    path.mkdir()
    return path


def _status(db: Path, rel: str) -> tuple[str, str | None, str | None] | None:
    rows = query(db, "SELECT status, error, sha256 FROM files WHERE rel_path = ? AND member = ''", rel)
    return rows[0] if rows else None


def _entity_previews(db: Path, rel: str, state: str = "active") -> set[tuple[str, str]]:
    rows = query(
        db, "SELECT f.entity_type, f.preview FROM findings f JOIN files fi ON fi.id = f.file_id"
        " WHERE fi.rel_path = ? AND f.state = ?", rel, state,
    )  # fmt: skip
    return set(rows)


def _id_preview(resident_id: str) -> str:
    return f"{resident_id[:6]}{'*' * 8}{resident_id[-4:]}"


def _scanned_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if "event=scanned " in line]


def test_text_files_go_first_and_the_pictures_end_ocr_done_read_by_a_nice_19_worker(tmp_path, share):
    cards = [scan(ID_FRONT, 90 + i, level=0.3) for i in range(3)]
    daemon = Daemon(tmp_path, _config(tmp_path, share))
    try:
        for i, card in enumerate(cards):  # the pictures land first: the queue is not what orders them last
            card.save(share / f"id{i}.jpg")
        for i in range(12):
            (share / f"note{i:02d}.txt").write_text(f"客户{i} 手机：{PHONE}\n", encoding="utf-8")
        deepest = 0

        def pictures_read() -> bool:
            nonlocal deepest
            with Store(daemon.db) as store:
                deepest = max(deepest, WorkQueue(store).depth().ocr_queued)
            return all((_status(daemon.db, f"id{i}.jpg") or ("",))[0] == "ocr_done" for i in range(3))

        wait_for(pictures_read, 180, "the pictures read by OCR", daemon)
        lines = _scanned_lines(daemon.logs_all())
        first_ocr = next(n for n, line in enumerate(lines) if "status=ocr_done" in line)
        texts = [n for n, line in enumerate(lines) if re.search(r"note\d\d\.txt ", line)]
        assert len(texts) == 12 and max(texts) < first_ocr, "\n".join(lines)
        queued = [line for line in lines if "status=needs_ocr" in line]
        assert len(queued) == 3 and all("ocr_queued=yes" in line for line in queued), "\n".join(lines)
        assert deepest >= 1  # what `custos status` and the dashboard show as the OCR queue
        for i, card in enumerate(cards):
            status, error, _ = _status(daemon.db, f"id{i}.jpg")
            assert "1 picture read by OCR" in error
            found = _entity_previews(daemon.db, f"id{i}.jpg")
            assert ("CN_RESIDENT_ID", _id_preview(card.truth.resident_id)) in found, found
            assert ("CN_ID_CARD_IMAGE", "居民身份证(正面)") in found
        assert "OCR queue: 0" in status_text(daemon.db)
        pids = dict(query(daemon.db, "SELECT worker, pid FROM host_workers WHERE worker IN ('ocr-1', 'worker-1')"))
        ocr_threads, scan_threads = thread_nice_values(pids["ocr-1"]), thread_nice_values(pids["worker-1"])
        assert len(ocr_threads) > 1 and set(ocr_threads.values()) == {19}, ocr_threads  # ONNX Runtime's included
        assert set(scan_threads.values()) == {0}, scan_threads
    finally:
        assert daemon.stop() == 0


def test_a_picture_changed_while_queued_for_ocr_is_read_on_its_new_content_only(tmp_path, share):
    old, new = scan(ID_FRONT, 11, level=0.3), scan(ID_FRONT, 12, level=0.3)
    assert old.truth.resident_id != new.truth.resident_id
    daemon = Daemon(tmp_path, _config(tmp_path, share))
    try:
        old.save(share / "id.jpg")
        wait_for(lambda: (_status(daemon.db, "id.jpg") or ("",))[0] == "needs_ocr", 60, "queued for OCR", daemon)
        assert "queued for OCR" in _status(daemon.db, "id.jpg")[1]
        new.save(tmp_path / "new.jpg")
        (share / "id.jpg").write_bytes((tmp_path / "new.jpg").read_bytes())  # rewritten in place while it waits
        current = hashlib.sha256((share / "id.jpg").read_bytes()).hexdigest()

        def read_anew() -> bool:
            status = _status(daemon.db, "id.jpg")
            return status is not None and status[0] == "ocr_done" and status[2] == current

        wait_for(read_anew, 120, "the new picture read by OCR", daemon)
        time.sleep(1.0)  # no stale reading lands after it: an absence needs a window
        everything = {preview for state in ("active", "superseded") for _, preview in
                      _entity_previews(daemon.db, "id.jpg", state)}  # fmt: skip
        assert _id_preview(new.truth.resident_id) in everything
        assert _id_preview(old.truth.resident_id) not in everything  # the old picture was never read
        assert _status(daemon.db, "id.jpg")[2] == current
    finally:
        assert daemon.stop() == 0
