"""`ExposureStore`: who can read each file with sensitive findings (`file_exposure`), and the mode and ACL each
access action sets and replaced (`access_changes`). Numbers, permission bits and group labels only: no personal
data, and paths are read from `files` and masked by whoever shows them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from scanner.exposure.probe import Exposure
from scanner.states import EXPOSURE_LEVELS, RETIRED_FILE_STATUSES, ActionKind, ActionState, FindingState, sql_list
from scanner.store.store import Store, utc_now

SENSITIVE = "sensitive"  # the PIPL class whose files are probed (scanner/classify.py)
_HOLDING = sql_list((FindingState.ACTIVE, FindingState.RETAINED))
# a file "holds" sensitive data while one of its (or its members') current, not dismissed findings is sensitive
_HOLDS_SENSITIVE = (
    "EXISTS (SELECT 1 FROM findings fi JOIN files m ON m.id = fi.file_id"
    " WHERE m.root = f.root AND m.rel_path = f.rel_path AND m.host = f.host"
    f" AND fi.state IN {_HOLDING} AND fi.sensitivity = '{SENSITIVE}')"
)
_CURRENT = f"f.status NOT IN {sql_list(RETIRED_FILE_STATUSES)} AND {_HOLDS_SENSITIVE}"


@dataclass(frozen=True)
class ExposureRow:
    """A file's recorded exposure, with where it is (the caller masks the path before showing it)."""

    file_id: int
    root: str
    rel_path: str
    uid: int
    gid: int
    mode: int
    acl: str | None
    level: str
    readers: tuple[str, ...]
    probed_at: str


@dataclass(frozen=True)
class AccessChange:
    """What one access action sets (after) and what the file had when it was proposed (before)."""

    action_id: int
    file_id: int
    undoes: int | None
    mode_before: int
    acl_before: str | None
    level_before: str
    mode_after: int
    acl_after: str | None
    level_after: str


