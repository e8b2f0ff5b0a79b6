"""Writes examples/share/: the small, entirely fictional company share that the README's quick start scans.

Run `python examples/make_share.py`; it is seeded, so it rewrites the folder byte for byte. Every resident ID,
USCC, bank card and mobile number is generated here and checked with Custos's own validators, so the sample
exercises checksums rather than lucky patterns. `build_share()` also returns what was planted in each file,
for checking a scan against it.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from scanner.detect.validators import VALIDATORS, Verdict  # noqa: E402

SEED = 20240918
OUT = Path(__file__).resolve().parent / "share"
TODAY = date(2024, 9, 30)  # the share's "now": dates in it are around September 2024

# (province, city, district, resident-ID area code, landline area code, plate prefix)
REGIONS = (
    ("浙江省", "杭州市", "西湖区", "330106", "0571", "浙A"),
    ("浙江省", "宁波市", "鄞州区", "330212", "0574", "浙B"),
    ("江苏省", "南京市", "鼓楼区", "320106", "025", "苏A"),
    ("江苏省", "苏州市", "姑苏区", "320508", "0512", "苏E"),
    ("", "上海市", "闵行区", "310112", "021", "沪"),
    ("", "北京市", "海淀区", "110108", "010", "京"),
    ("广东省", "深圳市", "南山区", "440305", "0755", "粤B"),
    ("四川省", "成都市", "武侯区", "510107", "028", "川A"),
    ("湖北省", "武汉市", "洪山区", "420111", "027", "鄂A"),
    ("安徽省", "合肥市", "蜀山区", "340104", "0551", "皖A"),
)
SURNAMES = (
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("赵", "zhao"),
    ("黄", "huang"),
    ("周", "zhou"),
    ("吴", "wu"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("胡", "hu"),
    ("朱", "zhu"),
    ("高", "gao"),
    ("林", "lin"),
    ("何", "he"),
    ("郭", "guo"),
    ("罗", "luo"),
    ("梁", "liang"),
    ("宋", "song"),
    ("郑", "zheng"),
    ("谢", "xie"),
    ("韩", "han"),
    ("唐", "tang"),
    ("冯", "feng"),
    ("董", "dong"),
    ("程", "cheng"),
    ("袁", "yuan"),
    ("邓", "deng"),
    ("沈", "shen"),
    ("彭", "peng"),
    ("欧阳", "ouyang"),
    ("司马", "sima"),
)
GIVEN = (
    ("婷", "ting"),
    ("磊", "lei"),
    ("静", "jing"),
    ("俊", "jun"),
    ("敏", "min"),
    ("浩", "hao"),
    ("丽", "li"),
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
    ("倩", "qian"),
    ("凯", "kai"),
    ("颖", "ying"),
    ("文", "wen"),
    ("思", "si"),
    ("志", "zhi"),
    ("梓", "zi"),
    ("泽", "ze"),
    ("嘉", "jia"),
)
STREETS = ("翠柏路", "梧桐街", "青枫路", "云栖大道", "松涛路", "临湖东路", "锦绣南街", "望江西路", "桂香路", "清溪北路")
ESTATES = ("澄园", "观澜苑", "枫林小区", "锦华公寓", "星河湾", "南屏新村", "桃源里", "芳洲花园")
MOBILE_PREFIXES = (
    "135",
    "136",
    "138",
    "139",
    "150",
    "152",
    "158",
    "159",
    "182",
    "187",
    "188",
    "131",
    "156",
    "186",
    "133",
    "153",
    "180",
    "189",
    "177",
    "199",
    "166",
)
CARD_BINS = ("622848", "621700", "622202", "621483", "622588", "623668", "621226", "622700")
MAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com")
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
STYLE = 'body{font-family:"Microsoft YaHei",sans-serif} .row{margin:2px 0} label{display:inline-block;width:9em}'


@dataclass(frozen=True)
class Person:
    name: str
    pinyin: str
    region: tuple[str, str, str, str, str, str]
    birth: date


@dataclass
class SampleFile:
    """One file of the share: its bytes and the personal data planted in it, as (entity type, text)."""

    rel: str
    data: bytes = b""
    planted: list[tuple[str, str]] = field(default_factory=list)

    def plant(self, entity_type: str, value: str) -> str:
        self.planted.append((entity_type, value))
        return value


def _checked(validator: str, value: str) -> str:
    verdict = VALIDATORS[validator](value, today=TODAY)
    if verdict is not Verdict.VALID:
        raise AssertionError(f"{validator} rejects generated value {value!r}: {verdict}")
    return value


class Fiction:
    """Seeded source of fictional people and numbers, each number validated before use."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._used_names: set[str] = set()

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def person(self, born_from: int = 1965, born_to: int = 2001, region: tuple | None = None) -> Person:
        while True:
            surname, s_py = self.rng.choice(SURNAMES)
            chars = self.rng.sample(GIVEN, self.rng.choice((1, 2, 2)))
            name = surname + "".join(c for c, _ in chars)
            if name not in self._used_names:
                break
        self._used_names.add(name)
        birth = date(born_from, 1, 1) + timedelta(days=self.rng.randrange((born_to - born_from) * 365))
        return Person(name, s_py + "".join(p for _, p in chars), region or self.rng.choice(REGIONS), birth)

    def resident_id(self, person: Person) -> str:
        first17 = person.region[3] + person.birth.strftime("%Y%m%d") + self.digits(3)
        weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        check = "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]
        return _checked("cn_resident_id", first17 + check)

    def mobile(self) -> str:
        return _checked("cn_mobile", self.rng.choice(MOBILE_PREFIXES) + self.digits(8))

    def landline(self, area: str) -> str:
        local = self.rng.choice("23568") + self.digits(7)  # big-city numbers: 8 digits
        return _checked("cn_landline", f"{area}-{local}")

    def bank_card(self, length: int = 19, bin_: str | None = None) -> str:
        body = (bin_ or self.rng.choice(CARD_BINS)) + self.digits(length - 7)
        for check in "0123456789":
            if VALIDATORS["cn_bank_card"](body + check) is Verdict.VALID:
                return body + check
        raise AssertionError("no Luhn digit")  # unreachable: one digit always completes Luhn

    def uscc(self, area: str) -> str:
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        body = "91" + area + "MA" + "".join(self.rng.choice(alphabet) for _ in range(7))
        weights = [pow(3, i, 31) for i in range(17)]
        total = sum(alphabet.index(c) * w for c, w in zip(body, weights, strict=True))
        return _checked("cn_uscc", body + alphabet[(31 - total % 31) % 31])

    def email(self, person: Person) -> str:
        local = self.rng.choice(
            (
                person.pinyin,
                f"{person.pinyin}{self.rng.randrange(10, 99)}",
                f"{person.pinyin}.{person.birth.year % 100:02d}",
            )
        )
        return _checked("email", f"{local}@{self.rng.choice(MAIL_DOMAINS)}")

    def address(self, person: Person) -> str:
        province, city, district = person.region[:3]
        r = self.rng
        building = f"{r.randrange(1, 30)}幢{r.randrange(1, 4)}单元{r.randrange(2, 28)}0{r.randrange(1, 5)}室"
        street = f"{r.choice(STREETS)}{r.randrange(8, 399)}号{r.choice(ESTATES)}"
        return f"{province}{city}{district}{street}{building}"

    def plate(self, person: Person, new_energy: bool = False) -> str:
        prefix = person.region[5]
        if len(prefix) == 1:  # 沪/京 need a city letter
            prefix += "A"
        if new_energy:
            tail = self.rng.choice("DF") + self.rng.choice(PLATE_LETTERS + "0123456789") + self.digits(4)
        else:
            tail = "".join(self.rng.choice(PLATE_LETTERS[:8] + "0123456789") for _ in range(2)) + self.digits(3)
        return _checked("cn_license_plate", prefix + tail)

    def qq(self) -> str:
        return str(self.rng.randrange(10_000_000, 2_999_999_999))

    def ipv4_public(self) -> str:
        net = self.rng.choice(("192.0.2", "198.51.100", "203.0.113"))  # documentation ranges (RFC 5737)
        return _checked("ipv4", f"{net}.{self.rng.randrange(2, 254)}")

    def ipv6(self) -> str:
        groups = ":".join(f"{self.rng.randrange(1, 0xFFFF):x}" for _ in range(3))
        return _checked("ipv6", f"2001:db8:{groups}::{self.rng.randrange(1, 0xFFF):x}")  # RFC 3849 range


