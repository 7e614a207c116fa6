"""The field cipher: what a key ring seals, only it opens; rotation knows what is left."""

from __future__ import annotations

import pytest

from bot.errors import ConfigurationError
from bot.privacy.field_cipher import (
    FieldCipher,
    UnreadableField,
    is_sealed,
    new_field_key,
    parse_field_key,
    parse_key_ring,
)

PHONE_TEXT = "我电话13800138000，身份证110101199003071234"


def cipher(*keys: str) -> FieldCipher:
    return FieldCipher(parse_key_ring(",".join(keys)))


def test_a_sealed_value_opens_to_the_plain_text_and_does_not_contain_it():
    ring = cipher(new_field_key())
    sealed = ring.seal(PHONE_TEXT, "message.text")
    assert is_sealed(sealed)
    assert "13800138000" not in sealed and "110101" not in sealed
    assert ring.open(sealed, "message.text") == PHONE_TEXT


def test_the_same_text_seals_differently_each_time():
    ring = cipher(new_field_key())
    assert ring.seal("张三", "message.text") != ring.seal("张三", "message.text")


def test_a_value_moved_to_another_column_does_not_open():
    ring = cipher(new_field_key())
    sealed = ring.seal("13800138000", "message.text")
    with pytest.raises(UnreadableField):
        ring.open(sealed, "handoff.summary")


def test_a_tampered_value_does_not_open():
    ring = cipher(new_field_key())
    sealed = ring.seal("申请人：张三", "message.text")
    body = sealed[-8:]
    flipped = sealed[:-8] + ("A" if body[0] != "A" else "B") + body[1:]
    with pytest.raises(UnreadableField):
        ring.open(flipped, "message.text")


def test_old_keys_open_and_the_newest_seals():
    old, new = new_field_key(), new_field_key()
    before = cipher(old).seal("旧的记录", "message.text")
    ring = cipher(new, old)
    assert ring.open(before, "message.text") == "旧的记录"
    assert ring.needs_resealing(before)
    after = ring.seal("新的记录", "message.text")
    assert not ring.needs_resealing(after)
    assert after.split(":")[1] == ring.current_key_id == parse_field_key(new).id


def test_a_value_sealed_by_a_removed_key_is_a_clear_error():
    gone = cipher(new_field_key()).seal("记录", "message.text")
    with pytest.raises(UnreadableField, match="not configured"):
        cipher(new_field_key()).open(gone, "message.text")


def test_plain_legacy_values_need_resealing_and_are_never_opened_as_plain():
    ring = cipher(new_field_key())
    assert ring.needs_resealing("老板欠我工资")
    with pytest.raises(UnreadableField):
        ring.open("老板欠我工资", "message.text")


@pytest.mark.parametrize("bad", ["short", "not base64 at all!!", new_field_key()[:-8]])
def test_a_malformed_key_is_refused_with_a_hint(bad: str):
    with pytest.raises(ConfigurationError, match="legalaid keys new"):
        parse_field_key(bad)


def test_a_ring_refuses_the_same_key_twice_and_an_empty_setting():
    key = new_field_key()
    with pytest.raises(ConfigurationError, match="twice"):
        parse_key_ring(f"{key},{key}")
    with pytest.raises(ConfigurationError):
        parse_key_ring(" , ")


def test_demo_keys_are_marked_and_the_secret_is_never_printed():
    demo = parse_field_key(new_field_key(demo=True))
    assert demo.demo
    assert FieldCipher((demo,)).uses_demo_key
    assert demo.secret.hex() not in repr(demo)
    assert not FieldCipher(parse_key_ring(new_field_key())).uses_demo_key