class ExposureStore:
    """Reads and writes file_exposure and access_changes; shares the store's connection."""

    def __init__(self, store: Store) -> None:
        self._db = store.connection

    # --- file_exposure ---------------------------------------------------------------------------------
    def record(self, file_id: int, exposure: Exposure) -> None:
        self._db.execute(
            "INSERT INTO file_exposure(file_id, uid, gid, mode, acl, level, readers, probed_at)"
            " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(file_id) DO UPDATE SET uid = excluded.uid, gid = excluded.gid,"
            " mode = excluded.mode, acl = excluded.acl, level = excluded.level, readers = excluded.readers,"
            " probed_at = excluded.probed_at",
            (file_id, exposure.uid, exposure.gid, exposure.mode, exposure.acl_text, exposure.level,
             json.dumps(exposure.readers, ensure_ascii=False), utc_now()),
        )  # fmt: skip

    def forget(self, file_id: int) -> None:
        """The file holds no sensitive findings any more (or could not be looked at): no exposure to show."""
        self._db.execute("DELETE FROM file_exposure WHERE file_id = ?", (file_id,))

    def has(self, file_id: int) -> bool:
        return self._db.execute("SELECT 1 FROM file_exposure WHERE file_id = ?", (file_id,)).fetchone() is not None

    def level_of(self, file_id: int) -> str | None:
        """The recorded level of a walked file; None when none is recorded (no sensitive findings)."""
        row = self._db.execute("SELECT level FROM file_exposure WHERE file_id = ?", (file_id,)).fetchone()
        return None if row is None else str(row[0])

    def of(self, file_id: int) -> ExposureRow | None:
        rows = self._rows("e.file_id = ?", (file_id,), current_only=False)
        return rows[0] if rows else None

    def levels(self, file_ids: Iterable[int]) -> dict[int, str]:
        """The recorded level of each of these files that has one (for a page of findings: their files')."""
        ids = sorted(set(file_ids))
        found: dict[int, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT file_id, level FROM file_exposure WHERE file_id IN ({marks})"
            found.update((int(i), str(level)) for i, level in self._db.execute(sql, chunk))
        return found

    def exposed(self, *, at_least: str | None = None, folder: str | None = None) -> list[ExposureRow]:
        """Files that hold sensitive findings now, with their exposure, broadest first; ``at_least`` a level
        (that one and broader), ``folder`` an absolute folder the files are beneath."""
        where, args = ["1=1"], []
        if at_least is not None:
            where.append(f"e.level IN {sql_list(EXPOSURE_LEVELS[EXPOSURE_LEVELS.index(at_least) :])}")
        if folder is not None:
            where.append("(f.root || '/' || f.rel_path) LIKE ? ESCAPE '\\'")
            args.append(_like_prefix(folder.rstrip("/") + "/"))
        return self._rows(" AND ".join(where), tuple(args), current_only=True)

    def counts(self) -> dict[str, int]:
        """How many files holding sensitive findings now are at each level (every level present, 0 if none)."""
        sql = (
            "SELECT e.level, count(*) FROM file_exposure e JOIN files f ON f.id = e.file_id"
            f" WHERE {_CURRENT} GROUP BY e.level"
        )
        found = dict(self._db.execute(sql).fetchall())
        return {level.value: int(found.get(level.value, 0)) for level in EXPOSURE_LEVELS}

    def _rows(self, where: str, args: tuple, *, current_only: bool) -> list[ExposureRow]:
        current = f" AND {_CURRENT}" if current_only else ""
        order = " ".join(f"WHEN '{level}' THEN {i}" for i, level in enumerate(reversed(EXPOSURE_LEVELS)))
        sql = (
            "SELECT e.file_id, f.root, f.rel_path, e.uid, e.gid, e.mode, e.acl, e.level, e.readers, e.probed_at"
            f" FROM file_exposure e JOIN files f ON f.id = e.file_id WHERE {where}{current}"
            f" ORDER BY CASE e.level {order} END, f.root, f.rel_path"
        )
        return [
            ExposureRow(*row[:8], tuple(json.loads(row[8])), row[9])  # type: ignore[arg-type]
            for row in self._db.execute(sql, args)
        ]

    # --- access_changes --------------------------------------------------------------------------------
    def plan_change(self, change: AccessChange) -> None:
        self._db.execute(
            "INSERT INTO access_changes(action_id, file_id, undoes, mode_before, acl_before, level_before,"
            " mode_after, acl_after, level_after) VALUES (?,?,?,?,?,?,?,?,?)",
            (change.action_id, change.file_id, change.undoes, change.mode_before, change.acl_before,
             change.level_before, change.mode_after, change.acl_after, change.level_after),
        )  # fmt: skip

    def change(self, action_id: int) -> AccessChange | None:
        row = self._db.execute(
            "SELECT action_id, file_id, undoes, mode_before, acl_before, level_before, mode_after, acl_after,"
            " level_after FROM access_changes WHERE action_id = ?",
            (action_id,),
        ).fetchone()
        return AccessChange(*row) if row else None

    def undoable(self, file_id: int) -> int | None:
        """The newest executed tighten_access on this file that no restore_access (open or executed) reverts."""
        row = self._db.execute(
            "SELECT c.action_id FROM access_changes c JOIN actions a ON a.id = c.action_id"
            " WHERE c.file_id = ? AND a.kind = ? AND a.state = ? AND NOT EXISTS (SELECT 1 FROM access_changes u"
            f" JOIN actions ua ON ua.id = u.action_id WHERE u.undoes = c.action_id AND ua.state IN"
            f" {sql_list((ActionState.PROPOSED, ActionState.APPROVED, ActionState.EXECUTING, ActionState.EXECUTED))})"
            " ORDER BY c.action_id DESC LIMIT 1",
            (file_id, ActionKind.TIGHTEN_ACCESS, ActionState.EXECUTED),
        ).fetchone()
        return None if row is None else int(row[0])


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
