"""File names that are not UTF-8 (GBK names from shares migrated from Windows or Samba), made for real with
bytes paths: scanned by the CLI without a traceback, stored losslessly, shown escaped, exported, acted on
(mask, quarantine, delete, restore), and walked by the daemon, whose reconciliation keeps going."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from scanner.actions.audit import Actor
from scanner.actions.service import Proposal
from scanner.actions.workspace import open_workspace
from scanner.build import build_scanner
from scanner.display import safe
from scanner.store.lossless import stored
from scanner.store.store import Store
from tests.cli_output import clean_text, custos
from tests.test_daemon import Daemon, _config, query, wait_for

ALICE = Actor(os_user="alice", reviewer="alice")
BOB = Actor(os_user="bob", reviewer="bob")
PHONE = "13912345678"
TEXT = f"客户：张伟先生\n手机：{PHONE}\n备注：老客户\n".encode()
DEPT = b"\xb2\xbf\xc3\xc5"  # 部门 in GBK
FILES = {  # bytes names relative to the share: none is valid UTF-8
    "customers": b"\xbf\xcd\xbb\xa7.txt",  # 客户.txt
    "list": DEPT + b"/\xc3\xfb\xb5\xa5.csv",  # 部门/名单.csv
    "records": b"\xd7\xca\xc1\xcf.txt",  # 资料.txt
}


def make_share(base: bytes) -> Path:
    """Create the files with os.open on bytes paths, as a share migrated from Windows holds them."""
    os.mkdir(base)
    os.mkdir(base + b"/" + DEPT)
    for name in FILES.values():
        content = f"姓名,手机\n李娜,{PHONE}\n".encode() if name.endswith(b".csv") else TEXT
        fd = os.open(base + b"/" + name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, content)
        finally:
            os.close(fd)
    return Path(os.fsdecode(base))


def rel(key: str) -> str:
    return os.fsdecode(FILES[key])


@pytest.fixture
def share(tmp_path: Path) -> Path:
    return make_share(os.fsencode(tmp_path) + b"/share")


@pytest.fixture
def ws(tmp_path: Path, share: Path, packs, detector):
    db = tmp_path / "state" / "custos.db"
    with Store(db) as store:
        build_scanner(store, db, packs, detector=detector).scan(share)
    with open_workspace(db, detector=detector) as workspace:
        yield workspace


def _apply(ws, kind: str, path: Path):
    action_id = ws.service.propose(Proposal(kind, path=path), ALICE)
    ws.service.approve(action_id, BOB)
    [outcome] = ws.service.apply(BOB, [action_id])
    assert outcome.state == "executed", outcome.message
    return ws.actions.action(action_id)


def test_names_are_stored_losslessly_and_found_again(ws, share):
    for key in FILES:
        record = ws.store.file(str(share.resolve()), rel(key))
        assert record is not None and record.status == "scanned", key
        assert ws.actions.active_findings_of(record.id)
        assert os.fsencode(share / record.rel_path) == os.fsencode(share) + b"/" + FILES[key]


def test_mask_quarantine_delete_and_restore_work_on_them(ws, share):
    customers, records, listing = share / rel("customers"), share / rel("records"), share / rel("list")
    original = os.fsencode(records)
    masked = _apply(ws, "mask", customers)
    assert PHONE.encode() not in customers.read_bytes() and b"139****5678" in customers.read_bytes()
    assert b"".join(ws.vault.open_plaintext(masked.vault_id)) == TEXT
    quarantined = _apply(ws, "quarantine", records)
    assert not os.path.lexists(original)
    item = ws.vault.item(quarantined.vault_id)
    assert os.fsencode(item.original_path) == original  # the vault metadata kept the bytes
    ws.vault.restore(quarantined.vault_id, Path(item.original_path))
    with open(original, "rb") as fh:
        assert fh.read() == TEXT
    _apply(ws, "delete", listing)
    assert os.listdir(os.fsencode(share) + b"/" + DEPT) == []
    assert ws.audit.verify().ok
    targets = {r["target"] for r in ws.audit.records() if r["event"] == "executed"}
    assert targets == {stored(str(p)) for p in (customers, records, listing)}


@pytest.mark.slow  # ~11 s of CLI subprocesses; the in-process tests above cover storing and acting on them
def test_the_cli_scans_shows_exports_and_acts_on_them(tmp_path, share):
    db = tmp_path / "cli" / "custos.db"
    scan = custos("scan", share, "--db", db, "--jobs", "1", "--no-progress")
    assert scan.returncode == 0 and b"Traceback" not in scan.stderr, scan.stderr.decode(errors="replace")
    clean_text(scan.stdout + scan.stderr)
    listing = clean_text(custos("findings", "--db", db).stdout)
    for key in FILES:
        assert safe(rel(key)) in listing
    records = [json.loads(line) for line in clean_text(custos("export", "--db", db).stdout).splitlines()]
    assert {r["path"] for r in records} == {safe(rel(key)) for key in FILES}

    target = os.fsencode(share) + b"/" + FILES["records"]  # given as the bytes the shell would pass
    proposed = custos("propose", "quarantine", "--file", target, "--as", "alice", "--db", db)
    assert proposed.returncode == 0, proposed.stderr
    assert safe(rel("records")) in clean_text(proposed.stdout)
    action_id = clean_text(proposed.stdout).split()[2].rstrip(":")
    assert custos("approve", action_id, "--as", "bob", "--db", db).returncode == 0
    applied = custos("apply", "--yes", "--as", "bob", "--db", db)
    assert applied.returncode == 0 and safe(target) in clean_text(applied.stdout)
    assert not os.path.lexists(target)
    vault = clean_text(custos("vault", "list", "--db", db).stdout)
    [vault_id] = re.findall(r"^([0-9a-f]{32})\s", vault, re.M)
    assert safe(target) in vault
    proposed = custos("propose", "restore", "--vault", vault_id, "--as", "alice", "--db", db)
    assert proposed.returncode == 0, proposed.stderr
    restore_id = clean_text(proposed.stdout).split()[2].rstrip(":")
    assert custos("approve", restore_id, "--as", "bob", "--db", db).returncode == 0
    restored = custos("restore", vault_id, "--as", "bob", "--db", db)
    assert restored.returncode == 0 and safe(target) in clean_text(restored.stdout)
    with open(target, "rb") as fh:
        assert fh.read() == TEXT
    assert custos("audit", "verify", "--db", db).returncode == 0


@pytest.mark.slow
def test_the_daemon_reconciles_and_watches_them(tmp_path, share):
    daemon = Daemon(tmp_path, _config(tmp_path, share))

    def scanned() -> set[str]:
        return {r[0] for r in query(daemon.db, "SELECT rel_path FROM files WHERE status = 'scanned'")}

    try:
        wait_for(lambda: scanned() >= {stored(rel(k)) for k in FILES}, 60, "the start-up walk", daemon)
        late = os.fsencode(share) + b"/" + DEPT + b"/\xd0\xc2.txt"  # 新.txt, created while watched
        fd = os.open(late, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, TEXT)
        os.close(fd)
        wait_for(lambda: stored(os.fsdecode(late[len(os.fsencode(share)) + 1 :])) in scanned(), 60, "the new file",
                 daemon)  # fmt: skip
    finally:
        assert daemon.stop() == 0
    log = clean_text(Path(daemon.log.name).read_bytes())
    assert re.search(r"event=reconciled root=\S+ files=3 ", log)
    assert all(re.match(r"\d{4}-\d\d-\d\dT", line) for line in log.splitlines()), log
    assert safe(late) in log
