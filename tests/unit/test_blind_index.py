"""Keyed fingerprints: equal values meet, other keys and other kinds do not."""

from __future__ import annotations

from bot.nlu.components.tokenizers import search_words
from bot.privacy.blind_index import BlindIndex

INDEX = BlindIndex("center-key", search_words)


def test_a_phone_number_has_one_fingerprint_however_it_is_typed():
    typed = ["13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "１３８００１３８０００"]
    assert len({INDEX.phone(t) for t in typed}) == 1
    assert INDEX.phone("13800138001") != INDEX.phone("13800138000")


def test_an_id_number_matches_with_a_lower_case_x_and_spaces():
    assert INDEX.id_number("11010119900307123x") == INDEX.id_number("110101 19900307 123X")


def test_fingerprints_depend_on_the_key_and_the_kind_and_hide_the_value():
    other = BlindIndex("another-center", search_words)
    assert other.phone("13800138000") != INDEX.phone("13800138000")
    assert INDEX.phone("110101199003071234") != INDEX.id_number("110101199003071234")
    assert "13800138000" not in INDEX.phone("13800138000")


def test_the_citizen_alias_is_stable_and_short():
    alias = INDEX.citizen_alias("oAbCdEfGhIjKlMnOpQrStUvWxYz0")
    assert alias == INDEX.citizen_alias("oAbCdEfGhIjKlMnOpQrStUvWxYz0")
    assert alias.startswith("c_") and len(alias) == 18
    assert alias != BlindIndex("another-center").citizen_alias("oAbCdEfGhIjKlMnOpQrStUvWxYz0")


def test_a_search_word_meets_the_words_of_a_message_that_holds_it():
    message = INDEX.terms("老板拖欠我三个月工资，我能申请法律援助吗？")
    assert INDEX.terms("工资") <= message
    assert INDEX.terms("法律援助") <= message
    assert INDEX.terms("拖欠 工资") <= message
    assert not INDEX.terms("离婚") <= message


def test_punctuation_is_not_a_word_and_latin_letters_ignore_case():
    assert INDEX.terms("，。！？ ") == set()
    assert INDEX.terms("WeChat") == INDEX.terms("wechat")
