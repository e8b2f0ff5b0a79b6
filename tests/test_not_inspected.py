"""Files that were not inspected are counted and listed with the reason on every surface (scan summary, custos
status, export, dashboard), and text files are read whatever their extension: one real scan of a share."""

from __future__ import annotations

import io
import os
import sqlite3
import time
import zipfile
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import DataTable, Static

from scanner.build import build_scanner
from scanner.report import print_summary
from scanner.store.daemon_status import DaemonStatusStore
from scanner.store.file_status import not_inspected
from scanner.store.store import Store
from tests.cli_output import clean_text, custos
from tests.legacy_office import biff8_workbook, presentation, word_document
from tests.tui_fixtures import tables_measured
from tui.app import ReviewApp

MOBILE, ID, EMAIL = "13800138000", "11010519491231002X", "wang.fang@example.com"
TEXT_FILES = {  # name → content; each holds a mobile number
    "dump.sql": f"INSERT INTO customers VALUES ('张三', '{MOBILE}', '{ID}');\n".encode(),
    "app.ini": f"[contact]\nmobile = {MOBILE}\nemail = {EMAIL}\n".encode(),
    "db.yaml": f"owner:\n  name: 王芳\n  phone: '{MOBILE}'\n".encode(),
    "card.vcf": f"BEGIN:VCARD\r\nFN:王芳\r\nTEL;TYPE=CELL:{MOBILE}\r\nEMAIL:{EMAIL}\r\nEND:VCARD\r\n".encode(),
    "jdbc.properties": f"admin.mobile={MOBILE}\nadmin.email={EMAIL}\n".encode(),
    "nginx.conf": f"# on call: {MOBILE}\nserver_name example.com;\n".encode(),
    "README": f"联系人：张三 电话 {MOBILE}\n".encode("gb18030"),
    "客户.bak": f"姓名,手机\r\n李四,{MOBILE}\r\n".encode("utf-16"),
}
LEGACY_FILES = {  # name → (content, a location of the mobile number)
    "合同.doc": (word_document([(f"借款合同\r借款人电话 {MOBILE}\r", False)]), "paragraph 2"),
    "合同.wps": (word_document([(f"Tel {MOBILE}\r", True)]), "paragraph 1"),
    "名单.ppt": (presentation(["客户名单", f"张三 {MOBILE}"]), "slide 2"),
    "名单.dps": (presentation([f"联系电话 {MOBILE}"]), "slide 1"),
    "员工.et": (biff8_workbook("员工", [["姓名", "手机"], ["张三", MOBILE]]), "员工!B2"),
}
NOT_INSPECTED = {  # name → (content, status, the reason shown)
    "blob.bin": (b"\x00\x01" + os.urandom(2048), "unsupported", "no reader for .bin files, and it is not text"),
    "旧.dps": (b"WPS presentation 1999" + bytes(64), "unsupported", "legacy WPS presentation (.dps): not supported"),
    "加密.doc": (word_document([(f"电话 {MOBILE}\r", False)], encrypted=True), "encrypted", "password-protected"),
}
ARCHIVE = {"导出/联系人": f"张三 {MOBILE}\n".encode(), "导出/x.bin": b"\x00" * 64}  # members are sniffed too
COUNTS = "4 files (unsupported ×3, encrypted ×1)"
pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, packs, detector):
    """One scan of a share holding text under many names, legacy Office/WPS files and files nobody can read."""
    base = tmp_path_factory.mktemp("not-inspected")
    share = base / "share"
    share.mkdir()
    for name, data in TEXT_FILES.items():
        (share / name).write_bytes(data)
    for name, (data, _) in LEGACY_FILES.items():
        (share / name).write_bytes(data)
    for name, (data, _, _) in NOT_INSPECTED.items():
        (share / name).write_bytes(data)
    with zipfile.ZipFile(share / "归档.zip", "w") as archive:
        for name, data in ARCHIVE.items():
            archive.writestr(name, data)
    db = base / "custos.db"
    with Store(db) as store:
        scanner = build_scanner(store, db, packs, detector=detector)
        _, stats = scanner.scan(share)
        out = io.StringIO()
        print_summary(store, str(share.resolve()), stats, db, Console(file=out, width=250, color_system=None))
    return share.resolve(), db, stats, out.getvalue()


