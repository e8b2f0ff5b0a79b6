"""One file selection (scanner.selection) for `custos scan`, the daemon's reconciliation walk and its watcher:
the same real tree on disk gives the same selected set through each of them.

Before issue 14 they differed: the scan walk matched globs with fnmatch and the daemon with its own compiled
globs and walk; `custos scan` selected Custos's own temporary files (.custos-*), which the daemon skipped; a
reconciliation of a folder followed that folder if it was a symlink; a polling watcher descended into symlinked
folders, so a file outside the root could be queued and scanned through a link.
"""

from __future__ import annotations

import os
import queue
from pathlib import Path

import pytest

from scanner.daemon.config import RootConfig
from scanner.daemon.reconcile import walk_files
from scanner.daemon.watcher import Change, Watcher
from scanner.discover import FileRef, walk
from scanner.selection import DEFAULT_EXCLUDES, FileSelection, behind_symlink

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX symlinks and FIFOs")


def _files(root: Path, *rels: str) -> None:
    for rel in rels:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"content of {rel}\n", encoding="utf-8")


def _links(root: Path, outside: Path) -> None:
    _files(outside, "secret.txt", "deep/more.txt")
    (root / "file_link.txt").symlink_to(root / "real" / "f.txt")
    (root / "dir_link").symlink_to(outside)
    (root / "real" / "loop").symlink_to(root)
    (root / "broken").symlink_to(root / "nowhere")


def _fifo(root: Path, outside: Path) -> None:
    os.mkfifo(root / "pipe.csv")


# (files on disk, extra setup, user exclude globs, the selected set)
CASES = {
    "plain, hidden and non-ASCII": (
        ("a.txt", ".hidden.txt", ".config/x.txt", "客户/名单.csv"),
        None,
        (),
        {"a.txt", ".hidden.txt", ".config/x.txt", "客户/名单.csv"},
    ),
    "default excludes": (
        (
            ".git/config",
            "node_modules/x.js",
            "sub/__pycache__/m.pyc",
            "~$报价.xlsx",
            "x.tmp",
            ".~lock.a.odt#",
            "keep.txt",
        ),
        None,
        (),
        {"keep.txt"},
    ),
    "Custos's temporary files (scan used to select them)": (
        (".custos-mask-1-a.csv", "sub/.custos-deleted-0011", ".custos-restore-ab.tmp", "real.csv", "sub/b.csv"),
        None,
        (),
        {"real.csv", "sub/b.csv"},
    ),
    "user excludes by name, path and folder": (
        (
            "a.bak",
            "deep/er/a.bak",
            "tmp/a.txt",
            "tmp/sub/a.txt",
            "x/tmp/a.txt",
            "archive/2019/a.txt",
            "archive/2020/a.txt",
            "A.BAK",
        ),
        None,
        ("*.bak", "tmp/*", "archive/2019"),
        {"x/tmp/a.txt", "archive/2020/a.txt", "A.BAK"},
    ),
    "glob characters in names": (("[x].txt", "x.txt", "y*.txt"), None, ("[x].txt",), {"[x].txt", "y*.txt"}),
    "symlinks are never followed": (("real/f.txt", "top.txt"), _links, (), {"real/f.txt", "top.txt"}),
    "FIFOs are never opened": (("a.csv",), _fifo, (), {"a.csv"}),
}


def _scan_selection(root: Path, exclude: tuple[str, ...]) -> set[str]:
    """What `custos scan --exclude ...` discovers (scanner/cli.py passes the defaults plus the user's globs)."""
    return {x.rel for x in walk(root, follow_symlinks=False, exclude=(*DEFAULT_EXCLUDES, *exclude))
            if isinstance(x, FileRef)}  # fmt: skip


def _reconcile_selection(root: Path, exclude: tuple[str, ...], folder: str = "") -> set[str]:
    return {rel for rel, _, _ in walk_files(RootConfig(root, exclude=exclude), folder)}


