"""Discover stage: walk a file share and list its regular files, reporting everything skipped and why."""

from __future__ import annotations

import errno
import os
import stat
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from scanner.states import FileStatus

ROOT_REL = "."  # rel of problems concerning the root itself


# Never scanned: version-control and build folders, Office lock files (~$x.docx), temporary files.
DEFAULT_EXCLUDES = (".git", ".svn", ".hg", "node_modules", "__pycache__", "~$*", "*.tmp", ".~lock.*")


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
    excluded directory is not entered. The root is always followed, even when it is a symlink. With
    `follow_symlinks`, linked directories are walked after the real tree and no directory is walked twice.
    """
    top = Path(os.path.abspath(root))
    globs = tuple(exclude)
    try:
        st = top.stat()
    except OSError as exc:
        yield _problem(ROOT_REL, top, exc, is_link=False)
        return
    if stat.S_ISREG(st.st_mode):
        if not _excluded(top.name, top.name, globs):
            yield _file_ref(top, top.name, st)
        return
    if not stat.S_ISDIR(st.st_mode):
        yield WalkProblem(ROOT_REL, FileStatus.NOT_REGULAR, f"{top}: scan root is not a directory or a regular file")
        return
    yield from _Walk(top, follow_symlinks, globs).run(st)


class _Walk:
    """State of one walk: directories already entered, and symlinked directories waiting their turn."""

    def __init__(self, top: Path, follow_symlinks: bool, globs: tuple[str, ...]) -> None:
        self.top = top
        self.follow = follow_symlinks
        self.globs = globs
        self.seen: dict[tuple[int, int], str] = {}  # (st_dev, st_ino) of entered directories → their rel
        self.deferred: deque[tuple[Path, str]] = deque()

    def run(self, st: os.stat_result) -> Iterator[FileRef | WalkProblem]:
        self.seen[(st.st_dev, st.st_ino)] = ROOT_REL
        yield from self._tree(self.top, "")
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

    def _tree(self, path: Path, rel: str) -> Iterator[FileRef | WalkProblem]:
        listed = _list(path, rel)
        if isinstance(listed, WalkProblem):
            yield listed
            return
        # An explicit stack of sorted listings: depth-first in name order without recursion limits.
        stack: list[tuple[str, Iterator[os.DirEntry[str]]]] = [(rel, iter(listed))]
        while stack:
            parent, entries = stack[-1]
            entry = next(entries, None)
            if entry is None:
                stack.pop()
                continue
            child = f"{parent}/{entry.name}" if parent else entry.name
            if not _excluded(child, entry.name, self.globs):
                sub = yield from self._entry(entry, child)
                if sub is not None:
                    stack.append((child, iter(sub)))

    def _entry(
        self, entry: os.DirEntry[str], rel: str
    ) -> Generator[FileRef | WalkProblem, None, list[os.DirEntry[str]] | None]:
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
            yield _file_ref(path, rel, st)
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


def _excluded(rel: str, name: str, globs: tuple[str, ...]) -> bool:
    # Matching the entry's own name covers every component: excluded directories are never entered.
    return any(fnmatchcase(name, g) or fnmatchcase(rel, g) for g in globs)


def _file_ref(path: Path, rel: str, st: os.stat_result) -> FileRef:
    return FileRef(path, rel, st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)


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
