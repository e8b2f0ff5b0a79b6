"""The findings store: every read and write of the database (SQLite or PostgreSQL) goes through `Store`.

SQLite in WAL mode; one transaction per scanned file, so an interrupted scan leaves every file either fully recorded
or untouched. Findings of a re-scanned file are superseded, not deleted, so decisions taken on them
keep their history.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from scanner.i18n import _
from scanner.states import Engine, FindingState
from scanner.store import findings_generation, fingerprint_key, summaries
from scanner.store.engine import DatabaseTarget, connect, db_errors, parse_target, url_path
from scanner.store.file_status import NOT_INSPECTED_SQL
from scanner.store.migrations import SchemaTooNew, SchemaTooOld, bring_up_to_date, files_key

# The states a new finding is stored in, as plain str: sqlite3 binds an enum member about twice as slowly per row.
_ACTIVE, _DISMISSED = FindingState.ACTIVE.value, FindingState.DISMISSED.value


class StoreError(RuntimeError):
    """The database cannot be opened or is of an incompatible schema."""


@dataclass(frozen=True)
class FileRecord:
    id: int
    root: str
    rel_path: str
    size: int | None
    mtime_ns: int | None
    sha256: str | None
    status: str
    scan_count: int
    member: str = ""  # the path inside the archive `rel_path` for an archive member, else ""
    names_scanned: bool = True  # False: the path changed (or predates name scanning) since its names were read

    @property
    def export_path(self) -> str:
        """The path as exports and people see it (taxonomy.md): "archive.zip:inner/path" for a member."""
        return joined_path(self.rel_path, self.member)


def joined_path(rel_path: str, member: str) -> str:
    """A row's path in the export format: the archive and its member joined by ':'."""
    return f"{rel_path}:{member}" if member else rel_path


FILE_COLUMNS = "id, root, rel_path, size, mtime_ns, sha256, status, scan_count, member, names_scanned"
# The WHERE expression is the one the files_by_path index is built on (schema.py): keep them the same.
FILE_AT_SQL = (
    f"SELECT {FILE_COLUMNS} FROM files"
    " WHERE root || '/' || rel_path = ? AND member = '' ORDER BY length(root) DESC LIMIT 1"
)


# {key}: the files table's unique key (migrations.files_key), the conflict target
_UPSERT_FILE = (
    "INSERT INTO files(root, rel_path, member, size, mtime_ns, dev, ino, sha256, encoding, status, error,"
    " last_scan_id, scanned_at, names_scanned, host, scan_count) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)"
    " ON CONFLICT({key}) DO UPDATE SET size=excluded.size, mtime_ns=excluded.mtime_ns,"
    " dev=excluded.dev, ino=excluded.ino, sha256=excluded.sha256, encoding=excluded.encoding,"
    " status=excluded.status, error=excluded.error, last_scan_id=excluded.last_scan_id,"
    " scanned_at=excluded.scanned_at, names_scanned=excluded.names_scanned, scan_count=files.scan_count + 1"
    " RETURNING id"
)


@dataclass(frozen=True, slots=True)  # slots: a dense file holds hundreds of thousands of these
class NewFinding:
    """A finding ready to store: masked preview and keyed fingerprint only."""

    entity_type: str
    start: int
    end: int
    location: str
    score: float
    rule_id: str
    pack: str
    sensitivity: str
    flags: tuple[str, ...]
    preview: str
    fingerprint: str
    context_word: str | None
    record: str = ""  # the file's record it sits in (scanner.record_keys); "" when not known


