"""The sale, end to end, through the real CLI: scan a share of customer exports, link the people, build the
Art. 22 notification list and the handover package (each proposed by one person, approved by another), verify
and open both on the buyer's side with the buyer's own key pair, record the verification, delete the local
copies through the approval flow, and read the destruction report; the audit log verifies, and no plain value
is in the database, the audit log, the CLI's output or any file outside the share and the buyer's folder."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from tests.action_fixtures import cli_env, custos

pytestmark = pytest.mark.slow  # about a dozen CLI runs, three of them load the detector

# Six rows of customers in three exports; 王芳 is in the CSV and in the members' workbook (her phone spaced
# differently), so the share holds five people.
CUSTOMERS = [
    ("王芳", "13800138000", "wangfang@example.com", "北京市朝阳区建国路88号"),
    ("李强", "13912345678", "liqiang@example.cn", "上海市浦东新区世纪大道100号"),
    ("张伟", "13600002222", "zhangwei@example.com", "广州市天河区体育西路1号"),
]
MEMBERS = [("王芳", "138 0013 8000", "110101199003074578"), ("刘洋", "13500003333", "310101198805123459")]
NOTE_PERSON = ("赵敏", "13700001111")
SELLER, SECOND = "王经理", "李审核"
RECIPIENT = "乙方科技有限公司"


def _write_share(root: Path) -> None:
    root.mkdir(parents=True)
    rows = [",".join(c) for c in CUSTOMERS]
    (root / "客户导出_2024.csv").write_text("姓名,手机,邮箱,地址\n" + "\n".join(rows) + "\n", encoding="utf-8")
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "手机号", "身份证号"])
    for row in MEMBERS:
        sheet.append(list(row))
    (root / "会员").mkdir()
    book.save(root / "会员" / "会员名单.xlsx")
    name, phone = NOTE_PERSON
    (root / "回访记录.txt").write_text(f"回访记录\n客户：{name}，电话：{phone}，已回访。\n", encoding="utf-8")


def _values() -> list[str]:
    plain = {v for row in CUSTOMERS for v in row} | {v for row in MEMBERS for v in row} | set(NOTE_PERSON)
    return sorted(plain | {"13800138000"})


class Sale:
    """The CLI runs of one sale, each output kept to check for plain values at the end."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.db = tmp / "state" / "custos.db"
        self.outputs: list[str] = []

    def run(self, *args: object, ok: bool = True) -> str:
        done = custos(*args, env=cli_env(CUSTOS_REVIEWER=""))
        self.outputs += [done.stdout, done.stderr]
        if ok:
            assert done.returncode == 0, (args, done.stdout, done.stderr)
        else:
            assert done.returncode != 0, (args, done.stdout)
        return done.stdout + done.stderr

    def cli(self, *args: object, who: str = SELLER, ok: bool = True) -> str:
        return self.run(*args, "--db", self.db, "--as", who, ok=ok)


def _id(text: str, what: str) -> int:
    match = re.search(rf"{what} (\d+)", text)
    assert match, text
    return int(match.group(1))


