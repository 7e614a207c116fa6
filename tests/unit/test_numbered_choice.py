"""Reading answers to numbered menus: digits, Chinese numerals, ordinals, several picks, "none"."""

from __future__ import annotations

import pytest

from bot.nlu.numbered_choice import read_choice_numbers


@pytest.mark.parametrize(
    ("text", "option_count", "expected"),
    [
        # one option, in every form citizens type it
        ("2", 5, [2]),
        ("２", 5, [2]),
        (" 2 ", 5, [2]),
        ("二", 5, [2]),
        ("两", 3, [2]),
        ("仨", 3, [3]),
        ("第二个", 5, [2]),
        ("第2个", 5, [2]),
        ("选2", 5, [2]),
        ("2吧", 5, [2]),
        ("我选二吧", 5, [2]),
        ("3号吧", 5, [3]),
        ("二号", 5, [2]),
        ("十二", 12, [12]),
        ("第十二个", 12, [12]),
        ("第十个", 12, [10]),
        ("13", 13, [13]),
        # several options, 1-based, de-duplicated, in the order written
        ("1 3", 5, [1, 3]),
        ("1、3", 5, [1, 3]),
        ("1,3", 5, [1, 3]),
        ("1，3", 5, [1, 3]),
        ("3 1 3", 5, [3, 1]),
        ("13", 5, [1, 3]),
        ("１３", 5, [1, 3]),
        ("31", 5, [3, 1]),
        ("11", 5, [1]),
        ("一和三", 5, [1, 3]),
        ("一、三", 5, [1, 3]),
        ("一三", 5, [1, 3]),
        ("一二", 5, [1, 2]),
        ("一个和三个", 5, [1, 3]),
        ("第三和第一", 5, [3, 1]),
        # none of these: an answer, not a failure
        ("0", 5, []),
        ("０", 5, []),
        ("选0", 5, []),
        ("零", 5, []),
        ("都不是", 5, []),
        ("不是", 5, []),
        ("没有", 5, []),
        ("没有了。", 5, []),
        ("都没有", 5, []),
        ("没", 5, []),
        ("无", 5, []),
        ("以上都不是", 5, []),
    ],
)
def test_reads_the_options_picked(text: str, option_count: int, expected: list[int]) -> None:
    assert read_choice_numbers(text, option_count) == expected


@pytest.mark.parametrize(
    ("text", "option_count"),
    [
        # out of range
        ("6", 5),
        ("第六个", 5),
        ("1 6", 5),
        ("10", 5),  # a zero: not 1 and 0 typed together, and there is no option 10
        ("第二十", 5),
        ("十二", 5),  # 十二 is twelve, never options 1 and 2
        ("七八", 5),
        # not a numbered answer: the menu may still match keywords
        ("", 5),
        ("   ", 5),
        ("你好", 5),
        ("不知道", 5),
        ("三个孩子", 5),
        ("一下", 5),
        ("第几个", 5),
        ("无业", 5),
    ],
)
def test_rejects_what_is_not_an_existing_option(text: str, option_count: int) -> None:
    assert read_choice_numbers(text, option_count) is None


def test_separator_free_digits_mean_one_option_when_it_exists() -> None:
    assert read_choice_numbers("12", 12) == [12]
    assert read_choice_numbers("12", 11) == [1, 2]
