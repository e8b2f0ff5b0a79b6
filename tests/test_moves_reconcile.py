"""Moves, deletions and reconciliation walks against a real database and real files (no daemon process)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from scanner.build import build_scanner
from scanner.daemon.config import config_from_args
from scanner.daemon.reconcile import reconcile
from scanner.store.moves import FileMoves
from scanner.store.store import Store
from scanner.store.work_queue import WorkQueue


@pytest.fixture
def scanned(tmp_path: Path, packs, detector, db_url):
    share = tmp_path / "share"
    (share / "dir").mkdir(parents=True)
    (share / "a.txt").write_text("手机：13912345678\n", encoding="utf-8")
    (share / "dir" / "b.txt").write_text("手机：13800138000\n", encoding="utf-8")
    store = Store(db_url)
    build_scanner(store, store.path, packs, detector=detector).scan(share)
    yield share, store
    store.close()


def _active(store: Store, rel: str) -> list[str]:
    return [f.preview for f in store.findings() if f.path == rel]


def test_a_moved_file_keeps_its_findings_and_the_replaced_one_is_gone(scanned):
    share, store = scanned
    root = str(share.resolve())
    moves = FileMoves(store)
    assert moves.rename_file(root, "a.txt", "dir/b.txt")  # b.txt was overwritten by the move
    assert _active(store, "dir/b.txt") == ["139****5678"]
    assert _active(store, "a.txt") == []
    assert not moves.rename_file(root, "never-seen.txt", "x.txt")


def test_a_moved_folder_carries_every_file(scanned):
    share, store = scanned
    root = str(share.resolve())
    moves = FileMoves(store)
    assert moves.rename_dir(root, "dir", "archive/2024") == 1
    assert _active(store, "archive/2024/b.txt") == ["138****8000"]
    moves.mark_file_gone(root, "archive/2024/b.txt")
    assert moves.rename_dir(root, "archive", "dir") == 1  # and back, over nothing
    moves.rename_file(root, "a.txt", "archive/2024/b.txt")  # a recorded-but-gone path is taken over
    assert moves.rename_dir(root, "archive", "dir") == 1
    assert _active(store, "dir/2024/b.txt") == ["139****5678"]


def test_reconcile_queues_new_and_changed_files_and_deletions(scanned):
    share, store = scanned
    root_cfg = config_from_args([share]).roots[0]
    work = WorkQueue(store)
    result = reconcile(root_cfg, FileMoves(store), work, settle=0)
    assert (result.changed, result.deleted) == (0, 0)  # an unchanged tree queues nothing
    (share / "new.txt").write_text("x", encoding="utf-8")
    later = time.time() + 5
    os.utime(share / "a.txt", (later, later))
    (share / "dir" / "b.txt").unlink()
    result = reconcile(root_cfg, FileMoves(store), work, settle=0)
    assert (result.changed, result.deleted) == (2, 1)
    reasons = set()
    while job := work.claim("test", time.time(), 60):
        reasons.add((job.rel_path, job.reason))
        work.complete(job.id, "test")
    assert reasons == {("new.txt", "reconcile"), ("a.txt", "reconcile"), ("dir/b.txt", "deleted")}


def test_an_emptied_root_is_an_outage_not_a_mass_deletion(scanned):
    share, store = scanned
    for path in sorted(share.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    result = reconcile(config_from_args([share]).roots[0], FileMoves(store), WorkQueue(store), settle=0)
    assert result.outage and result.deleted == 0
    assert len(_active(store, "a.txt")) == 1


def _insert(store: Store, root: str, *rels: str) -> None:
    """``rels``: real paths, and archive members written ``archive|member`` (stored in their own column)."""
    for rel in rels:
        path, _, member = rel.partition("|")
        store.connection.execute(
            "INSERT INTO files(root, rel_path, member, status, host) VALUES (?, ?, ?, 'scanned', ?)",
            (root, path, member, store.host),
        )


def _statuses(store: Store, root: str) -> dict[str, str]:
    rows = store.connection.execute("SELECT rel_path, member, status FROM files WHERE root = ?", (root,))
    return {r[0] + (f"|{r[1]}" if r[1] else ""): r[2] for r in rows}


def test_prefix_queries_take_an_archive_and_its_members_or_a_folder_and_nothing_beside(db_url):
    # The prefix is a range on the (root, rel_path) index now; its edges must match what substr() matched.
    with Store(db_url) as store:
        root = "/srv/share"
        _insert(store, root, "a.zip", "a.zip|in/b.csv", "a.zip:x", "a.zip;x", "a.zipx", "a.zip0", "d/x.txt",
                "d/e/y.txt", "d0", "d.txt", "d/z.zip|m.csv", "dd/q.txt")  # fmt: skip
        _insert(store, "/srv/other", "a.zip", "d/x.txt")
        moves = FileMoves(store)
        assert sorted(moves.recorded_under(root, "d")) == ["d/e/y.txt", "d/x.txt"]
        assert sorted(moves.files_under(root, "d/")) == ["d/e/y.txt", "d/x.txt"]
        assert moves.mark_files_gone(root, ["a.zip", "d/x.txt"]) == 3
        gone = {rel for rel, status in _statuses(store, root).items() if status == "gone"}
        assert gone == {"a.zip", "a.zip|in/b.csv", "d/x.txt"}  # not the real file "a.zip:x"
        assert set(_statuses(store, "/srv/other").values()) == {"scanned"}


def test_a_walk_of_one_folder_queues_only_there_and_a_stopped_walk_queues_no_deletion(scanned):
    share, store = scanned
    root_cfg = config_from_args([share]).roots[0]
    work = WorkQueue(store)
    (share / "dir" / "c.txt").write_text("x", encoding="utf-8")
    (share / "elsewhere.txt").write_text("x", encoding="utf-8")
    (share / "dir" / "b.txt").unlink()
    result = reconcile(root_cfg, FileMoves(store), work, settle=0, folder="dir")
    assert (result.files, result.changed, result.deleted) == (1, 1, 1)  # c.txt new, b.txt gone; nothing else
    for i in range(1200):
        (share / "dir" / f"n{i}.txt").write_text("x", encoding="utf-8")
    (share / "a.txt").unlink()
    asked = []
    result = reconcile(root_cfg, FileMoves(store), work, settle=0, should_stop=lambda: asked.append(1) or True)
    assert result.interrupted and asked == [1] and result.files == 500  # stopped at the first check
    assert result.deleted == 0  # a.txt is missing, but a partial walk cannot tell


def test_the_first_walk_can_queue_pictures_left_unread_and_later_walks_do_not(tmp_path: Path, packs, detector, db_url):
    from PIL import Image

    from scanner.daemon.reconcile import SETTLED_STATUSES_TO_RECHECK
    from scanner.scan import ScanOptions
    from scanner.states import FileStatus

    share = tmp_path / "share"
    share.mkdir()
    (share / "note.txt").write_text("手机：13912345678\n", encoding="utf-8")
    Image.new("RGB", (640, 400), "white").save(share / "scan.png")
    with Store(db_url) as store:
        build_scanner(store, store.path, packs, detector=detector, options=ScanOptions(ocr=False)).scan(share)
        statuses = {
            rel: status for rel, (_, _, status) in FileMoves(store).files_under(str(share.resolve()), "").items()
        }
        assert statuses == {"note.txt": FileStatus.SCANNED, "scan.png": FileStatus.NEEDS_OCR}
        root_cfg = config_from_args([share]).roots[0]
        work = WorkQueue(store)
        later_walk = reconcile(root_cfg, FileMoves(store), work, settle=0)
        assert later_walk.changed == 0  # a needs_ocr picture is not read again by every walk
        first_walk = reconcile(
            root_cfg, FileMoves(store), work, settle=0, recheck=SETTLED_STATUSES_TO_RECHECK | {FileStatus.NEEDS_OCR}
        )
        assert first_walk.changed == 1
        job = work.claim("test", time.time(), 60)
        assert (job.rel_path, job.reason) == ("scan.png", "reconcile")