def test_a_sale_from_scan_to_destruction_report(tmp_path: Path):
    share, buyer = tmp_path / "share", tmp_path / "buyer"
    _write_share(share)
    originals = {p.relative_to(share): p.read_bytes() for p in share.rglob("*") if p.is_file()}
    sale = Sale(tmp_path)

    # 1. scan (links the people at its end) and look at who is held
    sale.run("scan", share, "--db", sale.db)
    sale.run("subjects", "link", "--db", sale.db)
    stats = sale.run("subjects", "stats", "--db", sale.db)
    assert "distinct people: 5" in stats, stats  # 王芳's two records (by her phone) are one person

    # 2. the buyer makes a key pair and sends the public half; the seller's audit key signs
    buyer.mkdir()
    sale.run("handover", "keygen", "--private", buyer / "buyer.key", "--public", buyer / "buyer.pub")
    sender_pub = sale.db.with_name("custos.audit.key.pub")

    # 3. the notification list: proposed (the Chinese notice: the seller's staff work in Chinese), refused to its
    # proposer, approved by a second person, built
    proposed = sale.cli("--lang", "zh_CN", "notify-list", "propose", "--all", "--recipient-company", RECIPIENT,
                        "--recipient-contact", "400-800-1234 privacy@buyer.example", "--effective-date", "2026-12-01",
                        "--to-key", buyer / "buyer.pub", "--reason", "出售前告知客户")  # fmt: skip
    notify_id = _id(proposed, "已提议告知名单")
    assert "second person" in sale.cli("handover", "approve", notify_id, ok=False)
    sale.cli("handover", "approve", notify_id, who=SECOND)
    (tmp_path / "out").mkdir()
    built = sale.cli("notify-list", "build", notify_id, "--out", tmp_path / "out" / "notify.pkg", who=SECOND)
    assert "5 people" in built

    # 4. the handover of the whole share
    proposed = sale.cli("handover", "propose", "--to-name", RECIPIENT, "--recipient-key", buyer / "buyer.pub",
                        "--legal-basis", "PIPL Art. 22 (merger)", "--reason", "资产出售",
                        "--folder", share)  # fmt: skip
    handover_id = _id(proposed, "disclosure")
    sale.cli("handover", "approve", handover_id, who=SECOND)
    sale.cli("handover", "build", handover_id, "--out", tmp_path / "out" / "handover.pkg", who=SECOND)

    # 5. the buyer's side: verify, open, compare
    receipt = sale.run("handover", "verify", tmp_path / "out" / "handover.pkg", "--sender-key", sender_pub,
                       "--key", buyer / "buyer.key", "--json")  # fmt: skip
    (buyer / "receipt.json").write_text(receipt, encoding="utf-8")
    assert json.loads((buyer / "receipt.json").read_text(encoding="utf-8"))["ok"] is True
    sale.run("handover", "open", tmp_path / "out" / "handover.pkg", "--key", buyer / "buyer.key",
             "--sender-key", sender_pub, "--to", buyer / "handover")  # fmt: skip
    opened = {p.relative_to(buyer / "handover"): p.read_bytes() for p in (buyer / "handover").rglob("*") if p.is_file()}
    assert opened == originals
    sale.run("handover", "open", tmp_path / "out" / "notify.pkg", "--key", buyer / "buyer.key",
             "--sender-key", sender_pub, "--to", buyer / "notify")  # fmt: skip
    _check_notify_list(buyer / "notify")

    # 6. the buyer confirms; the local copies are proposed for deletion, approved and deleted
    sale.cli("handover", "verified", handover_id, "--by", "乙方 张三", "--receipt", buyer / "receipt.json")
    proposals = sale.cli("handover", "delete-local", handover_id)
    action_ids = [int(i) for i in re.findall(r"action (\d+)", proposals)]
    assert len(action_ids) == len(originals), proposals
    for action_id in action_ids:
        sale.cli("approve", action_id, who=SECOND)
    sale.cli("apply", "--yes", who=SECOND)
    assert [p for p in share.rglob("*") if p.is_file()] == []

    # 7. the destruction report holds the handover and the deletions; the audit log is whole
    report = sale.run("report", "destruction", "--db", sale.db)
    assert "Handover" in report and RECIPIENT in report and "乙方 张三" in report
    assert report.count("delete") >= len(originals)
    sale.run("audit", "verify", "--db", sale.db)

    # 8. no plain value in the state folder, the packages, or anything printed
    values = [v.encode() for v in _values()]
    for path in tmp_path.rglob("*"):
        if path.is_file() and not {"share", "handover", "notify"} & set(path.relative_to(tmp_path).parts):
            content = path.read_bytes()
            assert not [v.decode() for v in values if v in content], path
    printed = "\n".join(sale.outputs)
    assert not [v for v in _values() if v in printed]


def _check_notify_list(folder: Path) -> None:
    table = list(csv.reader(io.StringIO((folder / "notify.csv").read_text(encoding="utf-8-sig"), newline="")))
    rows = {row[1]: row for row in table[1:]}
    assert set(rows) == {"王芳", "李强", "张伟", "刘洋", "赵敏"}
    assert rows["王芳"][2] == "13800138000"  # both spellings, one number
    assert rows["王芳"][3] == "wangfang@example.com" and rows["王芳"][4] == CUSTOMERS[0][3]
    assert "身份信息" in rows["刘洋"][5] and "联系方式" in rows["刘洋"][5]
    assert f"接收方名称：{RECIPIENT}" in rows["赵敏"][6] and "2026年12月1日" in rows["赵敏"][6]
    sheet = load_workbook(folder / "notify.xlsx").active
    assert sorted(r[1] for r in sheet.iter_rows(min_row=2, values_only=True)) == sorted(rows)
