"""Actions end to end on real files, a real database, the real vault and audit log: propose → approve → apply."""

from __future__ import annotations

import json
import os
from pathlib import Path

import docx
import openpyxl
import pytest

from scanner.actions.audit import Actor
from scanner.actions.service import ActionError, Proposal
from scanner.actions.vault import VaultError
from scanner.actions.workspace import open_workspace
from scanner.cli import main
from scanner.fingerprint import file_sha256

ALICE = Actor(os_user="alice", reviewer="alice")
BOB = Actor(os_user="bob", reviewer="bob")
PHONE, ID, EMAIL = "13912345678", "110105199003071239", "zhang.wei@example.com"
TEXT = f"客户：张伟先生\n手机：{PHONE}\n身份证号：{ID}\n邮箱：{EMAIL}\n备注：老客户，按时付款\n"


@pytest.fixture
def share(tmp_path: Path) -> Path:
    root = tmp_path / "share"
    root.mkdir()
    (root / "客户.txt").write_text(TEXT, encoding="utf-8")
    (root / "客户_gbk.txt").write_bytes(TEXT.encode("gb18030"))
    (root / "list.csv").write_text(f"姓名,手机,备注\n李娜,{PHONE},VIP\n", encoding="utf-8")
    (root / "export.json").write_text(json.dumps({"phone": PHONE, "note": "ok"}, ensure_ascii=False), "utf-8")
    book = openpyxl.Workbook()
    book.active.title = "客户"
    book.active.append(["姓名", "手机", "城市"])
    book.active.append(["王芳", PHONE, "杭州"])
    book.save(root / "客户.xlsx")
    document = docx.Document()
    paragraph = document.add_paragraph("联系电话：")
    paragraph.add_run(PHONE[:3]).bold = True
    paragraph.add_run(PHONE[3:7])
    paragraph.add_run(PHONE[7:]).italic = True
    document.add_paragraph("会议纪要，无其他内容。")
    document.save(root / "纪要.docx")
    return root


@pytest.fixture
def ws(db: Path, detector):
    with open_workspace(db, detector=detector) as workspace:
        yield workspace


def _findings(ws, path: Path) -> list:
    file = ws.store.file_at(path)
    return ws.actions.active_findings_of(file.id)


def _approve_and_apply(ws, proposal: Proposal, proposer=ALICE, approver=BOB):
    action_id = ws.service.propose(proposal, proposer)
    ws.service.approve(action_id, approver)
    [outcome] = ws.service.apply(approver, [action_id])
    return action_id, outcome


@pytest.mark.parametrize("name", ["客户.txt", "客户_gbk.txt", "list.csv", "export.json", "客户.xlsx", "纪要.docx"])
def test_mask_in_place_masks_every_finding_and_keeps_the_original_in_the_vault(ws, share, name):
    path = share / name
    original = path.read_bytes()
    assert _findings(ws, path), "the fixture must hold findings"
    action_id, outcome = _approve_and_apply(ws, Proposal("mask", path=path))
    assert outcome.state == "executed", outcome.message
    masked = _text_of(path)
    assert PHONE not in masked and "139****5678" in masked
    assert _findings(ws, path) == []  # rescanned: nothing personal left
    action = ws.actions.action(action_id)
    assert action.sha256_after == file_sha256(path)
    assert b"".join(ws.vault.open_plaintext(action.vault_id)) == original
    assert ws.audit.verify().ok


def test_masking_keeps_the_rest_of_a_text_file_byte_for_byte(ws, share):
    path = share / "客户_gbk.txt"
    _approve_and_apply(ws, Proposal("mask", path=path))
    text = path.read_bytes().decode("gb18030")
    assert text.splitlines()[0] == "客户：张*先生" or "张伟" not in text
    assert text.splitlines()[-1] == "备注：老客户，按时付款"
    assert ID not in text and EMAIL not in text


def test_docx_value_split_over_runs_is_masked_and_run_formatting_kept(ws, share):
    path = share / "纪要.docx"
    _approve_and_apply(ws, Proposal("mask", path=path))
    runs = docx.Document(str(path)).paragraphs[0].runs
    assert "".join(r.text for r in runs) == "联系电话：139****5678"
    assert runs[1].bold and runs[3].italic and not runs[2].bold


def test_delete_needs_a_second_person(ws, share):
    action_id = ws.service.propose(Proposal("delete", path=share / "list.csv"), ALICE)
    with pytest.raises(ActionError, match="second person"):
        ws.service.approve(action_id, ALICE)
    ws.service.approve(action_id, BOB)
    assert ws.actions.action(action_id).state == "approved"


def test_mask_needs_no_second_person_by_default(ws, share):
    action_id = ws.service.propose(Proposal("mask", path=share / "list.csv"), ALICE)
    ws.service.approve(action_id, ALICE)
    assert ws.actions.action(action_id).approved_by == "alice"


def test_nothing_happens_without_approval(ws, share):
    path = share / "list.csv"
    before = path.read_bytes()
    action_id = ws.service.propose(Proposal("mask", path=path), ALICE)
    assert ws.service.apply(ALICE) == []
    with pytest.raises(ActionError, match="only approved"):
        ws.service.apply(ALICE, [action_id])
    assert path.read_bytes() == before


def test_a_file_changed_since_the_scan_is_not_touched(ws, share):
    path = share / "客户.txt"
    action_id = ws.service.propose(Proposal("mask", path=path), ALICE)
    ws.service.approve(action_id, BOB)
    changed = TEXT + "新增：13800138000\n"
    path.write_text(changed, encoding="utf-8")
    [outcome] = ws.service.apply(BOB)
    assert outcome.state == "stale"
    assert path.read_text(encoding="utf-8") == changed
    assert ws.actions.action(action_id).vault_id is None
    assert any(f.preview == "138****8000" for f in _findings(ws, path))  # rescanned at once


