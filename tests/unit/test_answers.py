"""Answers by sub-topic: which answer a message gets, and which files the center may not load."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.center.answers import AnswerBook, load_answers
from bot.errors import ConfigurationError

FACTS = {"name": "市法律援助中心", "hotline": "12348"}


def keys(book: AnswerBook, intent: str, text: str) -> list[str]:
    return [answer.key for answer in book.select(intent, text)]


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
