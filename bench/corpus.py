"""Benchmark corpus: a seeded, fictional file share of mixed Chinese/English business files.

Customer CSV exports (UTF-8 and GBK), chat logs, JSON API dumps, application logs and office documents, with
personal data at the density such files really have: every row of an export, a few chat messages in ten,
an IP on every log line. Every ID, mobile, card and e-mail comes from a pool checked with Custos's own
validators. One large log (about a third of the total) exercises streaming.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from scanner.detect.validators import VALIDATORS, Verdict

TODAY = date(2024, 9, 30)
POOL_SIZE = 1500

AREAS = (
    ("浙江省杭州市西湖区", "330106"),
    ("江苏省南京市鼓楼区", "320106"),
    ("上海市闵行区", "310112"),
    ("北京市海淀区", "110108"),
    ("广东省深圳市南山区", "440305"),
    ("四川省成都市武侯区", "510107"),
    ("湖北省武汉市洪山区", "420111"),
    ("山东省青岛市崂山区", "370212"),
    ("福建省厦门市思明区", "350203"),
)
PLATE_PREFIXES = ("浙A", "苏A", "沪B", "京N", "粤B", "川A", "鄂A", "鲁B", "闽D")
SURNAMES = (
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("周", "zhou"),
    ("吴", "wu"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("胡", "hu"),
    ("朱", "zhu"),
    ("高", "gao"),
    ("林", "lin"),
    ("郭", "guo"),
    ("罗", "luo"),
    ("欧阳", "ouyang"),
)
GIVEN = (
    ("婷", "ting"),
    ("磊", "lei"),
    ("静", "jing"),
    ("俊", "jun"),
    ("敏", "min"),
    ("浩", "hao"),
    ("强", "qiang"),
    ("芳", "fang"),
    ("杰", "jie"),
    ("雪", "xue"),
    ("宇", "yu"),
    ("佳", "jia"),
    ("涛", "tao"),
    ("慧", "hui"),
    ("晨", "chen"),
    ("欣", "xin"),
    ("鹏", "peng"),
    ("琳", "lin"),
)
STREETS = ("翠柏路", "梧桐街", "青枫路", "云栖大道", "松涛路", "临湖东路", "锦绣南街", "望江西路")
MOBILE_PREFIXES = ("135", "138", "139", "150", "152", "158", "182", "187", "131", "156", "186", "133", "189", "199")
CARD_BINS = ("622848", "621700", "622202", "621483", "622588", "623668")
MAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com")
PRODUCTS = (
    "儿童安全座椅 KS-360",
    "车载充电器 Q3",
    "行车记录仪 D8 Pro",
    "汽车脚垫(全包围)",
    "轮胎充气泵 P2",
    "座椅按摩靠垫",
    "空气净化器 AirMini",
    "雨刮器套装",
)

ZH_PROSE = (
    "本周华东区销售额环比增长 12.4%，主要来自儿童安全座椅新品的经销商首批订货。",
    "请各部门在周五前提交第四季度预算，超出部分需附说明并经分管副总审批。",
    "客服部反馈物流延迟投诉增多，已与承运商约定 48 小时内完成异常件处理。",
    "技术部计划在国庆前完成会员系统数据库迁移，迁移期间 App 暂停积分兑换。",
    "市场部将于下月在杭州、南京、苏州三地举办新品体验活动，预计到场 600 人。",
    "财务部提醒：报销单须附发票原件，电子发票请打印后签字，逾期不予受理。",
    "本次培训内容包括《个人信息保护法》要点、客户资料的存放与销毁流程。",
    "仓库盘点发现 3 个 SKU 账实不符，差异金额合计 ¥2,316.50，原因正在核查。",
    "经销商返利按季度结算，结算单确认后 10 个工作日内打款。",
    "会议决定：售后工单超过 72 小时未关闭的，自动升级至主管处理。",
)
EN_PROSE = (
    "Q3 revenue in the East China region grew 12.4% quarter on quarter, driven by the new child seat line.",
    "Please submit your Q4 budget by Friday; anything above plan needs a short justification.",
    "The data-migration window is Saturday 02:00-06:00; the member app will be read-only during that time.",
    "Customer complaints about late delivery doubled in September; the carrier has agreed to a 48-hour SLA.",
    "Reminder: the privacy training is mandatory for everyone who handles customer records.",
    "Inventory count found three SKUs with discrepancies; finance is reconciling the differences.",
)


@dataclass(frozen=True)
class Person:
    name: str
    pinyin: str
    mobile: str
    resident_id: str
    card: str
    email: str
    address: str
    plate: str
    qq: str
    birth: date


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    kind: str
    size: int


def link_into(file: CorpusFile, corpus: Path, subset: Path) -> None:
    """Hard-link ``file`` under ``subset`` at its path relative to ``corpus`` (a copy where links fail), so two
    engines read the very same bytes."""
    target = subset / file.path.relative_to(corpus)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(file.path, target)
    except OSError:
        shutil.copy2(file.path, target)


def _require(validator: str, value: str) -> str:
    if VALIDATORS[validator](value, today=TODAY) is not Verdict.VALID:
        raise AssertionError(f"{validator} rejects generated value {value!r}")
    return value


class Pool:
    """Fictional people, generated once and validated, then sampled by every file writer."""

    def __init__(self, rng: random.Random, size: int = POOL_SIZE) -> None:
        self.rng = rng
        self.people = [self._person() for _ in range(size)]

    def pick(self) -> Person:
        return self.rng.choice(self.people)

    def _digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def _person(self) -> Person:
        rng = self.rng
        surname, s_py = rng.choice(SURNAMES)
        given = rng.sample(GIVEN, rng.choice((1, 2, 2)))
        area, code = rng.choice(AREAS)
        birth = date(1960, 1, 1) + timedelta(days=rng.randrange(45 * 365))
        pinyin = s_py + "".join(p for _, p in given)
        return Person(
            name=surname + "".join(c for c, _ in given),
            pinyin=pinyin,
            mobile=_require("cn_mobile", rng.choice(MOBILE_PREFIXES) + self._digits(8)),
            resident_id=_require("cn_resident_id", _with_id_check(code + birth.strftime("%Y%m%d") + self._digits(3))),
            card=_require("cn_bank_card", _with_luhn(rng.choice(CARD_BINS) + self._digits(rng.choice((9, 12))))),
            email=_require("email", f"{pinyin}{rng.randrange(1, 99)}@{rng.choice(MAIL_DOMAINS)}"),
            address=f"{area}{rng.choice(STREETS)}{rng.randrange(1, 400)}号"
            f"{rng.randrange(1, 30)}幢{rng.randrange(1, 28)}0{rng.randrange(1, 5)}室",
            plate=_require("cn_license_plate", rng.choice(PLATE_PREFIXES) + rng.choice("ABCDEFGH") + self._digits(4)),
            qq=str(rng.randrange(10_000_000, 2_999_999_999)),
            birth=birth,
        )


def _with_id_check(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


def _with_luhn(body: str) -> str:
    for check in "0123456789":
        candidate = body + check
        total = sum(
            d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2)
            for i, d in enumerate(int(c) for c in reversed(candidate))
        )
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable: one check digit always completes Luhn")


# --- line writers: each yields lines of one kind of file forever; the caller stops at the size it wants ---


def _clock(rng: random.Random, start: datetime) -> Iterator[datetime]:
    t = start
    while True:
        t += timedelta(seconds=rng.randrange(1, 400), milliseconds=rng.randrange(1000))
        yield t


def customer_rows(rng: random.Random, pool: Pool) -> Iterator[str]:
    yield "客户姓名,手机号,身份证号,收货地址,银行卡号,QQ"
    while True:
        p = pool.pick()
        yield f"{p.name},{p.mobile},{p.resident_id},{p.address},{p.card},{p.qq if rng.random() < 0.6 else ''}"


def order_rows(rng: random.Random, pool: Pool) -> Iterator[str]:
    yield "订单号,下单时间,收货人,联系电话,收货地址,商品,数量,金额(元),物流单号"
    for t in _clock(rng, datetime(2024, 7, 1)):
        p = pool.pick()
        yield (
            f"{t:%Y%m%d%H%M%S}{rng.randrange(1000, 9999)},{t:%Y-%m-%d %H:%M:%S},{p.name},{p.mobile},"
            f'"{p.address}",{rng.choice(PRODUCTS)},{rng.randrange(1, 4)},{rng.randrange(39, 1999)}.00,'
            f"SF{rng.randrange(10**11, 10**12)}"
        )


def chat_lines(rng: random.Random, pool: Pool) -> Iterator[str]:
    agents = [pool.pick().name for _ in range(4)]
    for t in _clock(rng, datetime(2024, 9, 1, 9)):
        p = pool.pick()
        speaker = f"客服-{rng.choice(agents)}" if rng.random() < 0.4 else p.name
        roll = rng.random()
        if roll < 0.05:
            text = f"收货人：{p.name}，电话 {p.mobile[:3]} {p.mobile[3:7]} {p.mobile[7:]}，地址：{p.address}"
        elif roll < 0.08:
            text = f"发票要开个人的，身份证号 {p.resident_id}，邮箱 {p.email}"
        elif roll < 0.10:
            text = f"退款打到这张卡吧：{p.card}（{rng.choice(('建设银行', '农业银行', '工商银行'))}）"
        elif roll < 0.12:
            text = f"我车牌是 {p.plate}，明天上午十点到店安装。"
        else:
            text = rng.choice(
                (
                    "好的，收到，我这边马上帮您查一下物流。",
                    "请问座椅的安装卡扣是 ISOFIX 的吗？",
                    "已经催仓库了，今天一定发出。",
                    "这个型号目前缺货，预计下周三到货，可以先帮您登记。",
                    "亲，麻烦提供一下订单截图哈。",
                    f"订单 {t:%Y%m%d}{rng.randrange(10**9, 10**10)} 已经签收了，谢谢！",
                    "好的，没问题，辛苦了～",
                    f"优惠券满 {rng.choice((199, 299, 499))} 减 {rng.choice((20, 30, 50))}，今天最后一天哦。",
                )
            )
        yield f"{t:%Y-%m-%d %H:%M:%S} {speaker}\n{text}\n"


def log_lines(rng: random.Random, pool: Pool) -> Iterator[str]:
    for t in _clock(rng, datetime(2024, 9, 18)):
        p = pool.pick()
        ip = (
            f"2001:db8:{rng.randrange(1, 0xFFFF):x}:{rng.randrange(1, 0xFFFF):x}::{rng.randrange(1, 0xFFF):x}"
            if rng.random() < 0.15
            else f"{rng.choice(('192.0.2', '198.51.100', '203.0.113', '10.8.1'))}.{rng.randrange(2, 254)}"
        )
        trace = f"{rng.getrandbits(64):016x}"
        stamp = f"{t:%Y-%m-%d %H:%M:%S}.{t.microsecond // 1000:03d}"
        roll = rng.random()
        if roll < 0.10:
            yield f"{stamp} INFO  [auth] login ok user={p.email} client={ip} app=5.2.1 trace={trace}"
        elif roll < 0.15:
            yield f"{stamp} INFO  [sms] send tpl=ORDER_SHIPPED to={p.mobile} client={ip} trace={trace}"
        elif roll < 0.17:
            yield f"{stamp} WARN  [member] 实名认证失败 certNo={p.resident_id} name={p.name} client={ip} trace={trace}"
        else:
            path = rng.choice(("/api/v2/orders?page=2", "/api/v2/members/me", "/api/v2/coupons", "/healthz"))
            yield (
                f"{stamp} INFO  [http] {ip} GET {path} status={rng.choice((200, 200, 200, 304, 404))} "
                f'rt={rng.randrange(2, 900)}ms ua="okhttp/4.9.3" trace={trace}'
            )


def json_records(rng: random.Random, pool: Pool) -> Iterator[str]:
    yield '{"code": 0, "msg": "success", "data": {"list": ['
    first = True
    while True:
        p = pool.pick()
        record = {
            "userId": rng.randrange(10**6, 10**7),
            "realName": p.name,
            "phone": p.mobile,
            "certNo": p.resident_id,
            "birthday": p.birth.isoformat(),
            "email": p.email,
            "lastLoginIp": f"203.0.113.{rng.randrange(2, 254)}",
            "level": rng.choice(("SILVER", "GOLD")),
        }
        yield ("  " if first else "  ,") + json.dumps(record, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        first = False


def inventory_rows(rng: random.Random, pool: Pool) -> Iterator[str]:
    """No personal data: SKUs, stock and prices, with long numbers that look like IDs and cards."""
    yield "SKU,商品名称,仓库,库存,单价(元),条码,批次号,最后盘点"
    for t in _clock(rng, datetime(2024, 6, 1)):
        yield (
            f"SKU-{rng.randrange(10**5, 10**6)},{rng.choice(PRODUCTS)},{rng.choice(('杭州仓', '南京仓', '成都仓'))},"
            f"{rng.randrange(0, 5000)},{rng.randrange(39, 1999)}.{rng.choice(('00', '50', '90'))},"
            f"69{rng.randrange(10**10, 10**11)},B{t:%Y%m%d}{rng.randrange(100, 999)},{t:%Y-%m-%d}"
        )


def document_lines(rng: random.Random, pool: Pool) -> Iterator[str]:
    yield f"# 周报 {rng.randrange(1, 53)} 周 / Weekly report"
    while True:
        roll = rng.random()
        if roll < 0.05:
            p = pool.pick()
            yield f"如有疑问请联系 {p.name}，手机 {p.mobile}，邮箱 {p.email}。"
        elif roll < 0.07:
            first, last = rng.choice(("Oliver", "James", "Daniel")), rng.choice(("Brennan", "Hughes", "Reyes"))
            yield f"Contact: Mr {first} {last}, +44 20 7946 0{rng.randrange(100, 999)}"
        elif roll < 0.55:
            yield rng.choice(ZH_PROSE)
        else:
            yield rng.choice(EN_PROSE)
        if rng.random() < 0.2:
            yield ""


@dataclass(frozen=True)
class Kind:
    name: str
    folder: str
    suffix: str
    lines: Callable[[random.Random, Pool], Iterator[str]]
    weight: int  # share of the small files, in files
    trailer: str = ""


LOG = Kind("log", "技术部/logs", ".log", log_lines, 3)
KINDS = (
    Kind("customer-csv", "销售部", ".csv", customer_rows, 2),
    Kind("order-csv", "销售部/订单导出", ".csv", order_rows, 2),
    Kind("inventory-csv", "仓储部", ".csv", inventory_rows, 3),
    Kind("chat", "客服部/聊天记录", ".txt", chat_lines, 3),
    LOG,
    Kind("json", "技术部/导出", ".json", json_records, 2, trailer="\n]}}\n"),
    Kind("document", "行政部/周报", ".md", document_lines, 5),
)


def _render(kind: Kind, rng: random.Random, pool: Pool, target: int, newline: str) -> Iterator[str]:
    """Text pieces of one file, about ``target`` UTF-8 bytes (the trailer closes JSON documents)."""
    size = 0
    for line in kind.lines(rng, pool):
        piece = line + newline
        yield piece
        size += len(piece.encode("utf-8"))
        if size >= target:
            break
    if kind.trailer:
        yield kind.trailer


def _write(path: Path, pieces: Iterator[str], encoding: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as out:
        for piece in pieces:
            out.write(piece)
    return path.stat().st_size


def generate(root: Path, total_bytes: int, seed: int = 7) -> list[CorpusFile]:
    """Write the corpus under ``root``; small files first (in generation order), the large log last."""
    rng = random.Random(seed)
    pool = Pool(rng)
    large_target = total_bytes // 3
    files: list[CorpusFile] = []
    written = 0
    while written < total_bytes - large_target:
        kind = rng.choices(KINDS, weights=[k.weight for k in KINDS])[0]
        target = int(min(2 ** rng.uniform(13, 17.6), total_bytes - large_target - written + 4096))  # 8–200 KB
        gbk = kind.suffix == ".csv" and rng.random() < 0.5  # old ERP exports: GBK with CRLF
        path = root / kind.folder / f"{kind.name}-{len(files):04d}{kind.suffix}"
        size = _write(path, _render(kind, rng, pool, target, "\r\n" if gbk else "\n"), "gbk" if gbk else "utf-8")
        files.append(CorpusFile(path, kind.name, size))
        written += size
    big = root / "技术部/logs/archive/app-2024-09-full.log"
    files.append(CorpusFile(big, "large-log", _write(big, _render(LOG, rng, pool, large_target, "\n"), "utf-8")))
    return files
