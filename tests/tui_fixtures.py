"""Shared helpers for the review-UI tests: a small real share, a real scan of it, and bulk synthetic findings.

API (kept stable for every TUI test module):
- ``build_share(tmp_path) -> Path``: ``tmp_path / "share"`` with a UTF-8 customer note, a GBK CSV and a JSON export.
- ``scan_into(db, share, packs, detector)``: scan ``share`` into the database at ``db`` with the real scanner.
- ``bulk_findings(db, count)``: ``count`` synthetic active findings in one transaction (100k in about a second).
- ``screen_text(app)``: everything on screen as plain text, as a screenshot composes it.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
from pathlib import Path

from textual.worker import WorkerCancelled

from scanner.build import build_scanner
from scanner.store.store import Store
from scanner.store.summaries import recount

NAME, PHONE, ID, EMAIL = "张伟", "13912345678", "110105199003071239", "zhang.wei@example.com"
CSV_ROWS = (("李娜", "13800138000", "320102198805120034", "li.na@example.com"),
            ("王芳", "13700137000", "44030519851212002X", "wang.fang@example.com"))  # fmt: skip
NOTE = f"客户：{NAME}先生\n手机：{PHONE}\n身份证号：{ID}\n邮箱：{EMAIL}\n备注：老客户，按时付款\n"
BULK_ROOT = "/srv/bulk-share"  # synthetic: no file exists there


def build_share(tmp_path: Path) -> Path:
    """Three files in two folders; every identifier is valid (ID check digits, mobile prefixes)."""
    root = tmp_path / "share"
    (root / "客户资料").mkdir(parents=True)
    (root / "导出").mkdir()
    (root / "客户资料" / "张伟.txt").write_text(NOTE, encoding="utf-8")
    lines = ["姓名,手机,身份证号,邮箱", *(",".join(row) for row in CSV_ROWS)]
    (root / "客户资料" / "客户名单.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    export = {"customers": [{"name": NAME, "mobile": PHONE, "email": EMAIL}], "exported_by": "crm"}
    (root / "导出" / "export.json").write_text(json.dumps(export, ensure_ascii=False, indent=2), encoding="utf-8")
    return root


TEST_HOST = "files-1"  # the host a scan here is recorded under: the dashboard shows it, not this machine's name


def scan_into(db: Path, share: Path, packs, detector, host: str = TEST_HOST) -> None:
    """One real scan run of ``share`` into ``db`` (created if missing), with the key beside the database."""
    with Store(db, host=host) as store:
        build_scanner(store, store.path, packs, detector=detector).scan(share)


_KINDS = (  # entity type, rule, pack, sensitivity, preview prefix
    ("CN_MOBILE", "cn_mobile", "cn-contact@1.0.0", "general", "139****"),
    ("CN_RESIDENT_ID", "cn_resident_id", "cn-identity@1.0.0", "sensitive", "110105********"),
    ("EMAIL_ADDRESS", "email", "general@1.0.0", "general", "z***@example.com#"),
)


def bulk_findings(db: Path, count: int, *, per_file: int = 50, root: str = BULK_ROOT, seed: int = 0) -> None:
    """Insert ``count`` active findings spread over files of ``per_file`` each, in folders 部门00 … 部门19.

    Seeded, so two databases built alike hold the same rows (previews, fingerprints, paths).
    """
    rng = random.Random(seed)
    with Store(db) as store:
        con = store.connection
        with store.transaction():
            run_id = con.execute(
                "INSERT INTO scan_runs(root, started_at, finished_at, status, packs, tool_version, findings, host)"
                " VALUES (?, '2026-11-23T00:00:00Z', '2026-11-23T00:00:00Z', 'completed', 'bulk', 'bulk', ?, ?)"
                " RETURNING id",
                (root, count, store.host),
            ).fetchone()[0]
            first = con.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM files").fetchone()[0]
            n_files = -(-count // per_file)
            con.executemany(
                "INSERT INTO files(id, root, rel_path, size, mtime_ns, sha256, encoding, status, last_scan_id,"
                " scanned_at, scan_count, host)"
                " VALUES (?, ?, ?, 4096, 0, ?, 'utf-8', 'scanned', ?, '2026-11-23T00:00:00Z', 1, ?)",
                [
                    (first + i, root, f"部门{i % 20:02d}/客户{i:06d}.txt", f"{i:064x}", run_id, store.host)
                    for i in range(n_files)
                ],  # fmt: skip
            )
            con.executemany(
                'INSERT INTO findings(file_id, scan_id, entity_type, start, "end", location, score, rule_id, pack,'
                " sensitivity, preview, fingerprint, context_word) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,NULL)",
                _bulk_rows(rng, count, per_file, first, run_id),
            )
            recount(con)  # rows written past the store: its kept totals counted for them, as `custos db recount` does


def _bulk_rows(rng: random.Random, count: int, per_file: int, first_file: int, run_id: int):
    for n in range(count):
        entity, rule, pack, sensitivity, prefix = _KINDS[n % len(_KINDS)]
        line = n % per_file + 1
        preview = prefix.replace("#", "") if prefix.endswith("#") else f"{prefix}{rng.randrange(10_000):04d}"
        yield (first_file + n // per_file, run_id, entity, line * 40, line * 40 + 11, f"line {line}",
               0.9, rule, pack, sensitivity, preview, f"{rng.getrandbits(256):064x}")  # fmt: skip


async def tables_measured(pilot, timeout: float = 10.0) -> None:
    """Wait until every DataTable on screen has measured its columns. A table measures new rows and cells when
    its message queue is idle, which on a loaded machine can come after the workers finished: a snapshot taken
    before that shows columns cut to the header's width."""
    from textual.widgets import DataTable

    waited = 0.0
    while waited < timeout:
        await pilot.pause()
        pending = [
            t
            for t in pilot.app.screen.query(DataTable)
            if t._require_update_dimensions or t._updated_cells or t._new_rows  # noqa: SLF001 (no public flag)
        ]
        if not pending:
            return
        await pilot.pause(0.05)
        waited += 0.05
    raise AssertionError(f"{len(pending)} tables still unmeasured after {timeout} s")


def screen_text(app) -> str:
    """Everything on screen as plain text, the way `export_screenshot` composes it."""
    from rich.console import Console

    console = Console(width=app.size.width, height=app.size.height, file=io.StringIO(), record=True)
    console.print(app.screen._compositor.render_update(full=True))  # noqa: SLF001 (what a screenshot renders)
    return console.export_text()


async def settle(pilot, typing: bool = False, timeout: float = 10.0) -> None:
    """Until what was typed reached the filter (``typing``: the search debounce ran out), no worker is pending or
    running, the messages the workers posted are handled and every table has measured its rows."""
    if typing:
        await _filters_applied(pilot, timeout)
    for _ in range(50):
        # an exclusive worker replaced by a newer one (a refresh timer firing) is cancelled: wait again
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.state.name in ("PENDING", "RUNNING") for w in pilot.app.workers):
            await tables_measured(pilot, timeout)
            return
    raise AssertionError("workers did not settle")


async def _filters_applied(pilot, timeout: float) -> None:
    """Wait for the debounced filter bars to apply what their inputs describe (instead of sleeping past it)."""
    waited = 0.0
    while any(bar.value != bar.read() for bar in pilot.app.screen.query("FilterBar")):
        if waited >= timeout:
            raise AssertionError(f"the search typed was not applied after {timeout} s")
        await pilot.pause(0.05)
        waited += 0.05
