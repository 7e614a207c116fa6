"""Wrong ID numbers and phones: one line naming the problem with an example, the question again,
and nothing stored in the application until it is submitted."""

from __future__ import annotations

import re

import pytest

from bot.applications.domain.answers import read_id_number, read_mobile
from bot.clock import MovableClock
from bot.wechat.citizen_simulator import CitizenSimulator
from tests.conftest import RunningService, ServiceFactory
from tests.e2e.intake_steps import (
    BODY,
    ID_NUMBER,
    NAME,
    PHONE,
    START,
    conversation,
    reach_intake,
    say,
    valid_id,
)

ASK_ID = "请回复申请人的18位身份证号码。"
ASK_PHONE = "请回复一个能打通的手机号，工作人员会用它联系您。"
WRONG_CHECK = BODY + ("0" if ID_NUMBER[-1] != "0" else "1")
# (what the citizen typed, a word the refusal must name the problem with)
BAD_ID_NUMBERS = [
    (WRONG_CHECK, "最后一位"),
    (valid_id("15010219801312123"), "出生日期"),  # month 13, right check character
    (valid_id("15010219800230123"), "出生日期"),  # 30 February
    (valid_id("00010219800512123"), "地区码"),
    (valid_id("99010219800512123"), "地区码"),
    ("150102800512123", "15位"),
    (BODY, "18位"),  # 17 digits
    ("15010219800512ABCD", "18位"),
    ("身份证号不记得了", "18位"),
    ("150102198005121²3X", "18位"),  # a superscript digit from a symbol keyboard
]
BAD_PHONES = [
    ("1391234567", "11位"),
    ("139123456789", "11位"),
    ("12912345678", "13到19"),
    ("1391234567O", "数字"),  # the letter O for a zero
    ("abcdefghijk", "数字"),
]


@pytest.fixture
async def svc(start_service: ServiceFactory) -> RunningService:
    return await start_service(clock=MovableClock(START))


async def at_id_question(citizen: CitizenSimulator) -> None:
    await reach_intake(citizen)
    await say(citizen, "同意")
    assert ASK_ID in await say(citizen, NAME)


def refusal_and_question(reply: str) -> tuple[str, str]:
    lines = reply.split("\n")
    assert len(lines) == 2, reply  # one line of reason, then the question
    return lines[0], lines[1]


def example_in(refusal: str) -> str:
    found = re.search(r"例如：([0-9A-Za-z]+)", refusal)
    assert found, f"no example in {refusal!r}"
    return found.group(1)


async def assert_nothing_stored(svc: RunningService) -> None:
    row = (await svc.rows("SELECT status, particulars, id_number_hash, phone_hash FROM application"))[0]
    assert row.status == "draft"
    assert row.particulars is None and row.id_number_hash is None and row.phone_hash is None


async def test_each_wrong_id_number_is_named_with_an_example_and_asked_again(svc: RunningService):
    citizen = svc.citizen()
    await at_id_question(citizen)
    for typed, problem in BAD_ID_NUMBERS:
        refusal, question = refusal_and_question(await say(citizen, typed))
        assert problem in refusal, (typed, refusal)
        example = example_in(refusal)
        assert read_id_number(example, START.date()) == example, f"the example {example} is no valid ID"
        assert question == ASK_ID
        flow, step, slots = await conversation(svc)
        assert (flow, step) == ("application", "id_number") and "id_number" not in slots
    await assert_nothing_stored(svc)
    assert ASK_PHONE in await say(citizen, ID_NUMBER.lower())  # a lower-case x is fine
    assert (await conversation(svc))[2]["id_number"] == ID_NUMBER
    await assert_nothing_stored(svc)
    await assert_no_plain_answer_in_the_transcript(svc, [typed for typed, _ in BAD_ID_NUMBERS])


async def test_each_wrong_phone_is_named_with_an_example_and_asked_again(svc: RunningService):
    citizen = svc.citizen()
    await at_id_question(citizen)
    assert ASK_PHONE in await say(citizen, ID_NUMBER)
    for typed, problem in BAD_PHONES:
        refusal, question = refusal_and_question(await say(citizen, typed))
        assert problem in refusal, (typed, refusal)
        example = example_in(refusal)
        assert read_mobile(example) == example
        assert question == ASK_PHONE
        flow, step, slots = await conversation(svc)
        assert (flow, step) == ("application", "phone") and "phone" not in slots
    await assert_nothing_stored(svc)
    assert "1. 昆都仑区" in await say(citizen, "+86 139-1234-5678")
    assert (await conversation(svc))[2]["phone"] == PHONE
    await assert_nothing_stored(svc)
    await assert_no_plain_answer_in_the_transcript(svc, [typed for typed, _ in BAD_PHONES])


async def assert_no_plain_answer_in_the_transcript(svc: RunningService, typed: list[str]) -> None:
    """Even a refused personal answer is kept masked: a typo is still mostly the real number."""
    said = [
        svc.unseal(r.text, "message.text")
        for r in await svc.rows("SELECT text FROM message WHERE direction = 'in' AND text IS NOT NULL")
    ]
    digits = [t for t in typed if sum(ch.isdigit() for ch in t) >= 7]
    leaked = [t for t in said for d in [*digits, ID_NUMBER, PHONE] if d in t]
    assert not leaked, leaked
    assert not [t for t in said if re.search(r"\d{7,}", t)], said


# ---- the ID's age against what the interview learned -------------------------------------------
async def test_an_id_number_too_young_for_an_elderly_applicant_is_refused_with_the_age_text(
    svc: RunningService,
):
    """未成年人或老年人，没有固定收入 (exempt): a 46-year-old's ID contradicts it, a 76-year-old's not."""
    citizen = svc.citizen()
    await say(citizen, "我要申请法律援助")
    await say(citizen, "1")
    await say(citizen, "1")
    notice = await say(citizen, "6")
    assert "申请须知" in notice
    await say(citizen, "同意")
    await say(citizen, NAME)
    refusal, question = refusal_and_question(await say(citizen, ID_NUMBER))  # born 1980
    assert "年龄" in refusal and "对不上" in refusal and question == ASK_ID
    assert "id_number" not in (await conversation(svc))[2]
    assert ASK_PHONE in await say(citizen, valid_id("15010219500512123"))  # born 1950
    assert ASK_PHONE not in await say(citizen, "上一步")
    assert ASK_PHONE in await say(citizen, valid_id("15010220100601123"))  # a 16-year-old
    await assert_nothing_stored(svc)


async def test_a_minor_defendant_gets_a_lawyer_assigned_so_no_intake_asks_for_an_id(svc: RunningService):
    """The other age fact, the defendant's minority, never reaches the intake: the police, the
    procuratorate or the court notify the center, no application is taken. Its check is tested
    directly in tests/unit/test_application_domain.py."""
    citizen = svc.citizen()
    await say(citizen, "我要申请法律援助")
    await say(citizen, "4")
    await say(citizen, "1")
    decision = await say(citizen, "1")
    assert "指派律师" in decision and "申请须知" not in decision
    flow, _step, _slots = await conversation(svc)
    assert flow is None
    assert await svc.scalar("SELECT COUNT(*) FROM application") == 0
