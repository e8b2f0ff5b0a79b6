"""A scanned share for the compliance report tests: customers with phones and IDs, a public folder breaking a
zone policy and readable by every user, a name in a path, an encrypted PDF and a scanned one (no text layer),
and actions in every state the report counts — executed quarantine, executed retention with a justification
naming a person, a stale delete — all recorded in the signed audit log."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from pypdf import PdfWriter

from scanner.actions.service import Proposal
from scanner.actions.workspace import open_workspace
from scanner.states import ActionKind
from scanner.store.store import Store
from scanner.subjects.link import link_subjects
from tests.action_fixtures import ALICE, BOB, PHONE, write_share
from tests.zone_fixtures import RESIDENT_ID, write_config, write_zone_share, zone_scan

NAMED_FILE = f"张伟_{PHONE}.txt"  # personal data in a path: the report shows it masked
PLAIN_VALUES = (PHONE, RESIDENT_ID, "张伟", "李娜")
RETAIN_REASON = f"与张伟 {PHONE} 的合同，诉讼保全"


def _pdf(path: Path, password: str | None = None) -> None:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if password:
        writer.encrypt(password)
    with path.open("wb") as f:
        writer.write(f)


def build_report_db(tmp: Path, packs, detector, target: Path | None = None) -> Path:
    share = write_zone_share(tmp / "share")
    write_share(share / "客户")
    (share / "客户" / NAMED_FILE).write_text(f"手机：{PHONE}\n", encoding="utf-8")
    _pdf(share / "加密.pdf", password="secret")
    _pdf(share / "扫描件.pdf")
    (share / "人事" / "档案.txt").chmod(0o600)  # sensitive, its owner's only
    (share / "公共" / "名单.txt").chmod(0o644)  # sensitive, and every user may read it
    db = target or tmp / "state" / "custos.db"  # target: a PostgreSQL store (tests.engines.as_path)
    # without OCR: the scanned PDF stays needs_ocr, a file the report counts as not inspected
    zone_scan(db, share, write_config(tmp / "custos.toml"), packs, detector, ocr=False)
    with Store(db) as store:
        link_subjects(store)
    with open_workspace(db, detector=detector) as ws:
        quarantine = ws.service.propose(Proposal(ActionKind.QUARANTINE, path=share / "客户" / "客户0.txt"), ALICE)
        retain = ws.service.propose(
            Proposal(ActionKind.RETAIN, path=share / "客户" / NAMED_FILE, reason=RETAIN_REASON,
                     retain_until=date.today() + timedelta(days=30)), ALICE)  # fmt: skip
        stale = ws.service.propose(Proposal(ActionKind.DELETE, path=share / "客户" / "客户2.txt"), ALICE)
        for action_id in (quarantine, retain, stale):
            ws.service.approve(action_id, BOB)
        (share / "客户" / "客户2.txt").write_text("changed after the proposal\n", encoding="utf-8")
        ws.service.apply(BOB)
    return db
