"""Personal data in names: file names, archive member names, sheet titles and attachment names are scanned, and
only ever shown, exported, audited and vaulted masked; a real file named "a.zip:b.csv" is not a member of a.zip.

Real files, real scans through the CLI (in process, as in test_scan_e2e), a real database, vault and audit log.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from openpyxl import Workbook

from scanner.cli import main
from scanner.display import safe
from scanner.store.moves import FileMoves
from scanner.store.schema import SCHEMA_VERSION
from scanner.store.store import Store
from tests.cli_output import clean_text, custos

REPO = Path(__file__).resolve().parents[1]
MOBILE = "13812345678"
NAMED = f"张三_{MOBILE}.txt"
ID_NUMBER = "11010519491231002X"
TODAY = "2026-11-23"


def scan(root: Path, db: Path, *extra: str) -> list[dict]:
    out = db.with_suffix(".jsonl")
    args = ["scan", str(root), "--db", str(db), "--jobs", "1", "--no-progress", "--today", TODAY]
    assert main([*args, "--format", "jsonl", "--output", str(out), "--mask-paths", *extra]) == 0
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture
def named_share(tmp_path: Path) -> Path:
    share = tmp_path / "share"
    (share / "客户").mkdir(parents=True)
    (share / "客户" / NAMED).write_text("备注：回访\n", encoding="utf-8")
    (share / f"王五_{MOBILE}.docx").write_bytes(b"PK\x03\x04 not really a document")  # corrupt: a problem row
    return share


def test_a_mobile_in_a_file_name_is_a_masked_name_finding(named_share: Path, tmp_path: Path) -> None:
    findings = scan(named_share, tmp_path / "c.db")
    [name] = [f for f in findings if f["location"] == "name" and f["path"].startswith("客户/")]
    assert (name["entity_type"], name["preview"]) == ("CN_MOBILE", "138****5678")
    assert name["path"] == "客户/张*_138****5678.txt"  # the name too, by the display mask
    plain_path = f"客户/{NAMED}"
    assert plain_path[name["start"] : name["end"]] == MOBILE  # start/end index the path
    problem = [f for f in findings if f["path"].endswith(".docx")]
    assert [f["location"] for f in problem] == ["name"]  # a file that could not be read still has a name
    assert problem[0]["path"] == "王*_138****5678.docx"


def test_listings_exports_and_summary_never_show_the_plain_name(
    named_share: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.db"
    scan(named_share, db)
    capsys.readouterr()
    assert main(["scan", str(named_share), "--db", str(db), "--jobs", "1", "--no-progress", "--today", TODAY]) == 0
    summary = capsys.readouterr().out
    assert "王*_138****5678.docx" in summary and MOBILE not in summary  # the "could not be inspected" table
    for fmt in ("jsonl", "csv"):
        assert main(["export", "--db", str(db), "--format", fmt, "--mask-paths"]) == 0
        exported = capsys.readouterr().out
        assert "138****5678" in exported and MOBILE not in exported
    assert main(["export", "--db", str(db), "--format", "jsonl"]) == 0  # for tools: exact paths (taxonomy.md)
    exact = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert f"客户/{NAMED}" in {f["path"] for f in exact}
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    listing = subprocess.run(
        [sys.executable, "-m", "scanner.cli", "findings", "--db", str(db)],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=True,
    ).stdout  # fmt: skip
    assert "客户/张*_138****5678.txt" in listing and MOBILE not in listing


@pytest.mark.slow  # subprocesses of the CLI: seconds each (default run under 5 min)
def test_a_hostile_name_holding_a_mobile_is_listed_masked_and_escaped(tmp_path: Path) -> None:
    """Masking first, escaping last: the number is masked and the OSC sequence around it shown as text."""
    share = tmp_path / "share"
    share.mkdir()
    hostile = f"张三_{MOBILE}\x1b]0;x\x07.txt"
    (share / hostile).write_text("备注：回访\n", encoding="utf-8")
    db = tmp_path / "state" / "custos.db"
    scanned = custos("scan", share, "--db", db, "--jobs", "1", "--no-progress", "--today", TODAY)
    assert scanned.returncode == 0, scanned.stderr.decode(errors="replace")
    listing = custos("findings", "--db", db)
    assert listing.returncode == 0, listing.stderr.decode(errors="replace")
    text = clean_text(listing.stdout + listing.stderr)  # no ESC or BEL reached the terminal
    shown = "张*_138****5678\\x1b]0;x\\x07.txt"
    assert safe("张*_138****5678\x1b]0;x\x07.txt") == shown
    [line] = [line for line in text.splitlines() if line.endswith(shown)]
    assert "CN_MOBILE" in line and " name " in line
    assert MOBILE not in text


def test_an_id_number_in_an_archive_member_name_is_found(tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    with zipfile.ZipFile(share / "hr.zip", "w") as zf:
        zf.writestr(f"入职/身份证_{ID_NUMBER}.txt", "已归档\n")
    findings = scan(share, tmp_path / "c.db")
    [found] = [f for f in findings if f["entity_type"] == "CN_RESIDENT_ID"]
    assert found["location"] == "name"
    assert found["path"] == "hr.zip:入职/身份证_110105********002X.txt"
    assert found["member"] == "入职/身份证_110105********002X.txt"
    assert f"hr.zip:入职/身份证_{ID_NUMBER}.txt"[found["start"] : found["end"]] == ID_NUMBER
    assert ID_NUMBER not in (tmp_path / "c.jsonl").read_text(encoding="utf-8")


def test_a_file_named_like_a_member_is_its_own_file(tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    with zipfile.ZipFile(share / "a.zip", "w") as zf:
        zf.writestr("b.csv", "手机\n13900001111\n")
    (share / "a.zip:b.csv").write_text("手机\n13700002222\n", encoding="utf-8")
    db = tmp_path / "c.db"
    findings = scan(share, db)
    by_member = {f["member"]: f["preview"] for f in findings if f["entity_type"] == "CN_MOBILE"}
    assert by_member == {"b.csv": "139****1111", None: "137****2222"}
    assert all(f["path"] == "a.zip:b.csv" for f in findings)  # taxonomy.md's path; `member` tells them apart
    recorded = rows(db, "SELECT rel_path, member, status FROM files ORDER BY rel_path, member")
    assert recorded == [("a.zip", "", "scanned"), ("a.zip", "b.csv", "scanned"), ("a.zip:b.csv", "", "scanned")]

    scan(share, db)  # unchanged: nothing overwrites the other, nothing is gone
    assert rows(db, "SELECT COUNT(*) FROM files WHERE status = 'scanned'") == [(3,)]
    assert rows(db, "SELECT COUNT(*) FROM findings WHERE state = 'active' AND entity_type = 'CN_MOBILE'") == [(2,)]

    with Store(db) as store:  # the archive moves; its member follows it, the look-alike file stays
        FileMoves(store).rename_file(str(share.resolve()), "a.zip", "c.zip")
    recorded = rows(db, "SELECT rel_path, member FROM files ORDER BY rel_path, member")
    assert recorded == [("a.zip:b.csv", ""), ("c.zip", ""), ("c.zip", "b.csv")]


def test_a_moved_file_gets_its_new_name_scanned_without_rereading_it(tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    (share / "plain.txt").write_text("电话 13900001111\n", encoding="utf-8")
    db = tmp_path / "c.db"
    scan(share, db)
    os.rename(share / "plain.txt", share / NAMED)
    with Store(db) as store:
        FileMoves(store).rename_file(str(share.resolve()), "plain.txt", NAMED)
    findings = scan(share, db)
    assert {(f["location"], f["preview"]) for f in findings} == {("line 1", "139****1111"), ("name", "138****5678")}
    assert rows(db, "SELECT scan_count, names_scanned FROM files WHERE rel_path = ?", NAMED) == [(1, 1)]


def test_sheet_titles_and_attachment_names_are_scanned(tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    book = Workbook()
    book.active.title = f"张三{MOBILE}"
    book.active.append(["备注"])
    book.active.append(["无"])
    book.save(share / "表.xlsx")
    message = EmailMessage()
    message["Subject"] = "资料"
    message.set_content("见附件\n")
    message.add_attachment("手机\n13900001111\n".encode(), maintype="text", subtype="csv", filename=f"{MOBILE}.csv")
    (share / "m.eml").write_bytes(bytes(message))
    findings = scan(share, tmp_path / "c.db")
    got = {(f["path"], f["location"], f["preview"]) for f in findings}
    assert ("表.xlsx", "sheet title 1", "138****5678") in got
    assert ("m.eml", "attachment 1 name", "138****5678") in got
    assert ("m.eml", "attachment 138****5678.csv line 2", "139****1111") in got  # the location names it masked
    assert MOBILE not in (tmp_path / "c.jsonl").read_text(encoding="utf-8")


def test_audit_log_and_vault_hold_no_plain_name(named_share: Path, tmp_path: Path, capsys) -> None:
    db = tmp_path / "c.db"
    target = named_share / "客户" / NAMED
    scan(named_share, db)
    assert main(["propose", "quarantine", "--file", str(target), "--db", str(db), "--as", "alice"]) == 0
    assert main(["approve", "1", "--db", str(db), "--as", "bob"]) == 0
    assert main(["apply", "--yes", "--db", str(db), "--as", "bob"]) == 0
    assert not target.exists()
    assert main(["vault", "list", "--db", str(db)]) == 0
    assert main(["audit", "show", "--db", str(db)]) == 0
    shown = capsys.readouterr().out
    assert "张*_138****5678.txt" in shown and MOBILE not in shown

    audit = db.with_name("c.audit.jsonl").read_bytes()
    vault_files = [p for p in db.with_name("c.vault").iterdir() if p.is_file()]
    for stored in [audit, *(p.read_bytes() for p in vault_files)]:
        assert MOBILE.encode() not in stored
    records = [json.loads(line) for line in audit.splitlines()]
    assert {r["event"] for r in records} >= {"proposed", "approved", "executed"}
    assert all(r["target"].endswith("客户/张*_138****5678.txt") and r["file_id"] for r in records)

    [item] = [p.stem for p in vault_files if p.suffix == ".json" and p.stem != "vault"]
    assert main(["propose", "restore", "--vault", item, "--db", str(db), "--as", "alice"]) == 0
    assert main(["approve", "2", "--db", str(db), "--as", "bob"]) == 0
    assert main(["restore", item, "--db", str(db), "--as", "bob"]) == 0  # the sealed path opens again
    assert target.read_text(encoding="utf-8") == "备注：回访\n"
    assert MOBILE.encode() not in db.with_name("c.audit.jsonl").read_bytes()
    assert MOBILE not in capsys.readouterr().out


def test_an_old_database_is_upgraded_to_member_rows(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(
            """
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO meta VALUES ('schema_version', '2');
            CREATE TABLE scan_runs (id INTEGER PRIMARY KEY, root TEXT NOT NULL, started_at TEXT NOT NULL,
                finished_at TEXT, status TEXT NOT NULL DEFAULT 'running', packs TEXT NOT NULL,
                tool_version TEXT NOT NULL, files_seen INTEGER NOT NULL DEFAULT 0,
                files_scanned INTEGER NOT NULL DEFAULT 0, files_unchanged INTEGER NOT NULL DEFAULT 0,
                files_failed INTEGER NOT NULL DEFAULT 0, bytes_scanned INTEGER NOT NULL DEFAULT 0,
                findings INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE files (id INTEGER PRIMARY KEY, root TEXT NOT NULL, rel_path TEXT NOT NULL, size INTEGER,
                mtime_ns INTEGER, dev INTEGER, ino INTEGER, sha256 TEXT, encoding TEXT, status TEXT NOT NULL,
                error TEXT, last_scan_id INTEGER REFERENCES scan_runs(id), scanned_at TEXT,
                scan_count INTEGER NOT NULL DEFAULT 0, UNIQUE (root, rel_path));
            CREATE TABLE suppressions (id INTEGER PRIMARY KEY, root TEXT NOT NULL, rel_path TEXT NOT NULL,
                rule_id TEXT NOT NULL, fingerprint TEXT NOT NULL, action_id INTEGER, created_at TEXT NOT NULL,
                UNIQUE (root, rel_path, rule_id, fingerprint));
            INSERT INTO scan_runs(id, root, started_at, packs, tool_version) VALUES (1, '/s', 't', 'p', 'v');
            INSERT INTO files(id, root, rel_path, status, last_scan_id) VALUES
                (1, '/s', 'a.zip', 'scanned', 1), (2, '/s', 'a.zip:in/b.csv', 'scanned', 1),
                (3, '/s', 'notes:2024.txt', 'scanned', 1);
            INSERT INTO suppressions(root, rel_path, rule_id, fingerprint, created_at)
                VALUES ('/s', 'a.zip:in/b.csv', 'cn_mobile', 'fp', 't');
            """
        )
    with Store(db) as store:
        store.connection.execute(
            "INSERT INTO findings(file_id, scan_id, entity_type, start, end, location, score, rule_id, pack,"
            " sensitivity, preview, fingerprint) VALUES (2, 1, 'CN_MOBILE', 0, 11, 'line 2', 0.9, 'cn_mobile', 'p',"
            " 'general', '139****1111', 'fp')"
        )
    assert rows(db, "SELECT id, rel_path, member FROM files ORDER BY id") == [
        (1, "a.zip", ""), (2, "a.zip", "in/b.csv"), (3, "notes:2024.txt", ""),
    ]  # fmt: skip
    assert rows(db, "SELECT rel_path, member FROM suppressions") == [("a.zip", "in/b.csv")]
    assert rows(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [(str(SCHEMA_VERSION),)]
    assert rows(db, "PRAGMA foreign_key_check") == []
    with Store(db) as store:  # opening again changes nothing
        assert store.file("/s", "a.zip", "in/b.csv").id == 2
