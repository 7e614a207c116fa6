"""WeChat's own inputs over the protocol: smileys are never consent, a key mash is not a question
the center cannot help with, and a bare number outside a question is asked about."""

from __future__ import annotations

import pytest

from tests.conftest import RunningService, ServiceFactory


@pytest.fixture
async def svc(start_service: ServiceFactory) -> RunningService:
    return await start_service(aes=False)


async def test_a_smiley_after_the_offer_of_a_human_is_not_a_yes(svc: RunningService):
    citizen = svc.citizen()
    offer = await citizen.say("？？？")
    assert offer.reply_text is not None and "回复“1”" in offer.reply_text
    smiled = await citizen.say("[微笑]")
    assert smiled.reply_text is not None and "表情" in smiled.reply_text and "数字" in smiled.reply_text
    assert await svc.count("handoff") == 0
    assert await svc.scalar("SELECT status FROM consultation") == "open"
    accepted = await citizen.say("1")  # the offer still stands after the smiley
    assert accepted.reply_text is not None and "转接工作人员" in accepted.reply_text
    assert await svc.count("handoff") == 1


@pytest.mark.parametrize("smiley", ["[微笑]", "[OK][抱拳]", "👍", "😂😂", "/::)", "[捂脸]！"])
async def test_smileys_and_emoji_alone_ask_for_words_and_queue_nothing(svc: RunningService, smiley: str):
    reply = await svc.citizen().say(smiley)
    assert reply.reply_text is not None and "收到您的表情" in reply.reply_text
    assert "帮不上忙" not in reply.reply_text
    assert await svc.count("handoff") == 0


async def test_a_smiley_mid_interview_keeps_the_question(svc: RunningService):
    citizen = svc.citizen()
    first = await citizen.say("我能申请法律援助吗")
    assert first.reply_text is not None and "哪方面的事" in first.reply_text
    smiled = await citizen.say("[呲牙]")
    assert smiled.reply_text is not None and "回答上面的问题" in smiled.reply_text
    step = await svc.scalar("SELECT step FROM conversation_state")
    answered = await citizen.say("1")  # the same question, answered now
    assert answered.reply_text is not None and "没看懂" not in answered.reply_text
    assert await svc.scalar("SELECT step FROM conversation_state") != step


async def test_words_with_a_smiley_are_read_as_the_words(svc: RunningService):
    citizen = svc.citizen()
    offer = await citizen.say("前夫一直不给孩子抚养费")
    assert offer.reply_text is not None and "1. 看看能不能免费请律师" in offer.reply_text
    accepted = await citizen.say("好的[微笑]")
    assert accepted.reply_text is not None and "几个简单的问题" in accepted.reply_text  # the interview began


@pytest.mark.parametrize("mash", ["asdfgh", "jjjjjj", "qwe rty"])
async def test_a_key_mash_is_not_understood_and_gets_examples(svc: RunningService, mash: str):
    reply = await svc.citizen().say(mash)
    assert reply.reply_text is not None
    assert "没看懂" in reply.reply_text and "老板拖欠我工资" in reply.reply_text
    assert "帮不上忙" not in reply.reply_text


@pytest.mark.parametrize("number", ["5000", "３０００", "2,500"])
async def test_a_bare_number_outside_a_question_is_asked_about(svc: RunningService, number: str):
    reply = await svc.citizen().say(number)
    assert reply.reply_text is not None and f"您发的“{number}”是指什么" in reply.reply_text
    assert await svc.scalar("SELECT flow FROM conversation_state") is None  # no interview started
    assert await svc.count("handoff") == 0
