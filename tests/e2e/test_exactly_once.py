"""WeChat retries a callback it has no answer for: each message is handled, and answered, exactly once."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from bot.app import PROTECTION
from bot.consultations.turns import ConversationState, Inbound, Outbound
from bot.dialogue.engine import Response
from bot.store.callback_markers import RedisMarkers
from bot.store.redis_keys import RedisKeys
from bot.wechat.inbound import message_key
from bot.wechat.protocol import parse_xml_fields
from tests.conftest import FakeWeChatServer, RunningService, ServiceFactory

MODES = pytest.mark.parametrize("aes", [True, False], ids=["aes", "plain"])

SLOW_SECONDS = 1.5
SLOW_TEXT = "慢回复"


class SlowEngine:
    """A dialogue that takes longer than the passive-reply budget, as a slow NLU call would."""

    async def respond(self, inbound: Inbound, state: ConversationState, now: datetime) -> Response:
        await asyncio.sleep(SLOW_SECONDS)
        return Response(replies=[Outbound(SLOW_TEXT)], state=state)


async def _rows(svc: RunningService, sql: str) -> list[Any]:
    return await svc.rows(sql)


async def _inbound_count(svc: RunningService) -> int:
    return len(await _rows(svc, "SELECT id FROM message WHERE direction = 'in'"))


async def _deliveries(svc: RunningService) -> list[Any]:
    return await _rows(svc, "SELECT status, via, last_errcode FROM delivery ORDER BY id")


async def _wait_for_sends(fake: FakeWeChatServer, openid: str, at_least: int = 1) -> list[dict[str, Any]]:
    """Poll the fake WeChat API (bounded) until `at_least` messages reached the citizen."""
    for _ in range(50):
        sent = await fake.sent(openid)
        if len(sent) >= at_least:
            return sent
        await asyncio.sleep(0.1)
    return await fake.sent(openid)


async def _wait_for_delivery_status(svc: RunningService, status: str) -> list[Any]:
    for _ in range(50):
        rows = await _deliveries(svc)
        if rows and all(row.status == status for row in rows):
            return rows
        await asyncio.sleep(0.1)
    return await _deliveries(svc)


# ---- retries of a text message ----------------------------------------------------------------------


@MODES
async def test_three_sequential_retries_get_the_same_reply_and_one_record(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer, aes: bool
):
    svc = await start_service(aes=aes)
    citizen = svc.citizen()
    xml = citizen.text_xml("老板欠了我三个月工资", msg_id=citizen.next_msg_id())
    results = [await citizen.send(xml) for _ in range(3)]
    assert [r.status for r in results] == [200, 200, 200]
    assert results[0].reply_text is not None and "劳动" in results[0].reply_text
    assert {r.reply_text for r in results} == {results[0].reply_text}
    assert await _inbound_count(svc) == 1
    assert [row.status for row in await _deliveries(svc)] == ["passive"]
    assert await fake_wechat.sent(citizen.openid) == []


@MODES
async def test_three_concurrent_retries_answer_the_citizen_exactly_once(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer, aes: bool
):
    svc = await start_service(aes=aes)
    citizen = svc.citizen()
    xml = citizen.text_xml("我想咨询离婚的事", msg_id=citizen.next_msg_id())
    results = await asyncio.gather(*(citizen.send(xml) for _ in range(3)))
    assert [r.status for r in results] == [200, 200, 200]
    assert await _inbound_count(svc) == 1
    passive = {r.reply_text for r in results if r.reply_text is not None}
    assert len(passive) <= 1, "retries must get the same passive reply"
    assert all(r.body == "success" for r in results if r.reply_text is None)
    if passive:
        await asyncio.sleep(0.5)  # a wrong extra send would be on its way by now
        sent = await fake_wechat.sent(citizen.openid)
        assert sent == [], "answered passively and by customer-service message"
        assert [row.status for row in await _deliveries(svc)] == ["passive"]
    else:
        sent = await _wait_for_sends(fake_wechat, citizen.openid)
        assert len(sent) == 1 and sent[0]["api"] == "custom_send"
        rows = await _wait_for_delivery_status(svc, "sent")
        assert [(row.status, row.via) for row in rows] == [("sent", "custom_send")]


@MODES
async def test_many_concurrent_retry_bursts_each_answer_exactly_once(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer, aes: bool
):
    """Repeat the burst for several messages, so an unlucky interleaving shows up reliably."""
    svc = await start_service(aes=aes)
    for _ in range(8):
        citizen = svc.citizen()
        xml = citizen.text_xml("工伤怎么认定", msg_id=citizen.next_msg_id())
        results = await asyncio.gather(*(citizen.send(xml) for _ in range(3)))
        assert [r.status for r in results] == [200, 200, 200]
        passive = [r.reply_text for r in results if r.reply_text is not None]
        sent = [] if passive else await _wait_for_sends(fake_wechat, citizen.openid)
        assert len(set(passive)) + len(sent) == 1, (passive, sent)
    assert await _inbound_count(svc) == 8
    assert len(await _deliveries(svc)) == 8


@MODES
async def test_retry_of_a_message_the_database_never_recorded_is_still_answered(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer, aes: bool
):
    """The database decides what is a duplicate; a Redis marker alone (from a first attempt that
    failed before its commit, or a concurrent retry that lost the insert) must not swallow the turn."""
    svc = await start_service(aes=aes, passive_reply_budget=1.0)
    citizen = svc.citizen()
    xml = citizen.text_xml("我想咨询工伤赔偿", msg_id=citizen.next_msg_id())
    keys = RedisKeys(svc.settings.redis_prefix)
    msg_key = message_key(
        parse_xml_fields(xml.encode()), svc.app[PROTECTION].index.citizen_alias(citizen.openid)
    )
    # The first attempt's markers, set as the callback sets them (under another signed nonce).
    _, first_sight = await RedisMarkers(svc.redis, keys).first_sight(
        timestamp="0", nonce="first-attempt", body_digest="-", msg_key=msg_key, nonce_ttl=60
    )
    assert first_sight

    result = await citizen.send(xml)
    assert result.status == 200
    sent = [] if result.reply_text else await _wait_for_sends(fake_wechat, citizen.openid)
    answers = [result.reply_text] if result.reply_text else [s["text"] for s in sent]
    assert len(answers) == 1, "the citizen got no answer, or got it twice"
    assert await _inbound_count(svc) == 1
    assert len(await _deliveries(svc)) == 1


# ---- events ---------------------------------------------------------------------------------------


@MODES
async def test_repeated_subscribe_event_with_the_same_create_time_is_welcomed_once(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer, aes: bool
):
    svc = await start_service(aes=aes)
    citizen = svc.citizen()
    xml = citizen.event_xml("subscribe", create_time=citizen.now())
    first, second = await citizen.send(xml), await citizen.send(xml)
    assert first.status == second.status == 200
    assert first.reply_text is not None and "权利和义务" in first.reply_text
    assert second.reply_text == first.reply_text
    assert await _inbound_count(svc) == 1
    assert len(await _deliveries(svc)) == 1
    assert await fake_wechat.sent(citizen.openid) == []


@MODES
async def test_subscribe_events_with_different_create_times_are_welcomed_twice(
    start_service: ServiceFactory, aes: bool
):
    svc = await start_service(aes=aes)
    citizen = svc.citizen()
    now = citizen.now()
    first = await citizen.send(citizen.event_xml("subscribe", create_time=now - 1))
    second = await citizen.send(citizen.event_xml("subscribe", create_time=now))
    assert first.reply_text is not None and "权利和义务" in first.reply_text
    assert second.reply_text == first.reply_text
    assert await _inbound_count(svc) == 2
    assert [row.status for row in await _deliveries(svc)] == ["passive", "passive"]


@MODES
async def test_menu_clicks_in_the_same_second_with_different_keys_are_both_handled(
    start_service: ServiceFactory, aes: bool
):
    svc = await start_service(aes=aes)
    citizen = svc.citizen()
    now = citizen.now()
    for key in ("MENU_HELP", "MENU_APPLY"):
        result = await citizen.send(citizen.event_xml("CLICK", key, create_time=now))
        assert result.status == 200 and result.reply_text is not None
    assert await _inbound_count(svc) == 2
    assert len(await _deliveries(svc)) == 2


# ---- the 5-second rule ----------------------------------------------------------------------------


@MODES
async def test_slow_answer_says_success_in_time_and_follows_as_one_customer_service_message(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer, aes: bool
):
    svc = await start_service(aes=aes, engine=SlowEngine(), passive_reply_budget=0.5)
    citizen = svc.citizen()
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await citizen.say("我的案子比较复杂")
    elapsed = loop.time() - started
    assert result.status == 200 and result.body == "success"
    assert elapsed < 1.2, f"passive reply took {elapsed:.2f}s, budget is 0.5s"
    assert await fake_wechat.sent(citizen.openid) == []  # the answer is not ready yet

    sent = await _wait_for_sends(fake_wechat, citizen.openid)
    assert [(s["api"], s["msgtype"], s["text"]) for s in sent] == [("custom_send", "text", SLOW_TEXT)]
    # The fake records the send a moment before our job commits `sent`: wait (bounded) for it.
    rows = await _wait_for_delivery_status(svc, "sent")
    assert [(row.status, row.via) for row in rows] == [("sent", "custom_send")]
    await asyncio.sleep(0.5)
    assert len(await fake_wechat.sent(citizen.openid)) == 1


@MODES
async def test_retry_while_the_slow_answer_is_being_made_says_success_and_sends_nothing_extra(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer, aes: bool
):
    svc = await start_service(aes=aes, engine=SlowEngine(), passive_reply_budget=0.5)
    citizen = svc.citizen()
    xml = citizen.text_xml("请帮我看看合同", msg_id=citizen.next_msg_id())

    async def retry_later() -> Any:
        await asyncio.sleep(0.2)  # WeChat retries while our first attempt is still thinking
        return await citizen.send(xml)

    first, retry = await asyncio.gather(citizen.send(xml), retry_later())
    assert (first.status, first.body) == (200, "success")
    assert (retry.status, retry.body) == (200, "success")
    assert await fake_wechat.sent(citizen.openid) == []

    sent = await _wait_for_sends(fake_wechat, citizen.openid)
    assert [s["text"] for s in sent] == [SLOW_TEXT]
    late = await citizen.send(xml)  # a last retry after the answer went out
    assert (late.status, late.body) == (200, "success")
    await asyncio.sleep(0.5)
    assert [s["text"] for s in await fake_wechat.sent(citizen.openid)] == [SLOW_TEXT]
    assert await _inbound_count(svc) == 1
    assert len(await _deliveries(svc)) == 1


@MODES
async def test_slow_answer_refused_with_45015_is_held_not_lost(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer, aes: bool
):
    svc = await start_service(aes=aes, engine=SlowEngine(), passive_reply_budget=0.5)
    citizen = svc.citizen()
    await fake_wechat.fail("custom_send", 45015)
    result = await citizen.say("我想申请法律援助")
    assert (result.status, result.body) == (200, "success")

    rows = await _wait_for_delivery_status(svc, "held")
    assert [(row.status, row.last_errcode) for row in rows] == [("held", 45015)]
    assert await fake_wechat.sent(citizen.openid) == []
    kept = await _rows(svc, "SELECT text FROM message WHERE direction = 'out'")
    assert [svc.unseal(row.text, "message.text") for row in kept] == [SLOW_TEXT]
