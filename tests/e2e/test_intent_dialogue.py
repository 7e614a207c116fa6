"""The bot answers by intent over the WeChat protocol, and records what it understood."""

from __future__ import annotations

import pytest

from tests.conftest import ServiceFactory


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你好", "在线咨询助手"),
        ("谢谢你们", "不客气"),
        ("好的就这样吧 拜拜", "祝您"),
        ("你们能干啥", "我可以帮您"),
        ("今天天气怎么样", "帮不上忙"),
        ("申请法律援助要带什么材料", "身份证"),
        ("法律援助中心几点上班", "办公时间"),
        ("工地上干活摔断了腿 老板不管", "劳动"),
    ],
)
async def test_each_intent_gets_its_answer(start_service: ServiceFactory, text: str, expected: str):
    svc = await start_service()
    result = await svc.citizen().say(text)
    assert result.reply_text is not None and expected in result.reply_text


async def test_request_human_marks_the_consultation_waiting(start_service: ServiceFactory):
    svc = await start_service()
    result = await svc.citizen().say("转人工")
    assert result.reply_text is not None and "工作人员" in result.reply_text
    [row] = await svc.rows("SELECT status, waiting_reason FROM consultation")
    assert (row.status, row.waiting_reason) == ("waiting_human", "request_human")
    [turn] = await svc.rows("SELECT intent, intent_confidence FROM message WHERE direction='in'")
    assert turn.intent == "request_human" and turn.intent_confidence > 0.5


async def test_fallback_offers_a_human_and_1_accepts(start_service: ServiceFactory):
    svc = await start_service()
    citizen = svc.citizen()
    first = await citizen.say("？？？")
    assert first.reply_text is not None and "回复“1”" in first.reply_text
    assert await svc.scalar("SELECT status FROM consultation") == "open"
    second = await citizen.say("1")
    assert second.reply_text is not None and "转人工" in second.reply_text
    assert await svc.scalar("SELECT waiting_reason FROM consultation") == "nlu_fallback"


async def test_fallback_offer_declined_asks_again_without_queueing(start_service: ServiceFactory):
    svc = await start_service()
    citizen = svc.citizen()
    await citizen.say("？？？")
    declined = await citizen.say("不用了")
    assert declined.reply_text is not None and "换个说法" in declined.reply_text
    assert await svc.scalar("SELECT status FROM consultation") == "open"


async def test_affirm_without_context_is_polite_and_the_topic_is_recorded(start_service: ServiceFactory):
    svc = await start_service()
    citizen = svc.citizen()
    answer = await citizen.say("是的")
    assert answer.reply_text is not None and "还有什么可以帮您" in answer.reply_text
    offer = await citizen.say("前夫一直不给孩子抚养费")
    assert offer.reply_text is not None and "1. 看看能不能免费请律师" in offer.reply_text
    assert await svc.scalar("SELECT intent FROM consultation") == "consult_family"
    accepted = await citizen.say("是的")  # yes to the offer starts the interview
    assert accepted.reply_text is not None and "几个简单的问题" in accepted.reply_text
    assert "家庭问题" not in accepted.reply_text  # 抚养费 already said which family matter


@pytest.mark.parametrize(
    ("text", "office"), [("昆区的法律援助中心在哪", "昆都仑区"), ("土右旗援助中心电话多少", "土默特右旗")]
)
async def test_office_info_by_district_is_marked_as_example(
    start_service: ServiceFactory, text: str, office: str
):
    svc = await start_service()
    result = await svc.citizen().say(text)
    assert result.reply_text is not None and office in result.reply_text
    assert "示例" in result.reply_text and "办公时间" in result.reply_text
