"""Scanned copies drawn at test time: resident ID cards (front and back), bank cards, a filled-in form and a
receipt, with the damage real scans and phone photos carry (noise, blur, JPEG artefacts, skew, 90/180/270°
turns, an EXIF orientation tag). Seeded: the same seed draws the same images, and each knows its truth.

The glyphs come from Debian's fonts-wqy-microhei (installed by .ci/run).
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from scanner.detect.validators import Verdict, cn_bank_card, cn_resident_id
from scanner.states import DocumentKind
from tests.subject_fixtures import resident_id

# Where Debian, Fedora and Homebrew put WenQuanYi Micro Hei (or Noto CJK, if that is what a machine has).
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/opt/homebrew/share/fonts", "/Library/Fonts")
_FONT_NAMES = ("wqy-microhei.ttc", "wqy-zenhei.ttc", "NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf")

ID_FRONT, ID_BACK, BANK_CARD = DocumentKind.RESIDENT_ID_FRONT, DocumentKind.RESIDENT_ID_BACK, DocumentKind.BANK_CARD
FORM, RECEIPT = "form", "receipt"
KINDS = (ID_FRONT, ID_BACK, BANK_CARD, FORM, RECEIPT)
TURNS = (0, 90, 180, 270)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌宇浩凯鹏晨欣怡佳琪雪梅海波云峰"
_AREAS = ("110101", "310104", "440305", "330106", "510107", "420106", "320102", "370202", "210102", "500103")
_PLACES = ("北京市东城区景山前街", "上海市徐汇区漕溪北路", "深圳市南山区科技园路", "杭州市西湖区文三路",
           "成都市武侯区人民南路", "武汉市武昌区中北路", "南京市玄武区中山路", "青岛市市南区香港中路")  # fmt: skip
_BANKS = (("中国工商银行", "622202"), ("中国建设银行", "621700"), ("招商银行", "622588"), ("中国银行", "621661"))


@dataclass(frozen=True)
class Truth:
    """What is on a drawn image: its kind, and the personal data a perfect reader would find."""

    kind: str
    name: str | None = None
    resident_id: str | None = None
    card_number: str | None = None


@dataclass(frozen=True)
class Scan:
    """One drawn image (upright pixels before `turn`), how it was damaged, and its truth."""

    image: Image.Image
    truth: Truth
    turn: int = 0  # degrees the picture was turned (counter-clockwise) after drawing
    exif_orientation: int | None = None  # the pixels are stored turned, with the tag that turns them back
    label: str = ""

    def save(self, path: Path, quality: int = 85) -> Path:
        """Write the scan as `path`'s format (jpg keeps the EXIF tag; others store the turned pixels)."""
        exif = None
        if self.exif_orientation:
            exif = Image.Exif()
            exif[0x0112] = self.exif_orientation
        suffix = path.suffix.lower()
        if suffix in (".jpg", ".jpeg"):
            self.image.convert("RGB").save(path, "JPEG", quality=quality, exif=exif or Image.Exif())
        elif suffix == ".webp":
            self.image.save(path, "WEBP", quality=quality, exif=exif or Image.Exif())
        else:
            self.image.save(path)
        return path


@cache
def cjk_font_path() -> str:
    """The path of a CJK font on this machine; fonts-wqy-microhei is what .ci/run installs."""
    for root in _FONT_DIRS:
        for name in _FONT_NAMES:
            found = sorted(Path(root).rglob(name)) if Path(root).is_dir() else []
            if found:
                return str(found[0])
    raise RuntimeError("no CJK font found: install Debian's fonts-wqy-microhei (as .ci/run does)")


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(cjk_font_path(), size)


def person(rng: random.Random) -> tuple[str, str]:
    """A name (2 or 3 characters) and a valid resident ID (checked by the scanner's own validator)."""
    name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
    birth = f"{rng.randint(1955, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    number = resident_id(birth, rng.randint(1, 999), rng.choice(_AREAS))
    assert cn_resident_id(number) == Verdict.VALID, number
    return name, number


def bank_card_number(rng: random.Random, prefix: str) -> str:
    """A 16- or 19-digit UnionPay-style number with a Luhn check digit."""
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(rng.choice((16, 19)) - len(prefix) - 1))
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    number = body + str((10 - total % 10) % 10)
    assert cn_bank_card(number) != Verdict.INVALID, number
    return number


