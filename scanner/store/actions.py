"""Data access for actions: proposals, approvals, execution state, false-positive suppressions.

Every state change is one transaction guarded by the state it expects (``WHERE state = ?``), so two reviewers
or a crashed and restarted ``custos apply`` can never move one action twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scanner.i18n import _
from scanner.name_mask import mask_path, masked_values, scrub
from scanner.states import (
    CLOSED_BY,
    FILE_KINDS,
    OPEN_ACTION_STATES,
    VAULT_KINDS,
    ActionKind,
    ActionState,
    FileStatus,
    FindingState,
    sql_list,
)
from scanner.store import findings_generation, summaries
from scanner.store.store import FILE_COLUMNS, FileRecord, Store, joined_path, utc_now
from scanner.store.transitions import guarded_move


class ActionStateError(RuntimeError):
    """The action is not in the state the operation needs (someone else moved it first, or it never was)."""


@dataclass(frozen=True)
class ActionRow:
    id: int
    kind: str
    state: str
    file_id: int
    root: str
    rel_path: str
    file_size: int | None
    file_mtime_ns: int | None
    file_sha256: str | None
    reason: str | None
    retain_until: str | None
    needs_second_person: bool
    proposed_by: str
    proposed_os_user: str
    proposed_at: str
    approved_by: str | None
    approved_os_user: str | None
    approved_at: str | None
    executed_by: str | None
    executed_at: str | None
    vault_id: str | None
    planned_sha256: str | None
    sha256_after: str | None
    method: str | None
    error: str | None
    restore_to: str | None
    restore_overwrite: bool
    finding_ids: tuple[int, ...]
    member: str = ""
    shown_path: str = ""  # root/path with the personal data found in the path masked: what records and screens show
    retry_of: int | None = None  # the failed or stale action this one retries
    host: str = ""  # the host owning the file: only its daemon executes the action

    @property
    def path(self) -> Path:
        """The file on disk the action is about."""
        return Path(self.root) / self.rel_path


@dataclass(frozen=True)
class FindingRef:
    """What an action needs of a finding: where it is and how to recognise its value again."""

    id: int
    file_id: int
    entity_type: str
    start: int
    end: int
    location: str
    rule_id: str
    fingerprint: str
    preview: str
    sensitivity: str
    state: str


_ACTION_SELECT = "SELECT a.*, f.root, f.rel_path, f.member FROM actions a JOIN files f ON f.id = a.file_id"


class ActionStore:
    """Queries and commands over the actions tables; shares the findings store's connection."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._db = store.connection

    # --- reads -----------------------------------------------------------------------------------------
    def action(self, action_id: int) -> ActionRow:
        row = self._db.execute(f"{_ACTION_SELECT} WHERE a.id = ?", (action_id,)).fetchone()
        if row is None:
            raise ActionStateError(_("there is no action {id}").format(id=action_id))
        return self._row(row)

    def actions(
        self, *, states: Sequence[str] | None = None, kinds: Sequence[str] | None = None, file_id: int | None = None,
        host: str | None = None,
    ) -> list[ActionRow]:  # fmt: skip
        """Actions in id order, filtered by state, kind, file and owning host (the one whose daemon executes)."""
        sql, params = f"{_ACTION_SELECT} WHERE 1=1", []
        for column, values in (("a.state", states), ("a.kind", kinds)):
            if values:
                sql += f" AND {column} IN ({','.join('?' * len(values))})"
                params += list(values)
        for column, value in (("a.file_id", file_id), ("a.host", host)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        return [self._row(r) for r in self._db.execute(sql + " ORDER BY a.id", params)]

    def findings(self, ids: Iterable[int]) -> list[FindingRef]:
        ids = list(ids)
        if not ids:
            return []
        rows = self._db.execute(
            'SELECT id, file_id, entity_type, start, "end", location, rule_id, fingerprint, preview, sensitivity, state'
            f" FROM findings WHERE id IN ({','.join('?' * len(ids))}) ORDER BY start",
            ids,
        )
        return [FindingRef(**dict(r)) for r in rows]

    def active_findings_of(self, file_id: int) -> list[FindingRef]:
        rows = self._db.execute(
            'SELECT id, file_id, entity_type, start, "end", location, rule_id, fingerprint, preview, sensitivity, state'
            " FROM findings WHERE file_id = ? AND state = ? ORDER BY start",
            (file_id, FindingState.ACTIVE),
        )
        return [FindingRef(**dict(r)) for r in rows]

    def file_host(self, file_id: int) -> str:
        """The host whose disk the file is on: only that host reads or changes it."""
        row = self._db.execute("SELECT host FROM files WHERE id = ?", (file_id,)).fetchone()
        if row is None:
            raise ActionStateError(_("there is no file {id}").format(id=file_id))
        return str(row[0])

    def file_by_id(self, file_id: int) -> FileRecord:
        row = self._db.execute(
            f"SELECT {FILE_COLUMNS} FROM files WHERE id = ?",
            (file_id,),
        ).fetchone()
        if row is None:
            raise ActionStateError(_("there is no file {id}").format(id=file_id))
        return FileRecord(**dict(row))

    def file_encoding(self, file_id: int) -> str | None:
        row = self._db.execute("SELECT encoding FROM files WHERE id = ?", (file_id,)).fetchone()
        return row[0] if row else None

    def open_action_for_vault(self, vault_id: str) -> int | None:
        """An open purge or restore of this vault item, if any."""
        row = self._db.execute(
            f"SELECT id FROM actions WHERE vault_id = ? AND kind IN {sql_list(VAULT_KINDS)}"
            f" AND state IN {sql_list(OPEN_ACTION_STATES)} LIMIT 1",
            (vault_id,),
        ).fetchone()
        return int(row[0]) if row else None

    def action_that_vaulted(self, vault_id: str) -> ActionRow | None:
        """The mask, quarantine or delete whose original is the vault item ``vault_id``."""
        row = self._db.execute(
            f"{_ACTION_SELECT} WHERE a.vault_id = ? AND a.kind IN {sql_list(FILE_KINDS)} LIMIT 1",
            (vault_id,),
        ).fetchone()
        return self._row(row) if row else None

    def retries_of(self, action_id: int) -> list[ActionRow]:
        """The proposals made to retry this action (custos retry), oldest first."""
        rows = self._db.execute(f"{_ACTION_SELECT} WHERE a.retry_of = ? ORDER BY a.id", (action_id,))
        return [self._row(r) for r in rows]

    def shown_note(self, action: ActionRow) -> str | None:
        """Why the action failed, went stale or was cancelled, with the personal data found in its file's path
        masked as it is known now (names found after the note was written included)."""
        if not action.error:
            return None
        shown = joined_path(action.rel_path, action.member)
        return scrub(action.error, masked_values(shown, self.name_spans(action.file_id)))

    def open_action_for(self, finding_ids: Iterable[int]) -> int | None:
        """An open action already covering one of these findings, if any (one decision per finding)."""
        ids = list(finding_ids)
        row = self._db.execute(
            "SELECT a.id FROM actions a JOIN action_findings af ON af.action_id = a.id"
            f" WHERE af.finding_id IN ({','.join('?' * len(ids))}) AND a.state IN {sql_list(OPEN_ACTION_STATES)}"
            " LIMIT 1",
            ids,
        ).fetchone()
        return int(row[0]) if row else None

    # --- commands --------------------------------------------------------------------------------------
    def insert_proposal(
        self,
        *,
        kind: str,
        file: FileRecord,
        finding_ids: Sequence[int],
        reason: str | None,
        retain_until: str | None,
        needs_second_person: bool,
        proposed_by: str,
        os_user: str,
        vault_id: str | None = None,
        restore_to: str | None = None,
        restore_overwrite: bool = False,
        retry_of: int | None = None,
    ) -> int:
        with self.store.transaction():
            cur = self._db.execute(
                "INSERT INTO actions(kind, state, file_id, file_size, file_mtime_ns, file_sha256, reason,"
                " retain_until, needs_second_person, proposed_by, proposed_os_user, proposed_at, vault_id,"
                " restore_to, restore_overwrite, retry_of, host)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                " (SELECT host FROM files WHERE id = ?)) RETURNING id",
                (
                    kind, ActionState.PROPOSED, file.id, file.size, file.mtime_ns, file.sha256, reason, retain_until,
                    int(needs_second_person), proposed_by, os_user, utc_now(), vault_id, restore_to,
                    int(restore_overwrite), retry_of, file.id,
                ),
            )  # fmt: skip
            action_id = int(cur.fetchone()[0])
            self._db.executemany(
                "INSERT INTO action_findings(action_id, finding_id) VALUES (?, ?)",
                [(action_id, f) for f in finding_ids],
            )
        return action_id

    def move(self, action_id: int, expected: Sequence[str], new_state: str, **columns: object) -> None:
        """Move an action from one of the ``expected`` states to ``new_state``, setting ``columns``."""
        with self.store.transaction():
            guarded_move(self._db, "actions", action_id, expected, new_state, ActionStateError, "action", columns)

    def set_columns(self, action_id: int, **columns: object) -> None:
        sets = ", ".join(f"{name} = ?" for name in columns)
        self._db.execute(f"UPDATE actions SET {sets} WHERE id = ?", (*columns.values(), action_id))

    def set_finding_state(self, finding_ids: Iterable[int], state: str) -> None:
        ids = list(finding_ids)
        self._db.executemany("UPDATE findings SET state = ? WHERE id = ?", [(state, f) for f in ids])
        findings_generation.bump(self._db)
        summaries.refresh(self._db, self._files_of(ids))

    def _files_of(self, finding_ids: list[int]) -> set[int]:
        files: set[int] = set()
        for i in range(0, len(finding_ids), 500):
            chunk = finding_ids[i : i + 500]
            rows = self._db.execute(
                f"SELECT DISTINCT file_id FROM findings WHERE id IN ({','.join('?' * len(chunk))})", chunk
            )
            files.update(r[0] for r in rows)
        return files

    def set_file_status(self, file_id: int, status: str) -> None:
        with self.store.transaction():
            self._db.execute("UPDATE files SET status = ? WHERE id = ?", (status, file_id))
            self._db.execute(
                "UPDATE findings SET state = ? WHERE file_id = ? AND state = ?", (status, file_id, FindingState.ACTIVE)
            )
            findings_generation.bump(self._db)
            summaries.refresh(self._db, [file_id])

    def reinstate(self, undone: ActionRow) -> int:
        """The original that ``undone`` (a mask, quarantine or delete) vaulted is back at its path: the findings
        that action closed are active again and the file is 'scanned' again, so later scans treat it as any
        other file. Returns how many findings are active again."""
        closed = CLOSED_BY[undone.kind]
        with self.store.transaction():
            if undone.kind == ActionKind.MASK:  # the row and the findings made since describe the masked copy: the next
                # scan reads the file again (its offsets may differ) instead of taking it for unchanged
                self._db.execute("UPDATE files SET mtime_ns = NULL, sha256 = NULL WHERE id = ?", (undone.file_id,))
            else:  # the file is again exactly the one scanned then; what was scanned at its path since is not
                self._db.execute(
                    "UPDATE findings SET state = ? WHERE file_id = ? AND state = ?",
                    (FindingState.SUPERSEDED, undone.file_id, FindingState.ACTIVE),
                )
                self._db.execute(
                    "UPDATE files SET status = ?, size = ?, mtime_ns = ?, sha256 = ? WHERE id = ?",
                    (FileStatus.SCANNED, undone.file_size, undone.file_mtime_ns, undone.file_sha256, undone.file_id),
                )
            reopened = self._db.executemany(
                "UPDATE findings SET state = ? WHERE id = ? AND state = ?",
                [(FindingState.ACTIVE, finding_id, closed) for finding_id in undone.finding_ids],
            )
            findings_generation.bump(self._db)
            summaries.refresh(self._db, [undone.file_id])
            return reopened.rowcount

    def suppress(self, action_id: int, file: FileRecord, findings: Sequence[FindingRef]) -> None:
        with self.store.transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO suppressions(root, rel_path, member, rule_id, fingerprint, action_id,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (file.root, file.rel_path, file.member, f.rule_id, f.fingerprint, action_id, utc_now())
                    for f in findings
                ],
            )
            self.set_finding_state([f.id for f in findings], FindingState.DISMISSED)

    def _row(self, row: sqlite3.Row) -> ActionRow:
        data = dict(row)
        data["needs_second_person"] = bool(data["needs_second_person"])
        data["restore_overwrite"] = bool(data["restore_overwrite"])
        data["finding_ids"] = tuple(
            r[0]
            for r in self._db.execute(
                "SELECT finding_id FROM action_findings WHERE action_id = ? ORDER BY finding_id", (data["id"],)
            )
        )
        shown = mask_path(joined_path(data["rel_path"], data["member"]), self.name_spans(data["file_id"]))
        return ActionRow(**data, shown_path=f"{data['root']}/{shown}")

    def name_spans(self, file_id: int) -> list[tuple[int, int, str]]:
        """Where the personal data in the file's shown path is (see `Store.name_spans`)."""
        return self.store.name_spans([file_id]).get(file_id, [])
