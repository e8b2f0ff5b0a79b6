"""Walking a share on real directory trees: order, symlinks, loops, FIFOs, exclusions and unreadable parts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from scanner.discover import FileRef, WalkProblem, walk
from tests.privileges import bound_by_modes

REPO = Path(__file__).resolve().parents[1]
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX symlinks, FIFOs and permissions")


def _tree(root: Path, *rels: str) -> None:
    for rel in rels:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"content of {rel}\n", encoding="utf-8")


def _summary(items: list[FileRef | WalkProblem]) -> list[tuple[str, str]]:
    return [(x.rel, "file" if isinstance(x, FileRef) else x.status) for x in items]


def test_nested_dirs_in_name_order(tmp_path: Path) -> None:
    _tree(tmp_path, "z.txt", "b/2.txt", "a/sub/x.txt", "a/1.txt", "A.txt", "客户/名单.csv")
    items = list(walk(tmp_path))
    assert _summary(items) == [
        ("A.txt", "file"),
        ("a/1.txt", "file"),
        ("a/sub/x.txt", "file"),
        ("b/2.txt", "file"),
        ("z.txt", "file"),
        ("客户/名单.csv", "file"),
    ]
    assert items == list(walk(tmp_path))
    ref = items[2]
    assert isinstance(ref, FileRef)
    st = (tmp_path / "a/sub/x.txt").stat()
    assert ref.path == tmp_path / "a" / "sub" / "x.txt" and ref.path.is_absolute()
    assert (ref.size, ref.mtime_ns, ref.dev, ref.ino) == (st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)


def test_relative_root_gives_absolute_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path, "d/f.txt")
    monkeypatch.chdir(tmp_path)
    [ref] = walk(Path("d"))
    assert isinstance(ref, FileRef)
    assert ref.path == tmp_path / "d" / "f.txt" and ref.rel == "f.txt"


def test_root_is_a_file(tmp_path: Path) -> None:
    _tree(tmp_path, "dir/名单.csv")
    [ref] = walk(tmp_path / "dir" / "名单.csv")
    assert isinstance(ref, FileRef) and ref.rel == "名单.csv" and ref.size > 0


def test_missing_root(tmp_path: Path) -> None:
    [problem] = walk(tmp_path / "nope")
    assert isinstance(problem, WalkProblem)
    assert (problem.rel, problem.status) == (".", "vanished")
    assert str(tmp_path / "nope") in problem.message


@posix_only
def test_symlinks_skipped_by_default(tmp_path: Path) -> None:
    _tree(tmp_path, "real/f.txt")
    (tmp_path / "file_link.txt").symlink_to(tmp_path / "real" / "f.txt")
    (tmp_path / "dir_link").symlink_to(tmp_path / "real")
    assert _summary(list(walk(tmp_path))) == [
        ("dir_link", "symlink_skipped"),
        ("file_link.txt", "symlink_skipped"),
        ("real/f.txt", "file"),
    ]


@posix_only
def test_followed_symlink_to_file_keeps_link_path(tmp_path: Path) -> None:
    _tree(tmp_path, "outside/secret.txt", "root/plain.txt")
    root = tmp_path / "root"
    (root / "link.txt").symlink_to(tmp_path / "outside" / "secret.txt")
    items = list(walk(root, follow_symlinks=True))
    assert _summary(items) == [("link.txt", "file"), ("plain.txt", "file")]
    assert items[0].path == root / "link.txt"  # type: ignore[union-attr]
    assert items[0].ino == (tmp_path / "outside" / "secret.txt").stat().st_ino  # type: ignore[union-attr]


@posix_only
def test_symlink_loop_terminates(tmp_path: Path) -> None:
    _tree(tmp_path, "a/f.txt", "a/b/g.txt")
    (tmp_path / "a" / "b" / "up").symlink_to(tmp_path / "a")  # a/b/up -> a: an endless path without checks
    (tmp_path / "a" / "self").symlink_to("self")  # a link to itself: ELOOP
    items = list(walk(tmp_path, follow_symlinks=True))
    assert _summary(items) == [
        ("a/b/g.txt", "file"),
        ("a/f.txt", "file"),
        ("a/self", "symlink_loop"),
        ("a/b/up", "symlink_loop"),
    ]
    assert "'a'" in items[3].message


@posix_only
def test_link_sorting_first_does_not_steal_the_real_path(tmp_path: Path) -> None:
    _tree(tmp_path, "z_real/f.txt", "outside/o.txt")
    (tmp_path / "a_link").symlink_to(tmp_path / "z_real")
    (tmp_path / "ext").symlink_to(tmp_path / "outside")
    root_items = list(walk(tmp_path, follow_symlinks=True, exclude=["outside"]))
    assert _summary(root_items) == [
        ("z_real/f.txt", "file"),
        ("a_link", "symlink_loop"),
        ("ext/o.txt", "file"),  # following may leave the root; rel stays the link's path
    ]
    assert root_items[2].path == tmp_path / "ext" / "o.txt"  # type: ignore[union-attr]


@posix_only
def test_broken_symlink(tmp_path: Path) -> None:
    (tmp_path / "dangling").symlink_to(tmp_path / "missing")
    assert _summary(list(walk(tmp_path, follow_symlinks=True))) == [("dangling", "vanished")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_fifo_reported_without_blocking(tmp_path: Path) -> None:
    _tree(tmp_path, "a.txt")
    os.mkfifo(tmp_path / "pipe.txt")
    result: list[list[tuple[str, str]]] = []
    worker = threading.Thread(target=lambda: result.append(_summary(list(walk(tmp_path)))), daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive(), "walk blocked on a FIFO"
    assert result == [[("a.txt", "file"), ("pipe.txt", "not_regular")]]
    [problem] = walk(tmp_path / "pipe.txt")  # a FIFO as the root
    assert isinstance(problem, WalkProblem) and problem.status == "not_regular"


def test_exclude_globs(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        "keep.txt",
        "scratch.tmp",
        ".git/config",
        "web/node_modules/pkg/index.js",
        "docs/~$合同.docx",
        "docs/合同.docx",
        "logs/app.log",
        "logs/old/app.log",
        "other/app.log",
    )
    exclude = ["*.tmp", ".git", "node_modules", "~$*", "logs/*.log"]
    assert _summary(list(walk(tmp_path, exclude=exclude))) == [
        ("docs/合同.docx", "file"),
        ("keep.txt", "file"),
        ("other/app.log", "file"),
    ]
    assert list(walk(tmp_path / "scratch.tmp", exclude=exclude)) == []


def test_file_vanishing_between_listing_and_stat(tmp_path: Path) -> None:
    _tree(tmp_path, "a.txt", "b.txt", "sub/c.txt")
    items = walk(tmp_path)
    first = next(items)  # the root's listing is taken; b.txt and sub are stat-ed only when reached
    assert first.rel == "a.txt"
    (tmp_path / "b.txt").unlink()
    shutil.rmtree(tmp_path / "sub")
    assert _summary(list(items)) == [("b.txt", "vanished"), ("sub", "vanished")]


@posix_only
def test_unreadable_directory(tmp_path: Path) -> None:
    _tree(tmp_path, "a.txt", "locked/secret.txt", "z/after.txt")
    (tmp_path / "locked").chmod(0)
    code = f"""
import json
from pathlib import Path
from scanner.discover import FileRef, walk
items = walk(Path({str(tmp_path)!r}))
print(json.dumps([(x.rel, "file" if isinstance(x, FileRef) else x.status) for x in items]))
"""
    # As root, chmod 000 does not stop this process; the walk runs in a child without the override.
    preexec = bound_by_modes()
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=preexec,
        )
    except subprocess.SubprocessError as exc:
        pytest.skip(f"running as root and cannot drop CAP_DAC_OVERRIDE in a child process: {exc}")
    finally:
        (tmp_path / "locked").chmod(0o755)  # let pytest clean up
    assert done.returncode == 0, done.stderr
    assert [tuple(x) for x in json.loads(done.stdout)] == [
        ("a.txt", "file"),
        ("locked", "permission_denied"),
        ("z/after.txt", "file"),
    ]
