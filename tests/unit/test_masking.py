"""What a consultant sees of citizens' phone, ID, bank card and fixed-line numbers before opening them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.privacy.masking import has_personal_numbers, mask_in, mask_personal_numbers

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
TO_ASCII = str.maketrans("０１２３４５６７８９", "0123456789")


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (
            "我电话13800138000，身份证110101199003071234",
            "我电话138****8000，身份证1101**********1234",
        ),
        ("13800138000", "138****8000"),
        ("电话：13912345678。", "电话：139****5678。"),
        ("老板手机号是138 0013 8000，一直不接", "老板手机号是138 **** 8000，一直不接"),
        ("138-0013-8000", "138-****-8000"),
        ("打+86 138 0013 8000找我", "打+86 138 **** 8000找我"),
        ("+8613800138000", "+86138****8000"),
        ("8613800138000", "86138****8000"),
        ("（+86）13800138000", "（+86）138****8000"),
        ("身份证号11010519491231002X", "身份证号1101**********002X"),
        ("身份证号11010519491231002x请核对", "身份证号1101**********002x请核对"),
        ("110101 19900307 1234", "1101** ******** 1234"),
        ("老身份证是110101900307123", "老身份证是1101*******7123"),
        ("工资卡6222021234567890123没收到钱", "工资卡6222***********0123没收到钱"),
        ("卡号6222 0212 3456 7890", "卡号6222 **** **** 7890"),
        ("单位电话0472-1234567", "单位电话0472-*****67"),
        ("单位电话(0472)1234567", "单位电话(0472)*****67"),
        ("单位电话（0472） 1234567", "单位电话（0472） *****67"),
        ("打(010)87654321转人事", "打(010)******21转人事"),
        ("座机04721234567", "座机0472*****67"),
        ("座机0755 26543210", "座机0755 ******10"),
        ("010-8765 4321", "010-**** **21"),
        ("微信号wxid_13800138000", "微信号wxid_138****8000"),
        ("邮箱13800138000@qq.com", "邮箱138****8000@qq.com"),
    ],
)
def test_the_middle_of_a_personal_number_is_hidden(message: str, shown: str) -> None:
    assert mask_personal_numbers(message) == shown
    assert has_personal_numbers(message)


@pytest.mark.parametrize(
    "message",
    [
        "欠我工资3000元，2026年12月7日前要给",
        "一共5000，上个月12号发的",
        "2026-12-07 14:30 在公司",
        "案号（2026）京0105民初12345号",
        "你好，请问12348是法律援助电话吗",
        "他打我，我报了110",
        "工商银行客服95588说要等",
        "公司热线400-810-8888",
        "工伤赔偿一共120000元，医疗费38000元",
        "138****8000",
        "1101**********1234",
        "",
    ],
)
def test_ordinary_numbers_stay_readable(message: str) -> None:
    assert mask_personal_numbers(message) == message
    assert not has_personal_numbers(message)


def test_full_width_digits_from_a_chinese_ime_are_masked() -> None:
    phone = "１３８００１３８０００"
    id_number = "１１０１０１１９９００３０７１２３Ｘ"
    assert mask_personal_numbers(f"电话{phone}") == "电话１３８****８０００"
    assert mask_personal_numbers(id_number) == "１１０１**********１２３Ｘ"
    assert mask_personal_numbers("＋８６ １３８００１３８０００") == "＋８６ １３８****８０００"


def test_full_width_and_ascii_digits_mixed_in_one_number() -> None:
    assert mask_personal_numbers("138００138000") == "138****8000"


def test_ideographic_space_and_full_width_dash_separate_groups() -> None:
    assert mask_personal_numbers("138\u30000013\u30008000") == "138\u3000****\u30008000"
    assert mask_personal_numbers("138－0013－8000") == "138－****－8000"


def test_numbers_at_the_start_and_end_of_a_message() -> None:
    assert mask_personal_numbers("13800138000是我的电话") == "138****8000是我的电话"
    assert mask_personal_numbers("我的身份证110101199003071234") == "我的身份证1101**********1234"


def test_several_numbers_in_one_message() -> None:
    message = "我13800138000，我妈13912345678，身份证110101199003071234，公司0472-1234567，欠3000元"
    assert mask_personal_numbers(message) == (
        "我138****8000，我妈139****5678，身份证1101**********1234，公司0472-*****67，欠3000元"
    )


def test_two_numbers_separated_only_by_a_space_are_both_masked() -> None:
    assert mask_personal_numbers("13800138000 13912345678") == "138****8000 139****5678"


def test_an_amount_before_a_phone_is_not_joined_to_it() -> None:
    assert mask_personal_numbers("给了3000 13800138000") == "给了3000 138****8000"


def test_a_fixed_line_needs_a_full_local_number() -> None:
    # 010 numbers have 8 local digits and no local number is 6 digits long.
    assert mask_personal_numbers("北京010-2345678，电话13800138000") == "北京010-2345678，电话138****8000"
    assert mask_personal_numbers("0472-123456和13800138000") == "0472-123456和138****8000"


def test_a_card_next_to_other_digit_groups_still_loses_its_middle() -> None:
    # "5000 6222 0212 3456" also reads as a card; both readings are hidden, so 3456 is not shown.
    assert mask_personal_numbers("我转了5000 6222 0212 3456 7890") == "我转了5000 **** **** **** 7890"


def test_part_of_a_longer_digit_run_is_not_read_as_a_number() -> None:
    # 22, 20 and 13 digits: none is a personal number, and the phone-looking parts touch other digits.
    for message in ("交易单号1380013800013912345678", "支付单号42000012345678901234", "1380013800012"):
        assert mask_personal_numbers(message) == message


def test_an_eleven_digit_number_not_starting_like_a_mobile_is_left() -> None:
    assert mask_personal_numbers("12345678901") == "12345678901"


@pytest.mark.parametrize(
    "message",
    [
        "我电话13800138000，身份证110101199003071234",
        "+86 138 0013 8000",
        "（0472）1234567 和 6222 0212 3456 7890 123",
        "１３８００１３８０００",
        "1234 5678 9012 138 0013 8000",
        # The visible ends of a masked number must not start or end another reading.
        "1234 5678 9012 6222021234561380",
        "138 00138000 1234 5678 9012",
    ],
)
def test_masking_masked_text_changes_nothing(message: str) -> None:
    once = mask_personal_numbers(message)
    assert once != message
    assert mask_personal_numbers(once) == once
    assert not has_personal_numbers(once)


def test_mask_in_masks_every_string_of_a_handoff_packet() -> None:
    packet = {
        "handoff_id": 17,
        "summary": "拖欠工资3000元，电话13800138000",
        "13800138000": "key stays",
        "turns": [
            {"author": "citizen", "text": "身份证110101199003071234"},
            {"author": "bot", "text": "请稍等"},
        ],
        "phones": ("13912345678",),
        "raw_phone": 13800138000,
        "urgent": True,
        "note": None,
    }
    masked = mask_in(packet)
    assert masked == {
        "handoff_id": 17,
        "summary": "拖欠工资3000元，电话138****8000",
        "13800138000": "key stays",
        "turns": [
            {"author": "citizen", "text": "身份证1101**********1234"},
            {"author": "bot", "text": "请稍等"},
        ],
        "phones": ("139****5678",),
        "raw_phone": 13800138000,
        "urgent": True,
        "note": None,
    }
    assert packet["summary"] == "拖欠工资3000元，电话13800138000"
    assert packet["turns"][0]["text"] == "身份证110101199003071234"


def test_mask_in_leaves_a_packet_without_numbers_equal() -> None:
    packet = {"summary": "欠薪3000元", "turns": [{"text": "2026年12月7日"}]}
    assert mask_in(packet) == packet
    assert mask_in("13800138000") == "138****8000"


# Property tests --------------------------------------------------------------------------------

SEPARATORS = [" ", "-", "\u3000", "－"]
PREFIXES = ["", "+86", "+86 ", "86", "0086-", "(+86)", "（+86）", "＋８６"]
# Never a digit or `*`, so a planted number stands on its own; separators let it sit next to others.
BOUNDARIES = list("，。 :-电话号码是aX（）+")
FILLER = "0123456789１３８ -*+86()（）X电话元年"


@st.composite
def planted_mobile(draw: st.DrawFn) -> tuple[str, list[int]]:
    """A mobile number as a citizen might write it, and where its middle four digits are."""
    national = "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
    shape = draw(st.sampled_from([(11,), (3, 4, 4), (3, 8)]))
    written = draw(st.sampled_from(PREFIXES))
    middle: list[int] = []
    index = 0
    for group, size in enumerate(shape):
        if group:
            written += draw(st.sampled_from(SEPARATORS))
        for digit in national[index : index + size]:
            if 3 <= index < 7:
                middle.append(len(written))
            written += digit.translate(FULL_WIDTH) if draw(st.booleans()) else digit
            index += 1
    return written, middle


@st.composite
def planted_id(draw: st.DrawFn) -> tuple[str, list[int]]:
    """An 18-character ID number, whole or grouped, and where its ten hidden characters are."""
    number = draw(st.text("0123456789", min_size=17, max_size=17)) + draw(st.sampled_from("0123456789Xx"))
    shape = draw(st.sampled_from([(18,), (6, 8, 4), (6, 4, 4, 4), (4, 4, 4, 4, 2)]))
    separator = draw(st.sampled_from(SEPARATORS))
    written = ""
    hidden: list[int] = []
    index = 0
    for group, size in enumerate(shape):
        if group:
            written += separator
        for char in number[index : index + size]:
            if 4 <= index < 14:
                hidden.append(len(written))
            written += char
            index += 1
    return written, hidden


# Digit groups with separators, so planted numbers sit next to things that look like numbers.
digit_groups = st.lists(st.text("0123456789１３８", min_size=1, max_size=8), min_size=1, max_size=5).map(
    " ".join
)
filler = st.one_of(st.text(FILLER, max_size=25), digit_groups)


@st.composite
def message_with_planted(draw: st.DrawFn) -> tuple[str, list[int]]:
    """Filler, numbers each between two non-digits, filler; and the positions that must be hidden."""
    message = draw(filler)
    hidden: list[int] = []
    for _ in range(draw(st.integers(1, 3))):
        message += draw(st.sampled_from(BOUNDARIES))
        number, positions = draw(st.one_of(planted_mobile(), planted_id()))
        hidden += [len(message) + i for i in positions]
        message += number + draw(st.sampled_from(BOUNDARIES)) + draw(filler)
    return message, hidden


# The writings a citizen uses for a mobile number: whole, 3-4-4 and 3-8.
STANDALONE_MOBILE = re.compile(
    r"(?<![0-9*])1[3-9][0-9](?:[0-9]{8}|[ \-\u3000－][0-9]{4}[ \-\u3000－][0-9]{4}|[ \-\u3000－][0-9]{8})(?![0-9*])"
)


@given(st.text())
def test_any_text_keeps_its_length(text: str) -> None:
    assert len(mask_personal_numbers(text)) == len(text)


@given(message_with_planted())
@settings(max_examples=300)
def test_a_planted_number_loses_its_middle_wherever_it_sits(case: tuple[str, list[int]]) -> None:
    message, hidden = case
    masked = mask_personal_numbers(message)
    assert len(masked) == len(message)
    assert [masked[i] for i in hidden] == ["*"] * len(hidden)
    assert has_personal_numbers(message)


@given(st.one_of(st.text(FILLER, max_size=60), message_with_planted().map(lambda case: case[0])))
@settings(max_examples=300)
def test_no_mobile_number_survives_and_masking_again_changes_nothing(message: str) -> None:
    masked = mask_personal_numbers(message)
    assert STANDALONE_MOBILE.search(masked.translate(TO_ASCII)) is None
    assert mask_personal_numbers(masked) == masked
    assert not has_personal_numbers(masked)
    assert has_personal_numbers(message) == (masked != message)
