"""The eligibility interview over the WeChat protocol: from a question to a decision and its next step."""

from __future__ import annotations

import pytest

from bot.wechat.citizen_simulator import CitizenSimulator
from tests.conftest import RunningService, ServiceFactory


async def talk(citizen: CitizenSimulator, *lines: str) -> list[str]:
    replies = []
    for line in lines:
        result = await citizen.say(line)
        assert result.status == 200 and result.reply_text is not None, line
        replies.append(result.reply_text)
    return replies


async def screening(svc: RunningService) -> dict:
    return svc.unseal(await svc.scalar("SELECT screening FROM consultation"), "consultation.screening")


@pytest.fixture
async def svc(start_service: ServiceFactory) -> RunningService:
    return await start_service(aes=False)


async def test_free_answers_lead_to_a_decision_with_reasons_and_next_step(svc: RunningService):
    citizen = svc.citizen()
    intro, labor, persons, household, confirm, decision = await talk(
        citizen, "我能申请法律援助吗", "1", "1", "都不是", "三口人，一个月四千多", "对"
    )
    assert "几个简单的问题" in intro and "1. 劳动" in intro
    assert "欠工资" in labor and "1." in labor
    assert "低保户" in persons and "多选" in persons
    assert "几口人" in household
    assert "3人" in confirm and "约4000元" in confirm and "回复 1 对" in confirm
    assert "可以申请法律援助" in decision and "身份证" in decision and "承诺书" in decision
    result = await screening(svc)
    assert result["decision"]["decision"] == "eligible" and result["decision"]["hardship"] == "passed"
    assert result["case"]["household_size"] == 3 and result["case"]["matter"] == "labor_remuneration"
    assert await svc.scalar("SELECT flow FROM conversation_state") is None  # the interview is over


async def test_migrant_worker_owed_wages_is_exempt_from_the_income_test(svc: RunningService):
    citizen = svc.citizen()
    guidance, persons, decision = await talk(citizen, "老板拖欠我三个月工资不给", "1", "我是农民工")
    assert "劳动仲裁" in guidance and "1. 看看能不能免费请律师" in guidance
    assert "是哪一种劳动问题" not in persons and "农民工" in persons  # 拖欠工资 said which problem
    assert "几口人" not in decision and "可以申请法律援助" in decision and "不用再证明收入" in decision
    assert (await screening(svc))["decision"]["hardship"] == "exempt"


async def test_work_injury_migrant_worker_and_a_relative_held_by_police(svc: RunningService):
    citizen = svc.citizen()
    replies = await talk(citizen, "我能申请法律援助吗", "1", "2", "农民工")
    assert "可以申请法律援助" in replies[-1]
    other = svc.citizen()
    replies = await talk(other, "我想申请法律援助", "4", "1", "1")
    assert "指派律师" in replies[-1] and "不用自己申请" in replies[-1]
    rows = await svc.rows("SELECT screening FROM consultation ORDER BY id")
    decisions = [svc.unseal(r.screening, "consultation.screening") for r in rows]
    assert decisions[0]["decision"]["hardship"] == "exempt"
    assert decisions[0]["case"]["case_flags"] == ["work_injury"]
    assert decisions[1]["decision"]["route"] == "notify_assignment"
    assert decisions[1]["case"]["defendant_flags"] == ["minor"]


async def test_high_income_is_not_eligible_but_still_offered_advice(svc: RunningService):
    citizen = svc.citizen()
    replies = await talk(citizen, "我能申请法律援助吗", "1", "1", "0", "1", "8000")
    assert "暂时不符合" in replies[-1] and "转人工" in replies[-1]
    assert (await screening(svc))["decision"]["decision"] == "ineligible"


async def test_back_change_and_stop(svc: RunningService):
    citizen = svc.citizen()
    replies = await talk(citizen, "我能申请法律援助吗", "2", "上一步")
    assert "哪方面的事" in replies[-1]  # back at the first question
    replies = await talk(citizen, "1", "1", "0", "2", "3000")
    # confirm was not needed (numbers typed plainly) → decided at once: 3000/2 = 1500 ≤ 2270
    assert "可以申请法律援助" in replies[4]
    replies = await talk(citizen, "我能申请法律援助吗", "1", "退出")
    assert "已经退出" in replies[-1]
    assert await svc.scalar("SELECT flow FROM conversation_state") is None
    assert "在线咨询助手" in (await talk(citizen, "你好"))[0]


