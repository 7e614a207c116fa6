"""The guidance is written for what the citizen raised (data/answers/), over the WeChat protocol."""

from __future__ import annotations

import asyncio

import pytest

from bot.center.center import load_center
from bot.clock import MovableClock
from bot.settings import REPO_ROOT
from tests.conftest import WORKDAY_MORNING, FakeWeChatServer, ServiceFactory

OFFER = "1. 看看能不能免费请律师"


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("离婚", ("民政局", "冷静期", "法院"), ("110", "保护令", "家暴")),
        ("老公打我", ("110", "保护令", "12338"), ("抚养费", "赡养费")),
        ("我儿子被警察抓了", ("24小时", "看守所", "律师", "取保候审"), ("报案", "附带民事")),
        ("前夫不给抚养费", ("抚养费", "法院"), ("110", "保护令")),
        ("老板拖欠工资", ("12333", "劳动仲裁"), ("工伤",)),
    ],
)
async def test_each_sub_topic_gets_its_answer_then_the_offer(
    start_service: ServiceFactory, text: str, present: tuple[str, ...], absent: tuple[str, ...]
):
    svc = await start_service()
    reply = (await svc.citizen().say(text)).reply_text
    assert reply is not None
    assert [w for w in present if w not in reply] == []
    assert [w for w in absent if w in reply] == []
    assert OFFER in reply  # the offer of the interview or a person still follows


async def test_a_message_that_raises_no_sub_topic_gets_the_general_answer(start_service: ServiceFactory):
    svc = await start_service()
    reply = (await svc.citizen().say("老公出轨")).reply_text
    general = load_center(REPO_ROOT / "data").texts.say("consult.consult_family")
    assert reply is not None and reply.startswith(general + "\n") and OFFER in reply
    assert await svc.scalar("SELECT intent FROM consultation") == "consult_family"


async def test_violence_and_divorce_in_one_message_get_the_answer_for_both(start_service: ServiceFactory):
    svc = await start_service()
    reply = (await svc.citizen().say("老公家暴想离婚")).reply_text
    assert reply is not None and "保护令" in reply and "12338" in reply and "起诉离婚" in reply
    assert "冷静期" not in reply  # the agreed divorce at the registry is not the way here


async def test_the_sub_topic_answer_precedes_the_interview_when_aid_is_asked_too(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer
):
    svc = await start_service(aes=False, clock=MovableClock(WORKDAY_MORNING))
    citizen = svc.citizen()
    first = await citizen.say("我儿子被警察抓了，能申请法律援助吗")
    assert first.reply_text is not None and "24小时" in first.reply_text and "取保候审" in first.reply_text
    for _ in range(100):
        sent = [s["text"] for s in await fake_wechat.sent(citizen.openid) if s["api"] == "custom_send"]
        if sent:
            break
        await asyncio.sleep(0.05)
    assert sent and "几个简单的问题" in sent[0]  # then the interview, as before
    assert await svc.scalar("SELECT intent FROM consultation") == "consult_criminal"
