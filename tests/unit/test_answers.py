"""Answers by sub-topic: which answer a message gets, and which files the center may not load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.center.answers import MAX_TEXT_CHARS, AnswerBook, load_answers
from bot.center.center import load_center
from bot.cli import main
from bot.errors import ConfigurationError
from bot.settings import REPO_ROOT

FACTS = {"name": "市法律援助中心", "hotline": "12348"}


@pytest.fixture(scope="module")
def book() -> AnswerBook:
    return load_center(REPO_ROOT / "data").answers


def keys(book: AnswerBook, intent: str, text: str) -> list[str]:
    return [answer.key for answer in book.select(intent, text)]


@pytest.mark.parametrize(
    ("intent", "text", "expected"),
    [
        ("consult_family", "离婚", ["divorce"]),
        ("consult_family", "协议离婚要去哪办", ["divorce"]),
        ("consult_family", "他不同意离怎么办 我想离", ["divorce"]),
        ("consult_family", "老公打我", ["violence"]),
        ("consult_family", "被老公打了 派出所只是调解", ["violence"]),
        ("consult_family", "前夫不给抚养费", ["child_support"]),
        ("consult_family", "儿子不给赡养费", ["elder_support"]),
        ("consult_family", "孩子抚养权归谁", ["custody"]),
        ("consult_family", "离婚后前妻不让我看孩子", ["custody"]),  # divorced already: no divorce steps
        ("consult_family", "男方要退彩礼", ["betrothal_gifts"]),
        ("consult_family", "夫妻共同债务 他欠的赌债要我还吗", ["marital_property"]),
        ("consult_criminal", "我儿子被警察抓了", ["family_detained"]),
        ("consult_criminal", "老公被刑事拘留了 能取保候审吗", ["family_detained"]),
        ("consult_criminal", "我儿子涉嫌诈骗被抓了", ["family_detained"]),  # 诈骗 is his charge here
        ("consult_criminal", "我被人打了", ["victim"]),
        ("consult_criminal", "被骗了两万 报警了派出所不立案", ["victim"]),
        ("consult_criminal", "打我的人被抓了 能要赔偿吗", ["victim"]),
        ("consult_labor", "老板拖欠工资", ["unpaid_wages"]),
        ("consult_labor", "老板欠了我三个月工资", ["unpaid_wages"]),
        ("consult_labor", "工地上干活摔断了腿 老板不管", ["work_injury"]),
        ("consult_labor", "被公司辞退了没有补偿", ["dismissal"]),
        ("consult_labor", "干了一年没签劳动合同", ["no_contract"]),
        ("consult_labor", "没签合同能要双倍工资吗", ["no_contract"]),  # 双倍工资 is not wages owed
        ("consult_personal_injury", "出车祸了对方全责", ["traffic_accident"]),
        ("consult_personal_injury", "医院把我妈治坏了", ["medical_dispute"]),
        ("consult_civil_other", "有借条 朋友借钱不还", ["loan"]),
        ("consult_civil_other", "房东不退押金", ["rent_deposit"]),
        ("consult_civil_other", "父亲去世了房子怎么分", ["inheritance"]),
        ("consult_social_assistance", "低保被取消了", ["dibao"]),
        ("consult_social_assistance", "养老金没发", ["pension"]),
        ("consult_administrative", "对政府的罚款不服", ["review_or_lawsuit"]),
    ],
)
def test_each_sub_topic_gets_its_answer(book: AnswerBook, intent: str, text: str, expected: list[str]):
    assert keys(book, intent, text) == expected


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("consult_family", "老公出轨"),
        ("consult_family", "老公不打我电话也不回家"),  # 打我 inside 打我电话
        ("consult_family", "想收养亲戚家的孩子"),
        ("consult_criminal", "醉驾一般判多久"),
        ("consult_state_compensation", "被错误羁押了一年多 赔偿金怎么算"),  # no file: general answer
    ],
)
def test_a_message_that_raises_no_sub_topic_gets_none(book: AnswerBook, intent: str, text: str):
    assert keys(book, intent, text) == []


def test_the_issues_three_failures(book: AnswerBook):
    [divorce] = book.select("consult_family", "离婚")
    assert divorce.key == "divorce" and "民政局" in divorce.text and "冷静期" in divorce.text
    assert "法院" in divorce.text and "110" not in divorce.text and "保护令" not in divorce.text
    [violence] = book.select("consult_family", "老公打我")
    assert all(word in violence.text for word in ("110", "保护令", "12338", "告诫书"))
    assert "抚养费" not in violence.text and "赡养费" not in violence.text
    [detained] = book.select("consult_criminal", "我儿子被警察抓了")
    assert all(word in detained.text for word in ("24小时", "看守所", "律师", "法律援助", "取保候审"))
    assert "被害" not in detained.text and "报案" not in detained.text


def test_violence_and_divorce_together_get_the_answer_written_for_both(book: AnswerBook):
    [both] = book.select("consult_family", "老公家暴，我想离婚")
    assert both.key == "violence_divorce"
    assert all(word in both.text for word in ("110", "保护令", "12338", "起诉离婚"))


def test_two_sub_topics_without_a_combination_get_both_answers_in_file_order(book: AnswerBook):
    assert keys(book, "consult_family", "前夫不给孩子抚养费，还老打我") == ["violence", "child_support"]


def test_every_answer_is_short_and_ends_with_a_full_stop(book: AnswerBook):
    for answers in book.by_intent.values():
        for answer in answers:
            assert len(answer.text) <= MAX_TEXT_CHARS
            assert answer.text.endswith("。"), answer.key


# --- the rules, on a small file of our own --------------------------------------------------------


def book_of(tmp_path: Path, body: str, intent: str = "consult_labor") -> AnswerBook:
    (tmp_path / f"{intent}.yml").write_text(body, encoding="utf-8")
    return load_answers(tmp_path, {intent}, FACTS)


RULES = """
answers:
  - key: detained
    keywords: [被…抓, "110"]
    not_inside: [抓紧]
    unless: [打我的人]
    text: 被抓。
  - key: wages
    keywords: [欠…工资]
    text: 工资。
  - key: injury
    keywords: [工伤]
    text: 工伤。
  - key: wages_injury
    covers: [wages, injury]
    text: 工伤和工资，打{hotline}。
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("儿子被警察抓了", ["detained"]),
        ("律师说被通知后要抓紧", []),  # the only 被…抓 is inside 抓紧
        ("儿子被警察抓了，律师说要抓紧", ["detained"]),
        ("打我的人被抓了", []),
        ("老板欠了我三个月工资", ["wages"]),
        ("老板欠着呢，工资的事以后再说", []),  # … stays inside one clause
        ("欠一二三四五六七工资", []),  # … is a few characters, not any distance
        ("打了１１０", ["detained"]),  # full-width digits read as half-width
        ("罚了1100元", []),  # 110 is a whole number, not part of 1100
        ("工伤了，老板还欠我工资", ["wages_injury"]),
        ("工伤了，老板还欠我工资，人也被警察抓了", ["detained", "wages_injury"]),
    ],
)
def test_the_selection_rules(tmp_path: Path, text: str, expected: list[str]):
    assert keys(book_of(tmp_path, RULES), "consult_labor", text) == expected


