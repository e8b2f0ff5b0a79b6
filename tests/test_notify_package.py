"""The notification list in its package: read back from the real scanned files, written encrypted by the real
package writer, opened with the recipient's key; no value anywhere on disk but the share and the opened folder."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from openpyxl import load_workbook

from scanner.build import build_scanner
from scanner.handover.package import PackageWriter, open_package
from scanner.i18n import CHINESE
from scanner.notify.csv_out import BOM
from scanner.notify.produce import CSV_MEMBER, XLSX_MEMBER, NotifyOutcome, notify_producer
from scanner.notify.rows import Recipient, header
from scanner.notify.selection import ChosenPeople
from scanner.notify.template import NoticeTemplate, default_template
from scanner.store.store import Store
from tests.test_notify_readback import LI, WANG, _ids
from tests.test_notify_readback import db as db  # noqa: F401 - the scanned share's fixtures
from tests.test_notify_readback import share as share  # noqa: F401

RECIPIENT = Recipient("乙方科技有限公司", "400-800-1234", "2026年12月1日")


@pytest.fixture
def built(tmp_path: Path, db: Path, share: Path, packs, detector):  # noqa: F811
    """The list of Wang and Li built into a package; (package, outcome, recipient key, signer)."""
    note = share / "备注.txt"
    note.write_text(note.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # changed since scanned
    recipient, signer = X25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    people = ChosenPeople({1: _ids(db, WANG), 2: _ids(db, LI)}, {1: ("identity", "contact"), 2: ("contact",)})
    outcome = NotifyOutcome()
    out = tmp_path / "out" / "notify.custos-package"
    out.parent.mkdir()
    with Store(db) as store:
        scanner = build_scanner(store, db, packs, detector=detector)
        produce = notify_producer(store, lambda: scanner, people, default_template(CHINESE), RECIPIENT, outcome)
        with PackageWriter(out, recipient.public_key(), signer, meta={"kind": "notify_list"}) as writer:
            produce(writer)
    return out, outcome, recipient, signer


def test_the_list_opens_on_the_recipients_side_as_csv_and_xlsx(built, tmp_path: Path):
    package, outcome, recipient, signer = built
    assert (outcome.people, outcome.reachable, outcome.not_found) == (2, 2, 0)
    assert [(s.path, s.findings) for s in outcome.skipped] == [("备注.txt", 2)]
    manifest = open_package(package, recipient, signer.public_key(), tmp_path / "opened")
    assert sorted(m.name for m in manifest.members) == [CSV_MEMBER, XLSX_MEMBER]
    assert all(m.info["people"] == 2 for m in manifest.members)
    data = (tmp_path / "opened" / CSV_MEMBER).read_bytes()
    assert data.startswith(BOM)
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert tuple(table[0]) == header(CHINESE)
    assert table[1][1:6] == ["王芳", "13800138000", "wangfang@example.com", WANG["CN_ADDRESS"], "身份信息、联系方式"]
    assert table[2][1:5] == ["李强", LI["CN_MOBILE"], LI["EMAIL_ADDRESS"], LI["CN_ADDRESS"]]
    assert "接收方名称：乙方科技有限公司" in table[1][6] and "自2026年12月1日起" in table[1][6]
    sheet = load_workbook(tmp_path / "opened" / XLSX_MEMBER).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == list(header(CHINESE)) and len(rows) == 3
    assert rows[1][:5] == table[1][:5] and rows[2][:5] == table[2][:5]
    assert rows[1][6] == table[1][6]


def test_no_value_is_on_disk_but_in_the_share_and_the_opened_folder(built, tmp_path: Path):
    package, _outcome, recipient, signer = built
    open_package(package, recipient, signer.public_key(), tmp_path / "opened")
    values = [v.encode() for v in (*WANG.values(), *LI.values(), "wangfang@example.com")]
    checked = 0
    for path in tmp_path.rglob("*"):
        if not path.is_file() or {"share", "opened"} & set(path.relative_to(tmp_path).parts):
            continue
        content = path.read_bytes()
        checked += 1
        assert not [v for v in values if v in content], path
    assert checked >= 3  # the database, its key and the package at least


def test_a_failure_while_producing_leaves_no_package(tmp_path: Path, db: Path, packs, detector):  # noqa: F811
    recipient, signer = X25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    people = ChosenPeople({1: _ids(db, WANG)}, {})
    out = tmp_path / "broken.custos-package"

    broken = NoticeTemplate("{unknown}", "a template not checked")  # fails when rendered, after the read-back
    with Store(db) as store, pytest.raises(KeyError):
        scanner = build_scanner(store, db, packs, detector=detector)
        produce = notify_producer(store, lambda: scanner, people,
                                  broken, RECIPIENT, NotifyOutcome())  # fmt: skip
        with PackageWriter(out, recipient.public_key(), signer, meta={}) as writer:
            produce(writer)
    assert not out.exists() and list(tmp_path.glob("*.tmp")) == []
