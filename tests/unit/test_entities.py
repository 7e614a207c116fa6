"""Rule-based entity extraction: phone/ID numbers, money, household size, duration, district."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml

from bot.nlu.chinese_numbers import parse_number
from bot.nlu.entities import RULE_EXTRACTOR, Entity, EntityExtractor

NLU_DATA = Path(__file__).resolve().parents[2] / "nlu_data"
REGEX = "RegexEntityExtractor"


def _examples(block: str) -> list[str]:
    return [line.strip()[2:].strip() for line in block.splitlines() if line.strip().startswith("- ")]


def load_training_data(
    directory: Path = NLU_DATA,
) -> tuple[list[tuple[str, str]], dict[str, list[str]], dict[str, str]]:
    """Regexes, lookup tables and synonyms from the Rasa 3 YAML files (to be replaced by the real loader)."""
    regexes: list[tuple[str, str]] = []
    lookups: dict[str, list[str]] = {}
    synonyms: dict[str, str] = {}
    for name in ("regexes.yml", "lookups.yml", "synonyms.yml"):
        for item in yaml.safe_load((directory / name).read_text(encoding="utf-8"))["nlu"]:
            examples = _examples(item["examples"])
            if "regex" in item:
                regexes += [(item["regex"], pattern) for pattern in examples]
            elif "lookup" in item:
                lookups.setdefault(item["lookup"], []).extend(examples)
            elif "synonym" in item:
                synonyms.update(dict.fromkeys(examples, item["synonym"]))
    return regexes, lookups, synonyms


@pytest.fixture(scope="module")
def extractor() -> EntityExtractor:
    return EntityExtractor(*load_training_data())


def check_char(first17: str) -> str:
    """GB 11643 check character, computed here so the fixtures are real-format numbers."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


VALID_ID = "15020319850612123" + check_char("15020319850612123")
BAD_ID = VALID_ID[:-1] + ("1" if VALID_ID[-1] != "1" else "2")
X_BODY = next(f"1502031985061{i:04d}" for i in range(10000) if check_char(f"1502031985061{i:04d}") == "X")

