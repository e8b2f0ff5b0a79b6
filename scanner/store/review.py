"""Read queries for the review UI: dashboard counts, pages of files and findings, one finding's detail.

Pages are keyed by OFFSET over an indexed ORDER BY and never load more than a page, so a database with
100,000 findings opens as fast as one with ten. Filters are data (`FindingFilter`); no widget writes SQL.
Every path handed out is the shown path ("archive.zip:member" for a member) with the personal data found in it
masked (`scanner.name_mask`); `file_meta` alone also carries the plain `rel_path`, to read the file by.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from scanner.display_mask import mask_for_display
from scanner.name_mask import mask_path
from scanner.states import EXPOSURE_LEVELS, FindingState
from scanner.store.dialect import ids_in_json
from scanner.store.file_status import NOT_INSPECTED_SQL
from scanner.store.store import Store, joined_path
from scanner.store.violations import open_violations

SORTS = {
    "path": "fi.root, fi.rel_path, f.start",
    "type": "f.entity_type, fi.rel_path, f.start",
    "sensitivity": "CASE f.sensitivity WHEN 'sensitive' THEN 0 WHEN 'general' THEN 1 ELSE 2 END, fi.rel_path, f.start",
    "score": "f.score DESC, fi.rel_path, f.start",
}
FILE_SORTS = {
    "path": "fi.root, fi.rel_path",
    "findings": "n DESC, fi.rel_path",
    "sensitivity": "sensitive DESC, n DESC, fi.rel_path",
}


@dataclass(frozen=True)
class FindingFilter:
    entity_types: tuple[str, ...] = ()
    sensitivity: str | None = None
    state: str = FindingState.ACTIVE
    path_contains: str | None = None
    min_score: float | None = None
    file_id: int | None = None
    search: str | None = None  # matched against path, type, preview, rule and location
    exposure: str | None = None  # only files readable this widely or more (an ExposureLevel)

    def where(self) -> tuple[str, list[object]]:
        clauses, params = ["f.state = ?"], [self.state]
        if self.entity_types:
            clauses.append(f"f.entity_type IN ({','.join('?' * len(self.entity_types))})")
            params += list(self.entity_types)
        if self.sensitivity:
            clauses.append("f.sensitivity = ?")
            params.append(self.sensitivity)
        if self.path_contains:
            clauses.append("instr(fi.rel_path, ?) > 0")
            params.append(self.path_contains)
        if self.min_score is not None:
            clauses.append("f.score >= ?")
            params.append(self.min_score)
        if self.file_id is not None:
            clauses.append("f.file_id = ?")
            params.append(self.file_id)
        if self.search:
            clauses.append(
                "(instr(fi.rel_path, ?) > 0 OR instr(f.entity_type, ?) > 0 OR instr(f.preview, ?) > 0"
                " OR instr(f.rule_id, ?) > 0 OR instr(f.location, ?) > 0)"
            )
            params += [self.search] * 5
        if self.exposure:
            wider = EXPOSURE_LEVELS[EXPOSURE_LEVELS.index(self.exposure) :]
            clauses.append(f"{EXPOSURE_OF} IN ({','.join('?' * len(wider))})")
            params += list(wider)
        return " AND ".join(clauses), params


@dataclass(frozen=True)
class FindingItem:
    id: int
    file_id: int
    root: str
    path: str
    entity_type: str
    sensitivity: str
    preview: str
    location: str
    score: float
    rule: str
    context_word: str | None
    flags: tuple[str, ...]
    state: str
    start: int
    end: int
    action: str | None  # kind and state of an open or executed action covering it
    exposure: str | None = None  # who can read its file (an ExposureLevel); None: not recorded


@dataclass(frozen=True)
class FileItem:
    id: int
    root: str
    path: str
    findings: int
    sensitive: int
    types: str
    status: str
    action: str | None
    exposure: str | None = None  # who can read it (an ExposureLevel); None: not recorded


@dataclass(frozen=True)
class Dashboard:
    by_sensitivity: list[tuple[str, int]] = field(default_factory=list)
    by_type: list[tuple[str, int, int]] = field(default_factory=list)  # type, findings, files
    by_folder: list[tuple[str, int]] = field(default_factory=list)
    by_state: list[tuple[str, int]] = field(default_factory=list)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # path, status, error (the first N)
    not_inspected: int = 0  # every file not inspected (`file_status`), however many `problems` lists
    actions: list[tuple[str, int]] = field(default_factory=list)  # action state, count
    files_total: int = 0
    files_with_findings: int = 0
    files_decided: int = 0
    files_executed: int = 0
    violations: list[tuple[str, int]] = field(default_factory=list)  # open zone violations: severity, count


_SHOWN = "CASE WHEN fi.member = '' THEN fi.rel_path ELSE fi.rel_path || ':' || fi.member END"
# a file's exposure is recorded on the walked file: an archive member has its archive's
EXPOSURE_OF = (
    "(SELECT e.level FROM files w JOIN file_exposure e ON e.file_id = w.id"
    " WHERE w.root = fi.root AND w.rel_path = fi.rel_path AND w.member = '')"
)
_ACTION_OF = (
    "(SELECT a.kind || ' ' || a.state FROM action_findings af JOIN actions a ON a.id = af.action_id"
    " WHERE af.finding_id = f.id ORDER BY a.id DESC LIMIT 1)"
)


class ReviewQueries:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._db = store.connection

    def _masked(self, items: list) -> list:
        """Items (with `file_id` or `id` of a file, and `path`) with their paths masked."""
        ids = [getattr(i, "file_id", None) or i.id for i in items]
        spans = self._store.name_spans(ids)
        masked = [replace(i, path=mask_path(i.path, spans.get(f, ()))) for i, f in zip(items, ids, strict=True)]
        # a cell location names its sheet (张三!B7): shown through the display mask like any text from a file
        return [replace(i, location=mask_for_display(i.location)) if hasattr(i, "location") else i for i in masked]

    def dashboard(self, problem_limit: int = 200) -> Dashboard:
        db = self._db
        active = "FROM findings f JOIN files fi ON fi.id = f.file_id WHERE f.state = 'active'"
        folders = db.execute(
            "SELECT CASE WHEN instr(fi.rel_path, '/') > 0 THEN substr(fi.rel_path, 1, instr(fi.rel_path, '/') - 1)"
            f" ELSE '.' END AS folder, COUNT(*), MIN(fi.id) {active} GROUP BY folder ORDER BY 2 DESC LIMIT 15"
        ).fetchall()
        folder_spans = self._store.name_spans([r[2] for r in folders])
        problem_rows = db.execute(
            f"SELECT id, rel_path, member, status, COALESCE(error, '') FROM files WHERE {NOT_INSPECTED_SQL}"
            " ORDER BY rel_path, member LIMIT ?",
            (problem_limit,),
        ).fetchall()
        problem_spans = self._store.name_spans([r[0] for r in problem_rows])
        files_with = db.execute(f"SELECT COUNT(DISTINCT f.file_id) {active}").fetchone()[0]
        decided = db.execute(
            "SELECT COUNT(DISTINCT file_id) FROM actions WHERE state NOT IN ('cancelled', 'failed', 'stale')"
        ).fetchone()[0]
        executed = db.execute("SELECT COUNT(DISTINCT file_id) FROM actions WHERE state = 'executed'").fetchone()[0]

        def rows(sql: str, *params: object) -> list[tuple]:
            return [tuple(r) for r in db.execute(sql, params)]

        return Dashboard(
            by_sensitivity=rows(f"SELECT f.sensitivity, COUNT(*) {active} GROUP BY 1 ORDER BY 2 DESC"),
            by_type=rows(
                f"SELECT f.entity_type, COUNT(*), COUNT(DISTINCT f.file_id) {active} GROUP BY 1 ORDER BY 2 DESC"
            ),
            by_folder=[(mask_path(r[0], folder_spans.get(r[2], ())), r[1]) for r in folders],
            by_state=rows("SELECT state, COUNT(*) FROM findings GROUP BY 1 ORDER BY 2 DESC"),
            problems=[
                (mask_path(joined_path(r[1], r[2]), problem_spans.get(r[0], ())), r[3], mask_for_display(r[4]))
                for r in problem_rows
            ],
            not_inspected=sum(self._store.not_inspected_counts().values()),
            actions=rows("SELECT state, COUNT(*) FROM actions GROUP BY 1 ORDER BY 1"),
            files_total=db.execute("SELECT COUNT(*) FROM files WHERE status != 'gone'").fetchone()[0],
            files_with_findings=files_with,
            files_decided=decided,
            files_executed=executed,
            violations=open_violations(self._store),
        )

    def count_findings(self, flt: FindingFilter) -> int:
        where, params = flt.where()
        return self._db.execute(
            f"SELECT COUNT(*) FROM findings f JOIN files fi ON fi.id = f.file_id WHERE {where}", params
        ).fetchone()[0]

    def findings_page(self, flt: FindingFilter, *, sort: str = "path", offset: int = 0, limit: int = 500
                      ) -> list[FindingItem]:  # fmt: skip
        where, params = flt.where()
        rows = self._db.execute(
            f"SELECT f.id, f.file_id, fi.root, {_SHOWN} AS path, f.entity_type, f.sensitivity, f.preview,"
            ' f.location, f.score, f.rule_id AS rule, f.context_word, f.flags, f.state, f.start, f."end",'
            f" {_ACTION_OF} AS action, {EXPOSURE_OF} AS exposure FROM findings f JOIN files fi ON fi.id = f.file_id"
            f" WHERE {where}"
            f" ORDER BY {SORTS.get(sort, SORTS['path'])} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return self._masked([_finding(r) for r in rows])

    def files_page(self, flt: FindingFilter, *, sort: str = "findings", offset: int = 0, limit: int = 500
                   ) -> list[FileItem]:  # fmt: skip
        where, params = flt.where()
        rows = self._db.execute(
            f"SELECT fi.id, fi.root, {_SHOWN} AS path, COUNT(*) AS n,"
            " SUM(CASE WHEN f.sensitivity = 'sensitive' THEN 1 ELSE 0 END) AS sensitive,"
            " group_concat(DISTINCT f.entity_type) AS types,"
            " fi.status, (SELECT a.kind || ' ' || a.state FROM actions a WHERE a.file_id = fi.id"
            f"  ORDER BY a.id DESC LIMIT 1) AS action, {EXPOSURE_OF} AS exposure"
            f" FROM findings f JOIN files fi ON fi.id = f.file_id WHERE {where} GROUP BY fi.id"
            f" ORDER BY {FILE_SORTS.get(sort, FILE_SORTS['findings'])} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return self._masked([FileItem(r[0], r[1], r[2], r[3], r[4] or 0, r[5] or "", r[6], r[7], r[8]) for r in rows])

    def count_files(self, flt: FindingFilter) -> int:
        where, params = flt.where()
        return self._db.execute(
            f"SELECT COUNT(DISTINCT f.file_id) FROM findings f JOIN files fi ON fi.id = f.file_id WHERE {where}",
            params,
        ).fetchone()[0]

    def hidden_by(self, flt: FindingFilter, finding_ids: list[int], file_ids: list[int]) -> tuple[list[int], list[int]]:
        """Of the selected findings and whole files, those ``flt`` hides: findings it does not match, files none of
        whose findings it matches. Ids travel as one JSON array, so a selection of 100,000 is one query."""
        where, params = flt.where()
        shown = f"FROM findings f JOIN files fi ON fi.id = f.file_id WHERE {{}} IN ({ids_in_json(self._db)}) AND "
        findings = {r[0] for r in self._db.execute(f"SELECT f.id {shown.format('f.id')}{where}",
                                                   [json.dumps(finding_ids), *params])}  # fmt: skip
        files = {r[0] for r in self._db.execute(f"SELECT DISTINCT f.file_id {shown.format('f.file_id')}{where}",
                                                [json.dumps(file_ids), *params])}  # fmt: skip
        return [i for i in finding_ids if i not in findings], [i for i in file_ids if i not in files]

    def finding(self, finding_id: int) -> FindingItem | None:
        row = self._db.execute(
            f"SELECT f.id, f.file_id, fi.root, {_SHOWN} AS path, f.entity_type, f.sensitivity, f.preview,"
            ' f.location, f.score, f.rule_id AS rule, f.context_word, f.flags, f.state, f.start, f."end",'
            f" {_ACTION_OF} AS action, {EXPOSURE_OF} AS exposure FROM findings f JOIN files fi ON fi.id = f.file_id"
            " WHERE f.id = ?",
            (finding_id,),
        ).fetchone()
        return self._masked([_finding(row)])[0] if row else None

    def file_meta(self, file_id: int) -> dict | None:
        row = self._db.execute(
            "SELECT id, root, rel_path, member, size, mtime_ns, sha256, encoding, status, error, scanned_at,"
            " scan_count FROM files WHERE id = ?",
            (file_id,),
        ).fetchone()
        if row is None:
            return None
        meta = dict(row)
        spans = self._store.name_spans([file_id]).get(file_id, ())
        meta["shown_path"] = mask_path(joined_path(meta["rel_path"], meta["member"]), spans)
        return meta

    def entity_types(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT DISTINCT entity_type FROM findings ORDER BY 1")]


def _finding(r) -> FindingItem:
    data = dict(r)
    data["flags"] = tuple(x for x in (data["flags"] or "").split(",") if x)
    return FindingItem(**data)
