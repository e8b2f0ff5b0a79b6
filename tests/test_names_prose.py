"""Chinese names in prose (issue 15): word boundaries, business shapes, transliterated names, organisations, résumés,
rolls of names, and the hook a statistical tagger plugs into."""

from __future__ import annotations

import re

import pytest

from scanner.detect.engine import Detector
from scanner.detect.name_windows import NameWindow


@pytest.fixture(scope="module")
def detector(packs) -> Detector:
    """The rule-based name finder alone: the optional tagger (tests/test_name_tagger.py) is off even where it is
    installed, so these tests see what the rules decide."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CUSTOS_NAME_TAGGER", "0")
        return Detector(packs)


def people(detector, text: str) -> list[str]:
    return [d.value for d in detector.detect(text) if d.entity_type == "PERSON"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("公司独立董事王建国先生出席了董事会。", ["王建国"]),  # never 司独立 (公司 | 独立董事)
        ("公司财务总监王芳女士负责审计。", ["王芳"]),
        ("新华社记者刘思扬报道：会议今天开幕。", ["刘思扬"]),  # never 华社 (新华社)
        ("中华人民共和国主席江泽民今天会见了来宾。", ["江泽民"]),  # never 和国 (共和国)
        ("委员会副主席兼秘书长张德广主持会议。", ["张德广"]),  # never 席兼 (副主席 | 兼)
        ("他请来王晶导演这部戏。", ["王晶"]),  # never 来王晶 (请来 | 王晶)
        ("季羡林老先生今年八十七岁。", ["季羡林"]),  # never 林老 (季羡林 | 老先生)
        ("谢谢李力在会上的发言。", []),  # never 谢谢李, never 李力在
    ],
)
def test_names_start_and_end_on_word_boundaries(detector, text, names):
    assert people(detector, text) == names


RESUME = """张伟
手机：13912345678  邮箱：zhangwei@example.com
工作经历
2019.07-至今  北京华信科技有限公司  财务部  财务总监
负责公司财务管理，公司司库与资金计划，公司独立董事会议材料的准备。
2015.07-2019.06  上海明达贸易有限公司  审计部  高级审计师
部门职务：审计主管；协助公司财务总监完成年度审计，参与公司司法诉讼的材料整理。
教育背景
2011.09-2015.06  复旦大学  会计学  学士
"""


def test_resume_has_no_person_inside_company_department_or_title_words(detector):
    found = [d for d in detector.detect(RESUME) if d.entity_type == "PERSON"]
    assert [d.value for d in found] == ["张伟"]
    words = [m.span() for m in re.finditer("公司|部门|职务|司库|司法", RESUME)]
    assert not any(s < d.end and d.start < e for d in found for s, e in words)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("[2024-03-05 10:31] 访客(刘芳): 你好，我的订单还没发货", ["刘芳"]),
        ("[2024-03-05 10:32] 客服（何俊峰）：您好，我帮您查一下", ["何俊峰"]),
        ("王建国 10:32\n明天上午的会改到下午了\n李娜 10:33\n收到", ["王建国", "李娜"]),
        ("甲方（出租方）：王建国\n乙方（承租方）：李娜\n身份证号：110105198001011234", ["王建国", "李娜"]),
        ("乙方（签字）：李娜          日期：2024年3月1日", ["李娜"]),
        ("参会人员：张伟、李娜、王芳\n主持人：刘洋", ["张伟", "李娜", "王芳", "刘洋"]),
        ("参会人员：张伟 李娜 王芳 赵敏", ["张伟", "李娜", "王芳", "赵敏"]),
        ("出席：陈思远、黄佳雪；缺席：周建华", ["陈思远", "黄佳雪", "周建华"]),
        ("此致\n敬礼！\n申请人：孙丽华\n2024年5月6日", ["孙丽华"]),
        ("签名：张伟    2024年5月6日", ["张伟"]),
    ],
    ids=["chat-brackets", "chat-full-width", "chat-time", "contract", "contract-signed", "attendees",
         "attendees-spaces", "attendance", "letter", "signature"],
)  # fmt: skip
def test_business_shapes(detector, text, names):
    assert people(detector, text) == names


def test_contract_with_party_brackets_is_not_a_speaker(detector):
    text = "甲方（盖章）：　　　　　　　乙方（签字）：\n日期：2024年3月1日"
    assert people(detector, text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("美国总统克林顿今天抵达北京，开始国事访问。", ["克林顿"]),
        ("卢梭的社会契约论影响深远。", ["卢梭"]),
        ("这部电影由编舞亚当·山克曼执导。", ["亚当·山克曼"]),
        ("叶利钦总统和夫人出席了晚宴。", ["叶利钦"]),
        ("俄罗斯总统今天抵达北京。", []),  # a country before a title is no name
        ("巴西总统和阿根廷总统举行了会晤。", []),
        ("另外，科威特首相萨阿德等高级官员在机场迎接。", ["萨阿德"]),  # a country from world_places.toml
        ("吉尔吉斯斯坦总统今天抵达北京。", []),
        ("商品·服务·价格", []),
    ],
)
def test_transliterated_names(detector, text, names):
    assert people(detector, text) == names


@pytest.mark.parametrize(
    "text",
    [
        "户名：兴业银行\n账号：6222020200112233445",
        "开户行：中国银行北京分行",
        "联系人：中国银行",
        '{"name": "中国银行", "type": "bank"}',
        "请马上到门店领取李宁运动鞋",
        "姓名 分机 邮箱",
        "持卡人：招商银行信用卡中心",
    ],
)
def test_organisations_banks_and_headers_are_not_people(detector, text):
    assert people(detector, text) == []


def test_header_beside_the_label_is_not_a_name_but_the_row_below_is(detector):
    assert people(detector, "姓名 分机 邮箱\n王建国 8021 wang@example.com") == ["王建国"]


ROLL = "委员：李鹏乔石李瑞环彭真朱镕基刘华清胡锦涛荣毅仁丁关根田纪云"


def test_a_roll_of_names_without_separators_is_cut_into_names(detector):
    assert people(detector, ROLL) == ["李鹏", "乔石", "李瑞环", "彭真", "朱镕基", "刘华清", "胡锦涛", "荣毅仁",
                                      "丁关根", "田纪云"]  # fmt: skip


def test_prose_is_not_a_roll(detector):
    prose = "王府井大街的高楼大厦林立，金融街上的银行网点也越来越多，马路两旁种满了梧桐树。"
    assert people(detector, prose) == []


class RecordingResolver:
    """A stand-in tagger: a real function that records what it was asked and calls the first candidate a name."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[NameWindow]]] = []

    def __call__(self, text: str, windows):
        self.calls.append((text, list(windows)))
        return [windows[0].candidates[0]] if windows else []