def _dump(rows: list[list[str]], sep: str, newline: str) -> str:
    return "".join(sep.join(row) + newline for row in rows)


# --- the files -------------------------------------------------------------------------------------------


def customer_csv_gbk(f: Fiction) -> SampleFile:
    """销售部 export from the old ERP: GBK, CRLF, the header people actually type."""
    out = SampleFile("销售部/客户名单_2024Q3.csv")
    rows = [["客户姓名", "手机号", "身份证号", "收货地址", "银行卡号", "QQ"]]
    for _ in range(14):
        p = f.person()
        rows.append(
            [
                out.plant("PERSON", p.name),
                out.plant("CN_MOBILE", f.mobile()),
                out.plant("CN_RESIDENT_ID", f.resident_id(p)),
                out.plant("CN_ADDRESS", f.address(p)),
                out.plant("CN_BANK_CARD", f.bank_card(f.rng.choice((16, 19)))),
                out.plant("CN_QQ", f.qq()) if f.rng.random() < 0.7 else "",
            ]
        )
    out.data = _dump(rows, ",", "\r\n").encode("gbk")
    return out


def member_csv_utf8_bom(f: Fiction) -> SampleFile:
    """市场部 membership export from a SaaS tool: UTF-8 with BOM (so Excel opens it), LF."""
    out = SampleFile("市场部/会员导出_20240915.csv")
    rows = [["会员ID", "姓名", "手机", "邮箱", "生日", "车牌号", "注册时间", "积分"]]
    for i in range(12):
        p = f.person(1970, 2003)
        reg = datetime(2024, 9, 15, 9) - timedelta(days=f.rng.randrange(30, 900), seconds=f.rng.randrange(50_000))
        rows.append(
            [
                f"M{240000 + i * 37:07d}",
                out.plant("PERSON", p.name),
                out.plant("CN_MOBILE", f.mobile()),
                out.plant("EMAIL_ADDRESS", f.email(p)),
                out.plant("DATE_OF_BIRTH", p.birth.isoformat()),
                out.plant("CN_LICENSE_PLATE", f.plate(p, new_energy=i % 4 == 0)),
                reg.strftime("%Y-%m-%d %H:%M:%S"),
                str(f.rng.randrange(0, 12_000)),
            ]
        )
    out.data = b"\xef\xbb\xbf" + _dump(rows, ",", "\n").encode("utf-8")
    return out