# (text, [(entity, value, span, approximate), ...]) - the full expected output, in order.
Expected = list[tuple[str, object, str, bool]]
CASES: list[tuple[str, Expected]] = [
    # phone numbers
    ("我的电话13812345678", [("phone_number", "13812345678", "13812345678", False)]),
    ("电话138-1234-5678谢谢", [("phone_number", "13812345678", "138-1234-5678", False)]),
    ("手机 138 1234 5678 打这个", [("phone_number", "13812345678", "138 1234 5678", False)]),
    ("座机0471-5551234", [("phone_number", "04715551234", "0471-5551234", False)]),
    ("打04715551234找我", [("phone_number", "04715551234", "04715551234", False)]),
    ("+86 13812345678", [("phone_number", "13812345678", "+86 13812345678", False)]),
    ("电话１３８１２３４５６７８", [("phone_number", "13812345678", "１３８１２３４５６７８", False)]),
    # ID numbers: only valid ones, and their digits never become a phone number
    (f"身份证号{VALID_ID}", [("id_number", VALID_ID, VALID_ID, False)]),
    (f"身份证{X_BODY}x", [("id_number", X_BODY + "X", X_BODY + "x", False)]),
    (f"身份证{BAD_ID}", []),
    ("身份证1502031985061212", []),
    (
        f"身份证{VALID_ID}电话13812345678",
        [("id_number", VALID_ID, VALID_ID, False), ("phone_number", "13812345678", "13812345678", False)],
    ),
    # money
    ("5000元", [("money", 5000, "5000元", False)]),
    ("欠了5000块", [("money", 5000, "5000块", False)]),
    ("1,200块钱", [("money", 1200, "1,200块钱", False)]),
    ("大概1.2万", [("money", 12000, "1.2万", False)]),
    ("工资3千5", [("money", 3500, "3千5", False)]),
    ("3千5百", [("money", 3500, "3千5百", False)]),
    ("两万块", [("money", 20000, "两万块", False)]),
    ("一万五", [("money", 15000, "一万五", False)]),
    ("四千多", [("money", 4000, "四千多", True)]),
    ("两千左右", [("money", 2000, "两千左右", True)]),
    ("三万来块", [("money", 30000, "三万来块", True)]),
    ("七八千", [("money", 7500, "七八千", True)]),
    ("五百块", [("money", 500, "五百块", False)]),
    ("2.5元", [("money", 2.5, "2.5元", False)]),
    ("５０００元", [("money", 5000, "５０００元", False)]),
    ("两千三", [("money", 2300, "两千三", False)]),
    ("一个月挣2500", [("money", 2500, "2500", False)]),
    ("每月收入3000", [("money", 3000, "3000", False)]),
    ("工资：2800", [("money", 2800, "2800", False)]),
    ("一个月四千多", [("money", 4000, "四千多", True)]),
    ("月薪八百", [("money", 800, "八百", False)]),
    ("老板欠我一万二千块工资", [("money", 12000, "一万二千块", False)]),
    # household size
    ("三口人", [("household_size", 3, "三口人", False)]),
    ("我们一家三口", [("household_size", 3, "一家三口", False)]),
    ("家里四个人", [("household_size", 4, "四个人", False)]),
    ("我们家5口人", [("household_size", 5, "5口人", False)]),
    ("家里就我一个人", [("household_size", 1, "一个人", False)]),
    ("四口之家", [("household_size", 4, "四口之家", False)]),
    # duration
    ("拖欠工资三个月", [("duration", "P3M", "三个月", False)]),
    ("干了半年", [("duration", "P6M", "半年", False)]),
    ("两年多", [("duration", "P2Y", "两年多", True)]),
    ("十天", [("duration", "P10D", "十天", False)]),
    ("一年半", [("duration", "P18M", "一年半", False)]),
    ("3个星期", [("duration", "P3W", "3个星期", False)]),
    ("三周", [("duration", "P3W", "三周", False)]),
    ("半个月", [("duration", "P15D", "半个月", False)]),
    ("两年三个月", [("duration", "P2Y3M", "两年三个月", False)]),
    ("一年零三个月", [("duration", "P1Y3M", "一年零三个月", False)]),
    ("两个多月", [("duration", "P2M", "两个多月", True)]),
    ("干了10年", [("duration", "P10Y", "10年", False)]),
    # district: canonical names and short forms, longest match first
    ("我在昆都仑区", [("district", "昆都仑区", "昆都仑区", False)]),
    ("我住昆区", [("district", "昆都仑区", "昆区", False)]),
    ("土右旗的", [("district", "土默特右旗", "土右旗", False)]),
    ("达尔罕茂明安联合旗", [("district", "达尔罕茂明安联合旗", "达尔罕茂明安联合旗", False)]),
    ("达茂旗", [("district", "达尔罕茂明安联合旗", "达茂旗", False)]),
    ("白云鄂博矿区", [("district", "白云鄂博矿区", "白云鄂博矿区", False)]),
    # negatives: counts, dates, ordinals and words that only look numeric
    ("三个月", [("duration", "P3M", "三个月", False)]),
    ("5天", [("duration", "P5D", "5天", False)]),
    ("2023年", []),
    ("二零二三年", []),
    ("我98年出生", []),
    ("10年毕业的", []),
    ("孩子3周岁", []),
    ("八十年代", []),
    ("第三", []),
    ("第三个月", []),
    ("一个", []),
    ("三个人", []),
    ("三月份", []),
    ("三千多人", []),
    ("五百米", []),
    ("千万别走", []),
    ("万一不给呢", []),
    ("我们一块去", []),
    ("三块地", []),
    ("百分之五十", []),
    ("5000", []),
    ("今年三十五", []),
    ("元旦放假", []),
    ("一个年轻人", []),
    # a whole message
    (
        "我住昆区，家里三口人，老板拖欠工资三个月了，一共两万三千块，电话13812345678",
        [
            ("district", "昆都仑区", "昆区", False),
            ("household_size", 3, "三口人", False),
            ("duration", "P3M", "三个月", False),
            ("money", 23000, "两万三千块", False),
            ("phone_number", "13812345678", "13812345678", False),
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[text for text, _ in CASES])
def test_extract(extractor: EntityExtractor, text: str, expected: Expected) -> None:
    entities = extractor.extract(text)
    got = [(e.entity, e.value, text[e.start : e.end], e.approximate) for e in entities]
    assert got == expected
    for entity in entities:
        assert type(entity.value) is type(next(v for n, v, _, _ in expected if n == entity.entity))


@pytest.mark.parametrize(
    ("text", "extractor_name"),
    [
        ("13812345678", REGEX),
        (VALID_ID, REGEX),
        ("昆区", REGEX),
        ("5000元", RULE_EXTRACTOR),
        ("三口人", RULE_EXTRACTOR),
        ("三个月", RULE_EXTRACTOR),
    ],
)
def test_extractor_names(extractor: EntityExtractor, text: str, extractor_name: str) -> None:
    [entity] = extractor.extract(text)
    assert entity.extractor == extractor_name


def test_results_are_sorted_and_never_overlap(extractor: EntityExtractor) -> None:
    text = f"昆区 电话138 1234 5678 身份证{VALID_ID} 一家三口 欠了一年半 七八千"
    entities = extractor.extract(text)
    assert [e.entity for e in entities] == [
        "district",
        "phone_number",
        "id_number",
        "household_size",
        "duration",
        "money",
    ]
    for left, right in itertools.pairwise(entities):
        assert left.end <= right.start


def test_to_json_is_rasa_shaped() -> None:
    exact = Entity("money", 5000, 0, 5, RULE_EXTRACTOR)
    assert exact.to_json() == {
        "entity": "money",
        "value": 5000,
        "start": 0,
        "end": 5,
        "extractor": RULE_EXTRACTOR,
    }
    fuzzy = Entity("money", 4000, 0, 3, RULE_EXTRACTOR, approximate=True)
    assert fuzzy.to_json()["approximate"] is True


def test_lookup_synonyms_only_attach_to_their_lookup() -> None:
    extractor = EntityExtractor([], {"district": ["昆都仑区"]}, {"昆区": "昆都仑区", "民工": "农民工"})
    assert [e.value for e in extractor.extract("民工在昆区")] == ["昆都仑区"]


def test_invalid_regex_is_reported_by_name() -> None:
    with pytest.raises(ValueError, match="phone_number"):
        EntityExtractor([("phone_number", "(")], {}, {})


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("三十五", 35),
        ("一百零五", 105),
        ("一千零五十", 1050),
        ("两千三", 2300),
        ("三百五", 350),
        ("3千5", 3500),
        ("3千5百", 3500),
        ("1.5万", 15000),
        ("一万五", 15000),
        ("2万5千", 25000),
        ("十万", 100000),
        ("两万零五百", 20500),
        ("一亿两千万", 120000000),
        ("1,200", 1200),
        ("壹万贰仟", 12000),
        ("七八千", 7500),
        ("三四十", 35),
        ("0.5", 0.5),
        ("二零二三", 2023),
        ("千万", None),
        ("五百三千", None),
        ("3五", None),
        ("", None),
    ],
)
def test_parse_number(text: str, value: int | float | None) -> None:
    assert parse_number(text) == value
    if value is not None:
        assert type(parse_number(text)) is type(value)


try:
    from hypothesis import given
    from hypothesis import strategies as st

    HAVE_HYPOTHESIS = True
except ImportError:  # pragma: no cover - hypothesis is an optional test dependency
    HAVE_HYPOTHESIS = False

if HAVE_HYPOTHESIS:

    @given(amount=st.integers(min_value=1, max_value=99_999_999))
    def test_any_arabic_amount_in_yuan_is_extracted(extractor: EntityExtractor, amount: int) -> None:
        text = f"{amount}元"
        assert extractor.extract(text) == [Entity("money", amount, 0, len(text), RULE_EXTRACTOR)]

    @given(amount=st.integers(min_value=1, max_value=99_999_999))
    def test_any_amount_in_a_sentence_is_extracted(extractor: EntityExtractor, amount: int) -> None:
        text = f"老板欠我{amount}元工资"
        [entity] = extractor.extract(text)
        assert entity.entity == "money"
        assert entity.value == amount
        assert text[entity.start : entity.end] == f"{amount}元"
