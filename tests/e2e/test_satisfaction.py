"""Satisfaction (002 §7.4.10) over the WeChat protocol: a consultant's close asks once for a
rating, the citizen's next message is read as it (1-5 or 满意/基本满意/不满意), stored on the
closed consultation with an optional sealed comment; anything else is answered as usual and the
request lapses, never asked again."""

from __future__ import annotations

import asyncio

from bot.clock import MovableClock
from bot.records import satisfaction
from tests.conftest import WORKDAY_MORNING, ConsoleClient, FakeWeChatServer, RunningService, ServiceFactory
from tests.e2e.intake_steps import ID_NUMBER, NAME, reach_intake, say
from tests.e2e.test_handoff_path import wait_for_sent

ASKED = "请您为这次咨询打分"  # data/texts.yml rating.ask
THANKS = "谢谢您的评价！"  # rating.thanks
SORRY = "很抱歉这次没让您满意"  # rating.thanks.low
COMMENT_KEPT = "您的意见已收到"  # rating.comment_thanks


async def served_and_closed(
    svc: RunningService, console: ConsoleClient, fake: FakeWeChatServer, openid: str | None = None
) -> tuple[object, int, int]:
    """A citizen asks for a person, gets an answer, and the consultant closes with outcome b.
    Returns (the citizen, the handoff id, the closed consultation's id) once the request arrived."""
    citizen = svc.citizen(openid)
    await citizen.say("老板拖欠我三个月工资")
    await citizen.say("转人工")
    [item] = [i for i in await console.queue(status="open")]
    assert (await console.post(f"/api/handoffs/{item['id']}/messages", {"text": "请带上工资条来咨询"}))[
        0
    ] == 200
    assert (await console.post(f"/api/handoffs/{item['id']}/close", {"outcome": "b"}))[0] == 200
    sent = await wait_for_sent(fake, citizen.openid, 3)
    assert ASKED in sent[-1]["text"] and "这次咨询已结束" in sent[-2]["text"]
    consultation = await svc.scalar("SELECT consultation_id FROM handoff WHERE id = :h", h=item["id"])
    return citizen, int(item["id"]), int(consultation)


async def rating_of(svc: RunningService, consultation_id: int) -> tuple[object, object, object]:
    [row] = await svc.rows(
        "SELECT satisfaction, satisfaction_at, satisfaction_comment FROM consultation WHERE id = :c",
        c=consultation_id,
    )
    return row.satisfaction, row.satisfaction_at, row.satisfaction_comment


async def asked_count(fake: FakeWeChatServer, openid: str) -> int:
    return sum(ASKED in m["text"] for m in await fake.sent(openid))


