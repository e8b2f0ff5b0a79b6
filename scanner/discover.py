"""Discover stage: walk a file share and list its regular files, reporting everything skipped and why.

Which files are wanted is `scanner.selection`'s answer; `custos scan` and the daemon's reconciliation walk both
walk with `walk_selected`, so they select the same files.
"""

from __future__ import annotations

import errno
import os
import stat
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from scanner.selection import DEFAULT_EXCLUDES, FileSelection, behind_symlink
from scanner.states import FileStatus

ROOT_REL = "."  # rel of problems concerning the root itself

T = TypeVar("T")
__all__ = ["DEFAULT_EXCLUDES", "FileRef", "WalkProblem", "walk", "walk_selected"]


@dataclass(frozen=True)
class FileRef:
    """A regular file found under the scan root, with the stat data used to skip unchanged files."""

    path: Path  # absolute
    rel: str  # relative to root, POSIX separators
    size: int
    mtime_ns: int
    dev: int
    ino: int


@dataclass(frozen=True)
class WalkProblem:
    """Something under the root that was not scanned: an unreadable directory, a symlink, a FIFO..."""

    rel: str
    status: str
    message: str


def walk(root: Path, *, follow_symlinks: bool = False, exclude: Sequence[str] = ()) -> Iterator[FileRef | WalkProblem]:
    """Yield every regular file under `root` (sorted by name, depth first) and every problem met on the way.

    `exclude` holds fnmatch globs (case-sensitive) tested against each rel path and each entry name; an
    excluded directory is not entered (see `scanner.selection`). The root is always followed, even when it is a
    symlink. With `follow_symlinks`, linked directories are walked after the real tree and no directory is
    walked twice.
    """
    return walk_selected(root, FileSelection(exclude=tuple(exclude), follow_symlinks=follow_symlinks))


def walk_selected(
    root: Path,
    selection: FileSelection,
    *,
    start: str = "",
    record: Callable[[str, str, os.stat_result], T] | None = None,
) -> Iterator[T | FileRef | WalkProblem]:
    """`walk` with a root's `FileSelection`; with `start`, only the folder at that rel path (reached without
    symlinks unless the selection follows them), its files still named relative to `root`.

    Files are yielded as `FileRef`s, or as what `record(path, rel, stat)` makes of them (the daemon's walk
    needs no `Path` per file, which costs more than the stat).
    """
    record = record or _file_ref_at  # type: ignore[assignment]
    top = Path(os.path.abspath(root))
    try:
        st = top.stat()
    except OSError as exc:
        yield _problem(ROOT_REL, top, exc, is_link=False)
        return
    if stat.S_ISREG(st.st_mode):
        if selection.passes(top.name, top.name) and selection.includes(top.name, top.name):
            yield record(str(top), top.name, st)
        return
    if not stat.S_ISDIR(st.st_mode):
        yield WalkProblem(ROOT_REL, FileStatus.NOT_REGULAR, f"{top}: scan root is not a directory or a regular file")
        return
    if start := "/".join(p for p in start.split("/") if p not in ("", ".")):
        yield from _start_folder(top, selection, start, record)
        return
    yield from _Walk(top, selection, record).run(st, top, "")


def _start_folder(
    top: Path, selection: FileSelection, start: str, record: Callable[[str, str, os.stat_result], T]
) -> Iterator[T | WalkProblem]:
    if not selection.wants_dir(start):
        return
    path = top / start
    try:
        st = path.stat() if selection.follow_symlinks else path.lstat()
    except OSError as exc:
        yield _problem(start, path, exc, is_link=False)
        return
    if not stat.S_ISDIR(st.st_mode):
        kind = FileStatus.SYMLINK_SKIPPED if stat.S_ISLNK(st.st_mode) else FileStatus.NOT_REGULAR
        yield WalkProblem(start, kind, f"{path}: not a directory reached without symbolic links; not walked")
    elif not selection.follow_symlinks and behind_symlink(top, start):  # the folders above it
        yield WalkProblem(
            start, FileStatus.SYMLINK_SKIPPED, f"{path}: reached through a symbolic link (following is off)"
        )
    else:
        yield from _Walk(top, selection, record).run(st, path, start)


