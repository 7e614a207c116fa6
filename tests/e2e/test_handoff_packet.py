"""A handoff carries what the bot learnt: the screening, the matter's queue, a summary of the problem."""

from __future__ import annotations

import pytest

from bot.clock import MovableClock
from tests.conftest import WORKDAY_MORNING, RunningService, ServiceFactory


@pytest.fixture
async def svc(start_service: ServiceFactory) -> RunningService:
    svc = await start_service(aes=False, clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("boss", role="supervisor", specialties=["general"])
    return svc


async def test_a_human_asked_for_mid_interview_gets_the_answers_in_the_matters_queue(svc: RunningService):
    citizen = svc.citizen()
    for line in ("我老公喝了酒就打我，身上都是伤，我想离婚", "我能申请法律援助吗", "2", "2", "转人工"):
        await citizen.say(line)
    console = await svc.console("boss")
    [item] = await console.queue(status="open")
    assert item["specialty"] == "family"  # the matter, not the general queue
    screening = item["packet"]["screening"]
    assert screening["case"]["matter"] == "divorce_abuse_victim"
    summary = item["packet"]["summary"]
    assert "我老公喝了酒就打我" in summary  # the citizen's own account
    assert "“2”" not in summary and "“转人工”" not in summary
    assert "受到家庭暴力" in summary or "离婚" in summary  # the matter in words, not its code
    assert "divorce_abuse_victim" not in summary


async def test_a_matter_for_review_goes_to_its_queue_with_the_decision_in_words(svc: RunningService):
    citizen = svc.citizen()
    for line in ("我能申请法律援助吗", "2", "5"):  # family → other family problems: needs review
        await citizen.say(line)
    console = await svc.console("boss")
    [item] = await console.queue(status="open")
    assert item["reason"] == "needs_review" and item["specialty"] == "general"  # other_prescribed: no queue
    assert item["packet"]["screening"]["decision"]["decision"] == "needs_review"
    assert "需工作人员审核" in item["packet"]["summary"]


async def test_the_summary_follows_what_the_citizen_adds(svc: RunningService):
    citizen = svc.citizen()
    await citizen.say("老板拖欠我三个月工资，一直不给")
    await citizen.say("转人工")
    console = await svc.console("boss")
    [before] = await console.queue(status="open")
    assert before["specialty"] == "labor" and "老板拖欠我三个月工资" in before["packet"]["summary"]
    await citizen.say("工资条和考勤记录我都有")
    [after] = await console.queue(status="open")
    assert "老板拖欠我三个月工资" in after["packet"]["summary"]
    assert "工资条和考勤记录我都有" in after["packet"]["summary"]
