"""End to end: `custos scan` over a real tree of files in several encodings, into a real SQLite database."""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.cli import main

ID_ADULT = "11010519491231002X"
ID_CHILD = "44011320141005001X"  # born 2014-10-05: 12 years old on the fixed scan date
MOBILE = "13800138000"
CARD = "6214833153829935"
EMAIL = "wang.fang@example.com"
USCC = "91330102MA6UFC6405"
PLANTED = [ID_ADULT, ID_CHILD, MOBILE, CARD, EMAIL, USCC, "王芳", "zhang.wei@example.cn", "15937618763"]


def plant(root: Path) -> dict[str, tuple[str, str]]:
    """Write the share; returns {relative path: (text, encoding)}."""
    files = {
        "客户/名单_gbk.csv": (f"姓名,手机,身份证\r\n王芳,{MOBILE},{ID_ADULT}\r\n", "gbk"),
        "客户/名单_bom.csv": (f"姓名,邮箱\r\n王芳,{EMAIL}\r\n", "utf-8-sig"),
        "导出/unicode.txt": (f"卡号\t{CARD}\n子女身份证\t{ID_CHILD}\n", "utf-16"),
        "合同/摘要.md": (f"甲方信用代码：{USCC}\n联系人：王芳，电话 159 3761 8763\n", "utf-8"),
        "api/members.json": (json.dumps({"mail": "zhang.wei@example.cn"}, ensure_ascii=False), "utf-8"),
        "公告/无个人信息.txt": ("订单号 110105194912310021，版本 3.7.15，热线 400-820-8820。\n", "utf-8"),
    }
    for rel, (text, encoding) in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode(encoding))
    return files


def scan(root: Path, db: Path, *extra: str) -> list[dict]:
    out = db.with_suffix(".jsonl")
    code = main(
        [
            "scan",
            str(root),
            "--db",
            str(db),
            "--format",
            "jsonl",
            "--output",
            str(out),
            "--today",
            "2026-11-23",
            *extra,
        ]
    )
    assert code == 0
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


@pytest.fixture()
def share(tmp_path):
    root = tmp_path / "share"
    return root, plant(root)


