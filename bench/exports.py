"""Throughput inputs for bench/throughput.py: large, mostly ordinary business text, seeded and deterministic.

    python bench/exports.py OUT [--mb 50] [--eml-mib 20] [--seed 7]

- ``customer_exports``: customer-service and order exports as Chinese shops have them: CSV with a header row
  (工单号,时间,渠道,内容,... and 订单号,下单时间,商品,...; half GBK with CRLF) and plain-text exports
  (``客户123,备注：已回访``). About 2 % of lines hold personal data — resident IDs with valid check digits,
  mobiles, Luhn-valid bank cards, e-mails, names, addresses, all from `corpus.Pool`, so Custos's validators
  accept them; the rest are order numbers, timestamps, amounts and remarks.
- ``app_logs``: application logs (Chinese and English) and product texts (汽车脚垫(全包围), prices), with a
  fixed handful of personal-data lines in the whole input, however large.
- ``big_eml``: one e-mail whose attachment is a CSV of ordinary lines (``客户123,备注：已回访``) of a given
  size, base64-encoded as mail clients send it (20 MiB of CSV is about 28 MB of .eml).

File sizes are log-uniform between total/400 and total/5 (at least 8 KB), so a share has a few big exports
and many small ones; `small_subset` picks the first small files (in generation order) for stock Presidio.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # a checkout works without installing
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import EN_PROSE, PRODUCTS, ZH_PROSE, CorpusFile, Person, Pool, _write, link_into  # noqa: E402

PII_SHARE = 0.02  # of the lines of the customer exports
CHANNELS = ("电话", "在线客服", "微信公众号", "App", "邮件", "门店")
REMARKS = (
    "备注：已回访",
    "备注：已回访，客户满意",
    "备注：未接通，明日再拨",
    "备注：已催仓库发货",
    "备注：已补发赠品",
    "备注：退款已原路返回",
    "备注：客户要求开具电子发票",
    "备注：转售后二线处理",
    "备注：重复工单，已合并",
)
CONTENTS = (
    "咨询{p}安装方法",
    "反映{p}到货有划痕，要求换货",
    "催问物流进度，订单已出库",
    "申请七天无理由退货",
    "询问{p}是否适配 2019 款车型",
    "要求修改发票抬头",
    "投诉快递员未送货上门",
    "咨询会员积分兑换规则",
    "反馈优惠券无法使用",
)
STATUSES = ("已关闭", "处理中", "待回访", "已完结")
ORDER_STATES = ("已付款", "已发货", "已签收", "已取消", "退款中")
WAREHOUSES = ("杭州仓", "南京仓", "成都仓", "武汉仓")
BANKS = ("建设银行", "农业银行", "工商银行", "招商银行")


# --- customer exports: ~2 % of lines personal -------------------------------------------------------------


def _stamp(t: datetime) -> str:
    return f"{t.year}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}:{t.second:02d}"


def _personal_text(rng: random.Random, p: Person) -> str:
    """One remark that holds personal data, as agents type them into a free-text field."""
    roll = rng.randrange(6)
    if roll == 0:
        return f"客户{p.name}来电，手机{p.mobile}，要求改约上门时间"
    if roll == 1:
        return f"实名认证：{p.name}，身份证号{p.resident_id}"
    if roll == 2:
        return f"退款账户{p.card}（{rng.choice(BANKS)}），户名{p.name}"
    if roll == 3:
        return f"客户要求发票发送至邮箱{p.email}"
    if roll == 4:
        return f"收货人{p.name}，地址改为{p.address}"
    return f"联系人：{p.name} 电话 {p.mobile[:3]} {p.mobile[3:7]} {p.mobile[7:]}"


def ticket_rows(rng: random.Random, pool: Pool) -> Iterator[str]:
    """工单 export: 工单号,时间,渠道,内容,处理结果,处理人,状态."""
    yield "工单号,时间,渠道,内容,处理结果,处理人,状态"
    t = datetime(2024, 7, 1, 8)
    n = rng.randrange(10**5, 10**6)
    while True:
        t += timedelta(seconds=rng.randrange(5, 300))
        n += 1
        if rng.random() < PII_SHARE:
            content = _personal_text(rng, pool.pick())
        else:
            content = f"客户{rng.randrange(1, 99999)}" + rng.choice(CONTENTS).format(p=rng.choice(PRODUCTS))
        yield (
            f'GD{t.year}{t.month:02d}{t.day:02d}{n},{_stamp(t)},{rng.choice(CHANNELS)},"{content}",'
            f"{rng.choice(REMARKS)},坐席{rng.randrange(100, 400)},{rng.choice(STATUSES)}"
        )


def order_rows(rng: random.Random, pool: Pool) -> Iterator[str]:
    """订单 export without customer columns: the buyer's details only turn up in a remark now and then."""
    yield "订单号,下单时间,商品,数量,金额(元),状态,仓库,备注"
    t = datetime(2024, 7, 1, 8)
    while True:
        t += timedelta(seconds=rng.randrange(1, 120))
        remark = _personal_text(rng, pool.pick()) if rng.random() < PII_SHARE else rng.choice(REMARKS)[3:]
        yield (
            f'{t.year}{t.month:02d}{t.day:02d}{rng.randrange(10**11, 10**12)},{_stamp(t)},"{rng.choice(PRODUCTS)}",'
            f"{rng.randrange(1, 5)},{rng.randrange(19, 2999)}.{rng.choice(('00', '50', '90'))},"
            f"{rng.choice(ORDER_STATES)},{rng.choice(WAREHOUSES)},{remark}"
        )


