"""The mixed-format corpus: one subfolder per format, seeded, for custos's throughput per format.

    python bench/formats.py OUT [--mb-per-format 1.5] [--seed 7]

Every format gets about the same number of bytes on disk (the last file may go over):

- ``csv/``  customer, order and inventory exports (half of them GBK with CRLF), from `corpus.py`'s writers;
- ``txt/``  customer-service chat logs and weekly reports, from `corpus.py`'s writers;
- ``xlsx/`` customer sheets (姓名/手机/身份证号/地址, a few hundred rows each; half store mobiles as numbers);
- ``docx/`` contracts: parties, clauses, a table of co-signers and a signature line;
- ``pdf/``  ASCII customer statements, several pages each (IDs, mobiles, e-mails; pypdf extracts ASCII);
- ``eml/``  customer e-mails with a GBK body and a CSV attachment (GBK, CRLF);
- ``zip/``  archives holding CSV, JSON and XLSX members.

Personal data comes from `corpus.Pool`, so every ID and mobile passes Custos's validators. The output is
byte-for-byte the same for a seed: office files get fixed timestamps, PDFs are written invariant, e-mails
carry fixed boundaries and dates.
"""

from __future__ import annotations

import argparse
import io
import random
import re
import sys
import time
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # a checkout works without installing

from corpus import (  # noqa: E402  (bench/ is on sys.path when run as a script)
    EN_PROSE,
    KINDS,
    ZH_PROSE,
    CorpusFile,
    Person,
    Pool,
    _render,
    _write,
)

FORMATS = ("csv", "txt", "xlsx", "docx", "pdf", "eml", "zip")
BEIJING = timezone(timedelta(hours=8))
FIXED_TIME = (2024, 9, 30, 9, 0, 0)  # every timestamp inside a container, so the bytes depend on the seed only
_KIND = {k.name: k for k in KINDS}
COMPANIES = ("杭州示例科技有限公司", "南京样例商贸有限公司", "上海演示汽车用品有限公司", "深圳范例电子商务有限公司")
CONTRACTS = ("个人借款合同", "房屋租赁合同", "汽车用品经销合同", "劳动合同", "技术服务合同")
CLAUSES = (
    "第一条 乙方应按约定期限履行付款义务，逾期的每日按未付金额的万分之五支付违约金。",
    "第二条 甲方应在收到款项后五个工作日内开具等额发票，并通过快递寄送至乙方指定地址。",
    "第三条 双方对在履行本合同过程中知悉的对方商业秘密及个人信息负有保密义务，合同终止后仍然有效。",
    "第四条 因不可抗力导致合同无法履行的，受影响一方应在三日内书面通知对方，并提供相关证明。",
    "第五条 本合同履行中发生争议的，双方应协商解决；协商不成的，提交甲方所在地人民法院诉讼解决。",
    "第六条 乙方联系方式发生变更的，应在变更之日起七日内书面通知甲方，否则按原联系方式送达视为有效。",
    "第七条 本合同一式两份，甲乙双方各执一份，自双方签字（盖章）之日起生效。",
    "第八条 甲方有权依据《个人信息保护法》在合同目的范围内处理乙方提供的身份信息，不得向第三方提供。",
)
SUBJECTS = ("投诉：快递破损", "退款申请", "发票信息", "修改收货地址", "售后维修预约", "会员信息更正")
PDF_TITLES = ("Customer statement", "Loan application summary", "Delivery manifest", "Member verification log")


def generate_formats(root: Path, per_format_bytes: int, seed: int = 7) -> dict[str, list[CorpusFile]]:
    """Write ``root/<format>/...`` for every format in FORMATS, about ``per_format_bytes`` each."""
    pool = Pool(random.Random(seed))
    written: dict[str, list[CorpusFile]] = {}
    for fmt in FORMATS:
        rng = random.Random(f"{seed}:{fmt}")  # a format's files do not depend on the other formats
        pool.rng = rng
        folder = root / fmt
        folder.mkdir(parents=True, exist_ok=True)
        files: list[CorpusFile] = []
        size = 0
        while size < per_format_bytes:
            path = _WRITERS[fmt](folder, len(files), rng, pool, per_format_bytes - size)
            files.append(CorpusFile(path, fmt, path.stat().st_size))
            size += files[-1].size
        written[fmt] = files
    return written


# --- plain text: the existing corpus writers --------------------------------------------------------------


def _text_target(rng: random.Random, remaining: int) -> int:
    return int(min(2 ** rng.uniform(13, 17), remaining + 4096))  # 8–128 KB, the last one trimmed to the budget