def decoded(data: bytes) -> str:
    """The canonical decoding of taxonomy.md: BOM, then strict UTF-8, then GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def test_scan_finds_planted_values_at_exact_spans(share, tmp_path):
    root, files = share
    findings = scan(root, tmp_path / "f.db")
    got = {(f["path"], f["entity_type"]): f for f in findings}
    expected = {
        ("客户/名单_gbk.csv", "CN_MOBILE"): MOBILE,
        ("客户/名单_gbk.csv", "CN_RESIDENT_ID"): ID_ADULT,
        ("客户/名单_bom.csv", "EMAIL_ADDRESS"): EMAIL,
        ("导出/unicode.txt", "CN_BANK_CARD"): CARD,
        ("导出/unicode.txt", "CN_RESIDENT_ID"): ID_CHILD,
        ("合同/摘要.md", "CN_USCC"): USCC,
        ("合同/摘要.md", "CN_MOBILE"): "159 3761 8763",
        ("合同/摘要.md", "PERSON"): "王芳",
        ("api/members.json", "EMAIL_ADDRESS"): "zhang.wei@example.cn",
    }
    for (rel, entity), value in expected.items():
        finding = got[(rel, entity)]
        text = decoded((root / rel).read_bytes())
        assert text[finding["start"] : finding["end"]] == value, (rel, entity)
        assert value not in finding["preview"]
    assert not [f for f in findings if f["path"] == "公告/无个人信息.txt"]
    for f in findings:
        assert set(f) >= {
            "path",
            "entity_type",
            "start",
            "end",
            "location",
            "score",
            "preview",
            "sensitivity",
            "rule",
        }


def test_previews_follow_chinese_conventions_and_minors_are_flagged(share, tmp_path):
    root, _ = share
    findings = {(f["path"], f["entity_type"]): f for f in scan(root, tmp_path / "f.db")}
    assert findings[("客户/名单_gbk.csv", "CN_MOBILE")]["preview"] == "138****8000"
    assert findings[("客户/名单_gbk.csv", "CN_RESIDENT_ID")]["preview"] == "110105********002X"
    assert findings[("合同/摘要.md", "PERSON")]["preview"] == "王*"
    assert findings[("客户/名单_bom.csv", "EMAIL_ADDRESS")]["preview"] == "w***@example.com"
    child = findings[("导出/unicode.txt", "CN_RESIDENT_ID")]
    adult = findings[("客户/名单_gbk.csv", "CN_RESIDENT_ID")]
    assert "minor" in child["flags"] and child["sensitivity"] == "sensitive"
    assert "minor" not in adult["flags"]
    assert findings[("合同/摘要.md", "CN_USCC")]["sensitivity"] == "organization"
    assert findings[("客户/名单_gbk.csv", "CN_MOBILE")]["location"] == "line 2"


def test_database_holds_no_planted_value(share, tmp_path):
    root, _ = share
    db = tmp_path / "f.db"
    scan(root, db)
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("f.db*"))  # database, WAL and shared memory
    for value in PLANTED:
        for form in {value, value.replace(" ", "")}:
            assert form.encode("utf-8") not in raw, form
            assert form.encode("utf-16-le") not in raw, form
    key = tmp_path / "f.key"
    assert key.stat().st_mode & 0o777 == 0o600


def test_rescan_skips_unchanged_and_supersedes_changed_files(share, tmp_path):
    root, _ = share
    db = tmp_path / "f.db"
    first = scan(root, db)
    second = scan(root, db)
    assert sorted(map(json.dumps, first)) == sorted(map(json.dumps, second))
    with sqlite3.connect(db) as con:
        counts = dict(con.execute("SELECT rel_path, scan_count FROM files"))
    assert set(counts.values()) == {1}, "an unchanged file is not scanned again"

    changed = root / "合同/摘要.md"
    changed.write_text(f"甲方信用代码：{USCC}\n", encoding="utf-8")
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 10**9))
    touched = root / "客户/名单_bom.csv"
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))  # same content
    (root / "api/members.json").unlink()
    third = scan(root, db)
    in_md = {f["entity_type"] for f in third if f["path"] == "合同/摘要.md"}
    assert in_md == {"CN_USCC"}
    assert not [f for f in third if f["path"] == "api/members.json"]
    with sqlite3.connect(db) as con:
        counts = dict(con.execute("SELECT rel_path, scan_count FROM files"))
        states = dict(con.execute("SELECT state, COUNT(*) FROM findings GROUP BY state"))
        gone = con.execute("SELECT status FROM files WHERE rel_path = 'api/members.json'").fetchone()[0]
    assert counts["合同/摘要.md"] == 2 and counts["客户/名单_bom.csv"] == 1, "hash unchanged: not rescanned"
    assert states["superseded"] == 3 and states["gone"] == 1
    assert gone == "gone"


def test_bad_input_is_recorded_and_the_scan_goes_on(share, tmp_path):
    root, _ = share
    (root / "bin").mkdir()
    (root / "bin/image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (root / "bin/noise.log").write_bytes(bytes([0x81, 0x20, 0xFE, 0x7F, 0xFF]) * 400)
    big = root / "bin/huge_export.csv"
    with open(big, "wb") as fh:  # a sparse 2 GB file: no disk used, but too large under the 1 GB default
        fh.truncate(2 * 1024**3)
    (root / "bin/loop").symlink_to(root / "bin", target_is_directory=True)
    os.mkfifo(root / "bin/pipe.csv")
    (root / "bin/photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a picture")
    db = tmp_path / "f.db"
    findings = scan(root, db)
    assert any(f["entity_type"] == "CN_RESIDENT_ID" for f in findings)
    with sqlite3.connect(db) as con:
        status = dict(con.execute("SELECT rel_path, status FROM files WHERE rel_path LIKE 'bin/%'"))
        errors = dict(con.execute("SELECT rel_path, error FROM files WHERE rel_path LIKE 'bin/%'"))
    assert status == {
        "bin/image.txt": "binary",
        "bin/noise.log": "undecodable",
        "bin/huge_export.csv": "too_large",
        "bin/loop": "symlink_skipped",
        "bin/pipe.csv": "not_regular",
        "bin/photo.jpg": "corrupt" if importlib.util.find_spec("rapidocr") else "needs_ocr",  # OCR reads pictures
    }
    assert "--max-size" in errors["bin/huge_export.csv"]


def test_export_reads_the_database_without_rescanning(share, tmp_path):
    root, _ = share
    db = tmp_path / "f.db"
    findings = scan(root, db)
    out = tmp_path / "export.csv"
    assert main(["export", "--db", str(db), "--format", "csv", "--output", str(out)]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("path,entity_type,start,end,location,score,preview,sensitivity,rule")
    assert len(lines) == len(findings) + 1


def test_expected_problems_give_one_line_and_exit_code_2(tmp_path, capsys):
    assert main(["scan", str(tmp_path / "missing"), "--db", str(tmp_path / "f.db")]) == 2
    assert main(["export", "--db", str(tmp_path / "none.db")]) == 2
    assert main(["scan", str(tmp_path), "--db", str(tmp_path / "f.db"), "--max-size", "lots"]) == 2
    bad_rules = tmp_path / "rules"
    bad_rules.mkdir()
    (bad_rules / "broken.toml").write_text("pack_id = [", encoding="utf-8")
    assert main(["rules", "list", "--rules", str(bad_rules)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4 and all(line.startswith("custos: error: ") for line in err)


@pytest.mark.slow  # subprocesses of the CLI: seconds each (default run under 5 min)
def test_console_script_runs_as_installed(share, tmp_path):
    root, _ = share
    env = {**os.environ, "CUSTOS_HOME": str(tmp_path / "state")}
    result = subprocess.run(
        [sys.executable, "-m", "scanner.cli", "scan", str(root), "--no-progress"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "CN_RESIDENT_ID" in result.stdout and "sensitive" in result.stdout
    assert (tmp_path / "state" / "custos.db").exists()


def test_a_file_vanishing_between_listing_and_reading_is_recorded(tmp_path):
    from scanner.classify import Policy
    from scanner.detect.engine import Detector
    from scanner.detect.rulepack import load_default_packs
    from scanner.discover import walk
    from scanner.scan import Scanner
    from scanner.store.store import Store

    root = tmp_path / "share"
    root.mkdir()
    (root / "a.txt").write_text(f"手机 {MOBILE}", encoding="utf-8")
    [ref] = list(walk(root))
    (root / "a.txt").unlink()
    with Store(tmp_path / "f.db") as store:
        scanner = Scanner(store, Detector(load_default_packs()), key=b"k" * 32, policy=Policy())
        run = scanner.begin_run(str(root))
        scanner.scan_file(run, ref)
        record = store.file(str(root), "a.txt")
    assert record.status == "vanished" and run.stats.files_failed == 1


def test_unknown_spacy_option_is_a_usage_error(tmp_path):
    assert main(["scan", str(tmp_path), "--db", str(tmp_path / "f.db"), "--spacy", "fr"]) == 2
