"""GB 11643-1999 resident ID numbers: check character, birth date and region code."""

from __future__ import annotations

from datetime import date

import pytest

from bot.identity.gb11643 import compute_check_char, is_valid_id_number, normalize_id_number


def check_char(first17: str) -> str:
    """Independent ISO 7064 MOD 11-2 implementation, so the test does not trust the module."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
    remainder = sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11
    return "10X98765432"[remainder]


def make_id(region: str = "150203", birth: str = "19850612", sequence: str = "123") -> str:
    body = region + birth + sequence
    return body + check_char(body)


def test_weights_match_the_standard() -> None:
    assert [2 ** (17 - i) % 11 for i in range(17)] == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def test_published_sample_number() -> None:
    # The worked example of GB 11643-1999 annex: 11010519491231002X.
    assert is_valid_id_number("11010519491231002X")
    assert compute_check_char("11010519491231002") == "X"


@pytest.mark.parametrize(
    "body",
    ["15020319850612123", "15010219900101001", "44030420000229456", "65010119000101000", "37020219991231987"],
)
def test_computed_numbers_are_valid(body: str) -> None:
    number = body + check_char(body)
    assert compute_check_char(body) == check_char(body)
    assert is_valid_id_number(number)


def test_lower_case_x_and_spaces_are_accepted() -> None:
    body = next(f"1502031985061{i:04d}" for i in range(10000) if check_char(f"1502031985061{i:04d}") == "X")
    assert is_valid_id_number(body + "x")
    assert normalize_id_number(f" {body[:6]} {body[6:14]} {body[14:]}x ") == body + "X"
    assert is_valid_id_number(f"{body[:6]} {body[6:14]} {body[14:]}x")


def test_wrong_check_char_is_rejected() -> None:
    number = make_id()
    wrong = "0" if number[-1] != "0" else "1"
    assert not is_valid_id_number(number[:-1] + wrong)


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("february 30", make_id(birth="19900230")),
        ("month 13", make_id(birth="19901301")),
        ("1900 is not a leap year", make_id(birth="19000229")),
        ("born before 1900", make_id(birth="18991231")),
        ("born after 2100", make_id(birth="21010101")),
        ("region code starts with 0", make_id(region="050203")),
        ("17 characters", make_id()[:17]),
        ("19 characters", make_id() + "1"),
        ("letters", "15020319850612A23" + "4"),
        ("X in the body", "1502031985061X123" + "4"),
        ("full-width digits", "１５０２０３１９８５０６１２１２３４"),
        ("empty", ""),
    ],
)
def test_invalid_numbers(label: str, value: str) -> None:
    assert not is_valid_id_number(value), label


def test_birth_date_not_after_injected_today() -> None:
    number = make_id(birth="20250101")
    assert is_valid_id_number(number, today=date(2025, 1, 1))
    assert not is_valid_id_number(number, today=date(2024, 12, 31))
    assert is_valid_id_number(number)


def test_compute_check_char_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="17 ASCII digits"):
        compute_check_char("123")
