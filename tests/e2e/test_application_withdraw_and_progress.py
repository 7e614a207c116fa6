"""After submitting: withdrawing (asked to confirm, told by a customer-service message) and the
progress of several applications."""

from __future__ import annotations

import pytest

from bot.clock import MovableClock
from bot.wechat.citizen_simulator import CitizenSimulator
from tests.conftest import FakeWeChatServer, RunningService, ServiceFactory
from tests.e2e.intake_steps import (
    START,
    answer_case,
    answer_personal,
    conversation,
    fill_to_review,
    reach_intake,
    say,
    skip_documents,
    submit,
    wait_for_sent,
)


@pytest.fixture
async def svc(start_service: ServiceFactory) -> RunningService:
    return await start_service(clock=MovableClock(START))


async def applied(svc: RunningService, fake: FakeWeChatServer) -> tuple[CitizenSimulator, str]:
    citizen = svc.citizen()
    await fill_to_review(citizen)
    return citizen, await submit(citizen, fake)


async def status_of(svc: RunningService, number: str) -> str:
    return str(await svc.scalar("SELECT status FROM application WHERE number = :n", n=number))


async def events_of(svc: RunningService, number: str) -> list[tuple[str, str, str | None, str | None]]:
    rows = await svc.rows(
        "SELECT e.actor, e.action, e.from_status, e.to_status FROM application_event e"
        " JOIN application a ON a.id = e.application_id WHERE a.number = :n ORDER BY e.id",
        n=number,
    )
    return [(r.actor, r.action, r.from_status, r.to_status) for r in rows]


async def test_withdraw_asks_first_then_withdraws_and_tells_the_citizen(
    svc: RunningService, fake_wechat: FakeWeChatServer
):
    citizen, number = await applied(svc, fake_wechat)
    assert await status_of(svc, number) == "materials_incomplete"
    ask = await say(citizen, "撤回申请")
    assert number in ask and "确认撤回" in ask and "不撤回" in ask
    assert await status_of(svc, number) == "materials_incomplete"  # only asked so far

    svc_clock = svc.clock
    assert isinstance(svc_clock, MovableClock)
    at = svc_clock.advance(minutes=2)
    await say(citizen, "确认撤回")
    (told,) = await wait_for_sent(fake_wechat, citizen.openid, "已撤回")
    assert number in told
    assert await status_of(svc, number) == "withdrawn"
    assert (await events_of(svc, number))[-1] == ("citizen", "withdrawn", "materials_incomplete", "withdrawn")
    when = await svc.scalar(
        "SELECT e.at FROM application_event e JOIN application a ON a.id = e.application_id"
        " WHERE a.number = :n AND e.action = 'withdrawn'",
        n=number,
    )
    assert str(at.replace(tzinfo=None))[:16] in str(when)

    progress = await say(citizen, "我的申请怎么样了")
    assert f"申请号{number}：已撤回" in progress
    assert "没有可以撤回的申请" in await say(citizen, "撤回申请")  # nothing left to withdraw


async def test_not_withdrawing_keeps_the_application(svc: RunningService, fake_wechat: FakeWeChatServer):
    citizen, number = await applied(svc, fake_wechat)
    await say(citizen, "撤回申请")
    kept = await say(citizen, "不撤回")
    assert number in kept and "没有撤回" in kept
    assert await status_of(svc, number) == "materials_incomplete"
    assert "withdrawn" not in [action for _, action, _, _ in await events_of(svc, number)]
    assert (await conversation(svc))[1] is None  # the confirmation is over
    assert "申请号" not in await say(citizen, "确认撤回")  # a late 确认撤回 alone withdraws nothing
    assert await status_of(svc, number) == "materials_incomplete"


async def test_two_applications_are_both_listed_and_the_one_named_is_withdrawn(
    svc: RunningService, fake_wechat: FakeWeChatServer
):
    citizen, first = await applied(svc, fake_wechat)
    assert "申请须知" in await reach_intake(citizen)  # a second matter: the interview, then the intake
    await answer_personal(citizen)
    await skip_documents(citizen, await answer_case(citizen))
    second = await submit(citizen, fake_wechat, times=2)
    assert second != first

    progress = await say(citizen, "我的申请怎么样了")
    assert f"申请号{first}：" in progress and f"申请号{second}：" in progress
    assert progress.count("材料不全") == 2

    # Naming the older one withdraws that one, not the newest.
    ask = await say(citizen, f"撤回申请{first}")
    assert first in ask and second not in ask
    await say(citizen, "确认撤回")
    await wait_for_sent(fake_wechat, citizen.openid, "已撤回")
    assert await status_of(svc, first) == "withdrawn"
    assert await status_of(svc, second) == "materials_incomplete"

    # Naming one that is already withdrawn withdraws nothing else.
    assert "没有可以撤回的申请" in await say(citizen, f"撤回申请{first.lower()}")
    assert await status_of(svc, second) == "materials_incomplete"
