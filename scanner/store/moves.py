"""Files that moved or vanished on disk: their rows, findings and decisions follow them, or become gone.

The daemon applies watchdog's move and delete events here; archive members (rows with the archive's rel_path
and a `member`) and false-positive suppressions move with their file. Findings in the old name (location "name")
describe a path that no longer exists: they are superseded and the row marked `names_scanned = 0`, so the next
scan that sees the file (the daemon queues it) detects its new name without rereading unchanged content. A
member's name findings index "archive:member", so they shift with the archive's path.
"""

from __future__ import annotations

from scanner.store import findings_generation, summaries
from scanner.store.lossless import stored_length
from scanner.store.store import Store

# rel_path starts with a prefix, as a range the (root, rel_path) index answers: substr() would read every row of
# the root, which made each deleted file cost a scan of the whole table (minutes for a mass deletion).
_STARTS_WITH = "(rel_path >= ? AND rel_path < ?)"


def _prefix_range(prefix: str) -> tuple[str, str]:
    """The bounds of `_STARTS_WITH`: every string beginning with ``prefix`` sorts in [prefix, prefix⁺)."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


class FileMoves:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._db = store.connection
        self._on, self._host = store.on_this_host()  # PostgreSQL: only this host's rows (paths are per host)

    def rename_file(self, root: str, old_rel: str, new_rel: str) -> bool:
        """A file moved within a root: its row, findings and decisions follow it (archive members too); a file
        that the move replaced is gone. False when nothing was recorded at ``old_rel``."""
        with self.store.transaction():
            if (
                self._db.execute(
                    f"SELECT 1 FROM files WHERE root = ?{self._on} AND rel_path = ?", (root, *self._host, old_rel)
                ).fetchone()
                is None
            ):
                return False
            self._retire(root, new_rel)
            self._db.execute(
                f"UPDATE files SET rel_path = ? WHERE root = ?{self._on} AND rel_path = ?",
                (new_rel, root, *self._host, old_rel),
            )
            self._forget_names(root, "rel_path = ?", (new_rel,), len(new_rel) - len(old_rel))
            self._db.execute(
                "UPDATE suppressions SET rel_path = ? WHERE root = ? AND rel_path = ?", (new_rel, root, old_rel)
            )
        return True

    def active_findings(self, root: str, rel_path: str) -> int:
        """The active findings of the file at ``rel_path`` (its archive members' included), for the daemon's log."""
        row = self._db.execute(
            "SELECT COUNT(*) FROM findings f JOIN files fi ON fi.id = f.file_id"
            f" WHERE fi.root = ?{self._on.replace('host', 'fi.host')} AND fi.rel_path = ? AND f.state = 'active'",
            (root, *self._host, rel_path),
        ).fetchone()
        return int(row[0])

    def _retire(self, root: str, rel_path: str) -> None:
        """The file a move replaced: gone, and its row (with its members) renamed out of the way to
        ``path#replaced-<id>`` so its findings and decisions keep their history."""
        self._mark_gone(root, rel_path)
        row = self._db.execute(
            f"SELECT id FROM files WHERE root = ?{self._on} AND rel_path = ?", (root, *self._host, rel_path)
        ).fetchone()
        if row is None:
            return
        tomb = f"{rel_path}#replaced-{row[0]}"
        self._db.execute(
            f"UPDATE files SET rel_path = ? WHERE root = ?{self._on} AND rel_path = ?",
            (tomb, root, *self._host, rel_path),
        )

    def rename_dir(self, root: str, old_dir: str, new_dir: str) -> int:
        """A folder moved within a root: every recorded path under it follows; returns how many."""
        old_prefix, new_prefix = f"{old_dir.rstrip('/')}/", f"{new_dir.rstrip('/')}/"
        with self.store.transaction():
            moving = self._db.execute(
                f"SELECT rel_path FROM files WHERE root = ?{self._on} AND substr(rel_path, 1, ?) = ? AND member = ''",
                (root, *self._host, stored_length(old_prefix), old_prefix),
            ).fetchall()
            for (rel,) in moving:
                self._retire(root, new_prefix + rel[len(old_prefix) :])  # e.g. files deleted there before
            cur = self._db.execute(
                f"UPDATE files SET rel_path = ? || substr(rel_path, ?) WHERE root = ?{self._on}"
                " AND substr(rel_path, 1, ?) = ?",
                (new_prefix, stored_length(old_prefix) + 1, root, *self._host, stored_length(old_prefix), old_prefix),
            )
            shift = len(new_prefix) - len(old_prefix)  # in characters of the path as found (not as stored)
            self._forget_names(root, "substr(rel_path, 1, ?) = ?", (stored_length(new_prefix), new_prefix), shift)
            self._db.execute(
                "UPDATE suppressions SET rel_path = ? || substr(rel_path, ?)"
                " WHERE root = ? AND substr(rel_path, 1, ?) = ?",
                (new_prefix, stored_length(old_prefix) + 1, root, stored_length(old_prefix), old_prefix),
            )
        return cur.rowcount

    def _forget_names(self, root: str, where: str, params: tuple, shift: int) -> None:
        """Moved rows: a file's findings in its old name superseded and its name due for scanning; a member's
        name findings moved along with the archive's path (``shift`` characters)."""
        rows = self._db.execute(
            f"SELECT id, member FROM files WHERE root = ?{self._on} AND {where}", (root, *self._host, *params)
        )
        files, members = [], []
        for file_id, member in rows.fetchall():
            (members if member else files).append((file_id,))
        self._db.executemany(
            "UPDATE findings SET state = 'superseded' WHERE file_id = ? AND location = 'name'"
            " AND state IN ('active', 'retained')",
            files,
        )
        self._db.executemany("UPDATE files SET names_scanned = 0 WHERE id = ?", files)
        self._db.executemany(
            'UPDATE findings SET start = start + ?, "end" = "end" + ? WHERE file_id = ? AND location = \'name\'',
            [(shift, shift, file_id) for (file_id,) in members],
        )
        if files or members:
            findings_generation.bump(self._db)
        summaries.refresh(self._db, [f for (f,) in files + members])  # their top folder may have changed too

    def recorded_under(self, root: str, rel_dir: str) -> list[str]:
        """Recorded, not gone, top-level files under a folder of a root (for a deleted folder)."""
        rows = self._db.execute(
            f"SELECT rel_path FROM files WHERE root = ?{self._on} AND {_STARTS_WITH} AND member = ''"
            " AND status NOT IN ('gone', 'quarantined', 'deleted')",
            (root, *self._host, *_prefix_range(f"{rel_dir.rstrip('/')}/")),
        )
        return [r[0] for r in rows]

    def mark_file_gone(self, root: str, rel_path: str) -> int:
        """A deleted file (and its archive members) and their findings are gone; returns the rows changed."""
        with self.store.transaction():
            return self._mark_gone(root, rel_path)

    def mark_files_gone(self, root: str, rel_paths: list[str]) -> int:
        """`mark_file_gone` for many files of one root in one transaction (a mass deletion)."""
        with self.store.transaction():
            return sum(self._mark_gone(root, rel) for rel in rel_paths)

    def _mark_gone(self, root: str, rel_path: str) -> int:
        ids = [
            r[0]
            for r in self._db.execute(
                f"SELECT id FROM files WHERE root = ?{self._on} AND rel_path = ?"
                " AND status NOT IN ('gone', 'quarantined', 'deleted')",
                (root, *self._host, rel_path),
            )
        ]
        self._db.executemany("UPDATE files SET status = 'gone' WHERE id = ?", [(i,) for i in ids])
        self._db.executemany(
            "UPDATE findings SET state = 'gone' WHERE file_id = ? AND state = 'active'", [(i,) for i in ids]
        )
        if ids:
            findings_generation.bump(self._db)
            summaries.refresh(self._db, ids)
        return len(ids)

    def files_under(self, root: str, rel_dir: str = "") -> dict[str, tuple[int | None, int | None, str]]:
        """rel_path → (size, mtime_ns, status) of every recorded file of a root (or of one folder in it) that is
        not an archive member; what a reconciliation walk compares the disk with."""
        where, params = (f" AND {_STARTS_WITH}", _prefix_range(f"{rel_dir.rstrip('/')}/")) if rel_dir else ("", ())
        rows = self._db.execute(
            f"SELECT rel_path, size, mtime_ns, status FROM files WHERE root = ?{self._on} AND member = ''{where}",
            (root, *self._host, *params),
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows}