def _event_selection(root: Path, exclude: tuple[str, ...]) -> set[str]:
    """Every regular file reachable under the root, links followed (what events may name), as the daemon's
    event filter and worker decide on it."""
    config = RootConfig(root, exclude=exclude)
    seen = set()
    for folder, _, names in os.walk(root, followlinks=True):
        if len(Path(folder).relative_to(root).parts) > 6:
            continue  # the link loop
        for name in names:
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            if config.wants(rel) and not behind_symlink(root, rel) and path.is_file() and not path.is_symlink():
                seen.add(rel)
    return seen


@posix_only
@pytest.mark.parametrize(("files", "setup", "exclude", "expected"), CASES.values(), ids=CASES.keys())
def test_scan_reconcile_and_events_select_the_same_files(tmp_path, files, setup, exclude, expected):
    root, outside = tmp_path / "share", tmp_path / "outside"
    root.mkdir()
    _files(root, *files)
    if setup:
        setup(root, outside)
    assert _scan_selection(root, exclude) == expected
    assert _reconcile_selection(root, exclude) == expected
    assert _event_selection(root, exclude) == expected


@posix_only
def test_a_folder_reconciled_alone_selects_what_the_whole_walk_selects_there(tmp_path):
    root, outside = tmp_path / "share", tmp_path / "outside"
    _files(root, "sub/a.txt", "sub/.custos-mask-1.txt", "sub/deep/b.txt", "sub/x.bak", "other/c.txt")
    _files(outside, "secret.txt")
    (root / "sub" / "linked").symlink_to(outside)
    (root / "via").symlink_to(root / "sub")
    whole = _scan_selection(root, ("*.bak",))
    assert _reconcile_selection(root, ("*.bak",), "sub") == {r for r in whole if r.startswith("sub/")}
    assert _reconcile_selection(root, ("*.bak",), "sub") == {"sub/a.txt", "sub/deep/b.txt"}
    assert _reconcile_selection(root, (), "sub/linked") == set()  # a symlinked folder is not walked
    assert _reconcile_selection(root, (), "via/deep") == set()  # nor a folder reached through one
    assert _reconcile_selection(root, (), "node_modules") == set()


def test_the_selection_answers_like_fnmatch_for_names_paths_and_folders():
    selection = FileSelection(exclude=("*.bak", "tmp/*"), include=("*.csv", "HR/*"))
    assert selection.wants("客户/名单.csv") and selection.wants("HR/notes.txt")
    assert not selection.wants("x/notes.txt")  # not included
    assert not selection.wants("HR/old.bak")  # exclude wins over include
    assert not selection.wants("tmp/a.csv") and selection.wants_dir("tmp") and not selection.wants_dir("tmp/sub")
    assert not selection.wants(".custos-mask-7-a.csv")  # whatever the globs say
    assert not FileSelection(exclude=()).wants("sub/.custos-deleted-1")


@posix_only
def test_behind_symlink_sees_a_linked_or_replaced_folder(tmp_path):
    _files(tmp_path, "real/a.txt")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert not behind_symlink(tmp_path, "real/a.txt") and not behind_symlink(tmp_path, "a.txt")
    assert behind_symlink(tmp_path, "link/a.txt")
    assert not behind_symlink(tmp_path, "missing/a.txt")  # gone, not a link: the worker finds it missing


def _next_change(changes: queue.Queue[Change], rel: str) -> list[Change]:
    """Changes up to and including the first one naming `rel` (watchdog's poll thread delivers them)."""
    got = []
    while True:
        change = changes.get(timeout=30)
        got.append(change)
        if change.rel == rel:
            return got


@posix_only
def test_a_polling_watcher_does_not_descend_into_a_symlinked_folder(tmp_path):
    root, outside = tmp_path / "share", tmp_path / "outside"
    _files(root, "a.txt")
    _files(outside, "old.txt")
    (root / "link").symlink_to(outside)
    watcher = Watcher((RootConfig(root, polling=True, poll_interval=0.05),))
    watcher.start()
    try:
        _files(outside, "new-secret.txt")
        _files(root, "sentinel-1.txt")
        seen = _next_change(watcher.changes, "sentinel-1.txt")
        _files(root, "sentinel-2.txt")  # a later poll: every change of the earlier ones is delivered by now
        seen += _next_change(watcher.changes, "sentinel-2.txt")
    finally:
        watcher.stop()
    assert not [c for c in seen if c.rel.startswith("link/")], seen