def _card(rng: random.Random, width: int = 856, height: int = 540) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    tint = (rng.randint(225, 245), rng.randint(232, 248), rng.randint(240, 252))
    image = Image.new("RGB", (width, height), tint)
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 9):  # the faint guilloche of a security print
        shade = tuple(c - rng.randint(4, 12) for c in tint)
        draw.arc((-width // 2, y - height, width * 3 // 2, y + height), 0, 180, fill=shade)
    return image, draw


def id_front(rng: random.Random) -> tuple[Image.Image, Truth]:
    """The photo side: 姓名, 性别, 民族, 出生, 住址, 公民身份号码, and a grey box where the photo is."""
    name, number = person(rng)
    image, draw = _card(rng)
    label, value = (70, 70, 90), (10, 10, 10)
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    sex = "男" if int(number[16]) % 2 else "女"
    draw.text((60, 50), "姓名", font=font(26), fill=label)
    draw.text((150, 44), name, font=font(36), fill=value)
    draw.text((60, 115), "性别", font=font(26), fill=label)
    draw.text((150, 112), sex, font=font(30), fill=value)
    draw.text((260, 115), "民族", font=font(26), fill=label)
    draw.text((350, 112), rng.choice(("汉", "回", "满", "壮")), font=font(30), fill=value)
    draw.text((60, 175), "出生", font=font(26), fill=label)
    draw.text((150, 172), f"{year}年{month}月{day}日", font=font(30), fill=value)
    draw.text((60, 240), "住址", font=font(26), fill=label)
    address = f"{rng.choice(_PLACES)}{rng.randint(1, 300)}号{rng.randint(1, 30)}栋{rng.randint(101, 2806)}室"
    draw.text((150, 237), address[:14], font=font(28), fill=value)
    draw.text((150, 280), address[14:], font=font(28), fill=value)
    draw.text((60, 440), "公民身份号码", font=font(26), fill=label)
    draw.text((255, 434), number, font=font(38), fill=value)
    draw.rectangle((600, 70, 800, 330), fill=(200, 205, 210), outline=(150, 150, 160))
    return image, Truth(ID_FRONT, name, number)


def id_back(rng: random.Random) -> tuple[Image.Image, Truth]:
    """The emblem side: 中华人民共和国 居民身份证, 签发机关, 有效期限 (no personal data)."""
    image, draw = _card(rng)
    draw.ellipse((60, 50, 200, 190), outline=(200, 40, 40), width=6)
    draw.text((300, 80), "中华人民共和国", font=font(44), fill=(20, 20, 20))
    draw.text((330, 160), "居民身份证", font=font(56), fill=(20, 20, 20))
    start = rng.randint(2010, 2024)
    city = rng.choice(("北京市公安局东城分局", "上海市公安局徐汇分局", "深圳市公安局南山分局", "杭州市公安局西湖分局"))
    draw.text((120, 370), "签发机关", font=font(26), fill=(70, 70, 90))
    draw.text((260, 366), city, font=font(30), fill=(10, 10, 10))
    draw.text((120, 440), "有效期限", font=font(26), fill=(70, 70, 90))
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    draw.text((260, 436), f"{start}.{month:02d}.{day:02d}-{start + 20}.{month:02d}.{day:02d}", font=font(30))
    return image, Truth(ID_BACK)


def bank_card(rng: random.Random) -> tuple[Image.Image, Truth]:
    """A debit card's face: bank, UnionPay mark, the number in groups of four, a holder name in pinyin."""
    bank, prefix = rng.choice(_BANKS)
    number = bank_card_number(rng, prefix)
    dark = (rng.randint(20, 90), rng.randint(30, 90), rng.randint(90, 160))
    image = Image.new("RGB", (856, 540), dark)
    draw = ImageDraw.Draw(image)
    draw.text((50, 40), bank, font=font(40), fill=(250, 250, 250))
    draw.text((640, 430), "银联", font=font(34), fill=(250, 250, 250))
    draw.text((640, 475), "UnionPay", font=font(26), fill=(250, 250, 250))
    draw.text((640, 50), "借记卡", font=font(30), fill=(250, 250, 250))
    draw.rounded_rectangle((70, 160, 170, 235), 12, fill=(212, 175, 55))  # the chip
    groups = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    draw.text((60, 290), groups, font=font(46 if len(number) == 16 else 40), fill=(255, 255, 255))
    draw.text((60, 370), f"有效期 {rng.randint(1, 12):02d}/{rng.randint(27, 35)}", font=font(26), fill=(235, 235, 235))
    return image, Truth(BANK_CARD, card_number=number)


def form(rng: random.Random) -> tuple[Image.Image, Truth]:
    """A filled-in registration form scanned at about 100 dpi: a title and a ruled table of fields."""
    name, number = person(rng)
    image = Image.new("RGB", (1000, 1300), (252, 252, 250))
    draw = ImageDraw.Draw(image)
    draw.text((330, 60), "客户信息登记表", font=font(44), fill=(0, 0, 0))
    phone = "1" + rng.choice("3589") + "".join(str(rng.randint(0, 9)) for _ in range(9))
    rows = (("姓名", name), ("身份证号码", number), ("联系电话", phone), ("联系地址", rng.choice(_PLACES)),
            ("开户银行", rng.choice(_BANKS)[0]), ("备注", "本人已阅读并同意相关条款"))  # fmt: skip
    top = 180
    for field, filled in rows:
        draw.rectangle((80, top, 920, top + 90), outline=(0, 0, 0), width=2)
        draw.line((300, top, 300, top + 90), fill=(0, 0, 0), width=2)
        draw.text((100, top + 28), field, font=font(30), fill=(0, 0, 0))
        draw.text((320, top + 26), filled, font=font(34), fill=(20, 20, 120))
        top += 90
    draw.text((560, 1150), "签名：", font=font(30), fill=(0, 0, 0))
    draw.text((660, 1150), f"{rng.randint(2019, 2025)}年{rng.randint(1, 12)}月", font=font(30), fill=(0, 0, 0))
    return image, Truth(FORM, name, number)


def receipt(rng: random.Random) -> tuple[Image.Image, Truth]:
    """A shop receipt: long numbers that are not identifiers (an 18-digit order number, a terminal id)."""
    image = Image.new("RGB", (600, 900), (250, 250, 248))
    draw = ImageDraw.Draw(image)
    draw.text((200, 40), "购物小票", font=font(40), fill=(0, 0, 0))
    order = "".join(str(rng.randint(0, 9)) for _ in range(18))
    if cn_resident_id(order) == Verdict.VALID:
        order = order[:-1] + str((int(order[-1]) + 1) % 10)
    lines = (f"订单号 {order}", f"终端号 {rng.randint(10**7, 10**8 - 1)}", f"金额 {rng.randint(10, 999)}.00 元",
             "商品 矿泉水 x2", "谢谢惠顾")  # fmt: skip
    for i, line in enumerate(lines):
        draw.text((40, 150 + i * 70), line, font=font(30), fill=(0, 0, 0))
    return image, Truth(RECEIPT)


DRAW = {ID_FRONT: id_front, ID_BACK: id_back, BANK_CARD: bank_card, FORM: form, RECEIPT: receipt}


def damaged(image: Image.Image, rng: random.Random, level: float) -> Image.Image:
    """Photo-copy damage scaled by `level` (0 clean … 1 poor): skew, blur, sensor noise, JPEG artefacts."""
    if level <= 0:
        return image
    angle = rng.uniform(-4, 4) * level
    image = image.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=(255, 255, 255))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.2) * level))
    noise = Image.effect_noise(image.size, 40 * level).convert("RGB")
    image = Image.blend(image, noise, 0.12 * level)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=int(80 - 50 * level))
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


