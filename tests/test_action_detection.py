"""Actions and detection: masking detects the masked copy once (counted on the real detector), keeps refusing
a copy that still holds a masked value, and records for the file what a scan of it records; the executor reaches
detection only through `ActionDetection` and no longer imports the service."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.actions.audit import Actor
from scanner.actions.service import Proposal
from scanner.actions.workspace import open_workspace
from scanner.build import build_scanner
from scanner.fingerprint import file_sha256
from scanner.paths import key_path_for
from scanner.store.store import Store

REPO = Path(__file__).resolve().parents[1]
ALICE = Actor(os_user="alice", reviewer="alice")
BOB = Actor(os_user="bob", reviewer="bob")
PHONE, ID = "13912345678", "110105199003071239"
MARK = "会议纪要第七号"  # only the file's body holds it: counts its detections, not the path's
TEXT = f"{MARK}\n手机：{PHONE}\n身份证号：{ID}\n备注：老客户\n"


class CountingDetector:
    """The real detector, counting the texts handed to it that come from the file's body."""

    def __init__(self, detector) -> None:
        self._detector = detector
        self.body_texts = 0

    def detect(self, text: str, **kwargs):
        if MARK in text:
            self.body_texts += 1
        return self._detector.detect(text, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._detector, name)


@pytest.fixture
def site(tmp_path: Path, packs, detector):
    share = tmp_path / "share"
    share.mkdir()
    (share / "note.txt").write_text(TEXT, encoding="utf-8")
    db = tmp_path / "state" / "custos.db"
    counting = CountingDetector(detector)
    with Store(db) as store:
        build_scanner(store, db, packs, detector=counting).scan(share)
    return share, db, counting


def _apply(ws, proposal: Proposal):
    action_id = ws.service.propose(proposal, ALICE)
    ws.service.approve(action_id, BOB)
    [outcome] = ws.service.apply(BOB, [action_id])
    return ws.actions.action(action_id), outcome


def _rows(store: Store, path: Path) -> list[tuple]:
    """The findings the file's last scan recorded."""
    rows = store.connection.execute(
        "SELECT entity_type, start, end, location, preview, fingerprint FROM findings"
        " WHERE file_id = ? AND scan_id = (SELECT last_scan_id FROM files WHERE id = ?) ORDER BY start, location",
        (store.file_at(path).id, store.file_at(path).id),
    )
    return [tuple(r) for r in rows]


def test_masking_detects_the_masked_copy_once_and_records_what_a_scan_records(site, packs, detector):
    share, db, counting = site
    path = share / "note.txt"
    with open_workspace(db, detector=counting) as ws:
        [phone] = [f for f in ws.actions.active_findings_of(ws.store.file_at(path).id) if f.entity_type == "CN_MOBILE"]
        counting.body_texts = 0
        action, outcome = _apply(ws, Proposal("mask", finding_ids=(phone.id,)))
        assert outcome.state == "executed", outcome.message
        assert counting.body_texts == 1  # the masked copy's check; what is recorded for the file is that detection
        text = path.read_text(encoding="utf-8")
        assert PHONE not in text and ID in text
        record = ws.store.file_at(path)
        st = os.stat(path)
        stored = ws.store.connection.execute(
            "SELECT sha256, size, mtime_ns, dev, ino, last_scan_id FROM files WHERE id = ?", (record.id,)
        ).fetchone()
        assert tuple(stored)[:5] == (action.planned_sha256, st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)
        assert record.sha256 == file_sha256(path)
        run = ws.store.run(stored["last_scan_id"])
        assert (run["status"], run["files_seen"], run["files_scanned"]) == ("completed", 1, 1)
        recorded = _rows(ws.store, path)
        active = {f.entity_type for f in ws.actions.active_findings_of(record.id)}
    assert "CN_RESIDENT_ID" in active and "CN_MOBILE" not in active
    # The same rows as a fresh scan of the masked file records (into a new database given the same key).
    fresh = db.with_name("fresh.db")
    shutil.copy2(key_path_for(db), key_path_for(fresh))
    with Store(fresh) as store:
        build_scanner(store, fresh, packs, detector=detector).scan(share)
        assert _rows(store, path) == recorded


def test_a_masked_copy_that_still_holds_a_masked_value_is_refused_after_one_detection(site):
    share, db, counting = site
    path = share / "note.txt"
    path.write_text(TEXT + f"备用：{PHONE}\n", encoding="utf-8")  # the number twice: mask only the first
    with open_workspace(db, detector=counting) as ws:
        ws.scanner.rescan_one(str(share.resolve()), "note.txt")
        phones = [f for f in ws.actions.active_findings_of(ws.store.file_at(path).id) if f.entity_type == "CN_MOBILE"]
        assert len(phones) == 2
        before = file_sha256(path)
        counting.body_texts = 0
        _, outcome = _apply(ws, Proposal("mask", finding_ids=(min(f.id for f in phones),)))
    assert outcome.state == "failed"
    assert "masked values were still found in the masked copy; file unchanged" in outcome.message
    assert counting.body_texts == 1
    assert file_sha256(path) == before


def _imports(module: Path) -> set[str]:
    """Every module ``module`` imports, at its top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_executor_does_not_import_the_service_and_reaches_detection_through_its_interface():
    actions = REPO / "scanner" / "actions"
    assert "scanner.actions.service" not in _imports(actions / "execute.py")
    for name in ("execute.py", "verify.py"):
        imported = _imports(actions / name)
        assert not imported & {"scanner.scan", "scanner.detect.engine", "scanner.detect.stream"}, name
        tree = ast.parse((actions / name).read_text(encoding="utf-8"))
        reached = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        assert not reached & {"scanner", "detector", "chunked", "options", "key"}, name


@pytest.mark.parametrize(
    "module",
    ["execute", "service", "audit_fields", "vault_actions", "detection", "verify", "workspace"],
)
def test_each_actions_module_imports_alone(module):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    code = f"import sys, scanner.actions.{module}; assert 'scanner.detect.engine' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=REPO, timeout=60)