def test_the_tagger_hook_gets_windows_of_unresolved_candidates(detector):
    text = "我们在会上听取了邝嘉伟关于新产品的汇报。\n客服肖鹏：您好"
    resolver = RecordingResolver()
    assert "邝嘉伟" not in people(detector, text)  # the rules alone have no evidence for it
    detector.recognizer.use_name_resolver(resolver)
    try:
        found = people(detector, text)
    finally:
        detector.recognizer.use_name_resolver(None)
    assert resolver.calls, "the resolver was never asked"
    windows = [w for _, ws in resolver.calls for w in ws]
    candidates = [text[s:e] for w in windows for s, e in w.candidates]
    assert "邝嘉伟" in candidates and "肖鹏" not in candidates  # 肖鹏 is decided by the rules already
    window = next(w for w in windows if any(text[s:e] == "邝嘉伟" for s, e in w.candidates))
    assert text[window.start : window.end] == "我们在会上听取了邝嘉伟关于新产品的汇报。"
    assert found == ["邝嘉伟", "肖鹏"]


def test_without_a_resolver_nothing_is_asked(detector):
    resolver = RecordingResolver()
    detector.recognizer.use_name_resolver(resolver)
    detector.recognizer.use_name_resolver(None)
    people(detector, "我们在会上听取了邝嘉伟关于新产品的汇报。")
    assert resolver.calls == []