def plain_export_lines(rng: random.Random, pool: Pool) -> Iterator[str]:
    """A plain-text export of a CRM's contact log: ``客户123,备注：已回访`` and the like."""
    t = datetime(2024, 8, 1, 9)
    while True:
        t += timedelta(seconds=rng.randrange(5, 600))
        if rng.random() < PII_SHARE:
            yield f"客户{rng.randrange(1, 99999)},{_personal_text(rng, pool.pick())}"
            continue
        roll = rng.random()
        if roll < 0.55:
            yield f"客户{rng.randrange(1, 99999)},{rng.choice(REMARKS)}"
        elif roll < 0.8:
            yield (
                f"{_stamp(t)} 订单{t.year}{t.month:02d}{t.day:02d}{rng.randrange(10**11, 10**12)} "
                f"{rng.choice(ORDER_STATES)} 金额 ¥{rng.randrange(19, 2999)}.00"
            )
        elif roll < 0.95:
            yield f"客户{rng.randrange(1, 99999)},{rng.choice(CONTENTS).format(p=rng.choice(PRODUCTS))}"
        else:
            yield rng.choice(ZH_PROSE)


# --- application logs and product text: almost no personal data ------------------------------------------


def app_log_lines(rng: random.Random, pool: Pool) -> Iterator[str]:
    t = datetime(2024, 9, 18)
    while True:
        t += timedelta(milliseconds=rng.randrange(1, 4000))
        stamp = f"{_stamp(t)}.{t.microsecond // 1000:03d}"
        trace = f"{rng.getrandbits(64):016x}"
        order = f"{t.year}{t.month:02d}{t.day:02d}{rng.randrange(10**11, 10**12)}"
        sku = f"SKU-{rng.randrange(10**5, 10**6)}"
        roll = rng.random()
        if roll < 0.25:
            yield (
                f'{stamp} INFO  [order] 订单创建成功 order={order} sku={sku} item="{rng.choice(PRODUCTS)}" '
                f"price={rng.randrange(19, 2999)}.00 qty={rng.randrange(1, 5)} trace={trace}"
            )
        elif roll < 0.45:
            yield (
                f"{stamp} INFO  [http] GET /api/v2/products/{rng.randrange(10**5, 10**6)} status="
                f"{rng.choice((200, 200, 200, 304, 404))} rt={rng.randrange(2, 900)}ms "
                f"node=app-{rng.randrange(1, 9):02d}"
            )
        elif roll < 0.6:
            yield (
                f"{stamp} INFO  [payment] payment captured order={order} amount={rng.randrange(19, 2999)}.00 CNY "
                f"channel={rng.choice(('alipay', 'wechat', 'unionpay'))} trace={trace}"
            )
        elif roll < 0.72:
            yield (
                f"{stamp} WARN  [stock] 库存不足 sku={sku} warehouse={rng.choice(WAREHOUSES)} "
                f"remain={rng.randrange(0, 10)} threshold=20"
            )
        elif roll < 0.82:
            yield (
                f"{stamp} ERROR [sync] timeout calling inventory-service after {rng.choice((1000, 3000, 5000))} ms "
                f"(attempt {rng.randrange(1, 4)}/3) trace={trace}"
            )
        elif roll < 0.92:
            count, took = rng.randrange(100, 99999), rng.randrange(1, 900)
            yield f"{stamp} INFO  [job] 定时任务 settle-daily 完成，处理 {count} 条，耗时 {took} s"
        else:
            ratio, keys = rng.randrange(500, 1000) / 10, rng.randrange(10**4, 10**6)
            yield f"{stamp} DEBUG [cache] hit ratio {ratio}% keys={keys}"


