"""Context and scope over the WeChat protocol: the bot's own questions are real steps, district
names are read as whole names, and a matter outside legal aid is told so kindly, with where to go."""

from __future__ import annotations

import pytest

from tests.conftest import RunningService, ServiceFactory


@pytest.fixture
async def svc(start_service: ServiceFactory) -> RunningService:
    return await start_service(aes=False)


@pytest.mark.parametrize(
    ("answer", "office"),
    [("昆区", "昆都仑区"), ("青山", "青山区"), ("我在土右旗", "土默特右旗"), ("达茂旗的", "达茂旗")],
)
async def test_the_district_asked_for_is_read_as_the_answer(svc: RunningService, answer: str, office: str):
    citizen = svc.citizen()
    asked = await citizen.say("法律援助中心在哪")
    assert asked.reply_text is not None and "请回复您所在的区县" in asked.reply_text
    assert "昆都仑区" in asked.reply_text and "固阳县" in asked.reply_text  # the districts are listed
    told = await citizen.say(answer)
    assert told.reply_text is not None and office in told.reply_text and "地址" in told.reply_text
    assert await svc.scalar("SELECT flow FROM conversation_state") is None  # no interview started


async def test_words_that_only_contain_a_district_name_are_not_that_district(svc: RunningService):
    citizen = svc.citizen()
    await citizen.say("法律援助中心在哪")
    scenery = await citizen.say("青山绿水")
    assert scenery.reply_text is not None and "青山区法律援助中心" not in scenery.reply_text


async def test_an_office_question_mid_interview_lists_the_offices_and_keeps_the_interview(
    svc: RunningService,
):
    citizen = svc.citizen()
    await citizen.say("我能申请法律援助吗")
    listed = await citizen.say("你们各区的援助中心在哪里")
    assert listed.reply_text is not None and "达茂旗法律援助中心" in listed.reply_text
    assert "请回复您所在的区县" not in listed.reply_text  # no second question over the interview's
    assert "哪方面的事" in listed.reply_text  # the interview's question, asked again
    assert await svc.scalar("SELECT flow FROM conversation_state") is not None


async def test_a_commercial_dispute_is_out_of_scope_said_kindly_with_where_to_go(svc: RunningService):
    citizen = svc.citizen()
    await citizen.say("我能申请法律援助吗")
    told = await citizen.say("都不是，我的事是生意合同纠纷")
    assert told.reply_text is not None
    assert "不能申请法律援助" in told.reply_text and "第三十一条" in told.reply_text
    assert "12348" in told.reply_text and "调解" in told.reply_text
    screening = svc.unseal(await svc.scalar("SELECT screening FROM consultation"), "consultation.screening")
    assert screening["decision"]["decision"] == "ineligible"
    assert screening["case"]["matter"] == "outside_scope"
    assert await svc.count("handoff") == 0  # nobody waits 24 hours for a human to say the same


async def test_the_help_asked_mid_interview_has_no_numbers_to_confuse_the_next_answer(svc: RunningService):
    citizen = svc.citizen()
    await citizen.say("我能申请法律援助吗")
    helped = await citizen.say("你能做什么")
    assert helped.reply_text is not None and "转人工" in helped.reply_text
    assert "4. 转给工作人员" not in helped.reply_text  # only the interview's own options are numbered
    third = await citizen.say("3")  # the interview's option 3: personal injury
    assert third.reply_text is not None and "转接工作人员" not in third.reply_text
    assert await svc.count("handoff") == 0


async def test_dont_know_at_a_menu_gets_help_not_a_rebuke(svc: RunningService):
    citizen = svc.citizen()
    await citizen.say("我能申请法律援助吗")
    unsure = await citizen.say("我也不知道算哪一种")
    assert unsure.reply_text is not None and "没关系" in unsure.reply_text and "转人工" in unsure.reply_text
    assert "没看懂" not in unsure.reply_text and "哪方面的事" in unsure.reply_text  # the question stands


async def test_saying_one_cannot_tell_at_a_menu_is_not_taken_for_a_matter(svc: RunningService):
    citizen = svc.citizen()
    await citizen.say("我能申请法律援助吗")
    unsure = await citizen.say("我也说不清楚")
    assert unsure.reply_text is not None and "没关系" in unsure.reply_text
    assert await svc.count("handoff") == 0