class _Walk:
    """State of one walk: directories already entered, and symlinked directories waiting their turn."""

    def __init__(self, top: Path, selection: FileSelection, record: Callable[[str, str, os.stat_result], T]) -> None:
        self.top = top
        self.follow = selection.follow_symlinks
        self.selection = selection
        self.record = record
        self.seen: dict[tuple[int, int], str] = {}  # (st_dev, st_ino) of entered directories → their rel
        self.deferred: deque[tuple[Path, str]] = deque()

    def run(self, st: os.stat_result, path: Path, rel: str) -> Iterator[T | WalkProblem]:
        self.seen[(st.st_dev, st.st_ino)] = rel or ROOT_REL
        yield from self._tree(path, rel)
        # Linked directories come last so that a directory reachable both directly and through a link is
        # reported under its real path, whatever the names sort like.
        while self.deferred:
            path, rel = self.deferred.popleft()
            try:
                st = path.stat()
            except OSError as exc:
                yield _problem(rel, path, exc, is_link=True)
                continue
            problem = self._claim(st, path, rel, link=True)
            if problem is not None:
                yield problem
            else:
                yield from self._tree(path, rel)

    def _claim(self, st: os.stat_result, path: Path, rel: str, *, link: bool) -> WalkProblem | None:
        """Record a directory as entered, or explain why it must not be entered again."""
        first = self.seen.setdefault((st.st_dev, st.st_ino), rel)
        if first == rel:
            return None
        how = "symbolic link" if link else "directory (bind mount?)"
        return WalkProblem(rel, FileStatus.SYMLINK_LOOP, f"{path}: {how} leads to {first!r}, already scanned; skipped")

    def _tree(self, path: Path, rel: str) -> Iterator[T | WalkProblem]:
        listed = _list(path, rel)
        if isinstance(listed, WalkProblem):
            yield listed
            return
        # An explicit stack of sorted listings: depth-first in name order without recursion limits.
        stack: list[tuple[str, Iterator[os.DirEntry[str]]]] = [(rel, iter(listed))]
        passes, includes = self.selection.passes, self.selection.includes
        while stack:
            parent, entries = stack[-1]
            entry = next(entries, None)
            if entry is None:
                stack.pop()
                continue
            name = entry.name
            child = f"{parent}/{name}" if parent else name
            if not passes(child, name):
                continue
            if entry.is_file(follow_symlinks=False):  # the common case, answered by the listing: a plain file
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    st = None  # _entry reports it
                if st is not None and stat.S_ISREG(st.st_mode):
                    if includes(child, name):
                        yield self.record(entry.path, child, st)
                    continue
            sub = yield from self._entry(entry, child)
            if sub is not None:
                stack.append((child, iter(sub)))

    def _entry(
        self, entry: os.DirEntry[str], rel: str
    ) -> Generator[T | WalkProblem, None, list[os.DirEntry[str]] | None]:
        """Yield what one entry is; return the listing of a directory to descend into."""
        path = Path(entry.path)
        is_link = entry.is_symlink()
        if is_link and not self.follow:
            yield WalkProblem(rel, FileStatus.SYMLINK_SKIPPED, f"{path}: symbolic link not followed (following is off)")
            return None
        try:
            st = entry.stat(follow_symlinks=is_link)
        except OSError as exc:
            yield _problem(rel, path, exc, is_link=is_link)
            return None
        if stat.S_ISREG(st.st_mode):
            if self.selection.includes(rel, entry.name):
                yield self.record(entry.path, rel, st)
        elif not stat.S_ISDIR(st.st_mode):
            yield WalkProblem(rel, FileStatus.NOT_REGULAR, f"{path}: FIFO, socket or device; never opened, not scanned")
        elif is_link:
            self.deferred.append((path, rel))
        else:
            problem = self._claim(st, path, rel, link=False)
            listed = _list(path, rel) if problem is None else problem
            if not isinstance(listed, WalkProblem):
                return listed
            yield listed
        return None


def _list(path: Path, rel: str) -> list[os.DirEntry[str]] | WalkProblem:
    try:
        with os.scandir(path) as it:
            entries = list(it)
    except OSError as exc:
        return _problem(rel or ROOT_REL, path, exc, is_link=False, listing=True)
    entries.sort(key=lambda e: e.name)
    return entries


def _file_ref_at(path: str, rel: str, st: os.stat_result) -> FileRef:
    return FileRef(Path(path), rel, st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)


def _problem(rel: str, path: Path, exc: OSError, *, is_link: bool, listing: bool = False) -> WalkProblem:
    what = "directory cannot be listed, nothing in it was scanned" if listing else "cannot be read"
    if isinstance(exc, PermissionError):
        return WalkProblem(
            rel,
            FileStatus.PERMISSION_DENIED,
            f"{path}: {what} (permission denied); grant the scanner's account access or exclude this path",
        )
    if exc.errno == errno.ELOOP:
        return WalkProblem(rel, FileStatus.SYMLINK_LOOP, f"{path}: symbolic links form a loop; not followed")
    if isinstance(exc, FileNotFoundError | NotADirectoryError):
        if is_link and os.path.lexists(path):
            return WalkProblem(rel, FileStatus.VANISHED, f"{path}: broken symbolic link (its target does not exist)")
        return WalkProblem(rel, FileStatus.VANISHED, f"{path}: disappeared during the scan (deleted or moved)")
    return WalkProblem(rel, FileStatus.IO_ERROR, f"{path}: {what} ({exc.strerror or exc}); check the disk or share")
