"""Messages that say several things, as citizens write them, replayed over the WeChat protocol."""

from __future__ import annotations

import asyncio

import pytest

from bot.clock import MovableClock
from tests.conftest import WORKDAY_MORNING, FakeWeChatServer, RunningService, ServiceFactory


@pytest.fixture
async def svc(start_service: ServiceFactory) -> RunningService:
    return await start_service(aes=False, clock=MovableClock(WORKDAY_MORNING))


async def _followups(fake: FakeWeChatServer, openid: str, count: int) -> list[str]:
    """Replies after the passive one go out as customer-service messages."""
    for _ in range(100):
        sent = [s["text"] for s in await fake.sent(openid) if s["api"] == "custom_send"]
        if len(sent) >= count:
            return sent
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} follow-up messages, got {sent}")


async def test_a_problem_and_an_aid_question_get_guidance_then_the_interview_without_asking_again(
    svc: RunningService, fake_wechat: FakeWeChatServer
):
    citizen = svc.citizen()
    first = await citizen.say("老板拖欠我三个月工资，我能申请法律援助吗")
    assert first.reply_text is not None and "12333" in first.reply_text  # the labour guidance
    [interview] = await _followups(fake_wechat, citizen.openid, 1)
    assert "几个简单的问题" in interview
    assert "哪方面的事" not in interview and "是哪一种劳动问题" not in interview  # it was said already
    assert "低保户" in interview  # the next thing the rules need
    assert await svc.scalar("SELECT intent FROM consultation") == "consult_labor"
    assert await svc.scalar("SELECT intent FROM message WHERE direction = 'in'") == "consult_labor"


async def test_one_persons_pay_is_not_taken_for_the_households_income(
    svc: RunningService, fake_wechat: FakeWeChatServer
):
    citizen = svc.citizen()
    await citizen.say("我能申请法律援助吗")
    await citizen.say("1")  # labour
    await citizen.say("1")  # wages owed
    after = await citizen.say("都不是，三口人，我一个月挣3000")
    assert after.reply_text is not None and "全家每个月的总收入" in after.reply_text
    done = await citizen.say("5000")
    assert done.reply_text is not None and "3人" in done.reply_text and "5000元" in done.reply_text


async def test_a_wage_owed_in_the_first_message_is_not_the_households_income(svc: RunningService):
    citizen = svc.citizen()
    await citizen.say("老板欠我12000块工资，我能申请法律援助吗")
    await citizen.say("0")  # none of the listed situations
    size = await citizen.say("3")
    assert size.reply_text is not None and "全家每个月的总收入" in size.reply_text


async def test_a_greeting_and_a_problem_get_the_answer_to_the_problem(svc: RunningService):
    reply = await svc.citizen().say("你好 在吗 想问问离婚的事 他不同意离怎么办")
    assert reply.reply_text is not None and "起诉离婚" in reply.reply_text  # the divorce answer
    assert "家暴" not in reply.reply_text  # not the advice for violence, which they did not raise
    assert "在线咨询助手" not in reply.reply_text  # not the greeting


async def test_a_problem_and_a_request_for_a_human_go_to_the_problems_queue(svc: RunningService):
    citizen = svc.citizen()
    told = await citizen.say("老板拖欠工资半年了，帮我转人工")
    assert told.reply_text is not None and "工作人员" in told.reply_text
    [item] = await svc.rows("SELECT specialty, reason FROM handoff")
    assert (item.specialty, item.reason) == ("labor", "request_human")


async def test_the_interview_after_the_guidance_does_not_ask_what_the_problem_was(svc: RunningService):
    citizen = svc.citizen()
    offer = await citizen.say("老板欠我工资")
    assert offer.reply_text is not None and "1. 看看能不能免费请律师" in offer.reply_text
    started = await citizen.say("1")
    assert started.reply_text is not None
    assert "是哪一种劳动问题" not in started.reply_text and "低保户" in started.reply_text