_EXIF_FOR_TURN = {90: 6, 180: 3, 270: 8}  # the tag a camera writes for pixels stored turned that much


def scan(kind: str, seed: int, *, level: float = 0.5, turn: int = 0, exif: bool = False) -> Scan:
    """One drawn, damaged and possibly turned image. With `exif`, the turn is undone by the EXIF tag."""
    rng = random.Random(f"{kind}:{seed}")
    image, truth = DRAW[kind](rng)
    image = damaged(image, rng, level)
    if turn:
        image = image.rotate(turn, expand=True)
    return Scan(image, truth, turn, _EXIF_FOR_TURN.get(turn) if exif else None, f"{kind}-{seed}-t{turn}")


_CYCLE = (ID_FRONT, ID_BACK, ID_FRONT, BANK_CARD, FORM, RECEIPT)  # ID fronts are the point: one in three


def fixture_set(count: int, seed: int = 19) -> Iterator[Scan]:
    """`count` scans cycling through the kinds, damage levels, turns and EXIF tags (the benchmark's set)."""
    rng = random.Random(seed)
    for i in range(count):
        kind = _CYCLE[i % len(_CYCLE)]
        turn = rng.choice(TURNS) if i % 3 == 0 else 0
        exif = bool(turn) and i % 2 == 1
        yield scan(kind, seed * 1000 + i, level=rng.choice((0.2, 0.5, 0.8, 1.0)), turn=turn, exif=exif)


def upright(item: Scan) -> Scan:
    return replace(item, image=item.image.rotate(-item.turn, expand=True), turn=0, exif_orientation=None)


def docx_with_picture(path: Path, text: str, picture: Path) -> Path:
    """A Word document at ``path``: one paragraph of ``text``, then ``picture`` embedded (word/media/…)."""
    import zipfile

    import docx

    document = docx.Document()
    document.add_paragraph(text)
    document.add_picture(str(picture))
    document.save(path)
    with zipfile.ZipFile(path) as package:
        assert any(n.startswith("word/media/") for n in package.namelist())
    return path
