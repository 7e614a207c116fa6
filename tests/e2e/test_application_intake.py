"""Applying in WeChat: from "我要申请法律援助" to an application number, over signed, encrypted XML.

The citizen's photos come from the fake WeChat API's media endpoint; what the citizen reads
asynchronously (the number, the missing-materials notice) is read from the fake API's sent log.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from bot.clock import MovableClock
from bot.identity.gb11643 import compute_check_char
from bot.wechat.citizen_simulator import CitizenSimulator
from tests.conftest import FakeWeChatServer, RunningService, ServiceFactory

NAME = "王秀兰"
BODY = "15010219800512123"
ID_NUMBER = BODY + compute_check_char(BODY)  # a valid GB 11643 number, born 1980-05-12
PHONE = "13912345678"
# A Wednesday at 10:00 in Baotou (UTC+8), no holiday near.
START = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


async def say(citizen: CitizenSimulator, text: str) -> str:
    result = await citizen.say(text)
    assert result.status == 200, text
    return result.reply_text or ""


async def sent_to(fake: FakeWeChatServer, openid: str) -> list[str]:
    return [str(m.get("text", "")) for m in await fake.sent(openid)]


async def wait_for_sent(fake: FakeWeChatServer, openid: str, needle: str) -> str:
    for _ in range(100):
        for text in await sent_to(fake, openid):
            if needle in text:
                return text
        await asyncio.sleep(0.05)
    raise AssertionError(f"no message with {needle!r} sent to the citizen")


async def photo(citizen: CitizenSimulator, media_id: str) -> str:
    result = await citizen.send(citizen.image_xml(media_id))
    assert result.status == 200
    return result.reply_text or ""


@pytest.fixture
async def svc(start_service: ServiceFactory) -> RunningService:
    return await start_service(clock=MovableClock(START))


async def reach_intake(citizen: CitizenSimulator) -> str:
    """Labour, unpaid wages, a migrant worker: eligible and exempt, so straight into the intake."""
    await say(citizen, "我要申请法律援助")
    await say(citizen, "1")
    await say(citizen, "1")
    return await say(citizen, "农民工")


async def test_full_intake_to_an_application_number(svc: RunningService, fake_wechat: FakeWeChatServer):
    citizen = svc.citizen()
    notice = await reach_intake(citizen)
    assert "可以申请法律援助" in notice and "申请须知" in notice and "同意" in notice
    assert "姓名" in await say(citizen, "同意")
    assert "身份证号" in await say(citizen, NAME)
    assert "15位" in await say(citizen, "150102800512123")  # a legacy number, refused politely
    assert "最后一位" in await say(citizen, BODY + ("0" if ID_NUMBER[-1] != "0" else "1"))
    assert "手机号" in await say(citizen, ID_NUMBER)
    assert "11位" in await say(citizen, "1391234567")
    district = await say(citizen, PHONE)
    assert "1. 昆都仑区" in district
    assert "发生了什么事" in await say(citizen, "1")
    assert "对方是谁" in await say(citizen, "老板欠我三个月工资，一共一万二，一直拖着不给")
    assert "在哪里处理" in await say(citizen, "包头某某建筑公司")
    first_doc = await say(citizen, "1")
    assert "身份证照片" in first_doc  # exempt: no economic question, the documents come next
    assert "第1张" in await photo(citizen, "test_id_front")
    assert "第2张" in await photo(citizen, "test_id_back")
    assert "低保证" in await say(citizen, "好了")  # the exemption document comes next
    assert "案子有关" in await say(citizen, "跳过")
    review = await say(citizen, "跳过")
    assert "1. 姓名：王**" in review and "1501**********" in review and "139****5678" in review
    assert NAME not in review and ID_NUMBER not in review and PHONE not in review
    assert "事由：" in review and "身份证照片（正反面）2张" in review

    # 改电话 goes back to that answer and returns to the review.
    assert "手机号" in await say(citizen, "改电话")
    again = await say(citizen, "15047712345")
    assert "请核对" in again and "150****2345" in again
    assert await say(citizen, "提交") == ""  # the number comes as its own message

    number_text = await wait_for_sent(fake_wechat, citizen.openid, "申请号")
    number = number_text.split("申请号：")[1].split()[0]
    assert number.startswith("FY20261202")
    assert "还差这些材料" in number_text and "低保证" in number_text and "案子有关" in number_text
    assert "身份证照片" not in number_text.split("还差")[1]

    stored = (await svc.rows("SELECT status, particulars, missing, id_number_hash FROM application"))[0]
    assert stored.status == "materials_incomplete"
    particulars = svc.unseal(stored.particulars, "application.particulars")
    assert particulars["name"] == NAME and particulars["id_number"] == ID_NUMBER
    assert particulars["phone"] == "15047712345"
    missing = json.loads(stored.missing) if isinstance(stored.missing, str) else stored.missing
    assert missing == ["exemption_proof", "case_materials"]
    documents = await svc.rows("SELECT kind, content, size FROM application_document ORDER BY id")
    assert [d.kind for d in documents] == ["id_card", "id_card"]
    await wait_documents_fetched(svc, 2)
    contents = await svc.rows("SELECT content FROM application_document ORDER BY id")
    png = svc.unseal(contents[0].content, "application_document.content")
    assert png  # the sealed value opens; it is base64 of the PNG the fake API served

    # The transcript keeps only the masked answers.
    texts = [
        svc.unseal(r.text, "message.text")
        for r in await svc.rows("SELECT text FROM message WHERE text IS NOT NULL")
    ]
    leaked = [t for t in texts if NAME in t or ID_NUMBER in t or PHONE in t or "15047712345" in t]
    assert not leaked, leaked
    assert any("王**" in t for t in texts)

    # Missing materials later: a photo, its kind, and the application moves on by itself.
    kind_question = await photo(citizen, "test_dibao")
    assert "哪种材料" in kind_question
    assert "已放进" in await say(citizen, "3")
    await photo(citizen, "test_contract")
    await say(citizen, "4")
    complete = await wait_for_sent(fake_wechat, citizen.openid, "材料已齐全")
    assert number in complete and "前决定" in complete
    assert await svc.scalar("SELECT status FROM application") == "under_review"

    progress = await say(citizen, "我的申请怎么样了")
    assert number in progress and "正在审查" in progress


async def wait_documents_fetched(svc: RunningService, count: int) -> None:
    for _ in range(100):
        if (
            await svc.scalar("SELECT COUNT(*) FROM application_document WHERE fetched_at IS NOT NULL")
            >= count
        ):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("documents were not downloaded")


async def test_progress_without_an_application_says_how_to_apply(svc: RunningService):
    reply = await say(svc.citizen(), "我的申请怎么样了")
    assert "没有查到" in reply and "我要申请法律援助" in reply


async def test_stop_applying_drops_the_draft(svc: RunningService):
    citizen = svc.citizen()
    await reach_intake(citizen)
    await say(citizen, "同意")
    await say(citizen, NAME)
    stopped = await say(citizen, "不申请了")
    assert "先不申请" in stopped
    assert await svc.scalar("SELECT status FROM application") == "withdrawn"
    assert await svc.scalar("SELECT flow FROM conversation_state") is None


async def test_reminder_next_working_day_and_resume(svc: RunningService, fake_wechat: FakeWeChatServer):
    from bot.app import remind_unfinished_intakes

    citizen = svc.citizen()
    await reach_intake(citizen)
    await say(citizen, "同意")
    clock = svc.clock
    assert isinstance(clock, MovableClock)
    clock.advance(hours=10)  # 20:00 the same day: no reminder at night
    assert await remind_unfinished_intakes(svc.app) == 0
    clock.advance(hours=14, minutes=1)  # Thursday 10:01
    assert await remind_unfinished_intakes(svc.app) == 1
    assert await remind_unfinished_intakes(svc.app) == 0  # once
    await wait_for_sent(fake_wechat, citizen.openid, "还没填完")
    assert "姓名" in await say(citizen, "继续")


async def test_outside_the_48_hour_window_the_reminder_waits_and_a_template_says_so(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer
):
    """WeChat refuses a customer-service message 48 hours after the citizen's last message (45015):
    the application's message is held, one template notice asks the citizen to write, and their
    next message brings the held message."""
    from bot.app import remind_unfinished_intakes

    svc = await start_service(clock=MovableClock(START), wechat_notice_template_id="tmpl-application")
    citizen = svc.citizen()
    await reach_intake(citizen)
    clock = svc.clock
    assert isinstance(clock, MovableClock)
    clock.advance(hours=24)  # Thursday 10:00, the reminder is due
    await fake_wechat.fail("custom_send", errcode=45015)
    assert await remind_unfinished_intakes(svc.app) == 1
    templates = [m for m in await fake_wechat.sent(citizen.openid) if m["api"] == "template_send"]
    assert len(templates) == 1
    assert await svc.scalar("SELECT status FROM delivery ORDER BY id DESC LIMIT 1") == "held"
    assert not [t for t in await sent_to(fake_wechat, citizen.openid) if "还没填完" in t]
    await say(citizen, "继续")  # the citizen writes: the window is open again
    await wait_for_sent(fake_wechat, citizen.openid, "还没填完")


async def test_a_consultant_mid_intake_then_the_intake_resumes_where_it_was(svc: RunningService):
    citizen = svc.citizen()
    await reach_intake(citizen)
    await say(citizen, "同意")
    await say(citizen, NAME)
    handed = await say(citizen, "转人工")
    assert "申请会保留" in handed
    await svc.add_account("zhang", role="supervisor")
    zhang = await svc.console("zhang")
    status, queue = await zhang.get("/api/handoffs")
    assert status == 200
    item = queue["items"][0]
    assert (await zhang.post(f"/api/handoffs/{item['id']}/claim"))[0] == 200
    assert (await zhang.post(f"/api/handoffs/{item['id']}/close", {"outcome": "a"}))[0] == 200
    resumed = await say(citizen, "继续")
    assert "身份证号" in resumed  # the question it stopped at; the name is kept
    assert "手机号" in await say(citizen, ID_NUMBER)


async def test_no_reminder_while_a_consultant_holds_the_conversation(
    svc: RunningService, fake_wechat: FakeWeChatServer
):
    """After 转人工 mid-intake the reminder waits: its "继续" would reach the consultant."""
    from bot.app import remind_unfinished_intakes

    citizen = svc.citizen()
    await reach_intake(citizen)
    await say(citizen, "同意")
    await say(citizen, "转人工")
    clock = svc.clock
    assert isinstance(clock, MovableClock)
    clock.advance(hours=24, minutes=1)  # Thursday 10:01, the reminder was due
    assert await remind_unfinished_intakes(svc.app) == 0
    assert not [t for t in await sent_to(fake_wechat, citizen.openid) if "还没填完" in t]
    due = await svc.scalar("SELECT reminder_due_at FROM application WHERE status = 'draft'")
    assert due is not None and "2026-12-04" in str(due)  # moved to Friday 10:00 (02:00 UTC)