def rows_of(db: Path, sql: str, *params) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def mobile_locations(db: Path, name: str) -> list[str]:
    sql = ("SELECT f.location FROM findings f JOIN files fi ON fi.id = f.file_id WHERE fi.rel_path = ?"
           " AND f.entity_type = 'CN_MOBILE' AND f.state = 'active'")  # fmt: skip
    return [location for (location,) in rows_of(db, sql, name)]


@pytest.mark.parametrize("name", TEXT_FILES)
def test_text_files_are_read_whatever_their_extension(scanned, name):
    _, db, _, _ = scanned
    assert rows_of(db, "SELECT status FROM files WHERE rel_path = ?", name) == [("scanned",)]
    assert mobile_locations(db, name), f"{name}: its mobile number was not found"


@pytest.mark.parametrize("name", LEGACY_FILES)
def test_legacy_office_and_wps_files_are_read(scanned, name):
    _, db, _, _ = scanned
    assert rows_of(db, "SELECT status FROM files WHERE rel_path = ?", name) == [("scanned",)]
    assert LEGACY_FILES[name][1] in mobile_locations(db, name)


def test_files_not_inspected_are_recorded_with_the_reason(scanned):
    _, db, stats, _ = scanned
    recorded = dict((n, (s, e)) for n, s, e in rows_of(db, "SELECT rel_path, status, error FROM files"))
    for name, (_, status, reason) in NOT_INSPECTED.items():
        assert recorded[name][0] == status and reason in recorded[name][1], name
    assert stats.files_failed == 4 and stats.unsupported == {".bin": 2, ".dps": 1}
    members = rows_of(db, "SELECT member, status, error FROM files WHERE rel_path = '归档.zip' AND member != ''")
    assert sorted(members) == [
        ("导出/x.bin", "unsupported", "归档.zip:导出/x.bin: no reader for .bin files, and it is not text"
         " (binary content: NUL bytes)"),
        ("导出/联系人", "scanned", None),
    ]  # fmt: skip
    assert mobile_locations(db, "归档.zip") == ["line 1"]  # the member named 联系人, read as text


def test_the_scan_summary_counts_and_lists_every_file_not_inspected(scanned):
    _, _, _, summary = scanned
    assert "4 not inspected" in summary.splitlines()[0]
    table = summary[summary.index("Files not inspected") :]
    for name, (_, status, reason) in NOT_INSPECTED.items():
        [line] = [line for line in table.splitlines() if name in line]
        assert status in line and reason in line
    assert f"Not inspected: {COUNTS}" in summary


def test_export_and_status_count_the_same_files_not_inspected(scanned, tmp_path):
    _, db, _, _ = scanned
    copy = tmp_path / "copy.db"  # the CLI gets its own database: the module's stays as scanned
    with sqlite3.connect(db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    export = custos("export", "--format", "jsonl", "--db", copy)
    assert export.returncode == 0, export.stderr
    assert f"not inspected: {COUNTS}" in clean_text(export.stderr)

    with Store(copy) as store:
        DaemonStatusStore(store).update(state="running", heartbeat_at=time.time(), pid=os.getpid(), files_scanned=16)
    status = custos("status", "--db", copy)
    assert f"not inspected: {COUNTS}" in clean_text(status.stdout), status.stderr


def test_one_definition_of_not_inspected():
    assert not any(map(not_inspected, ("scanned", "gone", "quarantined", "deleted")))
    assert all(map(not_inspected, ("unsupported", "binary", "encrypted", "symlink_skipped", "changed_during_scan")))


async def test_the_dashboard_counts_and_lists_unsupported_files(scanned, detector, tmp_path):
    _, db, _, _ = scanned
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await tables_measured(pilot)
        totals = str(app.screen.query_one("#totals", Static).content)
        assert "(4 not inspected)" in totals
        table = app.screen.query_one("#problems", DataTable)
        shown = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        assert shown == {"blob.bin": "unsupported", "旧.dps": "unsupported", "加密.doc": "encrypted",
                         "归档.zip:导出/x.bin": "unsupported"}  # fmt: skip
