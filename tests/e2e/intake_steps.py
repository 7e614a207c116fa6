"""What a citizen types to reach and fill in the application intake, shared by the intake tests.

Everything goes over signed, encrypted WeChat XML; what arrives later (the application number,
the withdrawal) is read from the fake WeChat API's sent log.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from bot.identity.gb11643 import compute_check_char
from bot.wechat.citizen_simulator import CitizenSimulator
from tests.conftest import FakeWeChatServer, RunningService

NAME = "王秀兰"
BODY = "15010219800512123"
ID_NUMBER = BODY + compute_check_char(BODY)  # a valid GB 11643 number, born 1980-05-12
PHONE = "13912345678"
# A Wednesday at 10:00 in Baotou (UTC+8), no holiday near.
START = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
DESCRIPTION = "老板欠我三个月工资，一共一万二，一直拖着不给"
OPPOSING_PARTY = "包头某某建筑公司"


def valid_id(first17: str) -> str:
    """The first 17 characters plus their right check character."""
    return first17 + compute_check_char(first17)


async def say(citizen: CitizenSimulator, text: str) -> str:
    result = await citizen.say(text)
    assert result.status == 200, text
    return result.reply_text or ""


async def speak(citizen: CitizenSimulator, recognition: str) -> str:
    """A voice message: WeChat sends the recognised words with it."""
    result = await citizen.send(citizen.voice_xml(recognition))
    assert result.status == 200, recognition
    return result.reply_text or ""


async def photo(citizen: CitizenSimulator, media_id: str) -> str:
    result = await citizen.send(citizen.image_xml(media_id))
    assert result.status == 200
    return result.reply_text or ""


async def sent_to(fake: FakeWeChatServer, openid: str) -> list[str]:
    return [str(m.get("text", "")) for m in await fake.sent(openid)]


async def wait_for_sent(fake: FakeWeChatServer, openid: str, needle: str, times: int = 1) -> list[str]:
    """The customer-service messages containing `needle`, once at least `times` arrived."""
    for _ in range(100):
        found = [text for text in await sent_to(fake, openid) if needle in text]
        if len(found) >= times:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {times} message(s) with {needle!r} sent to the citizen")


async def reach_intake(citizen: CitizenSimulator) -> str:
    """Labour, unpaid wages, a migrant worker: eligible and exempt, so straight into the intake."""
    await say(citizen, "我要申请法律援助")
    await say(citizen, "1")
    await say(citizen, "1")
    return await say(citizen, "农民工")


async def reach_intake_by_income(citizen: CitizenSimulator) -> str:
    """Unpaid wages, none of the exempt persons, 3 people on 3000 a month: the income test passes."""
    await say(citizen, "我要申请法律援助")
    await say(citizen, "1")
    await say(citizen, "1")
    assert "几口人" in await say(citizen, "0")
    assert "收入" in await say(citizen, "3")
    return await say(citizen, "3000")


async def answer_personal(
    citizen: CitizenSimulator, name: str = NAME, id_number: str = ID_NUMBER, phone: str = PHONE
) -> str:
    """From the notice to the district question."""
    assert "姓名" in await say(citizen, "同意")
    assert "身份证号" in await say(citizen, name)
    assert "手机号" in await say(citizen, id_number)
    district = await say(citizen, phone)
    assert "1. 昆都仑区" in district
    return district


async def answer_case(citizen: CitizenSimulator) -> str:
    """District, description, opposing party and place: returns what comes after the place."""
    assert "发生了什么事" in await say(citizen, "1")
    assert "对方是谁" in await say(citizen, DESCRIPTION)
    assert "在哪里处理" in await say(citizen, OPPOSING_PARTY)
    return await say(citizen, "1")


async def skip_documents(citizen: CitizenSimulator, first_question: str) -> str:
    """跳过 every material asked for; returns the review."""
    reply = first_question
    for _ in range(4):
        if "请核对" in reply:
            return reply
        assert "请拍照发送" in reply, reply
        reply = await say(citizen, "跳过")
    assert "请核对" in reply, reply
    return reply


async def fill_to_review(
    citizen: CitizenSimulator, name: str = NAME, id_number: str = ID_NUMBER, phone: str = PHONE
) -> str:
    """An exempt applicant from the first message to the review, no photos sent."""
    await reach_intake(citizen)
    await answer_personal(citizen, name, id_number, phone)
    return await skip_documents(citizen, await answer_case(citizen))


async def submit(citizen: CitizenSimulator, fake: FakeWeChatServer, times: int = 1) -> str:
    """提交 at the review; returns the application number the citizen is sent."""
    assert await say(citizen, "提交") == ""  # the number comes as its own message
    texts = await wait_for_sent(fake, citizen.openid, "申请号", times)
    return texts[-1].split("申请号：")[1].split()[0]


async def conversation(svc: RunningService) -> tuple[str | None, str | None, dict[str, Any]]:
    """The only citizen's stored flow, step and (opened) slots."""
    row = (await svc.rows("SELECT flow, step, slots FROM conversation_state"))[0]
    slots = svc.unseal(row.slots, "conversation_state.slots") if row.slots else {}
    return row.flow, row.step, slots