async def test_a_close_asks_once_and_4_rates_the_closed_consultation_with_a_sealed_comment(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    console = await svc.console("zhang")
    citizen, _, closed = await served_and_closed(svc, console, fake_wechat)
    assert await svc.scalar(
        "SELECT satisfaction_asked_at IS NOT NULL FROM consultation WHERE id = :c", c=closed
    ) in (
        True,
        1,
    )

    rated = await citizen.say("4")
    assert rated.reply_text is not None and THANKS in rated.reply_text
    score, at, comment = await rating_of(svc, closed)
    assert (score, comment) == (4, None) and at is not None
    # The reply opened a new consultation; the rating stays on the closed one.
    newer = await svc.scalar("SELECT MAX(id) FROM consultation")
    assert newer != closed and (await rating_of(svc, newer))[0] is None

    said = "回复很及时，讲得很清楚，电话13800138000"
    thanked = await citizen.say(said)
    assert thanked.reply_text is not None and COMMENT_KEPT in thanked.reply_text
    stored = await svc.scalar("SELECT satisfaction_comment FROM consultation WHERE id = :c", c=closed)
    assert "13800138000" not in stored and "及时" not in stored  # sealed at rest
    assert svc.unseal(stored, "consultation.satisfaction_comment") == said

    after = await citizen.say("我想离婚，孩子归谁")  # back to normal: answered, not taken as a comment
    assert after.reply_text is not None and "离婚" in after.reply_text
    assert (await rating_of(svc, closed))[:1] == (4,)
    assert await asked_count(fake_wechat, citizen.openid) == 1


async def test_words_are_ratings_and_a_low_one_is_met_with_an_apology(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    console = await svc.console("zhang")
    pleased, _, first = await served_and_closed(svc, console, fake_wechat)
    happy = await pleased.say("满意！")
    assert happy.reply_text is not None and THANKS in happy.reply_text
    assert (await rating_of(svc, first))[0] == 5  # 满意 is 5 (data/satisfaction.yml)
    nothing = await pleased.say("没有")
    assert nothing.reply_text is not None and "好的，谢谢您" in nothing.reply_text
    assert (await rating_of(svc, first))[2] is None

    unhappy, _, second = await served_and_closed(svc, console, fake_wechat)
    sorry = await unhappy.say("不满意")
    assert sorry.reply_text is not None and SORRY in sorry.reply_text
    assert (await rating_of(svc, second))[0] == 1
    # "回复太慢了" sounds like a complaint to the NLU, but here it is the comment: no new handoff.
    await unhappy.say("回复太慢了")
    assert (
        svc.unseal(
            await svc.scalar("SELECT satisfaction_comment FROM consultation WHERE id = :c", c=second),
            "consultation.satisfaction_comment",
        )
        == "回复太慢了"
    )
    assert await svc.count("handoff") == 2 and await svc.count("complaint") == 0

    full_width, _, third = await served_and_closed(svc, console, fake_wechat)
    await full_width.say("３分")
    assert (await rating_of(svc, third))[0] == 3
    question = await full_width.say("公司不给我买社保怎么办")  # a new question at the comment step
    assert question.reply_text is not None and COMMENT_KEPT not in question.reply_text
    assert (await rating_of(svc, third))[2] is None


async def test_a_new_question_instead_of_a_rating_is_answered_and_never_asked_again(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    console = await svc.console("zhang")
    citizen, _, closed = await served_and_closed(svc, console, fake_wechat)

    answered = await citizen.say("我想离婚，孩子归谁")
    assert answered.reply_text is not None and "离婚" in answered.reply_text
    assert ASKED not in answered.reply_text and THANKS not in answered.reply_text
    later = await citizen.say("4")  # the request has lapsed: a bare number is asked about, not stored
    assert later.reply_text is not None and THANKS not in later.reply_text
    assert await rating_of(svc, closed) == (None, None, None)
    assert await asked_count(fake_wechat, citizen.openid) == 1


async def test_a_raced_or_retried_close_asks_once(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    await svc.add_account("boss", role="supervisor")
    zhang, boss = await svc.console("zhang"), await svc.console("boss")
    citizen = svc.citizen()
    await citizen.say("老板拖欠我三个月工资")
    await citizen.say("转人工")
    [item] = await zhang.queue(status="open")
    await zhang.post(f"/api/handoffs/{item['id']}/messages", {"text": "请带上工资条"})

    close = f"/api/handoffs/{item['id']}/close"
    statuses = sorted(
        s
        for s, _ in await asyncio.gather(
            zhang.post(close, {"outcome": "b"}), boss.post(close, {"outcome": "a"})
        )
    )
    assert statuses == [200, 409]
    assert (await boss.post(close, {"outcome": "b"}))[0] == 409  # retried: still closed once
    await wait_for_sent(fake_wechat, citizen.openid, 3)
    consultation = await svc.scalar("SELECT consultation_id FROM handoff WHERE id = :h", h=item["id"])
    asked_at = await svc.scalar(
        "SELECT satisfaction_asked_at FROM consultation WHERE id = :c", c=consultation
    )
    # Even a close that got past the handoff's own guard again finds the consultation asked.
    again = await svc.database.write(
        lambda conn: satisfaction.ask_within(conn, item["id"], "?", WORKDAY_MORNING)
    )
    assert again is None
    assert (
        await svc.scalar("SELECT satisfaction_asked_at FROM consultation WHERE id = :c", c=consultation)
        == asked_at
    )
    await asyncio.sleep(0.2)
    assert await asked_count(fake_wechat, citizen.openid) == 1


async def test_returning_to_the_bot_asks_nothing(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    console = await svc.console("zhang")
    citizen = svc.citizen()
    await citizen.say("转人工")
    [item] = await console.queue(status="open")
    assert (await console.post(f"/api/handoffs/{item['id']}/return-to-bot"))[0] == 200
    sent = await wait_for_sent(fake_wechat, citizen.openid, 1)
    assert "结束这次人工答复" in sent[-1]["text"]
    assert await svc.scalar("SELECT COUNT(*) FROM consultation WHERE satisfaction_asked_at IS NOT NULL") == 0
    assert await asked_count(fake_wechat, citizen.openid) == 0


async def test_an_intake_paused_for_the_consultant_resumes_after_the_rating(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer
):
    """The close keeps the flow the handoff interrupted: after the rating, 继续 resumes the intake."""
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    citizen = svc.citizen()
    await reach_intake(citizen)
    await say(citizen, "同意")
    await say(citizen, NAME)
    assert "申请会保留" in await say(citizen, "转人工")
    await svc.add_account("zhang", role="supervisor")
    zhang = await svc.console("zhang")
    [item] = await zhang.queue(status="open")
    assert (await zhang.post(f"/api/handoffs/{item['id']}/close", {"outcome": "a"}))[0] == 200
    assert THANKS in await say(citizen, "5")
    assert "身份证号" in await say(citizen, "继续")  # a flow's command is not a comment
    closed = await svc.scalar("SELECT consultation_id FROM handoff WHERE id = :h", h=item["id"])
    assert (await rating_of(svc, closed))[0::2] == (5, None)
    assert "手机号" in await say(citizen, ID_NUMBER)
