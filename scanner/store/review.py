"""Read queries for the review UI: dashboard counts, pages of files and findings, one finding's detail.

Pages never load more than a page, and each sort order has an index (PostgreSQL's page indexes: schema.py), so a
store of 10 million findings pages as fast as one of ten. Counts come from the totals the writes keep
(scanner/store/summaries.py) when a filter is one they answer, else are counted up to `COUNT_CAP` ("10,000+").
Filters are data (`FindingFilter`); no widget writes SQL.
Every path handed out is the shown path ("archive.zip:member" for a member) with the personal data found in it
masked (`scanner.name_mask`); `file_meta` alone also carries the plain `rel_path`, to read the file by.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from scanner.display_mask import mask_for_display
from scanner.name_mask import mask_path
from scanner.states import EXPOSURE_LEVELS, Engine, FindingState, SummaryMetric
from scanner.store import schema, summaries
from scanner.store.dialect import ids_in_json
from scanner.store.file_status import NOT_INSPECTED_SQL
from scanner.store.store import Store, joined_path
from scanner.store.violations import open_violations

SENSITIVITY_RANK = schema.SENSITIVITY_RANK.replace("sensitivity", "f.sensitivity", 1)  # its PostgreSQL index's
# Each sort's key: ascending columns ending in the finding's id, a total order, so the next (previous) page is the
# rows after (before) the last (first) row shown: an index seek however deep the page, OFFSET only for a jump.
# Ties are broken by columns of `findings` itself, so each order is an index's (PostgreSQL's page indexes: schema.py);
# "path" walks the files' unique key (root, rel_path, member, host) in its order.
SORT_KEYS = {
    "path": ("fi.root", "fi.rel_path", "fi.member", "fi.host", "f.start", "f.id"),
    "type": ("f.entity_type", "f.file_id", "f.start", "f.id"),
    "sensitivity": (SENSITIVITY_RANK, "f.file_id", "f.start", "f.id"),
    "score": ("-f.score", "f.file_id", "f.start", "f.id"),
}
SORTS = {name: ", ".join(key) for name, key in SORT_KEYS.items()}
_FILE_KEY = 4  # "path": the first four columns are the file's unique key
FILE_SORTS = {  # ties by the file's id (its summary's key), so the first two are walks of file_summaries' indexes
    "path": "fi.root, fi.rel_path, fi.member, fi.host",
    "findings": "n DESC, fi.id",
    "sensitivity": "sensitive DESC, n DESC, fi.id",
}
COUNT_CAP = 10_000  # counts a filter needs counting stop past this: "10,000+"
FOLDERS_SHOWN = 15


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

    def kept_totals_answer(self) -> bool:
        """True when the writes' kept totals count what this filter matches (active findings, by type and
        sensitivity at most)."""
        return self.state == FindingState.ACTIVE and self == FindingFilter(
            entity_types=self.entity_types, sensitivity=self.sensitivity
        )

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
    "(CASE WHEN fi.member = '' THEN (SELECT e.level FROM file_exposure e WHERE e.file_id = fi.id)"
    " ELSE (SELECT e.level FROM files w JOIN file_exposure e ON e.file_id = w.id"
    " WHERE w.root = fi.root AND w.rel_path = fi.rel_path AND w.host = fi.host AND w.member = '') END)"
)
_ACTION_OF = (
    "(SELECT a.kind || ' ' || a.state FROM action_findings af JOIN actions a ON a.id = af.action_id"
    " WHERE af.finding_id = f.id ORDER BY a.id DESC LIMIT 1)"
)


class ReviewQueries:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._db = store.connection
        if store.dialect == Engine.POSTGRESQL:
            # A page's plan walks an index and stops after 500 rows, but the planner costs the walk as if it ran to
            # the end, and past jit_above_cost it compiles the query first: hundreds of ms for a few ms of work.
            self._db.execute("SET jit = off")

    def _masked(self, items: list) -> list:
        """Items (with `file_id` or `id` of a file, and `path`) with their paths masked."""
        ids = [getattr(i, "file_id", None) or i.id for i in items]
        spans = self._store.name_spans(ids)
        masked = [replace(i, path=mask_path(i.path, spans.get(f, ()))) for i, f in zip(items, ids, strict=True)]
        # a cell location names its sheet (张三!B7): shown through the display mask like any text from a file
        return [replace(i, location=mask_for_display(i.location)) if hasattr(i, "location") else i for i in masked]

    def dashboard(self, problem_limit: int = 200) -> Dashboard:
        """Counts from the writes' kept totals (summaries.py): a few indexed reads however big the store."""
        db = self._db
        by_type: dict[str, int] = {}
        by_sensitivity: dict[str, int] = {}
        for entity_type, sensitivity, n, _ in summaries.totals(db, SummaryMetric.TYPE):
            by_type[entity_type] = by_type.get(entity_type, 0) + n
            by_sensitivity[sensitivity] = by_sensitivity.get(sensitivity, 0) + n
        type_files = {r[0]: r[2] for r in summaries.totals(db, SummaryMetric.TYPE_FILES)}
        folders = sorted(summaries.totals(db, SummaryMetric.FOLDER), key=lambda r: (-r[2], r[0]))[:FOLDERS_SHOWN]
        samples = [r[3] if r[3] is not None else summaries.folder_sample(db, r[0]) for r in folders]
        folder_spans = self._store.name_spans([s for s in samples if s is not None])
        problem_rows = db.execute(
            f"SELECT id, rel_path, member, status, COALESCE(error, '') FROM files WHERE {NOT_INSPECTED_SQL}"
            " ORDER BY rel_path, member LIMIT ?",
            (problem_limit,),
        ).fetchall()
        problem_spans = self._store.name_spans([r[0] for r in problem_rows])
        decided = db.execute(
            "SELECT COUNT(DISTINCT file_id) FROM actions WHERE state NOT IN ('cancelled', 'failed', 'stale')"
        ).fetchone()[0]
        executed = db.execute("SELECT COUNT(DISTINCT file_id) FROM actions WHERE state = 'executed'").fetchone()[0]

        def most_first(counts: dict[str, int]) -> list[tuple[str, int]]:
            return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

        return Dashboard(
            by_sensitivity=most_first(by_sensitivity),
            by_type=[(t, n, type_files.get(t, 0)) for t, n in most_first(by_type)],
            by_folder=[(mask_path(r[0], folder_spans.get(s, ())), r[2]) for r, s in zip(folders, samples, strict=True)],
            by_state=[
                (k, n) for k, _, n, _ in sorted(summaries.totals(db, SummaryMetric.STATE), key=lambda r: (-r[2], r[0]))
            ],
            problems=[
                (mask_path(joined_path(r[1], r[2]), problem_spans.get(r[0], ())), r[3], mask_for_display(r[4]))
                for r in problem_rows
            ],
            not_inspected=sum(self._store.not_inspected_counts().values()),
            actions=[tuple(r) for r in db.execute("SELECT state, COUNT(*) FROM actions GROUP BY 1 ORDER BY 1")],
            files_total=db.execute("SELECT COUNT(*) FROM files WHERE status != 'gone'").fetchone()[0],
            files_with_findings=summaries.total(db, SummaryMetric.FILES_WITH_FINDINGS),
            files_decided=decided,
            files_executed=executed,
            violations=open_violations(self._store),
        )

    def count_findings(self, flt: FindingFilter, cap: int | None = COUNT_CAP) -> int:
        """How many findings ``flt`` matches; past ``cap`` (None: no cap), ``cap + 1`` ("cap+")."""
        if flt.kept_totals_answer():
            return self._kept_count(SummaryMetric.TYPE, flt)
        where, params = flt.where()
        return self._capped(f"SELECT 1 FROM findings f JOIN files fi ON fi.id = f.file_id WHERE {where}", params, cap)

    def _kept_count(self, metric: SummaryMetric, flt: FindingFilter) -> int:
        if flt.entity_types or flt.sensitivity:
            return sum(
                n for t, s, n, _ in summaries.totals(self._db, SummaryMetric.TYPE)
                if (not flt.entity_types or t in flt.entity_types) and (not flt.sensitivity or s == flt.sensitivity)
            )  # fmt: skip
        return summaries.total(self._db, SummaryMetric.STATE, FindingState.ACTIVE)

    def _capped(self, rows_sql: str, params: list, cap: int | None) -> int:
        if cap is None:
            return self._db.execute(f"SELECT COUNT(*) FROM ({rows_sql}) m", params).fetchone()[0]
        return self._db.execute(f"SELECT COUNT(*) FROM ({rows_sql} LIMIT ?) m", [*params, cap + 1]).fetchone()[0]

    def findings_page(
        self,
        flt: FindingFilter,
        *,
        sort: str = "path",
        offset: int = 0,
        limit: int = 500,
        after: FindingItem | None = None,
        before: FindingItem | None = None,
        at_end: bool = False,
    ) -> list[FindingItem]:
        """A page in ``sort``'s order: the rows just after ``after`` or just before ``before`` (a row of the page
        shown, found by its sort key: an index seek), the last ``limit`` rows (``at_end``), else ``offset`` rows in."""
        where, params = flt.where()
        sort = sort if sort in SORT_KEYS else "path"
        keys, order, backwards = SORT_KEYS[sort], SORTS[sort], at_end
        if after is not None or before is not None:
            backwards = after is None
            seek, seek_params = self._seek(sort, after or before, backwards)
            where, params, offset = f"{where} AND {seek}", [*params, *seek_params], 0
        if backwards:  # read from the other end, in the opposite order
            order, offset = ", ".join(f"{k} DESC" for k in keys), 0
        rows = self._db.execute(
            f"SELECT f.id, f.file_id, fi.root, {_SHOWN} AS path, f.entity_type, f.sensitivity, f.preview,"
            ' f.location, f.score, f.rule_id AS rule, f.context_word, f.flags, f.state, f.start, f."end",'
            f" {_ACTION_OF} AS action, {EXPOSURE_OF} AS exposure FROM findings f JOIN files fi ON fi.id = f.file_id"
            f" WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        items = [_finding(r) for r in (reversed(rows) if backwards else rows)]
        return self._masked(items)

    def _seek(self, sort: str, row: FindingItem, backwards: bool) -> tuple[str, list]:
        """The condition "after ``row``" (or before it) in ``sort``'s order, as row-value comparisons an index
        answers; "path" bounds the files' key too, so the walk starts at ``row``'s file, not at the first."""
        keys, op = SORT_KEYS[sort], "<" if backwards else ">"
        if sort == "path":
            file_key = self._db.execute(
                "SELECT root, rel_path, member, host FROM files WHERE id = ?", (row.file_id,)
            ).fetchone()
            files = f"({', '.join(keys[:_FILE_KEY])})"
            return (
                f"{files} {op}= (?, ?, ?, ?) AND ({files} {op} (?, ?, ?, ?) OR (f.start, f.id) {op} (?, ?))",
                [*file_key, *file_key, row.start, row.id],
            )
        first = {"type": row.entity_type, "sensitivity": _rank(row.sensitivity), "score": -row.score}[sort]
        return f"({', '.join(keys)}) {op} (?, ?, ?, ?)", [first, row.file_id, row.start, row.id]

    def files_page(self, flt: FindingFilter, *, sort: str = "findings", offset: int = 0, limit: int = 500
                   ) -> list[FileItem]:  # fmt: skip
        order = f"ORDER BY {FILE_SORTS.get(sort, FILE_SORTS['findings'])} LIMIT ? OFFSET ?"
        action = "(SELECT a.kind || ' ' || a.state FROM actions a WHERE a.file_id = fi.id ORDER BY a.id DESC LIMIT 1)"
        if flt == FindingFilter():  # every file with active findings: their kept summaries, in an index's order
            rows = self._db.execute(
                f"SELECT fi.id, fi.root, {_SHOWN} AS path, s.active AS n, s.sensitive AS sensitive, s.types,"
                f" fi.status, {action} AS action, {EXPOSURE_OF} AS exposure"
                f" FROM file_summaries s JOIN files fi ON fi.id = s.file_id WHERE s.active > 0 {order}",
                [limit, offset],
            )
        else:
            where, params = flt.where()
            rows = self._db.execute(
                f"SELECT fi.id, fi.root, {_SHOWN} AS path, COUNT(*) AS n,"
                " SUM(CASE WHEN f.sensitivity = 'sensitive' THEN 1 ELSE 0 END) AS sensitive,"
                f" group_concat(DISTINCT f.entity_type) AS types, fi.status, {action} AS action,"
                f" {EXPOSURE_OF} AS exposure"
                f" FROM findings f JOIN files fi ON fi.id = f.file_id WHERE {where} GROUP BY fi.id {order}",
                [*params, limit, offset],
            )
        return self._masked([FileItem(r[0], r[1], r[2], r[3], r[4] or 0, r[5] or "", r[6], r[7], r[8]) for r in rows])

    def count_files(self, flt: FindingFilter, cap: int | None = COUNT_CAP) -> int:
        """How many files hold findings ``flt`` matches; past ``cap`` (None: no cap), ``cap + 1``."""
        if flt == FindingFilter():
            return summaries.total(self._db, SummaryMetric.FILES_WITH_FINDINGS)
        if flt.kept_totals_answer() and not flt.sensitivity and len(flt.entity_types) == 1:
            return summaries.total(self._db, SummaryMetric.TYPE_FILES, flt.entity_types[0])
        where, params = flt.where()
        sql = f"SELECT DISTINCT f.file_id FROM findings f JOIN files fi ON fi.id = f.file_id WHERE {where}"
        return self._capped(sql, params, cap)

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


def _rank(sensitivity: str) -> int:
    """`SENSITIVITY_RANK` of a value, as the database works it out."""
    return {"sensitive": 0, "general": 1}.get(sensitivity, 2)


def _finding(r) -> FindingItem:
    data = dict(r)
    data["flags"] = tuple(x for x in (data["flags"] or "").split(",") if x)
    return FindingItem(**data)
