"""Data access for disclosures (handover packages, notification lists), the files a handover holds, and the
files marked for transfer.

Like actions, every state change is one transaction guarded by the state it expects, so two people (or a
crashed and restarted build) never move one disclosure twice. No column holds a personal-data value: a
handover's files are referred to by their id and path, as the findings tables already hold them.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scanner.i18n import _
from scanner.name_mask import mask_path
from scanner.states import CURRENT_FINDING_STATES, READ_FILE_STATUSES, DisclosureState, sql_list
from scanner.store.store import FILE_COLUMNS, FileRecord, Store, utc_now
from scanner.store.transitions import guarded_move

_READ = sql_list(READ_FILE_STATUSES)  # files read completely: on the share as scanned (OCR included)


class DisclosureStateError(RuntimeError):
    """The disclosure does not exist or is not in the state the operation needs."""


@dataclass(frozen=True)
class DisclosureRow:
    id: int
    kind: str
    state: str
    recipient: str
    recipient_key: str | None
    recipient_key_sha256: str | None
    legal_basis: str
    reason: str
    selection: dict
    needs_second_person: bool
    proposed_by: str
    proposed_os_user: str
    proposed_at: str
    approved_by: str | None
    approved_os_user: str | None
    approved_at: str | None
    executed_by: str | None
    executed_at: str | None
    out_path: str | None
    manifest_sha256: str | None
    file_count: int | None
    total_bytes: int | None
    verified_by: str | None
    verified_recorded_by: str | None
    verified_at: str | None
    receipt: dict | None
    error: str | None


@dataclass(frozen=True)
class HandedFile:
    """One file of a handover, as it was when the handover was proposed."""

    file_id: int
    root: str
    rel_path: str
    name: str  # its member name in the package
    size: int | None
    mtime_ns: int | None
    sha256: str | None
    shown_path: str  # root/path with the personal data found in the path masked

    @property
    def path(self) -> Path:
        return Path(self.root) / self.rel_path


@dataclass(frozen=True)
class FileContents:
    """What the findings store says a file holds: current findings by entity type and sensitivity, and flags."""

    by_entity: dict[str, int]
    by_sensitivity: dict[str, int]
    flags: tuple[str, ...]  # e.g. ("minor",)

    @property
    def total(self) -> int:
        return sum(self.by_entity.values())


class DisclosureStore:
    """Queries and commands over the disclosures, disclosure_files and transfer_marks tables."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._db = store.connection

    # --- disclosures -----------------------------------------------------------------------------------
    def insert(
        self, *, kind: str, recipient: str, recipient_key: str | None, recipient_key_sha256: str | None,
        legal_basis: str, reason: str, selection: dict, needs_second_person: bool, proposed_by: str, os_user: str,
        files: Sequence[tuple[FileRecord, str]] = (),
    ) -> int:  # fmt: skip
        """A new proposal, with the files it would hand over (each with its member name) frozen as they are now."""
        with self.store.transaction():
            cur = self._db.execute(
                "INSERT INTO disclosures(kind, state, recipient, recipient_key, recipient_key_sha256, legal_basis,"
                " reason, selection, needs_second_person, proposed_by, proposed_os_user, proposed_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (kind, DisclosureState.PROPOSED, recipient, recipient_key, recipient_key_sha256, legal_basis, reason,
                 json.dumps(selection, sort_keys=True), int(needs_second_person), proposed_by, os_user, utc_now()),
            )  # fmt: skip
            disclosure_id = int(cur.fetchone()[0])
            self._db.executemany(
                "INSERT INTO disclosure_files(disclosure_id, file_id, name, size, mtime_ns, sha256)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(disclosure_id, f.id, name, f.size, f.mtime_ns, f.sha256) for f, name in files],
            )
        return disclosure_id

    def disclosure(self, disclosure_id: int) -> DisclosureRow:
        row = self._db.execute("SELECT * FROM disclosures WHERE id = ?", (disclosure_id,)).fetchone()
        if row is None:
            raise DisclosureStateError(_("there is no disclosure {id}").format(id=disclosure_id))
        return _row(row)

    def disclosures(
        self, *, states: Sequence[str] | None = None, kinds: Sequence[str] | None = None
    ) -> list[DisclosureRow]:
        sql, params = "SELECT * FROM disclosures WHERE 1=1", []
        for column, values in (("state", states), ("kind", kinds)):
            if values:
                sql += f" AND {column} IN ({','.join('?' * len(values))})"
                params += list(values)
        return [_row(r) for r in self._db.execute(sql + " ORDER BY id", params)]

    def move(self, disclosure_id: int, expected: Sequence[str], new_state: str, **columns: object) -> None:
        """Move a disclosure from one of the ``expected`` states to ``new_state``, setting ``columns``."""
        columns = {k: json.dumps(v, sort_keys=True) if isinstance(v, dict) else v for k, v in columns.items()}
        with self.store.transaction():
            guarded_move(
                self._db, "disclosures", disclosure_id, expected, new_state, DisclosureStateError, "disclosure", columns
            )

    def files_of(self, disclosure_id: int) -> list[HandedFile]:
        rows = self._db.execute(
            "SELECT d.file_id, f.root, f.rel_path, d.name, d.size, d.mtime_ns, d.sha256 FROM disclosure_files d"
            " JOIN files f ON f.id = d.file_id WHERE d.disclosure_id = ? ORDER BY d.name",
            (disclosure_id,),
        ).fetchall()
        spans = self.store.name_spans([r["file_id"] for r in rows])
        return [
            HandedFile(**dict(r), shown_path=f"{r['root']}/{mask_path(r['rel_path'], spans.get(r['file_id'], []))}")
            for r in rows
        ]

    # --- choosing files --------------------------------------------------------------------------------
    def scanned_files_under(self, folder: Path) -> list[FileRecord]:
        """The files under ``folder`` (absolute) as they are on the share now: scanned, not archive members."""
        prefix = str(folder).rstrip("/") + "/"
        on, host = self.store.on_this_host()  # a folder is a path on this host: the files read are its own
        rows = self._db.execute(
            f"SELECT {FILE_COLUMNS} FROM files WHERE member = '' AND status IN {_READ}{on}"
            " AND substr(root || '/' || rel_path, 1, ?) = ? ORDER BY root, rel_path",
            (*host, len(prefix), prefix),
        )
        return [FileRecord(**dict(r)) for r in rows]

    def left_out_under(self, folder: Path) -> dict[str, int]:
        """Files under ``folder`` a handover by folder leaves out, by status (not scanned: unreadable, gone …)."""
        prefix = str(folder).rstrip("/") + "/"
        on, host = self.store.on_this_host()
        rows = self._db.execute(
            f"SELECT status, COUNT(*) FROM files WHERE member = '' AND status NOT IN {_READ}{on}"
            " AND substr(root || '/' || rel_path, 1, ?) = ? GROUP BY status ORDER BY 2 DESC",
            (*host, len(prefix), prefix),
        )
        return {str(status): int(n) for status, n in rows}

    def containing_files(self, file_ids: Iterable[int]) -> list[FileRecord]:
        """The files on the share holding these file ids: an archive member's archive, a file itself."""
        ids = sorted(set(file_ids))
        found: dict[int, FileRecord] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = self._db.execute(
                f"SELECT DISTINCT {', '.join('o.' + c.strip() for c in FILE_COLUMNS.split(','))} FROM files m"
                " JOIN files o ON o.root = m.root AND o.rel_path = m.rel_path AND o.host = m.host AND o.member = ''"
                f" WHERE m.id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for r in rows:
                found[r["id"]] = FileRecord(**dict(r))
        return sorted(found.values(), key=lambda f: (f.root, f.rel_path))

    def contents(self, file_id: int) -> FileContents:
        """The current findings of a file and of its archive members, counted; no value, no preview."""
        rows = self._db.execute(
            "SELECT fi.entity_type, fi.sensitivity, fi.flags FROM files o"
            " JOIN files m ON m.root = o.root AND m.rel_path = o.rel_path AND m.host = o.host"
            f" JOIN findings fi ON fi.file_id = m.id WHERE o.id = ? AND fi.state IN {sql_list(CURRENT_FINDING_STATES)}",
            (file_id,),
        )
        entities, sensitivities, flags = Counter(), Counter(), set()
        for entity_type, sensitivity, flag_text in rows:
            entities[entity_type] += 1
            sensitivities[sensitivity] += 1
            flags.update(f for f in flag_text.split(",") if f)
        return FileContents(dict(sorted(entities.items())), dict(sorted(sensitivities.items())), tuple(sorted(flags)))

    # --- files marked for transfer ---------------------------------------------------------------------
    def marked_files(self) -> list[FileRecord]:
        """The marked files still on the share (a marked file since deleted or quarantined stays marked, unused)."""
        rows = self._db.execute(
            f"SELECT {', '.join('f.' + c.strip() for c in FILE_COLUMNS.split(','))} FROM transfer_marks t"
            f" JOIN files f ON f.id = t.file_id WHERE f.status IN {_READ} ORDER BY f.root, f.rel_path",
        )
        return [FileRecord(**dict(r)) for r in rows]

    def mark(self, file_ids: Iterable[int], marked_by: str) -> list[int]:
        """Mark files for transfer; the ids that were not marked before."""
        ids = sorted(set(file_ids))
        with self.store.transaction():
            new = [i for i in ids if not self._marked(i)]
            self._db.executemany(
                "INSERT INTO transfer_marks(file_id, marked_by, marked_at) VALUES (?, ?, ?)",
                [(i, marked_by, utc_now()) for i in new],
            )
        return new

    def unmark(self, file_ids: Iterable[int]) -> list[int]:
        """Take the transfer mark off files; the ids that were marked."""
        ids = sorted(set(file_ids))
        with self.store.transaction():
            gone = [i for i in ids if self._marked(i)]
            self._db.executemany("DELETE FROM transfer_marks WHERE file_id = ?", [(i,) for i in gone])
        return gone

    def _marked(self, file_id: int) -> bool:
        return self._db.execute("SELECT 1 FROM transfer_marks WHERE file_id = ?", (file_id,)).fetchone() is not None

    def scrubbed(self, disclosure_id: int, text: str) -> str:
        """``text`` (an error message) with each of the disclosure's files named as records show it: the personal
        data found in its path masked, whether the message gives the full path, the relative one or the member
        name."""
        for file in self.files_of(disclosure_id):
            shown_rel = file.shown_path.removeprefix(file.root + "/")
            text = text.replace(str(file.path), file.shown_path).replace(file.rel_path, shown_rel)
            parts = file.name.count("/") + 1  # the member name is the path's last components, masked the same way
            text = text.replace(file.name, "/".join(shown_rel.split("/")[-parts:]))
        return text

    def shown_path(self, file: FileRecord) -> str:
        """The file's path as records and screens show it (personal data found in the path masked)."""
        return f"{file.root}/{mask_path(file.rel_path, self.store.name_spans([file.id]).get(file.id, []))}"


def _row(row: sqlite3.Row) -> DisclosureRow:
    data = dict(row)
    data["needs_second_person"] = bool(data["needs_second_person"])
    data["selection"] = json.loads(data["selection"])
    data["receipt"] = json.loads(data["receipt"]) if data["receipt"] else None
    return DisclosureRow(**data)