def write_csv(folder: Path, index: int, rng: random.Random, pool: Pool, remaining: int) -> Path:
    kind = _KIND[rng.choice(("customer-csv", "customer-csv", "order-csv", "inventory-csv"))]
    gbk = rng.random() < 0.5  # old ERP exports: GBK with CRLF
    path = folder / f"{kind.name}-{index:04d}.csv"
    pieces = _render(kind, rng, pool, _text_target(rng, remaining), "\r\n" if gbk else "\n")
    _write(path, pieces, "gbk" if gbk else "utf-8")
    return path


def write_txt(folder: Path, index: int, rng: random.Random, pool: Pool, remaining: int) -> Path:
    kind = _KIND[rng.choice(("chat", "chat", "document"))]
    path = folder / f"{kind.name}-{index:04d}.txt"
    _write(path, _render(kind, rng, pool, _text_target(rng, remaining), "\n"), "utf-8")
    return path


# --- office files -----------------------------------------------------------------------------------------


def _fixed_zip(data: bytes) -> bytes:
    """An OOXML package rewritten with fixed member timestamps and core-property dates (both default to now)."""
    out = io.BytesIO()
    stamp = datetime(*FIXED_TIME).strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = src.read(info)
            if info.filename == "docProps/core.xml":
                member = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), member)
            dst.writestr(zipfile.ZipInfo(info.filename, FIXED_TIME), member, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def xlsx_bytes(rng: random.Random, pool: Pool, rows: int) -> bytes:
    """A customer sheet: header 姓名/手机/身份证号/地址, then ``rows`` people."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("客户")
    sheet.append(["姓名", "手机", "身份证号", "地址"])
    numeric_mobiles = rng.random() < 0.5  # as Excel keeps a typed-in mobile: a number
    for _ in range(rows):
        p = pool.pick()
        sheet.append([p.name, int(p.mobile) if numeric_mobiles else p.mobile, p.resident_id, p.address])
    out = io.BytesIO()
    book.save(out)
    return _fixed_zip(out.getvalue())


def write_xlsx(folder: Path, index: int, rng: random.Random, pool: Pool, remaining: int) -> Path:
    path = folder / f"客户名单-{index:04d}.xlsx"
    path.write_bytes(xlsx_bytes(rng, pool, rng.randrange(200, 600)))
    return path


def _party(p: Person) -> str:
    return f"乙方：{p.name}，身份证号：{p.resident_id}，联系电话：{p.mobile}，住址：{p.address}，电子邮箱：{p.email}。"


def write_docx(folder: Path, index: int, rng: random.Random, pool: Pool, remaining: int) -> Path:
    from docx import Document

    doc = Document()
    doc.core_properties.created = doc.core_properties.modified = datetime(*FIXED_TIME)
    signer = pool.pick()
    doc.add_heading(rng.choice(CONTRACTS), level=1)
    doc.add_paragraph(f"合同编号：HT-2024-{rng.randrange(10**5, 10**6)}")
    company_phone = f"0571-8{rng.randrange(10**6, 10**7)}"
    doc.add_paragraph(f"甲方：{rng.choice(COMPANIES)}，统一社会信用代码见附件，联系电话：{company_phone}。")
    doc.add_paragraph(_party(signer))
    for _ in range(rng.randrange(12, 30)):
        doc.add_paragraph(rng.choice(CLAUSES) if rng.random() < 0.7 else rng.choice(ZH_PROSE))
    doc.add_paragraph("附件一：共同借款人及紧急联系人")
    table = doc.add_table(rows=1, cols=4)
    for cell, title in zip(table.rows[0].cells, ("姓名", "身份证号", "手机", "地址"), strict=True):
        cell.text = title
    for _ in range(rng.randrange(3, 20)):
        p = pool.pick()
        for cell, value in zip(table.add_row().cells, (p.name, p.resident_id, p.mobile, p.address), strict=True):
            cell.text = value
    signed = datetime(2024, 1, 1) + timedelta(days=rng.randrange(270))
    doc.add_paragraph(f"乙方（签字）：{signer.name}    电话：{signer.mobile}    日期：{signed:%Y年%m月%d日}")
    out = io.BytesIO()
    doc.save(out)
    path = folder / f"合同-{index:04d}.docx"
    path.write_bytes(_fixed_zip(out.getvalue()))
    return path


# --- PDF --------------------------------------------------------------------------------------------------


def _ascii_mobile(rng: random.Random, mobile: str) -> str:
    return rng.choice((mobile, f"+86 {mobile}", f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"))


def write_pdf(folder: Path, index: int, rng: random.Random, pool: Pool, remaining: int) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = folder / f"statement-{index:04d}.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)  # invariant: no creation date or random file ID
    title = rng.choice(PDF_TITLES)
    record = 0
    pages = rng.randrange(2, 9)
    for page in range(1, pages + 1):
        text = pdf.beginText(56, 800)
        text.setFont("Helvetica", 8)
        text.textLine(f"{title} - page {page} of {pages} - ref {rng.randrange(10**7, 10**8)}")
        text.textLine("")
        for _ in range(60):
            if rng.random() < 0.25:
                text.textLine(rng.choice(EN_PROSE))
                continue
            p = pool.pick()
            record += 1
            text.textLine(
                f"{record:04d}  {p.pinyin.capitalize():<14} ID {p.resident_id}  "
                f"Mobile {_ascii_mobile(rng, p.mobile)}  {p.email}"
            )
        pdf.drawText(text)
        pdf.showPage()
    pdf.save()
    return path


# --- e-mail -----------------------------------------------------------------------------------------------


def write_eml(folder: Path, index: int, rng: random.Random, pool: Pool, remaining: int) -> Path:
    """A customer e-mail to the service desk: a GBK body (as Chinese mail clients send) and a CSV attachment."""
    p = pool.pick()
    sent = datetime(2024, 9, 1, 8, tzinfo=BEIJING) + timedelta(minutes=rng.randrange(60 * 24 * 29))
    msg = EmailMessage()
    msg["From"] = f"{p.name} <{p.email}>"
    msg["To"] = "客服中心 <service@example.com>"
    msg["Subject"] = rng.choice(SUBJECTS)
    msg["Date"] = format_datetime(sent)
    msg["Message-ID"] = f"<bench-{index:06d}-{rng.getrandbits(32):08x}@mail.example.com>"
    body = [
        "您好：",
        f"我是{p.name}，{rng.choice(ZH_PROSE)}",
        f"我的手机 {p.mobile}，收货地址：{p.address}。",
    ]
    if rng.random() < 0.4:
        body.append(f"开票需要身份证号：{p.resident_id}。")
    body += [rng.choice(ZH_PROSE) for _ in range(rng.randrange(1, 6))]
    body += ["附件是我们单位的人员名单，请一并处理。", "谢谢！", f"{p.name}", f"{sent:%Y年%m月%d日}"]
    text = "\n".join(body).replace("¥", "￥") + "\n"  # GBK has only the full-width yen sign
    msg.set_content(text, charset="gbk", cte=rng.choice(("8bit", "base64")))  # as Foxmail, Outlook send it
    rows = "".join(_render(_KIND["customer-csv"], rng, pool, int(2 ** rng.uniform(11, 15.3)), "\r\n"))
    msg.add_attachment(rows.encode("gbk"), maintype="text", subtype="csv", filename=f"人员名单-{index:04d}.csv")
    msg.set_boundary(f"=_bench_{index:06d}_{rng.getrandbits(48):012x}")
    path = folder / f"mail-{index:04d}.eml"
    path.write_bytes(msg.as_bytes(policy=email_policy.SMTP))
    return path


# --- zip --------------------------------------------------------------------------------------------------


def _member_text(rng: random.Random, pool: Pool, kind: str, encoding: str, newline: str) -> bytes:
    return "".join(_render(_KIND[kind], rng, pool, int(2 ** rng.uniform(13, 16.5)), newline)).encode(encoding)


def write_zip(folder: Path, index: int, rng: random.Random, pool: Pool, remaining: int) -> Path:
    """An export bundle: some of a customer CSV (GBK), an order CSV, a JSON dump and a customer sheet."""
    makers: dict[str, Callable[[], bytes]] = {
        f"客户导出/客户-{index:04d}.csv": lambda: _member_text(rng, pool, "customer-csv", "gbk", "\r\n"),
        f"订单/orders-{index:04d}.csv": lambda: _member_text(rng, pool, "order-csv", "utf-8", "\n"),
        f"api/members-{index:04d}.json": lambda: _member_text(rng, pool, "json", "utf-8", "\n"),
        f"客户名单-{index:04d}.xlsx": lambda: xlsx_bytes(rng, pool, rng.randrange(200, 600)),
    }
    chosen = [name for name in makers if rng.random() < 0.6] or [rng.choice(list(makers))]
    path = folder / f"export-{index:04d}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in chosen:
            zf.writestr(zipfile.ZipInfo(name, FIXED_TIME), makers[name](), zipfile.ZIP_DEFLATED)
    return path


_WRITERS: dict[str, Callable[[Path, int, random.Random, Pool, int], Path]] = {
    "csv": write_csv,
    "txt": write_txt,
    "xlsx": write_xlsx,
    "docx": write_docx,
    "pdf": write_pdf,
    "eml": write_eml,
    "zip": write_zip,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the mixed-format benchmark corpus.")
    parser.add_argument("out", type=Path, help="folder to write into (one subfolder per format)")
    parser.add_argument("--mb-per-format", type=float, default=1.5, help="MB on disk per format (default 1.5)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    written = generate_formats(args.out, int(args.mb_per_format * 1e6), seed=args.seed)
    for fmt, files in written.items():
        print(f"{fmt:<6}{len(files):6} files {sum(f.size for f in files) / 1e6:8.2f} MB")
    print(f"generated in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
