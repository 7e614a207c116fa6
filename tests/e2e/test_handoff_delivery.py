"""A consultant's answer reaches the citizen whatever WeChat says: outside the 48-hour window (45015) or
after too many messages (45047) it is held, the citizen gets one template notice, and their next
message releases every held answer in order; network trouble keeps it pending for the retry job."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.app import DELIVERIES
from bot.clock import MovableClock
from tests.conftest import (
    STAFF_REPLY,
    WORKDAY_MORNING,
    ConsoleClient,
    FakeWeChatServer,
    RunningService,
    ServiceFactory,
)

TEMPLATE_ID = "TEMPLATE_ID"
FIRST, SECOND = "您好，请把劳动合同拍照发给我。", "另外，请问您有工资条吗？"


async def claimed_handoff(svc: RunningService) -> tuple[Any, ConsoleClient, int]:
    """A labor citizen asks for a human and zhang claims the item; returns (citizen, console, id)."""
    await svc.add_account("zhang", specialties=["labor"])
    citizen = svc.citizen()
    await citizen.say("老板拖欠我三个月工资")
    await citizen.say("转人工")
    zhang = await svc.console("zhang")
    [item] = await zhang.queue(openid=citizen.openid)
    status, _ = await zhang.post(f"/api/handoffs/{item['id']}/claim")
    assert status == 200
    return citizen, zhang, item["id"]


async def answer(zhang: ConsoleClient, handoff_id: int, text: str) -> dict[str, Any]:
    """The consultant answers; returns how the answer's delivery stands in the API's response."""
    status, detail = await zhang.post(f"/api/handoffs/{handoff_id}/messages", {"text": text})
    assert status == 200, detail
    [said] = [t for t in detail["transcript"] if t["author"] == "consultant" and t["text"] == text]
    return dict(said["delivery"])


async def sent_by(fake: FakeWeChatServer, openid: str, api: str) -> list[dict[str, Any]]:
    return [s for s in await fake.sent(openid) if s["api"] == api]


async def wait_for(fake: FakeWeChatServer, openid: str, api: str, count: int) -> list[dict[str, Any]]:
    """Poll the fake WeChat API (bounded) until `count` messages of `api` reached the citizen."""
    for _ in range(100):
        found = await sent_by(fake, openid, api)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} {api} to {openid}, got {await fake.sent(openid)}")


async def deliveries(zhang: ConsoleClient, handoff_id: int) -> list[dict[str, Any]]:
    status, detail = await zhang.get(f"/api/handoffs/{handoff_id}")
    assert status == 200, detail
    return [t["delivery"] | {"text": t["text"]} for t in detail["transcript"] if t["author"] == "consultant"]


@pytest.mark.parametrize("errcode", [45015, 45047])
async def test_a_refused_answer_is_held_noticed_once_and_released_by_the_next_message(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer, errcode: int
):
    clock = MovableClock(WORKDAY_MORNING)
    svc = await start_service(clock=clock, wechat_notice_template_id=TEMPLATE_ID)
    citizen, zhang, handoff_id = await claimed_handoff(svc)

    await fake_wechat.fail("custom_send", errcode)
    first = await answer(zhang, handoff_id, FIRST)
    assert (first["status"], first["errcode"], first["delivered_at"]) == ("held", errcode, None)
    assert first["held_at"] == clock.now().isoformat() and first["notice_at"] == clock.now().isoformat()
    [notice] = await sent_by(fake_wechat, citizen.openid, "template_send")
    assert notice["template_id"] == TEMPLATE_ID and notice["touser"] == citizen.openid
    assert "回复任意文字" in str(notice["data"])
    assert await sent_by(fake_wechat, citizen.openid, "custom_send") == []

    clock.advance(minutes=10)
    await fake_wechat.fail("custom_send", errcode)
    second = await answer(zhang, handoff_id, SECOND)
    assert (second["status"], second["notice_at"]) == ("held", None)  # one notice is enough
    assert len(await sent_by(fake_wechat, citizen.openid, "template_send")) == 1

    await svc.app[DELIVERIES].send_due()  # the retry job leaves held answers alone
    assert await sent_by(fake_wechat, citizen.openid, "custom_send") == []

    clock.advance(hours=30)  # the citizen reads the notice and writes back the next day
    back = await citizen.say("我看到通知了")
    assert back.status == 200 and back.reply_text is not None
    # Never silence: the citizen wrote after the answers, so the next reply is due (Thursday
    # 16:10, online: today's 17:30 closing); then the held answers.
    assert "已转给工作人员，他们会在今天17:30前回复您" in back.reply_text
    delivered = await wait_for(fake_wechat, citizen.openid, "custom_send", 2)
    assert [d["text"] for d in delivered] == [STAFF_REPLY + FIRST, STAFF_REPLY + SECOND]
    assert len(await sent_by(fake_wechat, citizen.openid, "template_send")) == 1

    console = await svc.console("zhang")  # the clock moved past the console's idle timeout
    shown = await deliveries(console, handoff_id)
    assert [(d["text"], d["status"], d["via"]) for d in shown] == [
        (FIRST, "sent", "custom_send"),
        (SECOND, "sent", "custom_send"),
    ]
    assert all(d["held_at"] is not None and d["delivered_at"] == clock.now().isoformat() for d in shown)
    assert shown[0]["notice_at"] is not None and shown[1]["notice_at"] is None
    assert all(d["errcode"] is None for d in shown)
    status, detail = await console.get(f"/api/handoffs/{handoff_id}")
    assert status == 200
    citizen_said = [t["text"] for t in detail["transcript"] if t["author"] == "citizen"]
    assert citizen_said[-1] == "我看到通知了"


async def test_without_a_template_the_answer_still_waits_for_the_citizen(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    citizen, zhang, handoff_id = await claimed_handoff(svc)
    await fake_wechat.fail("custom_send", 45015)
    held = await answer(zhang, handoff_id, FIRST)
    assert (held["status"], held["notice_at"]) == ("held", None)
    assert await fake_wechat.sent(citizen.openid) == []

    await citizen.say("在吗")
    [delivered] = await wait_for(fake_wechat, citizen.openid, "custom_send", 1)
    assert delivered["text"] == STAFF_REPLY + FIRST
    assert [d["status"] for d in await deliveries(zhang, handoff_id)] == ["sent"]


async def test_a_failed_template_notice_is_tried_again_with_the_next_held_answer(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING), wechat_notice_template_id=TEMPLATE_ID)
    citizen, zhang, handoff_id = await claimed_handoff(svc)
    await fake_wechat.fail("custom_send", 45015)
    await fake_wechat.fail("template_send", 43004)  # the citizen unsubscribed from notices
    first = await answer(zhang, handoff_id, FIRST)
    assert (first["status"], first["notice_at"]) == ("held", None)
    assert await fake_wechat.sent(citizen.openid) == []

    await fake_wechat.fail("custom_send", 45015)
    second = await answer(zhang, handoff_id, SECOND)
    assert second["status"] == "held" and second["notice_at"] is not None
    assert len(await sent_by(fake_wechat, citizen.openid, "template_send")) == 1

    await citizen.say("收到")
    delivered = await wait_for(fake_wechat, citizen.openid, "custom_send", 2)
    assert [d["text"] for d in delivered] == [STAFF_REPLY + FIRST, STAFF_REPLY + SECOND]


async def test_an_unclaimed_citizen_writing_back_gets_the_wait_notice_and_the_held_answers(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer
):
    """A supervisor answers without claiming; the citizen's next message gets the bot's passive
    reply and, separately, the held answer."""
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING), wechat_notice_template_id=TEMPLATE_ID)
    await svc.add_account("boss", role="supervisor")
    citizen = svc.citizen()
    await citizen.say("转人工")
    boss = await svc.console("boss")
    [item] = await boss.queue(openid=citizen.openid)
    await fake_wechat.fail("custom_send", 45015)
    held = await answer(boss, item["id"], FIRST)
    assert held["status"] == "held"
    back = await citizen.say("我回来了")
    assert back.status == 200
    [delivered] = await wait_for(fake_wechat, citizen.openid, "custom_send", 1)
    assert delivered["text"] == STAFF_REPLY + FIRST
    assert [d["status"] for d in await deliveries(boss, item["id"])] == ["sent"]


@pytest.mark.parametrize(
    "failure",
    [
        {"errcode": -1, "times": 1},  # WeChat: 系统繁忙
        {"status": 502, "times": 1},  # a send is not repeated inside the call after a 5xx
    ],
    ids=["system-busy", "bad-gateway"],
)
async def test_network_trouble_keeps_the_answer_pending_for_the_retry_job(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer, failure: dict[str, int]
):
    clock = MovableClock(WORKDAY_MORNING)
    svc = await start_service(clock=clock, wechat_notice_template_id=TEMPLATE_ID)
    citizen, zhang, handoff_id = await claimed_handoff(svc)
    async with fake_wechat.http.post(
        f"{fake_wechat.url}/fake/fail", json={"api": "custom_send", **failure}
    ) as r:
        assert r.status == 200

    pending = await answer(zhang, handoff_id, FIRST)
    assert (pending["status"], pending["held_at"], pending["notice_at"]) == ("pending", None, None)
    assert pending["errcode"] == failure.get("errcode")
    assert await fake_wechat.sent(citizen.openid) == []  # no template notice for a network failure

    jobs = svc.app[DELIVERIES]
    clock.advance(seconds=5)  # before the back-off
    assert await jobs.send_due() == 0
    clock.advance(seconds=6)
    assert await jobs.send_due() == 1
    [delivered] = await sent_by(fake_wechat, citizen.openid, "custom_send")
    assert delivered["text"] == STAFF_REPLY + FIRST
    [shown] = await deliveries(zhang, handoff_id)
    assert (shown["status"], shown["via"], shown["delivered_at"]) == (
        "sent",
        "custom_send",
        clock.now().isoformat(),
    )
    assert await jobs.send_due() == 0
    assert len(await fake_wechat.sent(citizen.openid)) == 1
