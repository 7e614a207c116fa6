"""WeChat's own inputs: emoticon codes, emoji, bare numbers and key mashes are told apart."""

from __future__ import annotations

import pytest

from bot.nlu.wechat_inputs import is_bare_number, is_latin_gibberish, is_only_emoticons, without_emoticons


@pytest.mark.parametrize("text", ["[微笑]", "[微笑][微笑] ", "😀👍", "[OK]", "/::)", "[捂脸]！", "🌹🌹🌹"])
def test_smileys_alone_are_only_smileys(text: str):
    assert is_only_emoticons(text)


@pytest.mark.parametrize("text", ["好的[微笑]", "[捂脸]我想离婚", "1", "", "？？？", "老板欠钱"])
def test_words_or_nothing_are_not_only_smileys(text: str):
    assert not is_only_emoticons(text)


def test_codes_are_taken_out_and_the_words_kept():
    assert without_emoticons("好的[微笑]") == "好的"
    assert without_emoticons("[捂脸]我想离婚😭") == "我想离婚"
    assert without_emoticons("第[2]条") == "第[2]条"  # a digit in brackets is no WeChat code


@pytest.mark.parametrize(
    ("text", "bare"),
    [
        ("5000", True),
        ("３０００", True),
        ("2,500", True),
        ("12.5", True),
        ("5000元", False),
        ("欠5000", False),
        ("1 3", False),
    ],
)
def test_a_bare_number_is_a_number_and_nothing_else(text: str, bare: bool):
    assert is_bare_number(text) is bare


@pytest.mark.parametrize(
    ("text", "gibberish"),
    [
        ("asdfgh", True),
        ("qwe rty", True),
        ("gongzi", True),
        ("ok", False),
        ("hello", False),
        ("工资", False),
        ("ab", False),
    ],
)
def test_latin_letters_that_are_no_word_are_gibberish(text: str, gibberish: bool):
    assert is_latin_gibberish(text) is gibberish