FEATURES = (
    "TPE 环保材质，无异味，可直接水洗。",
    "适用车型：大众朗逸、丰田卡罗拉、本田思域（2016-2023 款）。",
    "支持 QC3.0 / PD 快充，双口同时输出 36W。",
    "1440P 超清夜视，停车监控 24 小时。",
    "包装清单：主机 ×1，安装支架 ×1，说明书 ×1。",
    "三包服务：一年质保，七天无理由退货。",
    "Custom fit for most sedans; raised edges keep water and mud off the carpet.",
    "Ships within 48 hours from our Hangzhou warehouse.",
)


def product_text_lines(rng: random.Random, pool: Pool) -> Iterator[str]:
    while True:
        product = rng.choice(PRODUCTS)
        yield f"## {product}  ¥{rng.randrange(19, 2999)}.00 / ${rng.randrange(3, 420)}.99"
        sku, barcode, stock = rng.randrange(10**5, 10**6), rng.randrange(10**10, 10**11), rng.randrange(5000)
        yield f"商品编号 SKU-{sku}，条码 69{barcode}，库存 {stock} 件"
        for _ in range(rng.randrange(2, 6)):
            yield rng.choice(FEATURES)
        yield rng.choice(ZH_PROSE) if rng.random() < 0.5 else rng.choice(EN_PROSE)
        yield ""


def _handful(pool: Pool) -> list[str]:
    """The few personal-data lines in the whole of the logs and product texts."""
    people = pool.people[:4]
    return [
        f"售后联系人：{people[0].name}，电话 {people[0].mobile}",
        f"2024-09-18 10:11:12.345 WARN  [member] 实名认证失败 certNo={people[1].resident_id}",
        f"Questions? Mail {people[2].email}",
        f"2024-09-18 11:00:00.000 INFO  [refund] 退款至银行卡 {people[3].card}",
        f"供应商对接人 {people[0].name} 手机 {people[0].mobile}",
        f"2024-09-19 09:00:00.000 INFO  [notify] report sent to {people[1].email}",
    ]


# --- writers ----------------------------------------------------------------------------------------------