def test_at_most_two_answers_are_given_in_file_order(tmp_path: Path):
    body = "answers:\n" + "".join(
        f"  - {{key: a{i}, keywords: [{word}], text: 答{i}。}}\n"
        for i, word in enumerate(["工伤", "欠薪", "辞退"])
    )
    assert keys(book_of(tmp_path, body), "consult_labor", "辞退了，欠薪，还有工伤") == ["a0", "a1"]


def test_a_combination_text_gets_the_centers_facts(tmp_path: Path):
    [answer] = book_of(tmp_path, RULES).select("consult_labor", "工伤，欠我工资")
    assert answer.text == "工伤和工资，打12348。"


def test_no_answers_directory_means_the_general_answers(tmp_path: Path):
    assert load_answers(tmp_path / "absent", {"consult_labor"}, FACTS).select("consult_labor", "欠薪") == ()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("answers: []\n", ("answers",)),
        ("answers:\n  - {key: a, keywords: [], text: 好。}\n", ("answers.0", "keywords")),
        ('answers:\n  - {key: a, keywords: ["  "], text: 好。}\n', ("answers.0.keywords.0",)),
        ('answers:\n  - {key: a, keywords: [工伤], text: ""}\n', ("answers.0.text",)),
        ("answers:\n  - {key: A b, keywords: [工伤], text: 好。}\n", ("answers.0.key",)),
        ("answers:\n  - {key: a, keywords: [工伤], text: 好。, note: x}\n", ("note",)),
        (
            "answers:\n  - {key: a, keywords: [工伤], text: 好。}\n  - {key: a, keywords: [欠薪], text: 好。}\n",
            ("answers.1 (a)", "twice"),
        ),
        ("answers:\n  - {key: a, keywords: [抓], text: 好。}\n", ("answers.0 (a)", "'抓'", "two or more")),
        ("answers:\n  - {key: a, keywords: [欠…], text: 好。}\n", ("answers.0 (a)", "between")),
        (
            "answers:\n  - {key: a, keywords: [工伤], text: 好。}\n  - {key: b, keywords: [工伤], text: 好。}\n",
            ("answers.1 (b)", "'工伤'", "a's"),
        ),
        (
            "answers:\n  - {key: a, keywords: [工伤], not_inside: [抓紧], text: 好。}\n",
            ("answers.0 (a)", "'抓紧'", "changes nothing"),
        ),
        ("answers:\n  - {key: a, keywords: [工伤], text: '打{hotlin}。'}\n", ("answers.0 (a)", "hotlin")),
        (f"answers:\n  - {{key: a, keywords: [工伤], text: {'长' * 300}}}\n", ("answers.0 (a)", "300")),
        (
            "answers:\n  - {key: a, keywords: [工伤], text: 好。}\n  - {key: b, covers: [a, c], text: 好。}\n",
            ("answers.1 (b)", "covers c"),
        ),
        (
            "answers:\n  - {key: a, keywords: [工伤], text: 好。}\n"
            "  - {key: b, covers: [a, a], text: 好。}\n",
            ("answers.1", "two different"),
        ),
        (
            "answers:\n  - {key: a, keywords: [工伤], text: 好。}\n  - {key: b, keywords: [欠薪], text: 好。}\n"
            "  - {key: c, covers: [a, b], keywords: [辞退], text: 好。}\n",
            ("answers.2", "no keywords"),
        ),
    ],
)
def test_a_bad_file_is_refused_with_its_name_and_the_answer(
    tmp_path: Path, body: str, words: tuple[str, ...]
):
    path = tmp_path / "consult_labor.yml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        load_answers(tmp_path, {"consult_labor"}, FACTS)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    for word in words:
        assert word in message


def test_a_file_for_an_intent_that_gets_no_guidance_is_refused(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    shutil.copy(data / "answers" / "consult_family.yml", data / "answers" / "consult_famly.yml")
    with pytest.raises(ConfigurationError) as caught:
        load_center(data)
    assert str(caught.value).startswith(f"{data / 'answers' / 'consult_famly.yml'}: 'consult_famly'")
    (data / "answers" / "consult_famly.yml").rename(data / "answers" / "consult_family.yaml")
    with pytest.raises(ConfigurationError, match=r"consult_family\.yaml: name it \.yml"):
        load_center(data)


def test_data_validate_names_the_bad_answers_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    bad = data / "answers" / "consult_labor.yml"
    bad.write_text("answers:\n  - {key: wages, keywords: [欠], text: 好。}\n", encoding="utf-8")
    monkeypatch.setenv("LEGALAID_DATA_DIR", str(data))
    assert main(["data", "validate"]) == 78
    assert f"{bad}: answers.0 (wages)" in capsys.readouterr().err
    bad.unlink()
    assert main(["data", "validate"]) == 0
    assert "answers by sub-topic" in capsys.readouterr().out