def staff_directory_utf16(f: Fiction) -> SampleFile:
    """人事部 address book saved from Excel as "Unicode 文本": UTF-16 LE with BOM, tabs, CRLF."""
    out = SampleFile("人事部/员工通讯录_Unicode文本.txt")
    departments = (
        ("销售部", "客户经理"),
        ("市场部", "专员"),
        ("技术部", "工程师"),
        ("客服部", "主管"),
        ("财务部", "会计"),
        ("行政部", "行政助理"),
    )
    rows = [["工号", "姓名", "部门", "职位", "手机", "办公电话", "邮箱", "身份证号", "紧急联系人电话"]]
    for i in range(10):
        p = f.person(1975, 2000)
        dept, title = f.rng.choice(departments)
        rows.append(
            [
                f"CL{1021 + i * 3}",
                out.plant("PERSON", p.name),
                dept,
                title,
                out.plant("CN_MOBILE", f.mobile()),
                out.plant("CN_LANDLINE", f.landline("0571")) + f" 转{f.rng.randrange(800, 899)}",
                out.plant("EMAIL_ADDRESS", f"{p.pinyin}@chenglan.example.com"),
                out.plant("CN_RESIDENT_ID", f.resident_id(p)),
                out.plant("CN_MOBILE", f.mobile()),
            ]
        )
    out.data = "\ufeff".encode("utf-16-le") + _dump(rows, "\t", "\r\n").encode("utf-16-le")
    return out