def test_delete_removes_the_file_keeps_a_vault_copy_and_says_what_it_cannot_promise(ws, share):
    path = share / "list.csv"
    original = path.read_bytes()
    action_id, outcome = _approve_and_apply(ws, Proposal("delete", path=path))
    assert outcome.state == "executed" and not path.exists()
    assert list(share.glob(".custos-*")) == []
    action = ws.actions.action(action_id)
    assert b"".join(ws.vault.open_plaintext(action.vault_id)) == original
    record = [r for r in ws.audit.records(since=None, until=None, event="executed", actor=None,
                                          target_contains="list.csv")][-1]  # fmt: skip
    assert record["method"].startswith("secure delete") and record["caveats"] and record["approved_by"] == "bob"
    assert ws.store.file_at(path).status == "deleted"


def test_quarantine_then_restore_refuses_to_overwrite_silently(ws, share):
    path = share / "export.json"
    original = path.read_bytes()
    action_id, outcome = _approve_and_apply(ws, Proposal("quarantine", path=path))
    assert outcome.state == "executed" and not path.exists()
    vault_id = ws.actions.action(action_id).vault_id
    ws.vault.restore(vault_id, path)
    assert path.read_bytes() == original
    with pytest.raises(VaultError):
        ws.vault.restore(vault_id, path)


def test_a_false_positive_never_resurfaces(ws, share):
    path = share / "list.csv"
    finding = next(f for f in _findings(ws, path) if f.entity_type == "PERSON")
    _approve_and_apply(
        ws, Proposal("false_positive", finding_ids=(finding.id,), reason="a product name"), approver=ALICE
    )
    path.write_text(path.read_text(encoding="utf-8") + "李雷,13800138000,新客户\n", encoding="utf-8")
    ws.scanner.scan(share)  # the file changed: every finding is made afresh
    active = _findings(ws, path)
    assert any(f.preview == "138****8000" for f in active)
    assert finding.fingerprint not in {f.fingerprint for f in active}
    dismissed = ws.store.connection.execute(
        "SELECT COUNT(*) FROM findings f JOIN files fi ON fi.id = f.file_id"
        " WHERE fi.rel_path = 'list.csv' AND f.state = 'dismissed' AND f.fingerprint = ?",
        (finding.fingerprint,),
    ).fetchone()[0]
    assert dismissed == 1  # found again on the rescan, and dismissed again (the old row is superseded)


def test_retain_needs_a_justification_and_a_date(ws, share):
    with pytest.raises(ActionError, match="justification"):
        ws.service.propose(Proposal("retain", path=share / "list.csv"), ALICE)


def test_formats_without_an_in_place_masker_fail_cleanly(ws, share, tmp_path, detector):
    pdf = share / "扫描.pdf"
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(pdf))
    c.drawString(72, 720, f"Tel {PHONE}")
    c.save()
    ws.scanner.scan(share)
    before = pdf.read_bytes()
    _, outcome = _approve_and_apply(ws, Proposal("mask", path=pdf))
    assert outcome.state == "failed" and "cannot be masked in place" in outcome.message
    assert pdf.read_bytes() == before


def test_cli_flow_and_the_destruction_record(db, share, capsys):
    base = ["--db", str(db)]
    assert main(["propose", "delete", "--file", str(share / "list.csv"), "--as", "alice", *base]) == 0
    assert main(["approve", "1", "--as", "alice", *base]) == 2  # two-person rule, one clear line
    assert "second person" in capsys.readouterr().err
    assert main(["approve", "1", "--as", "bob", *base]) == 0
    assert main(["apply", "--yes", "--as", "bob", *base]) == 0
    assert main(["audit", "verify", *base]) == 0
    assert main(["report", "destruction", "--format", "md", *base]) == 0
    report = capsys.readouterr().out
    assert "list.csv" in report and "| deleted |" in report and "bob" in report and "verified" in report
    assert PHONE not in report


def test_cli_audit_verify_fails_on_a_tampered_log(db, share, capsys):
    base = ["--db", str(db)]
    main(["propose", "mask", "--file", str(share / "list.csv"), "--as", "alice", *base])
    main(["approve", "1", "--as", "alice", *base])
    log = db.with_name("custos.audit.jsonl")
    lines = log.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["actor"]["reviewer"] = "mallory"
    lines[0] = json.dumps(first, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["audit", "verify", *base]) == 1
    assert "record 1" in capsys.readouterr().out


def _text_of(path: Path) -> str:
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        return "\n".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None)
    if path.suffix == ".docx":
        return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def test_the_database_holds_no_plain_value_after_actions(ws, share, db):
    _approve_and_apply(ws, Proposal("mask", path=share / "客户.txt"))
    for suffix in ("", "-wal"):
        p = Path(str(db) + suffix)
        if p.exists():
            assert PHONE.encode() not in p.read_bytes()
    assert os.stat(db).st_mode & 0o077 == 0


def test_the_default_proposal_comes_from_the_policy(ws, share):
    action_id = ws.service.propose(Proposal("default", path=share / "客户.txt"), ALICE)
    action = ws.actions.action(action_id)
    assert action.kind == "mask"  # 客户.txt holds a resident ID: default_by_entity says mask
    assert ws.policy.default_for("CN_PASSPORT", "sensitive") == "quarantine"
