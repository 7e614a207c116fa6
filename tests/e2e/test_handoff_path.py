"""The whole path: a citizen's 转人工 over signed, encrypted WeChat XML reaches the queue, a
consultant claims and answers through the handoff API, and the fake WeChat API receives it."""

from __future__ import annotations

import asyncio

from bot.clock import MovableClock
from tests.conftest import WORKDAY_MORNING, FakeWeChatServer, ServiceFactory


async def wait_for_sent(fake: FakeWeChatServer, openid: str, count: int) -> list[dict]:
    for _ in range(100):
        sent = await fake.sent(openid)
        if len(sent) >= count:
            return sent
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} messages to {openid}, got {await fake.sent(openid)}")


async def test_request_human_is_claimed_answered_and_delivered(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    citizen = svc.citizen()
    await citizen.say("老板拖欠我三个月工资")
    told = await citizen.say("转人工")
    assert told.reply_text is not None
    assert "在线咨询" in told.reply_text and "今天15:00前" in told.reply_text  # 10:00 + 5 h, Beijing

    console = await svc.console("zhang")
    [item] = await console.queue(status="open")
    assert (item["kind"], item["specialty"], item["reason"]) == ("online", "labor", "request_human")
    assert item["deadline_at"] == "2026-11-25T07:00:00+00:00"
    assert item["packet"]["intent"] == "consult_labor"
    assert "拖欠" in item["packet"]["summary"]
    assert citizen.openid not in str(item)  # the console sees an alias, never the openid

    status, claimed = await console.post(f"/api/handoffs/{item['id']}/claim")
    assert status == 200 and claimed["status"] == "claimed" and claimed["assignee"] == "zhang"
    status, answered = await console.post(
        f"/api/handoffs/{item['id']}/messages", {"text": "您好，请问有劳动合同吗？"}
    )
    assert status == 200
    [last] = [t for t in answered["transcript"] if t["author"] == "consultant"]
    assert last["delivery"]["status"] == "sent" and last["delivery"]["via"] == "custom_send"
    assert last["text"] == "您好，请问有劳动合同吗？"  # the console shows the consultant's own words

    sent = await wait_for_sent(fake_wechat, citizen.openid, 1)
    # In WeChat the citizen sees that a person answered (data/texts.yml handoff.answer_prefix).
    assert sent[-1]["text"] == "工作人员回复：您好，请问有劳动合同吗？"
    assert await svc.scalar("SELECT answered_at IS NOT NULL FROM reply_deadline") in (True, 1)


async def test_while_a_handoff_is_open_the_citizen_talks_to_the_consultant(start_service: ServiceFactory):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("li")
    citizen = svc.citizen()
    await citizen.say("转人工")
    follow_up = await citizen.say("我还有工资条的照片")
    assert follow_up.reply_text is not None and "已转给工作人员" in follow_up.reply_text
    assert await svc.count("handoff") == 1
    console = await svc.console("li")
    [item] = await console.queue()
    status, detail = await console.get(f"/api/handoffs/{item['id']}")
    assert status == 200
    assert [t["text"] for t in detail["transcript"] if t["author"] == "citizen"] == [
        "转人工",
        "我还有工资条的照片",
    ]
    # The list (with the citizen's last words) and the transcript view were both audited.
    looks = await svc.rows("SELECT action, object_id FROM audit_entry ORDER BY id")
    assert [(r.action, r.object_id) for r in looks] == [
        ("list_handoffs", "list"),
        ("view_handoff", str(item["id"])),
    ]

    cancelled = await citizen.say("取消")
    assert cancelled.reply_text is not None and "已取消转人工" in cancelled.reply_text
    [closed] = await console.queue(status="closed")
    assert closed["ended_by"] == "citizen"
    back_to_bot = await citizen.say("你好")
    assert back_to_bot.reply_text is not None and "在线咨询助手" in back_to_bot.reply_text


async def test_a_follow_up_after_the_answer_is_acknowledged_and_flagged_for_the_consultant(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang")
    citizen = svc.citizen()
    await citizen.send(citizen.event_xml("subscribe"))
    await citizen.say("转人工")
    console = await svc.console("zhang")
    [item] = await console.queue()
    assert item["awaiting_reply"] is True
    await console.post(f"/api/handoffs/{item['id']}/messages", {"text": "请说说具体情况"})
    [item] = await console.queue()
    assert item["awaiting_reply"] is False

    follow_up = await citizen.say("公司不给我签合同")
    # The next reply is due (10:00 + 5 h): the citizen is told by when, the console counts down.
    assert follow_up.reply_text is not None and "已转给工作人员" in follow_up.reply_text
    assert "今天15:00前回复您" in follow_up.reply_text
    [item] = await console.queue()
    assert item["awaiting_reply"] is True and item["last_message"]["text"] == "公司不给我签合同"
    assert item["deadline_running"] is True
    _, detail = await console.get(f"/api/handoffs/{item['id']}")
    assert all(t["kind"] != "event" for t in detail["transcript"])  # a bare subscribe is no turn

    status, _ = await console.post(
        f"/api/handoffs/{item['id']}/close", {"outcome": "c", "note": "劳动监察大队"}
    )
    assert status == 200
    sent = await wait_for_sent(fake_wechat, citizen.openid, 3)
    assert sent[0]["text"] == "工作人员回复：请说说具体情况"
    assert "不属于法律援助的范围" in sent[1]["text"]
    assert not sent[1]["text"].startswith("工作人员回复：")  # the bot's closing words are not a person's
    assert "请您为这次咨询打分" in sent[2]["text"]  # and the satisfaction request follows
