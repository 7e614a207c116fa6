"""The applications' pure rules: reading the applicant's answers, masking them, the materials each
economic route needs, and which status moves staff may make."""

from __future__ import annotations

from datetime import date
from itertools import product

import pytest

from bot.applications.domain.answers import (
    Refusal,
    age_disagrees,
    age_on,
    birth_date,
    mask_id_number,
    mask_mobile,
    mask_name,
    read_id_number,
    read_mobile,
    read_name,
)
from bot.applications.domain.lifecycle import (
    DECIDABLE,
    FINAL,
    STAFF_MOVES,
    STATUSES,
    NotAllowed,
    citizen_may_withdraw,
    decision_allowed,
    staff_move,
)
from bot.applications.domain.materials import KINDS, ROUTES, missing_kinds, required_kinds, route_for
from bot.identity.gb11643 import compute_check_char

TODAY = date(2026, 12, 2)


def valid(first17: str) -> str:
    return first17 + compute_check_char(first17)


ID_X = valid("15010219800512123")  # ends in X
ID_DIGIT = valid("11010119900307123")  # ends in 3
assert ID_X.endswith("X") and ID_DIGIT.endswith("3")
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


# ---- names ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("王秀兰", "王秀兰"),
        (" 王秀兰。", "王秀兰"),
        ("我叫王秀兰", "王秀兰"),
        ("姓名：王秀兰", "王秀兰"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("John Smith", "John Smith"),
    ],
)
def test_a_name_is_read_without_its_lead_words(typed: str, name: str):
    assert read_name(typed) == name


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("王", "name"),
        ("王秀兰1", "name_digits"),
        ("王秀兰３", "name_digits"),
        ("", "name"),
        ("王" * 16, "name"),
    ],
)
def test_a_name_that_is_no_name_is_refused(typed: str, reason: str):
    assert read_name(typed) == Refusal(reason)


# ---- ID numbers ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed",
    [
        ID_X,
        ID_X.lower(),  # a lower-case x
        ID_X.translate(FULL_WIDTH),  # full-width digits and Ｘ, as a Chinese IME types them
        ID_X[:-1].translate(FULL_WIDTH) + "ｘ",  # a full-width lower-case ｘ
        f" {ID_X[:6]} {ID_X[6:14]} {ID_X[14:]} ",
        f"{ID_X[:6]}-{ID_X[6:14]}-{ID_X[14:]}",
    ],
)
def test_an_id_number_is_read_in_its_canonical_form(typed: str):
    assert read_id_number(typed, TODAY) == ID_X


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("150102800512123", "id_legacy"),  # 15 digits
        (ID_X[:17], "id_length"),
        (ID_X + "1", "id_length"),
        ("15010219800512ABCD", "id_length"),
        ("身份证", "id_length"),
        ("", "id_length"),
        (ID_DIGIT[:-1] + "Y", "id_length"),
        ("150102198005121²3X", "id_length"),  # a superscript digit: refused, not a crash
        ("①50102198005121234", "id_length"),
        (valid("00010219800512123"), "id_region"),
        (valid("99010219800512123"), "id_region"),
        (valid("15010219801312123"), "id_birth"),  # month 13
        (valid("15010219800230123"), "id_birth"),  # 30 February
        (valid("15010219000229123"), "id_birth"),  # 1900 was no leap year
        (valid("15010218991231123"), "id_birth"),  # before 1900
        (valid("15010220261203123"), "id_birth"),  # born tomorrow
        (ID_DIGIT[:-1] + "4", "id_check"),
        (ID_X[:-1] + "0", "id_check"),
    ],
)
def test_a_wrong_id_number_is_refused_with_its_reason(typed: str, reason: str):
    assert read_id_number(typed, TODAY) == Refusal(reason)


def test_born_today_and_on_a_leap_day_are_valid_birth_dates():
    assert read_id_number(valid("15010220261202123"), TODAY) == valid("15010220261202123")
    assert birth_date(valid("15010220000229123")) == date(2000, 2, 29)


def test_age_turns_on_the_birthday():
    born = valid("15010220081202123")  # 18 on TODAY
    assert age_on(born, date(2026, 12, 1)) == 17
    assert age_on(born, TODAY) == 18
    with pytest.raises(ValueError):
        age_on(valid("15010219801312123"), TODAY)


@pytest.mark.parametrize(
    ("born", "persons", "flags", "disagrees"),
    [
        ("20081203", [], ["minor"], False),  # a defendant of 17
        ("20081202", [], ["minor"], True),  # 18 today: no longer a minor
        ("19800512", [], ["visual_hearing_speech_disability"], False),
        ("20081203", ["minor_or_elderly_no_fixed_income"], [], False),  # 17
        ("20081202", ["minor_or_elderly_no_fixed_income"], [], True),  # 18
        ("19661203", ["minor_or_elderly_no_fixed_income"], [], True),  # 59
        ("19661202", ["minor_or_elderly_no_fixed_income"], [], False),  # 60 today
        ("19800512", ["migrant_worker"], [], False),
        ("19800512", [], [], False),
    ],
)
def test_the_id_age_is_checked_against_what_the_interview_learned(
    born: str, persons: list[str], flags: list[str], disagrees: bool
):
    number = valid(f"150102{born}123")
    assert age_disagrees(number, TODAY, persons, flags) is disagrees