def meeting_note_md(f: Fiction) -> SampleFile:
    """会议纪要 in Markdown with a dealer table: contacts, USCCs, delivery vehicles."""
    out = SampleFile("会议纪要/2024-09-12_华东区经销商对接会.md")
    host, scribe = f.person(), f.person()
    lines = [
        "# 华东区经销商对接会 会议纪要",
        "",
        "- 时间：2024年9月12日 14:00–16:30",
        "- 地点：总部 3 楼 301 会议室（线上同步腾讯会议）",
        f"- 主持：{out.plant('PERSON', host.name)}（销售部）　记录：{out.plant('PERSON', scribe.name)}",
        "",
        "## 一、经销商信息核对",
        "",
        "以下信息用于第四季度返利结算和送货排车，请各经销商在 9 月 20 日前确认无误。",
        "",
        "| 经销商 | 联系人 | 手机 | 统一社会信用代码 | 送货车辆 |",
        "|---|---|---|---|---|",
    ]
    dealers = (
        ("杭州澄川汽配商行", 0),
        ("宁波鄞州车之友用品店", 1),
        ("苏州姑苏途安汽车服务部", 3),
        ("合肥蜀山驰远商贸有限公司", 9),
    )
    for i, (dealer, region) in enumerate(dealers):
        p = f.person(region=REGIONS[region])
        cells = [
            dealer,
            out.plant("PERSON", p.name),
            out.plant("CN_MOBILE", f.mobile()),
            out.plant("CN_USCC", f.uscc(p.region[3])),
            out.plant("CN_LICENSE_PLATE", f.plate(p, new_energy=i == 2)),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    owner = f.person()
    lines += [
        "",
        "## 二、讨论事项",
        "",
        "1. 儿童安全座椅新品（型号 KS-360）10 月到货，经销商首批订货不低于 50 台。",
        "2. 返利打款账户如有变更，须提供加盖公章的变更函，不接受微信截图。",
        f"3. 苏州姑苏途安的收款账户变更为 {out.plant('CN_BANK_CARD', f.bank_card(19, '622202'))}"
        f"（开户行：工商银行苏州分行），财务{out.plant('PERSON', owner.name)}负责核实。",
        "",
        "## 三、待办",
        "",
        "- [ ] 市场部 9 月 18 日前发出新品培训资料",
        f"- [ ] 客服部整理售后工单，有问题联系 {out.plant('CN_LANDLINE', f.landline('0571'))} 转 806",
        "",
    ]
    out.data = "\n".join(lines).encode("utf-8")
    return out


def chat_export_txt(f: Fiction) -> SampleFile:
    """客服 group chat exported from WeChat by a desktop tool: full-width digits, spaced numbers, a child's ID."""
    out = SampleFile("客服部/售后群聊天记录_2024-09.txt")
    agent, buyer, parent, installer = f.person(), f.person(), f.person(1984, 1992), f.person()
    child = f.person(2016, 2017)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in _checked("cn_mobile", "138" + f.digits(8)))
    mobile_spaced = f.mobile()
    mobile_spaced = f"{mobile_spaced[:3]} {mobile_spaced[3:7]} {mobile_spaced[7:]}"
    mobile_dashed = f.mobile()
    mobile_dashed = f"{mobile_dashed[:3]}-{mobile_dashed[3:7]}-{mobile_dashed[7:]}"
    landline = f.landline("0571")
    seat_order = f"SO{f.digits(10)}"
    out.plant("PERSON", agent.name)  # as chat senders
    out.plant("PERSON", parent.name)
    lines = [
        "消息记录（此消息记录为文本格式，不支持重新导入）",
        "================================================================",
        "群名称：澄岚汽车用品-售后服务群(3)",
        "",
        f"2024-09-14 10:21:33 客服-{agent.name}",
        "各位好，需要补发配件的麻烦把收货人、电话、地址发一下，今天下午统一安排顺丰。",
        "",
        f"2024-09-14 10:24:05 {buyer.name}",
        f"收货人：{out.plant('PERSON', buyer.name)}，手机{out.plant('CN_MOBILE', full_width)}，"
        f"地址：{out.plant('CN_ADDRESS', f.address(buyer))}",
        "",
        f"2024-09-14 10:25:40 客服-{agent.name}",
        f"收到，单号出来后发给您。订单 {seat_order} 的安装师傅会另外联系。",
        "",
        f"2024-09-14 10:31:12 安装师傅-{installer.name[0]}师傅",
        f"我电话 {out.plant('CN_MOBILE', mobile_spaced)}，明天上午到，车停哪里方便？",
        "",
        f"2024-09-14 10:33:47 {buyer.name}",
        f"停地下车库B2，我车是 {out.plant('CN_LICENSE_PLATE', f.plate(buyer))}，白色那辆。",
        "",
        f"2024-09-14 14:02:19 {parent.name}",
        "你好，我们买的儿童座椅要做延保登记，宝宝的信息发这里可以吗？",
        "",
        f"2024-09-14 14:05:51 客服-{agent.name}",
        "可以的，延保需要宝宝姓名、身份证号和家长联系电话，登记完我会撤回消息。",
        "",
        f"2024-09-14 14:09:26 {parent.name}",
        f"宝宝姓名：{out.plant('PERSON', child.name)}，身份证号 {out.plant('CN_RESIDENT_ID', f.resident_id(child))}，"
        f"家长电话 {out.plant('CN_MOBILE', mobile_dashed)}",
        "",
        f"2024-09-14 14:12:03 客服-{agent.name}",
        "好的已登记。发票抬头需要单位的话请把税号发我，"
        f"或者直接打公司座机 {out.plant('CN_LANDLINE', landline)}转8206 找财务。",
        "",
        f"2024-09-14 14:15:37 {parent.name}",
        "不用开公司抬头，个人就行，谢谢！",
        "",
    ]
    out.data = "\n".join(lines).encode("utf-8")
    return out