def _sizes(rng: random.Random, total: int) -> Iterator[int]:
    """File sizes, log-uniform between total/400 and total/5 (at least 8 KB)."""
    low, high = math.log2(max(8192, total // 400)), math.log2(max(8192, total // 5))
    while True:
        yield int(2 ** rng.uniform(low, high))


Kind = tuple[str, str, Callable[[random.Random, Pool], Iterator[str]], bool]  # folder, name.suffix, lines, may be GBK


CUSTOMER_KINDS: tuple[Kind, ...] = (
    ("客服部/工单导出", "工单-{i:04d}.csv", ticket_rows, True),
    ("销售部/订单导出", "订单-{i:04d}.csv", order_rows, True),
    ("客服部/回访记录", "回访记录-{i:04d}.txt", plain_export_lines, False),
)
LOG_KINDS: tuple[Kind, ...] = (
    ("技术部/logs", "app-{i:04d}.log", app_log_lines, False),
    ("技术部/logs", "order-service-{i:04d}.log", app_log_lines, False),
    ("产品部/商品资料", "商品介绍-{i:04d}.md", product_text_lines, False),
)


def _generate(root: Path, total: int, seed: int, tag: str, kinds: tuple[Kind, ...], handful: bool) -> list[CorpusFile]:
    rng = random.Random(f"{seed}:{tag}")
    pool = Pool(random.Random(seed))
    pool.rng = rng
    extra = _handful(pool) if handful else []
    files: list[CorpusFile] = []
    written = 0
    sizes = _sizes(rng, total)
    while written < total:
        folder, name, lines, may_gbk = kinds[len(files) % len(kinds)]
        target = min(next(sizes), total - written + 4096)
        gbk = may_gbk and rng.random() < 0.5  # old ERP exports: GBK with CRLF
        path = root / folder / name.format(i=len(files))
        mine = [extra.pop(0)] if extra and len(files) % 2 == 1 else []
        pieces = _file_pieces(lines(rng, pool), target, "\r\n" if gbk else "\n", mine)
        size = _write(path, pieces, "gbk" if gbk else "utf-8")
        files.append(CorpusFile(path, f"{tag}:{path.suffix}", size))
        written += size
    if extra:  # a tiny input: the rest of the handful go into the last file
        with open(files[-1].path, "a", encoding="utf-8") as out:
            out.write("".join(line + "\n" for line in extra))
        files[-1] = CorpusFile(files[-1].path, files[-1].kind, files[-1].path.stat().st_size)
    return files


def _file_pieces(lines: Iterator[str], target: int, newline: str, extra: list[str]) -> Iterator[str]:
    size = 0
    at = target // 2
    for line in lines:
        piece = line + newline
        yield piece
        size += len(piece.encode("utf-8"))
        if extra and size >= at:
            yield extra.pop() + newline
        if size >= target:
            break


def customer_exports(root: Path, total_bytes: int, seed: int = 7) -> list[CorpusFile]:
    """Input (a): CSV and plain-text customer exports, ~2 % of lines personal."""
    return _generate(root, total_bytes, seed, "exports", CUSTOMER_KINDS, handful=False)


def app_logs(root: Path, total_bytes: int, seed: int = 7) -> list[CorpusFile]:
    """Input (b): application logs and product texts with six personal-data lines in all."""
    return _generate(root, total_bytes, seed, "logs", LOG_KINDS, handful=True)


def big_eml(root: Path, attachment_bytes: int, seed: int = 7) -> CorpusFile:
    """Input (d): one e-mail whose base64 attachment is ``attachment_bytes`` of ``客户123,备注：已回访`` lines."""
    rng = random.Random(f"{seed}:eml")
    rows: list[str] = ["客户,备注\r\n"]
    size = len(rows[0].encode("utf-8"))
    while size < attachment_bytes:
        row = f"客户{rng.randrange(1, 999999)},{rng.choice(REMARKS)}\r\n"
        rows.append(row)
        size += len(row.encode("utf-8"))
    data = "".join(rows).encode("utf-8")[:attachment_bytes]
    data = data[: data.rfind(b"\r\n") + 2]  # whole lines only
    msg = EmailMessage()
    msg["From"] = "客服中心 <service@example.com>"
    msg["To"] = "数据组 <data@example.com>"
    msg["Subject"] = "9 月回访记录导出"
    msg["Date"] = format_datetime(datetime(2024, 9, 30, 18, tzinfo=timezone(timedelta(hours=8))))
    msg["Message-ID"] = "<bench-big-export@mail.example.com>"
    msg.set_content("各位好：\n附件是 9 月的回访记录导出，请查收。\n客服中心\n", charset="utf-8")
    msg.add_attachment(data, maintype="text", subtype="csv", filename="回访记录-2024-09.csv")
    msg.set_boundary("=_bench_big_export_0001")
    path = root / "回访记录导出.eml"
    root.mkdir(parents=True, exist_ok=True)
    path.write_bytes(msg.as_bytes(policy=email_policy.SMTP))
    return CorpusFile(path, "eml", path.stat().st_size)


def small_subset(files: list[CorpusFile], corpus: Path, subset: Path, budget: int) -> list[CorpusFile]:
    """The first files (in generation order) of at most ``budget`` bytes together, hard-linked under
    ``subset`` with their relative paths, so custos and stock Presidio read the very same files."""
    chosen: list[CorpusFile] = []
    size = 0
    for f in files:
        if f.size > budget - size:
            if chosen and size >= budget * 0.7:
                break
            continue
        link_into(f, corpus, subset)
        chosen.append(f)
        size += f.size
    if not chosen:  # every file is larger than the budget: take the smallest
        f = min(files, key=lambda c: c.size)
        link_into(f, corpus, subset)
        chosen.append(f)
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the throughput benchmark's inputs (a), (b), (d).")
    parser.add_argument("out", type=Path)
    parser.add_argument("--mb", type=float, default=50.0, help="MB for (a) and for (b) each (default 50)")
    parser.add_argument("--eml-mib", type=float, default=20.0, help="MiB of CSV attached to the (d) e-mail")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    for label, files in (
        ("a", customer_exports(args.out / "a", int(args.mb * 1e6), args.seed)),
        ("b", app_logs(args.out / "b", int(args.mb * 1e6), args.seed)),
        ("d", [big_eml(args.out / "d", int(args.eml_mib * (1 << 20)), args.seed)]),
    ):
        print(f"{label}: {len(files)} files, {sum(f.size for f in files) / 1e6:.1f} MB")
    print(f"generated in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