# ---- mobile phones -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed",
    [
        "13912345678",
        "139 1234 5678",
        "139-1234-5678",
        "+86 139 1234 5678",
        "8613912345678",
        "１３９１２３４５６７８",
        "电话13912345678",
    ],
)
def test_a_mobile_phone_is_read_as_eleven_digits(typed: str):
    assert read_mobile(typed) == "13912345678"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("1391234567", "phone_length"),
        ("139123456789", "phone_length"),
        ("1391234567O", "phone_length"),  # the letter O for a zero
        ("12912345678", "phone_prefix"),
        ("10012345678", "phone_prefix"),
        ("23912345678", "phone"),
        ("没有手机", "phone"),
        ("abc", "phone"),
        ("١٣٩١٢٣٤٥٦٧٨", "phone_length"),  # Arabic-Indic digits are no phone number here
    ],
)
def test_a_wrong_phone_is_refused_with_its_reason(typed: str, reason: str):
    assert read_mobile(typed) == Refusal(reason)


# ---- masks -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("王秀兰", "王**"),
        ("欧阳娜娜", "欧***"),
        ("王", "王"),
        ("", ""),
        ("阿依古丽·买买提", "阿*******"),
    ],
)
def test_a_name_keeps_only_its_first_character(name: str, masked: str):
    assert mask_name(name) == masked


def test_an_id_number_and_a_phone_keep_four_characters_at_each_end_or_three_and_four():
    assert mask_id_number(ID_X) == "1501**********123X"
    assert mask_id_number(ID_X).count("*") == 10 and len(mask_id_number(ID_X)) == 18
    assert mask_mobile("13912345678") == "139****5678"


# ---- materials ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("route", "kinds"),
    [
        ("proof", ("id_card", "economic_proof", "case_materials")),
        ("exempt", ("id_card", "exemption_proof", "case_materials")),
        ("commitment", ("id_card", "case_materials")),
        ("not_required", ("id_card", "case_materials")),
    ],
)
def test_each_route_needs_the_identity_and_the_case_and_its_own_economic_document(route, kinds):
    assert required_kinds(route) == kinds
    assert missing_kinds(route, []) == list(kinds)
    assert missing_kinds(route, kinds) == []


def test_every_route_is_known_and_asks_only_known_kinds():
    for route in ROUTES:
        assert set(required_kinds(route)) <= set(KINDS)


def test_missing_keeps_the_asking_order_and_ignores_what_the_route_does_not_need():
    assert missing_kinds("proof", {"case_materials", "exemption_proof"}) == ["id_card", "economic_proof"]
    assert missing_kinds("commitment", ["economic_proof", "id_card", "id_card"]) == ["case_materials"]
    assert missing_kinds("exempt", ["economic_proof", "id_card", "case_materials"]) == ["exemption_proof"]


@pytest.mark.parametrize(
    ("hardship", "route"),
    [
        ("exempt", "exempt"),
        ("not_required", "not_required"),
        ("commitment", "commitment"),
        ("passed", None),  # the citizen chooses proof or commitment
        ("unknown", None),
        ("failed", None),
        (None, None),
    ],
)
def test_the_route_follows_the_hardship_result(hardship, route):
    assert route_for(hardship) == route


# ---- status moves --------------------------------------------------------------------------
@pytest.mark.parametrize(("current", "wanted"), sorted(STAFF_MOVES))
def test_staff_may_make_the_moves_of_the_table(current: str, wanted: str):
    staff_move(current, wanted)


@pytest.mark.parametrize(
    "current", ["submitted", "materials_incomplete", "under_review", "approved", "assigned"]
)
def test_staff_may_withdraw_an_application_that_is_not_over(current: str):
    staff_move(current, "withdrawn")


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        ("draft", "withdrawn"),  # a draft is the citizen's own until submitted
        ("draft", "submitted"),
        ("submitted", "approved"),  # a decision has its own route, with a reason
        ("under_review", "rejected"),
        ("under_review", "submitted"),
        ("materials_incomplete", "submitted"),
        ("approved", "under_review"),
        ("rejected", "under_review"),
        ("closed", "assigned"),
        ("withdrawn", "under_review"),
        ("withdrawn", "withdrawn"),
        ("closed", "withdrawn"),
        ("rejected", "withdrawn"),
        ("terminated", "withdrawn"),
        ("under_review", "under_review"),
        ("under_review", "no_such_status"),
    ],
)
def test_staff_moves_outside_the_table_are_refused_and_say_what_was_asked(current: str, wanted: str):
    with pytest.raises(NotAllowed) as refused:
        staff_move(current, wanted)
    assert (refused.value.current, refused.value.wanted) == (current, wanted)
    assert current in str(refused.value) and wanted in str(refused.value)


STAFF_MAY_WITHDRAW = frozenset({"submitted", "materials_incomplete", "under_review", "approved", "assigned"})


def test_no_move_outside_the_table_is_allowed():
    """Every pair of statuses: allowed exactly when it is in the table or a withdrawal before the end."""
    for current, wanted in product(STATUSES, STATUSES):
        expected = (current, wanted) in STAFF_MOVES or (
            wanted == "withdrawn" and current in STAFF_MAY_WITHDRAW
        )
        try:
            staff_move(current, wanted)
            allowed = True
        except NotAllowed:
            allowed = False
        assert allowed is expected, (current, wanted)


def test_decisions_and_the_citizens_withdrawal():
    for status in STATUSES:
        if status in DECIDABLE:
            decision_allowed(status)
        else:
            with pytest.raises(NotAllowed):
                decision_allowed(status)
        assert citizen_may_withdraw(status) is (status not in FINAL)
    assert DECIDABLE == {"submitted", "under_review", "materials_incomplete"}
    assert not citizen_may_withdraw("withdrawn") and citizen_may_withdraw("approved")
