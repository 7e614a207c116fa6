"""Every consultation leaves a complete record, filled as it happens (002 §6.2 d): citizens write over
the signed WeChat protocol, consultants act through the console API, the clock is moved by hand and
the silence close runs as the alarm runs it. What staff read back is the records API's answer.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from bot.clock import MovableClock
from bot.review_wiring import run_consultation_silence
from bot.wechat.citizen_simulator import CitizenSimulator
from tests.conftest import WORKDAY_MORNING, RunningService, ServiceFactory
from tests.e2e.intake_steps import fill_to_review, submit

WAGES = "老板拖欠我三个月工资不给"


def clock_of(svc: RunningService) -> MovableClock:
    clock = svc.clock
    assert isinstance(clock, MovableClock)
    return clock


def iso(svc: RunningService, **later: float) -> str:
    return (svc.clock.now() + timedelta(**later)).isoformat()


async def talk(citizen: CitizenSimulator, *lines: str) -> list[str]:
    replies = []
    for line in lines:
        result = await citizen.say(line)
        assert result.status == 200, line
        replies.append(result.reply_text or "")
    return replies


async def records(svc: RunningService, username: str = "boss", **filters: str) -> list[dict[str, Any]]:
    status, body = await (await svc.console(username)).get("/api/consultations", **filters)
    assert status == 200, body
    assert body["total"] >= len(body["items"])
    return list(body["items"])


async def record(svc: RunningService, consultation_id: int, username: str = "boss") -> dict[str, Any]:
    status, body = await (await svc.console(username)).get(f"/api/consultations/{consultation_id}")
    assert status == 200, body
    return dict(body)


async def only_record(svc: RunningService) -> dict[str, Any]:
    [listed] = await records(svc)
    return await record(svc, listed["id"])


async def close_silent(svc: RunningService) -> int:
    return await run_consultation_silence(svc.app)


async def hand_off(svc: RunningService, story: str = "老板拖欠我三个月工资") -> tuple[CitizenSimulator, int]:
    """A citizen tells the story and asks for a human; returns them and the queue item's id."""
    citizen = svc.citizen()
    await talk(citizen, story, "转人工")
    [item] = await (await svc.console("boss")).queue(openid=citizen.openid)
    return citizen, int(item["id"])


async def act(svc: RunningService, username: str, handoff_id: int, path: str, body: Any = None) -> Any:
    status, answer = await (await svc.console(username)).post(f"/api/handoffs/{handoff_id}/{path}", body)
    assert status == 200, answer
    return answer


@pytest.fixture
async def svc(start_service: ServiceFactory) -> RunningService:
    """Wednesday 10:00 in the center; a labour consultant and a supervisor."""
    running = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await running.add_account("zhang", specialties=["labor"])
    await running.add_account("boss", role="supervisor")
    return running


# ---- bot-only consultations and the silence ----------------------------------------------------
async def test_a_bot_only_consultation_closes_after_the_silence_with_the_outcome_the_bot_reached(
    svc: RunningService,
):
    citizen = svc.citizen()
    *_, decision = await talk(citizen, WAGES, "1", "我是农民工")
    assert "可以申请法律援助" in decision
    growing = await only_record(svc)
    assert growing["status"] == "open" and growing["closed_at"] is None
    assert growing["channel"] == "wechat" and growing["consultant"] is None
    assert growing["intents"][0] == "consult_labor"  # in the order raised, each once

    clock_of(svc).advance(minutes=29)
    assert await close_silent(svc) == 0  # not yet 30 minutes of silence
    clock_of(svc).advance(minutes=2)
    assert await close_silent(svc) == 1
    assert await close_silent(svc) == 0  # closed once

    closed = await only_record(svc)
    assert closed["status"] == "closed" and closed["ended_by"] == "silence"
    assert closed["closed_at"] == svc.clock.now().isoformat()
    assert closed["received_at"] == WORKDAY_MORNING.isoformat()
    assert closed["outcome"] == "a"  # eligible: guided to apply (002 §6.2 a)
    assert closed["specialty"] == "labor" and closed["kind"] is None
    assert closed["breached"] is None and closed["first_reply_at"] is None  # no clock for the bot
    turns = closed["transcript"]
    assert [t["author"] for t in turns[:2]] == ["citizen", "bot"] and turns[0]["text"] == WAGES
    assert len(turns) == 6

    await talk(citizen, "你好")  # after the close: a new consultation
    newest, first = await records(svc)
    assert first["id"] == closed["id"] and newest["id"] != first["id"]
    assert (await record(svc, newest["id"]))["status"] == "open"


@pytest.mark.parametrize(
    ("lines", "outcome", "referral"),
    [
        (("我能申请法律援助吗", "1", "1", "0", "1", "8000"), "b", None),  # income too high: advice
        (
            ("我能申请法律援助吗", "都不是，我的事是生意合同纠纷"),
            "c",
            "12348公共法律服务热线；人民调解委员会",
        ),
        (("你好", "谢谢"), None, None),  # answered by the bot: no outcome
    ],
)
async def test_the_outcome_of_a_bot_only_consultation_follows_what_the_bot_did(
    svc: RunningService, lines: tuple[str, ...], outcome: str | None, referral: str | None
):
    await talk(svc.citizen(), *lines)
    clock_of(svc).advance(minutes=31)
    assert await close_silent(svc) == 1
    closed = await only_record(svc)
    assert (closed["outcome"], closed["referral"], closed["ended_by"]) == (outcome, referral, "silence")
    if outcome is None:
        assert closed["intents"] == ["greet", "thank"] and closed["specialty"] is None