def api_export_json(f: Fiction) -> SampleFile:
    """技术部 dump of the member API, pretty-printed as developers save it."""
    out = SampleFile("技术部/api_export_members.json")
    members = []
    for i in range(6):
        p = f.person(1972, 2002)
        members.append(
            {
                "userId": 880_100 + i * 13,
                "realName": out.plant("PERSON", p.name),
                "phone": out.plant("CN_MOBILE", f.mobile()),
                "certType": "ID_CARD",
                "certNo": out.plant("CN_RESIDENT_ID", f.resident_id(p)),
                "birthday": out.plant("DATE_OF_BIRTH", p.birth.isoformat()),
                "email": out.plant("EMAIL_ADDRESS", f.email(p)),
                "lastLoginIp": out.plant("IP_ADDRESS", f.ipv4_public()),
                "level": f.rng.choice(("SILVER", "GOLD", "PLATINUM")),
                "createdAt": f"2023-{f.rng.randrange(1, 13):02d}-{f.rng.randrange(1, 29):02d}"
                f"T09:{f.rng.randrange(60):02d}:00+08:00",
            }
        )
    body = {"code": 0, "msg": "success", "data": {"total": len(members), "page": 1, "list": members}}
    out.data = (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return out


def gateway_log(f: Fiction) -> SampleFile:
    """技术部 API-gateway log: IPv4 and IPv6 clients, user e-mails, plus version strings that are not IPs."""
    out = SampleFile("技术部/logs/gateway-2024-09-18.log")
    lines = ["2024-09-18T08:00:00.003+08:00 INFO  [boot] gateway 3.7.15 started, upstream=member-svc:8080 workers=4"]
    t = 8 * 3600
    for i in range(16):
        t += f.rng.randrange(3, 240)
        stamp = f"2024-09-18T{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}.{f.rng.randrange(1000):03d}+08:00"
        p = f.person()
        ip = out.plant("IP_ADDRESS", f.ipv6() if i % 4 == 1 else f.ipv4_public())
        trace = "".join(f.rng.choice("0123456789abcdef") for _ in range(16))
        if i % 5 == 3:
            lines.append(
                f"{stamp} WARN  [auth] login failed user={out.plant('EMAIL_ADDRESS', f.email(p))} "
                f"client={ip} reason=BAD_PASSWORD trace={trace}"
            )
        elif i % 3 == 0:
            lines.append(
                f"{stamp} INFO  [auth] login ok user={out.plant('EMAIL_ADDRESS', f.email(p))} "
                f'client={ip} ua="ChenglanApp/5.2.1 (iOS 17.6)" trace={trace}'
            )
        else:
            path = f.rng.choice(("/api/v2/orders?page=2", "/api/v2/members/me", "/api/v2/coupons", "/healthz"))
            lines.append(
                f"{stamp} INFO  [http] {ip} GET {path} status=200 rt={f.rng.randrange(4, 300)}ms "
                f'ua="okhttp/4.9.3" trace={trace}'
            )
    out.data = ("\n".join(lines) + "\n").encode("utf-8")
    return out


def candidate_profile_en(f: Fiction) -> SampleFile:
    """HR recruiting note in English: UK and US phones, a date of birth, e-mails."""
    out = SampleFile("人事部/招聘/candidate_profile_UK_sales.txt")
    text = f"""CANDIDATE PROFILE - CONFIDENTIAL
Position: Regional Sales Manager, UK & Ireland (Chenglan Auto Accessories Ltd.)
Source: referral via LinkedIn; first interview 10 Sep 2024 (video)

Candidate: {out.plant("PERSON", "Oliver Brennan")}
Date of birth: {out.plant("DATE_OF_BIRTH", "14 March 1988")}
Phone: {out.plant("PHONE_NUMBER", "+44 20 7946 0321")} (London office hours), \
mobile {out.plant("PHONE_NUMBER", "+44 113 496 0582")}
Email: {out.plant("EMAIL_ADDRESS", "oliver.brennan@example.co.uk")}
Current address: {out.plant("LOCATION", "27 Larchwood Close, Harrogate HG2 7QP")}

Summary
Nine years in automotive aftermarket sales; grew a dealer network from 18 to 41 accounts in the North of
England. Fluent English, working Mandarin (HSK 4). Notice period one month; expects GBP 58,000 base.

References
1. Ms {out.plant("PERSON", "Hannah Whitfield")}, former line manager - {out.plant("PHONE_NUMBER", "+44 20 7946 0877")}
2. Mr {out.plant("PERSON", "Marcus Reyes")} (US distributor), cell {out.plant("PHONE_NUMBER", "(206) 555-0147")}, \
{out.plant("EMAIL_ADDRESS", "m.reyes@example.com")}

Interviewer notes ({out.plant("PERSON", f.person().name)}, 销售总监)
Strong on dealer economics; weaker on e-commerce. Second round with the CEO proposed for 24 Sep 2024.
"""
    out.data = text.encode("utf-8")
    return out


def visitor_form_html(f: Fiction) -> SampleFile:
    """行政 visitor-registration form, exported as HTML by the front-desk system."""
    out = SampleFile("行政部/访客登记_导出_20240920.html")
    rows = []
    for i in range(4):
        p = f.person(1968, 1999)
        if i == 1:
            doc_type, doc_entity, number = "护照", "CN_PASSPORT", f"E{f.digits(8)}"
        elif i == 2:
            doc_type, doc_entity, number = "往来港澳通行证", "CN_HK_MACAO_PASS", f"C{f.digits(8)}"
        else:
            doc_type, doc_entity, number = "居民身份证", "CN_RESIDENT_ID", f.resident_id(p)
        host = f.person()
        plate = f.plate(p, new_energy=i in (0, 3))
        mobile = f.mobile()
        purpose = f.rng.choice(("商务洽谈", "设备维修", "面试", "送货"))
        arrival = f"{9 + i * 2:02d}:{f.rng.randrange(60):02d}"
        rows.append(f"""  <fieldset class="visit">
    <legend>登记 #{2024092001 + i}</legend>
    <div class="row"><label>姓名：</label><span class="val">{out.plant("PERSON", p.name)}</span></div>
    <div class="row"><label>证件类型：</label><span class="val">{doc_type}</span></div>
    <div class="row"><label>{doc_type}号码：</label><span class="val">{out.plant(doc_entity, number)}</span></div>
    <div class="row"><label>手机：</label><span class="val">{out.plant("CN_MOBILE", mobile)}</span></div>
    <div class="row"><label>来访车牌：</label><span class="val">{out.plant("CN_LICENSE_PLATE", plate)}</span></div>
    <div class="row"><label>被访人：</label><span class="val">{out.plant("PERSON", host.name)}</span></div>
    <div class="row"><label>来访事由：</label><span class="val">{purpose}</span></div>
    <div class="row"><label>到访时间：</label><span class="val">2024-09-20 {arrival}</span></div>
  </fieldset>""")
    html = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>访客登记 - 表单导出</title>
<style>{STYLE}</style>
</head>
<body>
<h1>访客登记表单导出（2024-09-20，共 {len(rows)} 条）</h1>
<form id="visitor-export">
{chr(10).join(rows)}
</form>
<p class="footer">导出人：前台 · 本文件含个人信息，请勿外传</p>
</body>
</html>
"""
    out.data = html.encode("utf-8")
    return out


def policy_notice_no_pii(f: Fiction) -> SampleFile:
    """A notice with no personal data at all, full of numbers that look like some: hard negatives."""
    out = SampleFile("行政部/隐私政策更新通知.txt")
    order_no = _order_number_that_is_not_an_id(f)
    text = f"""关于《澄岚会员隐私政策》更新的通知

各位同事：

会员 App 将于 2024 年 10 月 1 日发布 3.7.15 版本，隐私政策同步更新，主要变化如下：

一、收集范围：取消对通讯录的读取；定位信息仅在预约上门安装时使用，用完即删。
二、保存期限：注销账号后 15 个工作日内删除会员资料，财务凭证按法规保存。
三、第三方共享：物流服务商只获得完成配送所需的最少信息。

客服话术示例（请勿使用真实客户信息）：
“您的订单 {order_no} 已于 20240918093015 完成出库，实付金额 ¥1,299.00，预计 2–3 天送达。”

培训安排：9 月 26 日 15:00，3 楼 301 会议室，时长约 45 分钟。
对外咨询统一引导至客服热线 400-615-7788（工作日 9:00–18:00）。

行政部
2024 年 9 月 23 日
"""
    out.data = text.encode("utf-8")
    return out


def _order_number_that_is_not_an_id(f: Fiction) -> str:
    """18 digits shaped like a resident ID (real area code and date) whose check digit is wrong."""
    for _ in range(100):
        candidate = "330106" + "20240915" + f.digits(4)
        if all(
            VALIDATORS[v](candidate, today=TODAY) is Verdict.INVALID
            for v in ("cn_resident_id", "cn_uscc", "cn_bank_card", "credit_card")
        ):
            return candidate
    raise AssertionError("no order number found that fails every validator")


BUILDERS = (
    customer_csv_gbk,
    member_csv_utf8_bom,
    staff_directory_utf16,
    meeting_note_md,
    chat_export_txt,
    api_export_json,
    gateway_log,
    candidate_profile_en,
    visitor_form_html,
    policy_notice_no_pii,
)


def build_share(seed: int = SEED) -> list[SampleFile]:
    """Every file of the share, in a fixed order, with what was planted in it."""
    fiction = Fiction(seed)
    return [build(fiction) for build in BUILDERS]


def write_share(files: list[SampleFile], out: Path = OUT) -> None:
    if out.exists():
        shutil.rmtree(out)
    for sample in files:
        path = out / sample.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(sample.data)


def main() -> None:
    files = build_share()
    write_share(files)
    total = sum(len(s.data) for s in files)
    planted = sum(len(s.planted) for s in files)
    print(f"wrote {len(files)} files, {total:,} bytes, {planted} planted values to {OUT}")


if __name__ == "__main__":
    main()
