"""Which files under a root are scanned: one answer for `custos scan`'s walk, the daemon's reconciliation walk,
its watcher's events and its workers.

Paths are relative to the root, with '/' separators. Globs are fnmatch globs, case-sensitive, and '*' crosses
'/'. A path is excluded when an exclude glob matches its whole path or its name, or those of any folder above it
(an excluded folder is never entered); otherwise it is selected when an include glob matches its path or its
name (include globs never prune folders). Custos's own temporary files (.custos-*) are never selected. Symbolic
links are not followed, to a file or a folder, unless a scan asks for it (`custos scan --follow-symlinks`).
Size is not selection: a file over the size limit is selected and recorded as too large.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from fnmatch import translate
from pathlib import Path

# Never scanned unless a scan's exclude list leaves them out: version-control and build folders, Office lock
# files (~$x.docx), temporary files.
DEFAULT_EXCLUDES = (".git", ".svn", ".hg", "node_modules", "__pycache__", "~$*", "*.tmp", ".~lock.*")
# Always excluded: masked copies, hidden deletions and restores in progress, whose actions clean them up.
CUSTOS_TEMP_GLOB = ".custos-*"


@dataclass(frozen=True)
class FileSelection:
    """Include and exclude globs and the symlink policy of one root."""

    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    include: tuple[str, ...] = ("*",)
    follow_symlinks: bool = False
    _exclude_re: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _include_re: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # All globs of a kind as one compiled alternation: the answers of fnmatchcase, one regex call per name.
        object.__setattr__(self, "_exclude_re", _globs_regex((*self.exclude, CUSTOS_TEMP_GLOB)))
        object.__setattr__(self, "_include_re", _globs_regex(self.include))

    def wants(self, rel: str) -> bool:
        """Whether the file at `rel` is scanned, judged from its path alone (a watcher event, a queued job)."""
        parts = _parts(rel)
        if not parts or self._excluded_above(parts):
            return False
        return self._included("/".join(parts), parts[-1])

    def wants_dir(self, rel_dir: str) -> bool:
        """Whether a walk enters the folder at `rel_dir` ("" is the root)."""
        parts = _parts(rel_dir)
        return not parts or not self._excluded_above(parts)

    def passes(self, rel: str, name: str) -> bool:
        """For a walk, which has let the folders above through already: whether the entry `name` at `rel` is
        kept (a folder is then entered, a file then needs `includes`)."""
        exclude = self._exclude_re
        return not (exclude.match(name) or exclude.match(rel))

    def includes(self, rel: str, name: str) -> bool:
        """For a walk: whether a file that `passes` is scanned."""
        return self._included(rel, name)

    def _excluded_above(self, parts: list[str]) -> bool:
        exclude = self._exclude_re
        return any(exclude.match(name) or exclude.match("/".join(parts[:depth])) for depth, name in enumerate(parts, 1))

    def _included(self, path: str, name: str) -> bool:
        include = self._include_re
        return bool(include.match(path) or include.match(name))


def behind_symlink(root: Path, rel: str) -> bool:
    """Whether a folder between `root` and the file `rel` is a symbolic link (or not a folder at all): a walk
    that does not follow links never reaches the file, so neither may a path that came from an event or a
    queue. A folder that is missing is not a link: the caller finds the file missing."""
    path = str(root)
    for part in _parts(rel)[:-1]:
        path = os.path.join(path, part)
        try:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                return True
        except OSError:
            return False
    return False


def _globs_regex(globs: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(translate(g) for g in globs) or "(?!)")


def _parts(rel: str) -> list[str]:
    return [p for p in rel.split("/") if p not in ("", ".")]
