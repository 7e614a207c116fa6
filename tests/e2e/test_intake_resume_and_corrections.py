"""An intake is interrupted and resumed (after a restart, after days), corrected, and answered by voice."""

from __future__ import annotations

import pytest

from bot.clock import MovableClock
from tests.conftest import FakeWeChatServer, RunningService, ServiceFactory
from tests.e2e.intake_steps import (
    DESCRIPTION,
    ID_NUMBER,
    NAME,
    PHONE,
    START,
    answer_case,
    answer_personal,
    conversation,
    fill_to_review,
    reach_intake,
    say,
    skip_documents,
    speak,
    submit,
)

MASKED_ID = ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:]


@pytest.fixture
async def svc(start_service: ServiceFactory) -> RunningService:
    return await start_service(clock=MovableClock(START))


# ---- resume ------------------------------------------------------------------------------------
async def test_after_a_restart_continue_asks_the_same_question_and_keeps_the_answers(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer
):
    clock = MovableClock(START)
    first = await start_service(clock=clock)
    citizen = first.citizen()
    await reach_intake(citizen)
    await say(citizen, "同意")
    await say(citizen, NAME)
    assert "手机号" in await say(citizen, ID_NUMBER)
    await first.stop()

    second = await start_service(clock=clock)
    again = second.citizen(citizen.openid)
    resumed = await say(again, "继续")
    assert "手机号" in resumed
    assert "姓名" not in resumed and "身份证号" not in resumed  # not asked again
    assert "1. 昆都仑区" in await say(again, PHONE)
    review = await skip_documents(again, await answer_case(again))
    assert "1. 姓名：王**" in review and f"2. 身份证号：{MASKED_ID}" in review
    assert "3. 手机号：139****5678" in review

    number = await submit(again, fake_wechat)
    particulars = second.unseal(
        await second.scalar("SELECT particulars FROM application WHERE number = :n", n=number),
        "application.particulars",
    )
    assert (particulars["name"], particulars["id_number"], particulars["phone"]) == (NAME, ID_NUMBER, PHONE)
    assert await second.count("citizen") == 1  # the same citizen, not a new one after the restart


async def test_three_days_and_a_restart_later_the_next_answer_is_taken_where_it_stopped(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer
):
    clock = MovableClock(START)
    first = await start_service(clock=clock)
    citizen = first.citizen()
    await reach_intake(citizen)
    await answer_personal(citizen)  # the district question is pending
    assert "发生了什么事" in await say(citizen, "1")
    await first.stop()

    clock.advance(days=3)
    second = await start_service(clock=clock)
    again = second.citizen(citizen.openid)
    assert "对方是谁" in await say(again, DESCRIPTION)  # no 继续 needed: the answer is read as one
    flow, step, slots = await conversation(second)
    assert (flow, step) == ("application", "opposing_party")
    assert slots["name"] == NAME and slots["id_number"] == ID_NUMBER and slots["phone"] == PHONE
    assert slots["district"] == "昆都仑区" and slots["description"] == DESCRIPTION
    assert await second.scalar("SELECT status FROM application") == "draft"


async def test_continue_days_later_on_the_same_instance_repeats_the_pending_question(svc: RunningService):
    citizen = svc.citizen()
    await reach_intake(citizen)
    await say(citizen, "同意")
    assert "身份证号" in await say(citizen, NAME)
    clock = svc.clock
    assert isinstance(clock, MovableClock)
    clock.advance(days=3)
    resumed = await say(citizen, "继续")
    assert "身份证号" in resumed and "申请须知" not in resumed
    assert "手机号" in await say(citizen, ID_NUMBER)
    assert (await conversation(svc))[2]["name"] == NAME


# ---- corrections at the review -----------------------------------------------------------------
async def test_change_three_goes_to_the_phone_and_back_to_the_review(svc: RunningService):
    citizen = svc.citizen()
    review = await fill_to_review(citizen)
    assert "3. 手机号：139****5678" in review
    ask = await say(citizen, "改3")
    assert "手机号" in ask and "请核对" not in ask
    assert (await conversation(svc))[1] == "phone"
    back = await say(citizen, "15047712345")
    assert "请核对" in back and "3. 手机号：150****2345" in back
    assert "139****5678" not in back and "15047712345" not in back
    assert "1. 姓名：王**" in back and f"2. 身份证号：{MASKED_ID}" in back  # the rest is kept
    _, step, slots = await conversation(svc)
    assert step == "review" and slots["phone"] == "15047712345" and slots["name"] == NAME


async def test_change_the_name_by_its_word(svc: RunningService):
    citizen = svc.citizen()
    await fill_to_review(citizen)
    assert "姓名" in await say(citizen, "改名字")
    back = await say(citizen, "欧阳娜娜")
    assert "请核对" in back and "1. 姓名：欧***" in back and "欧阳娜娜" not in back
    assert "3. 手机号：139****5678" in back
    assert (await conversation(svc))[2]["name"] == "欧阳娜娜"


async def test_an_unknown_item_gets_the_one_line_refusal_and_the_review_again(svc: RunningService):
    citizen = svc.citizen()
    review = await fill_to_review(citizen)
    refused = await say(citizen, "改99")
    refusal, *rest = refused.split("\n")
    assert "没找到要改的那一项" in refusal and "改3" in refusal
    assert "\n".join(rest) == review  # the same review, unchanged
    _, step, slots = await conversation(svc)
    assert step == "review" and slots["phone"] == PHONE and "editing" not in slots


async def test_back_in_the_middle_clears_the_previous_answer(svc: RunningService):
    citizen = svc.citizen()
    await reach_intake(citizen)
    await say(citizen, "同意")
    await say(citizen, NAME)
    assert "手机号" in await say(citizen, ID_NUMBER)
    assert (await conversation(svc))[2]["id_number"] == ID_NUMBER
    back = await say(citizen, "上一步")
    assert "身份证号" in back and "手机号" not in back
    _, step, slots = await conversation(svc)
    assert step == "id_number" and "id_number" not in slots and slots["name"] == NAME
    other = "110101199003071233"  # the refusal texts' example, a valid number
    assert "手机号" in await say(citizen, other)
    assert (await conversation(svc))[2]["id_number"] == other


# ---- voice -----------------------------------------------------------------------------------------
async def test_a_voice_messages_recognised_words_are_an_answer(svc: RunningService):
    citizen = svc.citizen()
    await reach_intake(citizen)
    await say(citizen, "同意")
    assert "身份证号" in await speak(citizen, f"{NAME}。")  # WeChat's recognition ends with 。
    await say(citizen, ID_NUMBER)
    await say(citizen, PHONE)
    await say(citizen, "1")
    assert "对方是谁" in await speak(citizen, "老板欠我三个月工资不给。")
    _, step, slots = await conversation(svc)
    assert step == "opposing_party"
    assert slots["name"] == NAME and slots["description"] == "老板欠我三个月工资不给。"
    # The spoken name is personal like a typed one: the transcript keeps the masked form only.
    kinds_texts = [
        (r.kind, svc.unseal(r.text, "message.text"))
        for r in await svc.rows("SELECT kind, text FROM message WHERE text IS NOT NULL")
    ]
    assert not [t for _, t in kinds_texts if NAME in t]
    assert any(kind == "voice" and t.startswith("王*") for kind, t in kinds_texts)