async def test_confirmation_can_be_corrected(svc: RunningService):
    citizen = svc.citizen()
    replies = await talk(
        citizen, "我能申请法律援助吗", "1", "1", "0", "家里四个人 每月两万", "不对", "4", "5000"
    )
    assert "要改哪一项" in replies[5]
    assert "可以申请法律援助" in replies[-1]
    assert (await screening(svc))["case"]["household_monthly_income"] == 5000


async def test_interruption_is_answered_and_the_interview_resumes(svc: RunningService):
    citizen = svc.citizen()
    replies = await talk(citizen, "我能申请法律援助吗", "1", "1", "0", "谢谢", "继续", "2", "2000")
    assert "不客气" in replies[4] and "继续" in replies[4]
    assert "几口人" in replies[5]
    assert "可以申请法律援助" in replies[-1]


async def test_asking_for_a_human_mid_interview_hands_over_the_answers(svc: RunningService):
    citizen = svc.citizen()
    replies = await talk(citizen, "我能申请法律援助吗", "2", "2", "转人工")
    assert "工作人员" in replies[-1]
    [row] = await svc.rows("SELECT status, waiting_reason FROM consultation")
    assert (row.status, row.waiting_reason) == ("waiting_human", "request_human")
    assert (await screening(svc))["case"]["matter"] == "divorce_abuse_victim"


async def test_a_matter_for_staff_review_goes_to_a_consultant(svc: RunningService):
    citizen = svc.citizen()
    replies = await talk(citizen, "我能申请法律援助吗", "2", "5")
    assert "进一步审核" in replies[-1]
    assert await svc.scalar("SELECT waiting_reason FROM consultation") == "needs_review"


async def test_an_unreadable_answer_asks_again(svc: RunningService):
    citizen = svc.citizen()
    replies = await talk(citizen, "我能申请法律援助吗", "9", "1", "1", "0", "好多人")
    assert "没看懂" in replies[1] and "哪方面的事" in replies[1]
    assert "没看懂这个数字" in replies[-1]


async def test_the_eligibility_api_is_served_by_the_service(svc: RunningService):
    case = {
        "matter": "labor_remuneration",
        "person_categories": ["minimum_living_allowance"],
        "household_size": 3,
        "household_monthly_income": 4200,
        "district": "昆都仑区",
        "commitment_signed": False,
        "case_flags": [],
        "defendant_flags": [],
    }
    async with svc.http.post(f"{svc.url}/api/eligibility", json=case) as resp:
        body = await resp.json()
    assert resp.status == 200
    assert (body["decision"], body["hardship"], body["route"], body["missing"]) == (
        "eligible",
        "exempt",
        "apply",
        [],
    )
    assert [r["rule"] for r in body["reasons"]] == [
        "matter.labor_remuneration",
        "person.minimum_living_allowance",
    ]
    async with svc.http.post(f"{svc.url}/api/eligibility", json={**case, "district": "火星区"}) as resp:
        assert resp.status == 422 and (await resp.json())["field"] == "district"


@pytest.mark.parametrize("answer", ["2", "要修改"])
async def test_asking_to_change_at_the_confirmation_is_not_taken_as_yes(svc: RunningService, answer: str):
    citizen = svc.citizen()
    replies = await talk(citizen, "我能申请法律援助吗", "2", "1", "0", "三口人，一个月四千多", answer)
    assert "对吗" in replies[4]
    assert "要改哪一项" in replies[5]


@pytest.mark.parametrize(
    ("question", "answered"),
    [("你们在哪里办公？", "办公"), ("申请要带什么材料", "身份证"), ("昆都仑区法律援助中心在哪", "昆都仑区")],
)
async def test_a_question_mid_interview_is_answered_and_the_interview_resumes_at_the_same_step(
    svc: RunningService, question: str, answered: str
):
    citizen = svc.citizen()
    replies = await talk(citizen, "我能申请法律援助吗", "1", "1", "0", question)
    assert answered in replies[-1]  # the question is answered...
    assert "继续刚才的问题" in replies[-1] and "几口人" in replies[-1]  # ...and the same question asked again
    assert await svc.scalar("SELECT step FROM conversation_state") == "household_size"
    replies = await talk(citizen, "2", "2000")
    assert "可以申请法律援助" in replies[-1]
