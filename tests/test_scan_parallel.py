"""`--jobs N`: worker processes give the same rows as one process, huge files split into ranges give the same
findings as whole, a killed parallel scan resumes cleanly, and archive bombs stay one row."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner.classify import Policy
from scanner.detect.rulepack import merged_policy
from scanner.discover import walk
from scanner.extract.archive_limits import ArchiveLimits
from scanner.file_scan import FileScanner
from scanner.pool import EngineSpec
from scanner.scan import Scanner, ScanOptions
from scanner.split import SplitPlan, plan
from scanner.store.store import Store
from tests.conftest import TODAY
from tests.sample_files import zip_bytes
from tests.test_scan_e2e import plant
from tests.test_scan_formats import CSV_GBK, eml_bytes, xlsx_bytes

KEY = b"k" * 32
MOBILE, ID = "13800138000", "11010519491231002X"
SPLIT = {"split_bytes": 4096, "split_range_bytes": 4096}  # files over 4 KiB are scanned as 4 KiB ranges
SURNAMES = "王李张刘陈杨赵黄周吴"


def big_csv() -> bytes:
    """Later ranges hold bare names and QQ numbers that are personal data only under their column headers."""
    rows = ["姓名,手机,QQ,备注"]
    for i in range(600):
        rows.append(f"{SURNAMES[i % 10]}芳{'丽伟'[i % 2]},1391234{i:04d},{48213370 + i * 7},第{i}行")
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


def big_gb18030() -> bytes:
    """Chinese lines in GB18030, with a damaged byte pair before some newlines (cuts must avoid those)."""
    out = bytearray()
    for i in range(500):
        out += f"客户{SURNAMES[i % 10]}先生的手机是1381234{i:04d}，身份证号{ID}。".encode("gb18030")
        out += b"\x81\x30\n" if i % 7 == 3 else "备注：无\n".encode("gb18030")
    return bytes(out)


def straddling_txt() -> bytes:
    """A mobile number across the nominal 4 KiB cut, and one whose label is on the line before a cut."""
    head = b"".join(b"filler line %04d without personal data\n" % i for i in range(200))
    at = 4096 - len("联系电话：138".encode())
    text = head[:at] + f"联系电话：{MOBILE} 请回电\n联系人手机\n".encode() + head[at:] + head
    return text


@pytest.fixture(scope="module")
def share(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("parallel") / "share"
    plant(root)
    files = {
        "客户.xlsx": xlsx_bytes(),
        "投诉.eml": eml_bytes(),
        "归档.zip": zip_bytes({"内层.zip": zip_bytes({"名单.csv": CSV_GBK}), "说明.txt": "无个人信息".encode()}),
        "大/客户.csv": big_csv(),
        "大/聊天_gb.txt": big_gb18030(),
        "大/跨界.txt": straddling_txt(),
    }
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def run(root: Path, db: Path, packs, detector, **options) -> None:
    policy = Policy.from_mapping(merged_policy(packs))
    jobs = options.get("jobs", 1)
    engine = EngineSpec(tuple(packs), today=TODAY) if jobs > 1 else None
    with Store(db) as store:
        scanner = Scanner(
            store, None if engine else detector, key=KEY, policy=policy, options=ScanOptions(**options), engine=engine
        )
        _, stats = scanner.scan(root)
    return stats


def rows(db: Path) -> tuple[set, set]:
    con = sqlite3.connect(db)
    try:
        shown = "CASE WHEN member = '' THEN rel_path ELSE rel_path || ':' || member END"  # as exported
        files = set(con.execute(f"SELECT {shown}, status, size, sha256, encoding, error FROM files"))
        findings = con.execute(
            f"SELECT {shown.replace('rel_path', 'fi.rel_path').replace('member', 'fi.member')}, f.entity_type,"
            " f.start, f.end, f.location, f.fingerprint, f.preview, f.rule_id"
            " FROM findings f JOIN files fi ON fi.id = f.file_id WHERE f.state = 'active'"
        ).fetchall()
    finally:
        con.close()
    return files, findings


@pytest.fixture(scope="module")
def scanned(share, tmp_path_factory, packs, detector):
    out = tmp_path_factory.mktemp("dbs")
    one = run(share, out / "one.db", packs, detector, **SPLIT)
    two = run(share, out / "two.db", packs, detector, jobs=2, **SPLIT)
    return rows(out / "one.db"), rows(out / "two.db"), one, two, out / "two.db"


def test_jobs_2_records_the_same_files_and_findings_as_jobs_1(scanned):
    (files_1, findings_1), (files_2, findings_2), one, two, _ = scanned
    assert files_2 == files_1
    assert len(findings_2) == len(set(findings_2)), "a finding recorded twice"
    assert sorted(findings_2) == sorted(findings_1)
    paths = {f[0] for f in findings_1}
    assert {"客户.xlsx", "投诉.eml", "归档.zip:内层.zip:名单.csv", "客户/名单_gbk.csv"} <= paths
    assert (two.files_seen, two.files_scanned, two.findings) == (one.files_seen, one.files_scanned, one.findings)


def test_huge_files_are_split_and_give_the_whole_file_findings(scanned, share, packs, detector):
    (_, findings_1), (_, findings_2), *_ = scanned
    files = FileScanner(detector, key=KEY, policy=Policy(), options=ScanOptions(jobs=2, **SPLIT))
    refs = {ref.rel: ref for ref in walk(share)}
    for rel in ("大/客户.csv", "大/聊天_gb.txt", "大/跨界.txt"):
        split = plan(files, refs[rel], None)
        assert isinstance(split, SplitPlan) and split.ranges >= 3, rel
        assert sorted(f for f in findings_2 if f[0] == rel) == sorted(f for f in findings_1 if f[0] == rel)
    csv = [f for f in findings_2 if f[0] == "大/客户.csv"]
    late = [f for f in csv if int(f[4].split()[1]) > 300]  # well past the first range
    assert {"PERSON", "CN_QQ"} <= {f[1] for f in late}, "later ranges lost their column headers"
    assert len([f for f in csv if f[1] == "CN_MOBILE"]) == 600
    assert len([f for f in findings_2 if f[0] == "大/聊天_gb.txt" and f[1] == "CN_MOBILE"]) == 500
    straddling = [f for f in findings_2 if f[0] == "大/跨界.txt" and f[6] == "138****8000"]
    assert len(straddling) == 1


def test_an_unchanged_share_is_skipped_by_the_workers_too(scanned, share, packs, detector):
    *_, db = scanned
    touched = share / "大/客户.csv"
    os.utime(touched, ns=(time.time_ns(), time.time_ns()))  # new mtime, same content: hashed, not rescanned
    stats = run(share, db, packs, detector, jobs=2, **SPLIT)
    assert stats.files_scanned == 0 and stats.files_unchanged == len(list(walk(share)))


def nest(width: int, levels: int) -> bytes:
    data = b"nothing personal here\n"
    for level in range(levels):
        data = zip_bytes({f"{i:x}.{'zip' if level else 'txt'}": data for i in range(width)})
    return data


def test_a_recursive_zip_nest_is_one_suspicious_row(tmp_path, packs, detector):
    root = tmp_path / "share"
    root.mkdir()
    (root / "42.zip").write_bytes(nest(16, 5))  # 16 wide, 5 deep: a million leaves once unpacked
    run(root, tmp_path / "f.db", packs, detector)
    files, _ = rows(tmp_path / "f.db")
    assert len(files) == 1
    ((rel, status, *_, error),) = files
    assert (rel, status) == ("42.zip", "suspicious") and "nested more than 3 levels" in error


def test_member_rows_are_capped_and_the_rest_counted_on_the_archive(tmp_path, packs, detector):
    root = tmp_path / "share"
    root.mkdir()
    (root / "many.zip").write_bytes(zip_bytes({f"m{i:02d}.txt": f"手机：1391234{i:04d}\n".encode() for i in range(12)}))
    run(root, tmp_path / "f.db", packs, detector, archive_limits=ArchiveLimits(max_member_rows=5))
    files, findings = rows(tmp_path / "f.db")
    members = sorted(r[0] for r in files if r[0].startswith("many.zip:"))
    assert members == [f"many.zip:m{i:02d}.txt" for i in range(5)]
    (archive,) = [r for r in files if r[0] == "many.zip"]
    assert "7 members not scanned" in archive[-1]
    assert len(findings) == 5


@pytest.mark.slow  # two CLI runs, each starting two engines: about 20 s
def test_a_parallel_scan_killed_mid_run_then_run_again_records_each_file_once(tmp_path):
    root = tmp_path / "share"
    root.mkdir()
    for i in range(300):
        (root / f"f{i:03d}.txt").write_text(f"手机：1391234{i:04d}\n身份证：{ID}\n" * 20, encoding="utf-8")
    db = tmp_path / "f.db"
    command = [sys.executable, "-m", "scanner.cli", "scan", str(root), "--db", str(db), "--jobs", "2",
               "--no-progress", "--format", "jsonl", "--output", str(tmp_path / "out.jsonl")]  # fmt: skip
    proc = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _count(db, "SELECT COUNT(*) FROM files") < 20:
            assert proc.poll() is None, "the scan ended before it could be killed"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    recorded = _count(db, "SELECT COUNT(*) FROM files")
    assert 20 <= recorded < 300, "not killed mid-run"
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _count(db, "SELECT COUNT(*) FROM files WHERE status = 'scanned' AND scan_count = 1") == 300
    assert _count(db, "SELECT COUNT(*) FROM findings WHERE state = 'active'") == 300 * 40
    duplicates = "SELECT COUNT(*) FROM (SELECT 1 FROM findings GROUP BY file_id, start, end HAVING COUNT(*) > 1)"
    assert _count(db, duplicates) == 0
    exported = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(exported) == 300 * 40
    assert _count(db, "SELECT status FROM scan_runs ORDER BY id DESC LIMIT 1", text=True) == "completed"


def _count(db: Path, sql: str, text: bool = False):
    if not db.exists():
        return 0
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # tables not created yet
    finally:
        con.close()