@dataclass(frozen=True)
class FindingRow:
    """A stored finding as exports and the review UI read it."""

    id: int
    root: str
    path: str
    entity_type: str
    start: int
    end: int
    location: str
    score: float
    preview: str
    sensitivity: str
    rule: str
    pack: str
    flags: tuple[str, ...]
    fingerprint: str
    state: str
    file_id: int = 0
    member: str = ""


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _use_wal(db: sqlite3.Connection, wait_s: float = 30.0) -> None:
    """Switch the database to WAL (once: a database already in WAL is left alone). Switching needs the database to
    itself, and SQLite answers "database is locked" at once rather than waiting when other connections are opening
    a new database at the same moment (the daemon and its workers, a scan and its alert thread): retry until
    ``wait_s`` as the connection's own busy timeout would."""
    if str(db.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + wait_s
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def _open_sqlite(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _private_file(path)
        db = connect(DatabaseTarget(Engine.SQLITE, path=path), timeout_s=30)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(_("{path}: cannot open the findings database ({error})").format(path=path, error=exc)) from exc
    try:
        _use_wal(db)
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
    except (OSError, sqlite3.Error) as exc:  # a full disk fails here first: WAL needs its -wal and -shm files
        db.close()
        raise StoreError(
            _("{path}: cannot open the findings database ({error})").format(path=path, error=exc) + _disk_trouble(path)
        ) from exc
    return db


def _open_postgresql(target: DatabaseTarget):  # noqa: ANN202 - engine.PostgresConnection
    try:
        return connect(target, timeout_s=30)
    except (OSError, *db_errors()) as exc:
        reason = _without_password(exc, target)
        raise StoreError(
            _("{path}: cannot open the findings database ({error})").format(path=target.shown, error=reason)
        ) from None


def _without_password(exc: BaseException, target: DatabaseTarget) -> str:
    """The driver's message, with the URL's password (should the driver ever quote it) masked."""
    text = str(exc).strip()
    from urllib.parse import urlsplit

    password = urlsplit(target.url or "").password
    return text.replace(password, "***") if password else text


def _host_of(db, host: str | None) -> str:  # noqa: ANN001
    """The host id rows are written under. A SQLite store is one host's: the id recorded when it was first opened
    (rows from before schema 8 get it then); PostgreSQL: this machine's id (scanner.hosts.identity)."""
    from scanner.hosts.identity import local_host_id

    mine = host or local_host_id()
    if db.dialect == Engine.POSTGRESQL:
        _register_host(db, mine)
        return mine
    row = db.execute("SELECT value FROM meta WHERE key = 'host'").fetchone()
    if row is not None:
        return row[0]
    with _Transaction(db):
        row = db.execute("SELECT value FROM meta WHERE key = 'host'").fetchone()
        if row is not None:
            return row[0]
        db.execute("INSERT INTO meta(key, value) VALUES ('host', ?)", (mine,))
        for table in ("scan_runs", "files", "actions", "work_queue"):
            db.execute(f"UPDATE {table} SET host = ? WHERE host = ''", (mine,))
    _register_host(db, mine)
    return mine


def _register_host(db, host: str) -> None:  # noqa: ANN001
    """The host's row in `hosts`, added the first time it opens the store (heartbeats keep last_seen)."""
    if db.execute("SELECT 1 FROM hosts WHERE id = ?", (host,)).fetchone() is None:
        now = utc_now()
        db.execute(
            "INSERT OR IGNORE INTO hosts(id, hostname, first_seen, last_seen) VALUES (?, ?, ?, ?)",
            (host, socket.gethostname(), now, now),
        )


class Store:
    """The query/command API over the findings database."""

    def __init__(self, target: Path | str | DatabaseTarget, *, host: str | None = None) -> None:
        self.target = parse_target(target)
        # the files kept beside the database are found from it; on PostgreSQL it carries the URL (DatabaseUrlPath),
        # so code handed `store.path` (the review workspace, the zone guard, a worker) opens this same store
        self.path = self.target.local_path if self.target.kind is Engine.SQLITE else url_path(self.target)
        if self.target.kind is Engine.SQLITE:
            self._db = _open_sqlite(self.path)
        else:
            self._db = _open_postgresql(self.target)
        try:
            self._migrate()
            self.host = _host_of(self._db, host)
            self._files_key = files_key(self._db)
        except (OSError, *db_errors()) as exc:  # a full disk fails here first on SQLite
            self._db.close()
            trouble = _disk_trouble(self.path) if self.target.kind is Engine.SQLITE else ""
            raise StoreError(
                _("{path}: cannot open the findings database ({error})").format(path=self.target.shown, error=exc)
                + trouble
            ) from exc
        except StoreError:
            self._db.close()
            raise
        self._upsert_file_sql = _UPSERT_FILE.format(key=self._files_key)
        # Paths are per host: on PostgreSQL a host reads and retires only its own files' rows. A SQLite store is
        # one host's (all its rows carry the same host), so its SQL stays as it was.
        shared = self.target.kind is Engine.POSTGRESQL
        self._mine, self._mine_params = (" AND host = ?", (self.host,)) if shared else ("", ())

    @property
    def dialect(self) -> Engine:
        return self._db.dialect

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self):  # noqa: ANN201 - engine.SqliteConnection | engine.PostgresConnection
        """For the other data-access classes of this package (actions); nothing outside scanner.store uses it."""
        return self._db

    def transaction(self) -> _Transaction:
        return _Transaction(self._db)

    def bind_fingerprint_key(self, key_id: str) -> None:
        """Record the fingerprint key's id on first use; raise StoreError for any other key (fingerprints made under
        two keys never match: scanner/store/fingerprint_key.py)."""
        recorded = fingerprint_key.bind_key(self._db, key_id)
        if recorded != key_id:
            raise StoreError(fingerprint_key.mismatch_message(self.target.shown, key_id, recorded))

    def on_this_host(self, alias: str = "") -> tuple[str, tuple[str, ...]]:
        """(" AND host = ?", (host,)) to keep a files query to this host's rows on PostgreSQL; ("", ()) on SQLite,
        whose rows are all one host's. `alias`: the files table's name in the query (" AND f.host = ?")."""
        if alias and self._mine:
            return f" AND {alias}.host = ?", self._mine_params
        return self._mine, self._mine_params

    def _migrate(self) -> None:
        shown = self.target.shown
        try:
            bring_up_to_date(self._db)
        except SchemaTooNew as exc:
            raise StoreError(f"{shown}: {exc}") from None
        except SchemaTooOld as exc:
            raise StoreError(
                _("{where}: {problem}: run `custos db upgrade --db {db}`").format(where=shown, problem=exc, db=shown)
            ) from None

    # --- scan runs -------------------------------------------------------------------------------------
    def begin_run(self, root: str, packs: str, tool_version: str) -> int:
        cur = self._db.execute(
            "INSERT INTO scan_runs(root, started_at, packs, tool_version, host) VALUES (?, ?, ?, ?, ?) RETURNING id",
            (root, utc_now(), packs, tool_version, self.host),
        )
        return int(cur.fetchone()[0])

    def finish_run(self, run_id: int, status: str, **counts: int) -> None:
        columns = ", ".join(f"{name} = ?" for name in counts)
        sets = f"finished_at = ?, status = ?{', ' + columns if columns else ''}"
        self._db.execute(f"UPDATE scan_runs SET {sets} WHERE id = ?", (utc_now(), status, *counts.values(), run_id))

    def scanned_since(self, started: float) -> int:
        """Files scanned by daemon runs (`custos watch`) that began at or after ``started`` (epoch seconds)."""
        since = datetime.fromtimestamp(int(started), UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        row = self._db.execute(
            "SELECT COALESCE(SUM(files_scanned), 0) FROM scan_runs"
            f" WHERE started_at >= ? AND tool_version LIKE '% watch'{self._mine}",  # this host's daemon's runs
            (since, *self._mine_params),
        ).fetchone()
        return int(row[0])

    def run(self, run_id: int) -> sqlite3.Row:
        return self._db.execute("SELECT * FROM scan_runs WHERE id = ?", (run_id,)).fetchone()

    # --- files -----------------------------------------------------------------------------------------
    def file(self, root: str, rel_path: str, member: str = "") -> FileRecord | None:
        row = self._db.execute(
            f"SELECT {FILE_COLUMNS} FROM files WHERE root = ? AND rel_path = ? AND member = ?{self._mine}",
            (root, rel_path, member, *self._mine_params),
        ).fetchone()
        return FileRecord(**dict(row)) if row else None

    def file_at(self, path: Path) -> FileRecord | None:
        """The file recorded at this absolute path under any scanned root (the deepest root wins)."""
        target = str(Path(path).resolve())
        sql = FILE_AT_SQL.replace(" ORDER BY", f"{self._mine} ORDER BY")
        rows = self._db.execute(sql, (target, *self._mine_params)).fetchone()
        return FileRecord(**dict(rows)) if rows else None

    def record_scan(
        self,
        *,
        root: str,
        rel_path: str,
        run_id: int,
        status: str,
        member: str = "",
        names_scanned: bool = True,
        size: int | None = None,
        mtime_ns: int | None = None,
        dev: int | None = None,
        ino: int | None = None,
        sha256: str | None = None,
        encoding: str | None = None,
        error: str | None = None,
        findings: Iterable[NewFinding] = (),
    ) -> int:
        """Record one file's scan result atomically: the file row, old findings superseded, new ones added."""
        with self._transaction():
            file_id = self._upsert_file(
                root,
                rel_path,
                member,
                run_id,
                status,
                size,
                mtime_ns,
                dev,
                ino,
                sha256,
                encoding,
                error,
                names_scanned,
            )
            superseded = self._db.execute(
                "UPDATE findings SET state = 'superseded' WHERE file_id = ? AND state IN ('active', 'dismissed',"
                " 'retained')",
                (file_id,),
            )
            if superseded.rowcount:  # a new file's findings only raise the highest id: no write for them
                findings_generation.bump(self._db)
            suppressed = self._suppressed(root, rel_path, member)
            rows = [
                (
                    file_id,
                    run_id,
                    f.entity_type,
                    f.start,
                    f.end,
                    f.location,
                    f.score,
                    f.rule_id,
                    f.pack,
                    f.sensitivity,
                    ",".join(f.flags),
                    f.preview,
                    f.fingerprint,
                    f.context_word,
                    _DISMISSED if (f.rule_id, f.fingerprint) in suppressed else _ACTIVE,
                    f.record,
                )
                for f in findings
            ]
            self._db.executemany(
                'INSERT INTO findings(file_id, scan_id, entity_type, start, "end", location, score, rule_id, pack,'
                " sensitivity, flags, preview, fingerprint, context_word, state, record)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
            written = Counter((r[14], r[2], r[9]) for r in rows)  # (state, type, sensitivity): the file's new counts
            summaries.record_rescan(self._db, file_id, rel_path, superseded.rowcount, written)
        return file_id

    def _suppressed(self, root: str, rel_path: str, member: str) -> set[tuple[str, str]]:
        """(rule, fingerprint) pairs dismissed as false positives in this file: they stay dismissed."""
        rows = self._db.execute(
            "SELECT rule_id, fingerprint FROM suppressions WHERE root = ? AND rel_path = ? AND member = ?",
            (root, rel_path, member),
        )
        return {(r[0], r[1]) for r in rows}

    def record_unchanged(self, file_id: int, run_id: int, size: int, mtime_ns: int) -> None:
        """The file was seen again with the same content: keep its findings, note the run."""
        self._db.execute(
            "UPDATE files SET last_scan_id = ?, size = ?, mtime_ns = ? WHERE id = ?",
            (run_id, size, mtime_ns, file_id),
        )

    def replace_name_findings(self, file_id: int, run_id: int, findings: Iterable[NewFinding]) -> None:
        """A file seen unchanged under a new path: its "name" findings made anew, the rest kept."""
        with self._transaction():
            self._db.execute(
                "UPDATE findings SET state = 'superseded' WHERE file_id = ? AND location = 'name'"
                " AND state IN ('active', 'retained')",
                (file_id,),
            )
            findings_generation.bump(self._db)
            row = self._db.execute("SELECT root, rel_path, member FROM files WHERE id = ?", (file_id,)).fetchone()
            suppressed = self._suppressed(*row)
            self._db.executemany(
                "INSERT INTO findings(file_id, scan_id, entity_type, start, \"end\", location, score, rule_id, pack,"
                " sensitivity, flags, preview, fingerprint, context_word, state, record)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (file_id, run_id, f.entity_type, f.start, f.end, f.location, f.score, f.rule_id, f.pack,
                     f.sensitivity, ",".join(f.flags), f.preview, f.fingerprint, f.context_word,
                     _DISMISSED if (f.rule_id, f.fingerprint) in suppressed else _ACTIVE, f.record)
                    for f in findings
                ],
            )  # fmt: skip
            self._db.execute("UPDATE files SET names_scanned = 1 WHERE id = ?", (file_id,))
            summaries.refresh(self._db, [file_id])

    def keep_members(self, root: str, container: str, run_id: int) -> None:
        """An unchanged archive's members were not re-extracted, but they are still there."""
        self._db.execute(
            "UPDATE files SET last_scan_id = ? WHERE root = ? AND rel_path = ? AND member != '' AND status != 'gone'"
            f"{self._mine}",
            (run_id, root, container, *self._mine_params),
        )

    def mark_missing(self, root: str, run_id: int, under: str = "") -> int:
        """Files under ``root`` (optionally a sub-path) not seen by this run are gone; so are their findings."""
        prefix = f"{under.rstrip('/')}/%" if under else "%"
        with self._transaction():
            ids = [
                r[0]
                for r in self._db.execute(
                    f"SELECT id FROM files WHERE root = ? AND rel_path LIKE ?{self._mine}"
                    " AND status NOT IN ('gone', 'quarantined', 'deleted')"
                    " AND (last_scan_id IS NULL OR last_scan_id != ?)",
                    (root, prefix, *self._mine_params, run_id),
                )
            ]
            self._db.executemany("UPDATE files SET status = 'gone' WHERE id = ?", [(i,) for i in ids])
            self._db.executemany(
                "UPDATE findings SET state = 'gone' WHERE file_id = ? AND state = 'active'",
                [(i,) for i in ids],
            )
            if ids:
                findings_generation.bump(self._db)
                summaries.refresh(self._db, ids)
        return len(ids)

    def _upsert_file(
        self, root, rel_path, member, run_id, status, size, mtime_ns, dev, ino, sha256, encoding, error, names_scanned
    ) -> int:
        row = self._db.execute(
            self._upsert_file_sql,
            (
                root,
                rel_path,
                member,
                size,
                mtime_ns,
                dev,
                ino,
                sha256,
                encoding,
                status,
                error,
                run_id,
                utc_now(),
                int(names_scanned),
                self.host,
            ),  # fmt: skip
        ).fetchone()
        return int(row[0])

    # --- queries ---------------------------------------------------------------------------------------
    def findings(self, *, root: str | None = None, state: str = FindingState.ACTIVE) -> Iterator[FindingRow]:
        """Stored findings in path and position order, streamed."""
        sql = (
            'SELECT f.id, fi.root, fi.rel_path AS path, f.entity_type, f.start, f."end", f.location, f.score,'
            " f.preview, f.sensitivity, f.rule_id AS rule, f.pack, f.flags, f.fingerprint, f.state, f.file_id,"
            " fi.member FROM findings f JOIN files fi ON fi.id = f.file_id WHERE f.state = ?"
        )
        params: list[object] = [state]
        if root is not None:
            sql += " AND fi.root = ?"
            params.append(root)
        sql += " ORDER BY fi.root, fi.rel_path, fi.member, f.start"
        for row in self._db.execute(sql, params):
            data = dict(row)
            data["flags"] = tuple(x for x in data["flags"].split(",") if x)
            data["path"] = joined_path(data["path"], data["member"])
            yield FindingRow(**data)

    def summary(self, *, root: str | None = None) -> list[sqlite3.Row]:
        """Active findings counted by entity type and sensitivity."""
        sql = (
            "SELECT f.entity_type, f.sensitivity, COUNT(*) AS n, COUNT(DISTINCT f.file_id) AS files"
            " FROM findings f JOIN files fi ON fi.id = f.file_id WHERE f.state = 'active'"
        )
        params: tuple[object, ...] = ()
        if root is not None:
            sql += " AND fi.root = ?"
            params = (root,)
        sql += " GROUP BY f.entity_type, f.sensitivity ORDER BY n DESC"
        return self._db.execute(sql, params).fetchall()

    def file_problems(self, *, root: str | None = None, limit: int = -1) -> list[sqlite3.Row]:
        """Files that were not inspected (`file_status`), with their status and message; all when `limit` < 0."""
        sql = f"SELECT id, root, rel_path, member, status, error FROM files WHERE {NOT_INSPECTED_SQL}"
        params: tuple[object, ...] = ()
        if root is not None:
            sql += " AND root = ?"
            params = (root,)
        if limit >= 0:
            sql += f" ORDER BY root, rel_path, member LIMIT {int(limit)}"
        else:
            sql += " ORDER BY root, rel_path, member"
        return self._db.execute(sql, params).fetchall()

    def not_inspected_counts(self, *, root: str | None = None) -> dict[str, int]:
        """How many files were not inspected, by status (most first): the count every surface shows."""
        sql = f"SELECT status, COUNT(*) FROM files WHERE {NOT_INSPECTED_SQL}"
        params: tuple[object, ...] = ()
        if root is not None:
            sql += " AND root = ?"
            params = (root,)
        return dict(self._db.execute(sql + " GROUP BY status ORDER BY 2 DESC, 1", params).fetchall())

    def name_spans(self, file_ids: Iterable[int] | None = None) -> dict[int, list[tuple[int, int, str]]]:
        """Per file id: (start, end, preview) of the personal data found in its shown path (location "name"),
        a member's including its archive's; dismissed (false positive) and superseded findings left out.
        ``None``: every file."""
        sql = (
            'SELECT fi.id, f.start, f."end", f.preview FROM files fi'
            " JOIN files owner ON owner.root = fi.root AND owner.rel_path = fi.rel_path AND owner.host = fi.host"
            " AND (owner.id = fi.id OR owner.member = '')"
            " JOIN findings f ON f.file_id = owner.id"
            " WHERE f.location = 'name' AND f.state NOT IN ('superseded', 'dismissed')"
        )
        spans: dict[int, list[tuple[int, int, str]]] = {}
        ids = None if file_ids is None else sorted(set(file_ids))
        chunks = [None] if ids is None else [ids[i : i + 500] for i in range(0, len(ids), 500)]
        for chunk in chunks:
            where = "" if chunk is None else f" AND fi.id IN ({','.join('?' * len(chunk))})"
            for file_id, start, end, preview in self._db.execute(sql + where, chunk or ()):
                spans.setdefault(file_id, []).append((start, end, preview))
        return spans

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


def _disk_trouble(path: Path) -> str:
    """Why the database's disk cannot take a write, when that is the reason (SQLite says only "disk I/O error")."""
    try:
        fs = os.statvfs(path.parent)
    except OSError:
        return ""
    if fs.f_flag & os.ST_RDONLY:
        return _("; the filesystem holding {folder} is read-only").format(folder=path.parent)
    if fs.f_bavail == 0 or fs.f_favail == 0:
        return _("; the disk holding {folder} is full: free space and run the command again").format(folder=path.parent)
    return ""


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")


def _private_file(path: Path) -> None:
    """Create the database file readable by its owner only, or make an existing one so; an existing file whose mode
    is already right is left alone (no chmod on every open: the TUI re-opens it every few seconds)."""
    if os.name != "posix":
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return
    except FileExistsError:
        pass
    if os.stat(path).st_mode & 0o077:
        os.chmod(path, 0o600)