async def test_a_consultation_with_a_consultant_waiting_is_never_closed_by_silence(svc: RunningService):
    _, handoff_id = await hand_off(svc)
    clock_of(svc).advance(hours=3)
    assert await close_silent(svc) == 0
    waiting = await only_record(svc)
    assert waiting["status"] == "waiting_human" and waiting["closed_at"] is None

    await act(svc, "zhang", handoff_id, "claim")
    await act(svc, "zhang", handoff_id, "messages", {"text": "您好，请讲讲具体情况。"})
    await act(svc, "zhang", handoff_id, "return-to-bot")
    back = await only_record(svc)
    assert back["status"] == "open" and back["consultant"] == "zhang"  # the handoff's facts stay
    clock_of(svc).advance(minutes=29)
    assert await close_silent(svc) == 0  # the silence counts from the return to the bot
    clock_of(svc).advance(minutes=2)
    assert await close_silent(svc) == 1
    closed = await only_record(svc)
    assert (closed["ended_by"], closed["consultant"], closed["breached"]) == ("silence", "zhang", False)


async def test_several_workers_close_each_silent_consultation_once(
    svc: RunningService, start_service: ServiceFactory
):
    other_worker = await start_service(clock=svc.clock)  # the same database, another process's app
    for story in (WAGES, "你好", "离婚孩子归谁"):
        await talk(svc.citizen(), story)
    clock_of(svc).advance(minutes=45)
    closed = await asyncio.gather(*(close_silent(app) for app in (svc, other_worker, svc, other_worker)))
    assert sum(closed) == 3
    listed = await records(svc)
    assert len(listed) == 3 and all(r["closed_at"] == svc.clock.now().isoformat() for r in listed)


# ---- handed to a consultant ---------------------------------------------------------------------
async def test_a_handoff_closed_by_its_consultant_records_who_answered_when_and_in_time(svc: RunningService):
    citizen, handoff_id = await hand_off(svc)
    clock_of(svc).advance(minutes=20)
    await act(svc, "zhang", handoff_id, "claim")
    clock_of(svc).advance(minutes=10)
    answered_at = svc.clock.now().isoformat()
    await act(
        svc, "zhang", handoff_id, "messages", {"text": "您好，欠薪可以先申请劳动仲裁，我们也可以帮您。"}
    )
    await talk(citizen, "好的，那我怎么申请")
    clock_of(svc).advance(minutes=5)
    await act(svc, "zhang", handoff_id, "messages", {"text": "回复“我要申请法律援助”就能在微信里申请。"})
    await act(svc, "zhang", handoff_id, "close", {"outcome": "a"})

    closed = await only_record(svc)
    assert closed["status"] == "closed" and closed["ended_by"] == "consultant"
    assert (closed["consultant"], closed["outcome"], closed["kind"]) == ("zhang", "a", "online")
    assert closed["first_reply_at"] == answered_at  # the first answer, not the last
    assert closed["breached"] is False and closed["specialty"] == "labor"
    assert closed["closed_at"] == svc.clock.now().isoformat()
    assert "request_human" in closed["intents"]
    authors = [t["author"] for t in closed["transcript"]]
    assert authors.count("consultant") == 2 and authors[0] == "citizen"
    assert (await records(svc, "zhang"))[0]["id"] == closed["id"]  # zhang's own record


async def test_a_breached_handoff_is_recorded_breached_with_the_referral_of_its_close(svc: RunningService):
    _, handoff_id = await hand_off(svc, "我家的狗被邻居打了怎么办")
    clock_of(svc).advance(hours=6)  # past the 5 h an online consultation is promised
    await svc.sweep()
    await act(svc, "boss", handoff_id, "claim")
    await act(svc, "boss", handoff_id, "messages", {"text": "这类纠纷可以找社区人民调解委员会。"})
    body = {"outcome": "c", "referral": "社区人民调解委员会", "note": "已告知调解渠道"}
    await act(svc, "boss", handoff_id, "close", body)
    closed = await only_record(svc)
    assert (closed["breached"], closed["outcome"], closed["referral"]) == (True, "c", "社区人民调解委员会")
    assert closed["consultant"] == "boss" and closed["first_reply_at"] is not None


async def test_a_close_refuses_a_referral_it_cannot_carry_and_changes_nothing(svc: RunningService):
    _, handoff_id = await hand_off(svc)
    await act(svc, "zhang", handoff_id, "claim")
    before = await svc.counts()
    console = await svc.console("zhang")
    for body in ({"outcome": "a", "referral": "劳动监察大队"}, {"outcome": "c", "referral": 7}):
        status, problem = await console.post(f"/api/handoffs/{handoff_id}/close", body)
        assert (status, problem["field"]) == (422, "referral"), body
    status, problem = await console.post(
        f"/api/handoffs/{handoff_id}/close", {"outcome": "c", "referral": "x" * 65}
    )
    assert (status, problem["field"]) == (422, "referral")
    assert await svc.counts() == before
    assert (await only_record(svc))["status"] == "waiting_human"


# ---- an application in the chat -----------------------------------------------------------------
async def test_an_application_submitted_in_the_chat_is_the_records_outcome_a_with_its_number(
    svc: RunningService, fake_wechat: Any
):
    citizen = svc.citizen()
    await fill_to_review(citizen)
    number = await submit(citizen, fake_wechat)
    listed = await records(svc)
    [applied] = [r for r in listed if r["application_number"] == number]
    assert applied["outcome"] == "a"
    clock_of(svc).advance(minutes=31)
    await close_silent(svc)
    closed = await record(svc, applied["id"])
    assert (closed["status"], closed["outcome"], closed["application_number"]) == ("closed", "a", number)
