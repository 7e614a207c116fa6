"""The clocks a citizen and a consultant notice: online or message, the due time the citizen is told,
reminders before the deadline, the breach at it, appointments, and steps missed while the service was down.

Time moves with a MovableClock; a sweep runs as the alarm would after each move.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import MovableClock
from bot.settings import REPO_ROOT
from bot.store.tables import deadline_t
from tests.conftest import WORKDAY_MORNING, RunningService, ServiceFactory

BEIJING = ZoneInfo("Asia/Shanghai")
LABOR_STORY = "老板拖欠我三个月工资"


def beijing(month: int, day: int, hour: int, minute: int = 0, *, year: int = 2026) -> datetime:
    """A moment on the center's wall clock, as the aware UTC datetime the service stores."""
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING).astimezone(UTC)


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


async def ask_for_human(svc: RunningService, *, story: str | None = LABOR_STORY) -> tuple[Any, str]:
    """A citizen (optionally after telling their story) writes 转人工; returns (reply text, openid)."""
    citizen = svc.citizen()
    if story is not None:
        await citizen.say(story)
    told = await citizen.say("转人工")
    assert told.status == 200 and told.reply_text is not None
    return told.reply_text, citizen.openid


async def only_item(svc: RunningService, openid: str, username: str = "zhang") -> dict[str, Any]:
    """The citizen's one queue item, as `username` sees it (a fresh login: the clock may have moved
    past the console's idle timeout)."""
    [item] = await (await svc.console(username)).queue(openid=openid)
    return item


async def notices(svc: RunningService, username: str) -> list[tuple[int, str]]:
    """(handoff id, kind) of every console notice this account has, sorted."""
    status, body = await (await svc.console(username)).get("/api/notices")
    assert status == 200, body
    return sorted((n["handoff_id"], n["kind"]) for n in body["items"])


async def queue(svc: RunningService, username: str, **params: str) -> list[dict[str, Any]]:
    return await (await svc.console(username)).queue(**params)


async def act(svc: RunningService, username: str, path: str, body: Any = None) -> tuple[int, Any]:
    return await (await svc.console(username)).post(path, body)


async def deadlines(svc: RunningService) -> list[tuple[str, datetime, bool]]:
    """(reason, due time, still waiting for an answer) of every reply deadline row, oldest first."""
    query = select(
        deadline_t.c.reason,
        deadline_t.c.due_at,
        deadline_t.c.superseded_at.is_(None) & deadline_t.c.answered_at.is_(None),
    ).order_by(deadline_t.c.id)
    rows = await svc.database.read(lambda conn: conn.execute(query).all())
    return [(r[0], r[1], bool(r[2])) for r in rows]


def assert_kind(reply: str, kind: str, due: str) -> None:
    if kind == "online":
        assert "在线咨询" in reply and "留言咨询" not in reply, reply
    else:
        assert "留言咨询" in reply, reply
    assert f"{due}前" in reply, reply


# ---- online or message, and the due time promised ----------------------------------------------
@pytest.mark.parametrize(
    ("opened", "kind", "due", "deadline"),
    [
        # Wednesday: the afternoon window closes at 17:30 (data/service_hours.yml).
        (beijing(11, 25, 9, 0), "online", "今天14:00", beijing(11, 25, 14, 0)),
        (beijing(11, 25, 15, 59), "online", "今天17:30", beijing(11, 25, 17, 30)),  # not 20:59
        (beijing(11, 25, 16, 30), "online", "今天17:30", beijing(11, 25, 17, 30)),  # an hour left
        # Less than online_min_minutes (60) of the day left: a message, due when 24 h end.
        (beijing(11, 25, 17, 29), "message", "11月26日（周四）17:29", beijing(11, 26, 17, 29)),
        (beijing(11, 25, 17, 30), "message", "11月26日（周四）17:30", beijing(11, 26, 17, 30)),
        (beijing(11, 25, 20, 0), "message", "11月26日（周四）17:30", beijing(11, 26, 17, 30)),
        # Lunch: 24 h end in Thursday's break, so the promise is the break's start.
        (beijing(11, 25, 12, 30), "message", "11月26日（周四）12:00", beijing(11, 26, 12, 0)),
        # Before opening: the same day's closing is the last on-duty moment within 24 h.
        (beijing(11, 25, 8, 59), "message", "今天17:30", beijing(11, 25, 17, 30)),
        # 国庆节 is a holiday although it is a Thursday: nobody is on duty within 24 h, so the
        # promise is the close of the first working day after it (later than the standard).
        (beijing(10, 1, 10), "message", "10月8日（周四）17:30", beijing(10, 8, 17, 30)),
        # Make-up working days: Sunday 20 September and Saturday 10 October 2026.
        (beijing(9, 20, 10), "online", "今天15:00", beijing(9, 20, 15)),
        (beijing(10, 10, 10), "online", "今天15:00", beijing(10, 10, 15)),
        # An ordinary Saturday is closed, and so is Sunday: Monday's closing.
        (beijing(11, 28, 10), "message", "11月30日（周一）17:30", beijing(11, 30, 17, 30)),
        # Friday after closing: the 24 h end on Saturday, nobody is on duty: Monday's closing.
        (beijing(11, 27, 17, 40), "message", "11月30日（周一）17:30", beijing(11, 30, 17, 30)),
    ],
    ids=[
        "opening",
        "issue-15:59",
        "last-online-hour",
        "workday-17:29",
        "workday-17:30",
        "evening",
        "lunch-break",
        "before-opening",
        "national-day",
        "makeup-sunday",
        "makeup-saturday",
        "plain-saturday",
        "friday-evening",
    ],
)
async def test_online_or_message_and_the_due_time_follow_the_hours_and_the_official_calendar(
    start_service: ServiceFactory, opened: datetime, kind: str, due: str, deadline: datetime
):
    svc = await start_service(clock=MovableClock(opened))
    await svc.add_account("zhang", specialties=["labor"])
    reply, openid = await ask_for_human(svc)
    assert_kind(reply, kind, due)

    item = await only_item(svc, openid)
    assert (item["kind"], item["specialty"], item["status"]) == (kind, "labor", "open")
    assert item["deadline_at"] == iso(deadline) and item["deadline_running"] is True
    assert await svc.scalar("SELECT kind FROM consultation") == kind
    assert await deadlines(svc) == [("opened", deadline, True)]


@pytest.mark.parametrize(
    ("accounts", "kind"),
    [
        ([], "message"),
        ([("li", "consultant", ["family"])], "message"),
        ([("root", "admin", ["general"])], "message"),  # admins never answer citizens
        ([("wang", "consultant", ["general"])], "online"),
        ([("zhang", "consultant", ["labor"])], "online"),
        ([("boss", "supervisor", ["labor"])], "online"),
    ],
    ids=["nobody", "other-specialty", "admin-only", "general", "same-specialty", "supervisor"],
)
async def test_online_needs_someone_on_duty_who_serves_the_topic(
    start_service: ServiceFactory, accounts: list[tuple[str, str, list[str]]], kind: str
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    for name, role, specialties in accounts:
        await svc.add_account(name, role=role, specialties=specialties)
    reply, _openid = await ask_for_human(svc)
    due = "今天15:00" if kind == "online" else "11月26日（周四）10:00"
    assert_kind(reply, kind, due)
    assert await svc.scalar("SELECT kind FROM handoff") == kind
    assert await svc.scalar("SELECT specialty FROM handoff") == "labor"


async def test_a_second_request_repeats_the_first_due_time(start_service: ServiceFactory):
    clock = MovableClock(WORKDAY_MORNING)
    svc = await start_service(clock=clock)
    await svc.add_account("zhang", specialties=["labor"])
    citizen = svc.citizen()
    await citizen.say(LABOR_STORY)
    await citizen.say("转人工")
    clock.advance(hours=1)
    again = await citizen.say("转人工")
    assert again.reply_text is not None and "今天15:00前" in again.reply_text
    assert await svc.count("handoff") == 1


def data_with_roster(tmp_path: Path, roster: str) -> Path:
    """A copy of data/ whose service_hours.yml names who is on duty (the center edits this file)."""
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    hours = data / "service_hours.yml"
    text = hours.read_text(encoding="utf-8")
    assert "  roster: {}\n" in text
    hours.write_text(text.replace("  roster: {}\n", f"  roster: {roster}\n"), encoding="utf-8")
    return data


async def test_the_duty_roster_decides_who_is_on_duty(start_service: ServiceFactory, tmp_path: Path):
    clock = MovableClock(WORKDAY_MORNING)  # a Wednesday (ISO weekday 3)
    svc = await start_service(clock=clock, data_dir=data_with_roster(tmp_path, "{3: [wang], 4: [zhang]}"))
    await svc.add_account("zhang", specialties=["labor"])
    reply, _openid = await ask_for_human(svc)
    assert_kind(reply, "message", "11月26日（周四）10:00")  # zhang is not on duty on Wednesdays

    await svc.add_account("wang", specialties=["labor"])
    reply, openid = await ask_for_human(svc)
    assert_kind(reply, "online", "今天15:00")
    item = await only_item(svc, openid)
    clock.set(beijing(11, 25, 14, 0))
    assert await svc.sweep() == 1
    assert await notices(svc, "wang") == [(item["id"], "reminder")]
    assert await notices(svc, "zhang") == []


# ---- the promise is the deadline ----------------------------------------------------------------
async def test_the_closing_time_promised_is_the_deadline_that_reminds_and_breaches(
    start_service: ServiceFactory,
):
    """The issue: at 15:59 the citizen is promised 17:30, and that is what the clocks keep."""
    clock = MovableClock(beijing(11, 25, 15, 59))
    svc = await start_service(clock=clock)
    await svc.add_account("zhang", specialties=["labor"])
    await svc.add_account("boss", role="supervisor", specialties=[])
    reply, openid = await ask_for_human(svc)
    assert_kind(reply, "online", "今天17:30")
    item = await only_item(svc, openid)
    assert item["deadline_at"] == iso(beijing(11, 25, 17, 30))

    clock.set(beijing(11, 25, 16, 29))
    assert await svc.sweep() == 0
    clock.set(beijing(11, 25, 16, 30))  # 60 minutes before the promise
    assert await svc.sweep() == 1
    clock.set(beijing(11, 25, 17, 15))  # 15 minutes before
    assert await svc.sweep() == 1
    clock.set(beijing(11, 25, 17, 30))
    assert await svc.sweep() == 1
    assert (await only_item(svc, openid))["breached"] is True
    assert await notices(svc, "boss") == [(item["id"], "breached")]


async def test_a_promise_over_the_weekend_is_mondays_closing(start_service: ServiceFactory):
    clock = MovableClock(beijing(11, 27, 17, 40))  # Friday after closing
    svc = await start_service(clock=clock)
    await svc.add_account("zhang", specialties=["labor"])
    reply, openid = await ask_for_human(svc)
    assert_kind(reply, "message", "11月30日（周一）17:30")
    item = await only_item(svc, openid)
    clock.set(beijing(11, 30, 13, 29))  # nothing fires over the weekend
    assert await svc.sweep() == 0
    clock.set(beijing(11, 30, 13, 30))  # 4 h before Monday's closing
    assert await svc.sweep() == 1
    assert await notices(svc, "zhang") == [(item["id"], "reminder")]


# ---- reminders and breaches ------------------------------------------------------------------------
async def test_reminders_go_to_the_assignee_or_the_queue_and_the_breach_escalates_once(
    start_service: ServiceFactory,
):
    clock = MovableClock(WORKDAY_MORNING)  # Wednesday 10:00: online, due 15:00
    svc = await start_service(clock=clock)
    await svc.add_account("zhang", specialties=["labor"])
    await svc.add_account("wang", specialties=["labor"])
    await svc.add_account("li", specialties=["family"])
    await svc.add_account("boss", role="supervisor", specialties=[])
    _reply, waiting_openid = await ask_for_human(svc)
    _reply, claimed_openid = await ask_for_human(svc)
    waiting = (await only_item(svc, waiting_openid))["id"]
    claimed = (await only_item(svc, claimed_openid))["id"]
    status, _ = await act(svc, "zhang", f"/api/handoffs/{claimed}/claim")
    assert status == 200

    clock.set(beijing(11, 25, 13, 59))
    assert await svc.sweep() == 0
    assert await svc.count("console_notice") == 0

    clock.set(beijing(11, 25, 14, 0))  # 60 minutes before
    assert await svc.sweep() == 2
    assert await notices(svc, "zhang") == sorted([(waiting, "reminder"), (claimed, "reminder")])
    assert await notices(svc, "wang") == [(waiting, "reminder")]  # the claimed one is zhang's alone
    assert await notices(svc, "li") == [] and await notices(svc, "boss") == []

    clock.set(beijing(11, 25, 14, 44))
    assert await svc.sweep() == 0
    clock.set(beijing(11, 25, 14, 45))  # 15 minutes before
    assert await svc.sweep() == 2
    assert len(await notices(svc, "zhang")) == 4 and len(await notices(svc, "wang")) == 2

    clock.set(beijing(11, 25, 14, 59))
    assert await svc.sweep() == 0
    assert await queue(svc, "boss", breached="true") == []

    clock.set(beijing(11, 25, 15, 0))
    assert await svc.sweep() == 2
    breached = await queue(svc, "boss", breached="true")
    assert sorted(i["id"] for i in breached) == sorted([waiting, claimed])
    assert all(i["breached"] and i["breached_at"] == iso(beijing(11, 25, 15)) for i in breached)
    assert await notices(svc, "boss") == sorted([(waiting, "breached"), (claimed, "breached")])
    assert (claimed, "breached") in await notices(svc, "zhang")
    assert (waiting, "breached") in await notices(svc, "wang")
    assert (claimed, "breached") not in await notices(svc, "wang")
    assert await notices(svc, "li") == []
    assert await queue(svc, "boss", breached="false") == []

    before = await svc.count("console_notice")
    clock.advance(minutes=5)
    assert await svc.sweep() == 0  # each step fires once
    assert await svc.sweep() == 0
    assert await svc.count("console_notice") == before
    assert await svc.scalar("SELECT COUNT(*) FROM reminder WHERE sent_at IS NULL") == 0
    assert await svc.scalar("SELECT COUNT(*) FROM handoff_event WHERE kind = 'breached'") == 2


async def test_a_reminder_outside_service_hours_goes_to_the_specialty_not_to_nobody(
    start_service: ServiceFactory,
):
    clock = MovableClock(beijing(11, 25, 17, 30))  # message, due Thursday 17:30
    svc = await start_service(clock=clock)
    await svc.add_account("zhang", specialties=["labor"])
    await svc.add_account("li", specialties=["family"])
    _reply, openid = await ask_for_human(svc)
    item = await only_item(svc, openid)
    # Message reminders: 240 and 60 minutes before (13:30 and 16:30, both inside service hours).
    clock.set(beijing(11, 26, 13, 30))
    assert await svc.sweep() == 1
    assert await notices(svc, "zhang") == [(item["id"], "reminder")]
    assert await notices(svc, "li") == []


async def test_an_answer_before_the_deadline_means_no_reminder_and_no_breach(
    start_service: ServiceFactory,
):
    clock = MovableClock(WORKDAY_MORNING)
    svc = await start_service(clock=clock)
    await svc.add_account("zhang", specialties=["labor"])
    await svc.add_account("boss", role="supervisor", specialties=[])
    _reply, openid = await ask_for_human(svc)
    item = await only_item(svc, openid)
    clock.set(beijing(11, 25, 13, 0))
    status, _ = await act(
        svc, "zhang", f"/api/handoffs/{item['id']}/messages", {"text": "您好，我来看看您的情况。"}
    )
    assert status == 200

    clock.set(beijing(11, 25, 16, 0))
    assert await svc.sweep() == 0
    after = await only_item(svc, openid)
    assert after["breached"] is False and after["first_reply_at"] == iso(beijing(11, 25, 13))
    assert await svc.count("console_notice") == 0
    assert await svc.scalar("SELECT COUNT(*) FROM reminder WHERE cancelled_at IS NOT NULL") == 2


@pytest.mark.parametrize("ending", ["citizen-cancels", "closed", "returned-to-bot"])
async def test_a_handoff_that_ended_before_its_deadline_never_reminds_or_breaches(
    start_service: ServiceFactory, ending: str
):
    clock = MovableClock(WORKDAY_MORNING)
    svc = await start_service(clock=clock)
    await svc.add_account("zhang", specialties=["labor"])
    await svc.add_account("boss", role="supervisor", specialties=[])
    citizen = svc.citizen()
    await citizen.say(LABOR_STORY)
    await citizen.say("转人工")
    item = await only_item(svc, citizen.openid)
    clock.set(beijing(11, 25, 11, 0))
    if ending == "citizen-cancels":
        await citizen.say("取消")
    elif ending == "closed":
        assert (await act(svc, "zhang", f"/api/handoffs/{item['id']}/close", {"outcome": "b"}))[0] == 200
    else:
        assert (await act(svc, "zhang", f"/api/handoffs/{item['id']}/return-to-bot"))[0] == 200
    assert (await only_item(svc, citizen.openid))["status"] == "closed"

    clock.set(beijing(11, 26, 11, 0))
    assert await svc.sweep() == 0
    assert await svc.count("console_notice") == 0
    assert (await only_item(svc, citizen.openid))["breached"] is False


async def test_after_a_transfer_the_reminders_go_to_the_new_queue(start_service: ServiceFactory):
    clock = MovableClock(WORKDAY_MORNING)
    svc = await start_service(clock=clock)
    await svc.add_account("zhang", specialties=["labor"])
    await svc.add_account("li", specialties=["family"])
    _reply, openid = await ask_for_human(svc)
    item = await only_item(svc, openid)
    assert (await act(svc, "zhang", f"/api/handoffs/{item['id']}/claim"))[0] == 200
    clock.set(beijing(11, 25, 11, 0))
    status, _ = await act(svc, "zhang", f"/api/handoffs/{item['id']}/transfer", {"specialty": "family"})
    assert status == 200

    clock.set(beijing(11, 25, 14, 0))
    assert await svc.sweep() == 1
    assert await notices(svc, "li") == [(item["id"], "reminder")]
    assert await notices(svc, "zhang") == []
    moved = await only_item(svc, openid, "li")
    assert moved["deadline_at"] == item["deadline_at"]  # a transfer does not restart the clock


# ---- the next reply ------------------------------------------------------------------------------
async def answer(svc: RunningService, handoff_id: int, text: str, username: str = "zhang") -> None:
    status, body = await act(svc, username, f"/api/handoffs/{handoff_id}/messages", {"text": text})
    assert status == 200, body


async def test_a_message_after_the_answer_starts_the_next_reply_clock_until_answered(
    start_service: ServiceFactory,
):
    clock = MovableClock(WORKDAY_MORNING)  # Wednesday 10:00: online, due 15:00
    svc = await start_service(clock=clock)
    await svc.add_account("zhang", specialties=["labor"])
    _reply, openid = await ask_for_human(svc)
    citizen = svc.citizen(openid)
    item = await only_item(svc, openid)
    clock.set(beijing(11, 25, 11, 0))
    await answer(svc, item["id"], "请问有劳动合同吗？")
    assert await deadlines(svc) == [("opened", beijing(11, 25, 15), False)]
    assert (await only_item(svc, openid))["deadline_running"] is False

    clock.set(beijing(11, 25, 14, 0))  # answered: nothing is due, nothing fires
    assert await svc.sweep() == 0
    told = await citizen.say("有合同，但是没写工资多少")
    # Online again (3.5 h of the day left); 14:00 + 5 h is 19:00, after closing: 17:30.
    assert told.reply_text is not None and "已转给工作人员" in told.reply_text
    assert "今天17:30前回复您" in told.reply_text
    assert await deadlines(svc) == [
        ("opened", beijing(11, 25, 15), False),
        ("next_reply", beijing(11, 25, 17, 30), True),
    ]
    waiting = await only_item(svc, openid)
    assert waiting["deadline_at"] == iso(beijing(11, 25, 17, 30)) and waiting["deadline_running"] is True

    clock.set(beijing(11, 25, 14, 10))  # more words while the reply is due start no other clock
    more = await citizen.say("还有加班费也没给")
    assert more.reply_text is not None and "已转给正在为您服务的工作人员" in more.reply_text
    assert len(await deadlines(svc)) == 2

    clock.set(beijing(11, 25, 16, 30))  # the next reply's reminders: 60 minutes before
    assert await svc.sweep() == 1
    assert await notices(svc, "zhang") == [(item["id"], "reminder")]

    clock.set(beijing(11, 25, 17, 0))
    await answer(svc, item["id"], "可以申请劳动仲裁，我把材料清单发给您。")
    assert [d[2] for d in await deadlines(svc)] == [False, False]
    clock.set(beijing(11, 25, 17, 30))
    assert await svc.sweep() == 0  # the 17:15 reminder and the breach were met
    after = await only_item(svc, openid)
    assert after["breached"] is False and after["deadline_running"] is False
    assert after["first_reply_at"] == iso(beijing(11, 25, 11))  # the record keeps the first reply

    status, _ = await act(svc, "zhang", f"/api/handoffs/{item['id']}/close", {"outcome": "b"})
    assert status == 200
    clock.set(beijing(11, 26, 9, 0))
    thanks = await citizen.say("好的谢谢")  # closed: the bot answers, no clock starts
    assert thanks.reply_text is not None and "已转给工作人员" not in thanks.reply_text
    assert len(await deadlines(svc)) == 2 and await svc.count("handoff") == 1


async def test_an_unanswered_next_reply_is_breached_at_the_promise(start_service: ServiceFactory):
    clock = MovableClock(WORKDAY_MORNING)
    svc = await start_service(clock=clock)
    await svc.add_account("zhang", specialties=["labor"])
    await svc.add_account("boss", role="supervisor", specialties=[])
    _reply, openid = await ask_for_human(svc)
    citizen = svc.citizen(openid)
    item = await only_item(svc, openid)
    await answer(svc, item["id"], "请说说具体情况。")

    clock.set(beijing(11, 27, 17, 40))  # Friday evening: the next reply is a message, due Monday
    told = await citizen.say("我周一能去中心吗？")
    assert told.reply_text is not None and "11月30日（周一）17:30前回复您" in told.reply_text
    assert (await deadlines(svc))[-1] == ("next_reply", beijing(11, 30, 17, 30), True)
    assert await svc.scalar("SELECT kind FROM handoff_event WHERE kind = 'next_reply'") == "next_reply"

    clock.set(beijing(11, 30, 17, 29))
    assert await svc.sweep() == 2  # the 4 h and 1 h reminders
    clock.set(beijing(11, 30, 17, 30))
    assert await svc.sweep() == 1
    breached = await only_item(svc, openid)
    assert breached["breached"] is True and breached["breached_at"] == iso(beijing(11, 30, 17, 30))
    assert (item["id"], "breached") in await notices(svc, "boss")

    clock.set(beijing(11, 30, 18, 0))  # still unanswered: a further message starts no other clock
    await citizen.say("还在吗")
    assert len(await deadlines(svc)) == 2
    await answer(svc, item["id"], "在的，明天上午来中心吧。")  # the late answer closes the breached one
    assert [d[2] for d in await deadlines(svc)] == [False, False]


async def test_an_appointment_already_waiting_is_the_next_reply(start_service: ServiceFactory):
    clock = MovableClock(WORKDAY_MORNING)
    svc = await start_service(clock=clock)
    await svc.add_account("zhang", specialties=["labor"])
    _reply, openid = await ask_for_human(svc)
    citizen = svc.citizen(openid)
    item = await only_item(svc, openid)
    await answer(svc, item["id"], "我查一下，明天答复您。")
    promised = beijing(11, 26, 10)
    status, _ = await act(
        svc,
        "zhang",
        f"/api/handoffs/{item['id']}/appointment",
        {"at": promised.astimezone(BEIJING).isoformat()},
    )
    assert status == 200
    clock.set(beijing(11, 25, 14, 0))
    await citizen.say("好的，我等您消息")
    assert await deadlines(svc) == [
        ("opened", beijing(11, 25, 15), False),
        ("appointment", promised, True),
    ]


# ---- appointments ----------------------------------------------------------------------------------
async def test_an_appointment_moves_the_deadline_and_its_reminders(start_service: ServiceFactory):
    clock = MovableClock(WORKDAY_MORNING)
    svc = await start_service(clock=clock)
    await svc.add_account("zhang", specialties=["labor"])
    await svc.add_account("boss", role="supervisor", specialties=[])
    _reply, openid = await ask_for_human(svc)
    item = await only_item(svc, openid)
    assert (await act(svc, "zhang", f"/api/handoffs/{item['id']}/claim"))[0] == 200

    promised = beijing(11, 27, 10)  # Friday 10:00, two days ahead
    status, moved = await act(
        svc,
        "zhang",
        f"/api/handoffs/{item['id']}/appointment",
        {"at": promised.astimezone(BEIJING).isoformat()},
    )
    assert status == 200, moved
    assert moved["deadline_at"] == iso(promised) and moved["appointment_at"] == iso(promised)
    assert await svc.scalar("SELECT COUNT(*) FROM reminder WHERE cancelled_at IS NOT NULL") == 2
    assert await svc.scalar("SELECT COUNT(*) FROM reminder WHERE cancelled_at IS NULL") == 2

    clock.set(beijing(11, 25, 15, 30))  # the old deadline passes quietly
    assert await svc.sweep() == 0
    assert (await only_item(svc, openid))["breached"] is False
    assert await svc.count("console_notice") == 0

    clock.set(beijing(11, 27, 9, 0))  # both reminders of the promise (4 h and 1 h before)
    assert await svc.sweep() == 2
    assert await notices(svc, "zhang") == [(item["id"], "reminder"), (item["id"], "reminder")]
    clock.set(beijing(11, 27, 9, 59))
    assert await svc.sweep() == 0
    clock.set(beijing(11, 27, 10, 0))
    assert await svc.sweep() == 1
    assert (await only_item(svc, openid))["breached"] is True
    assert await notices(svc, "boss") == [(item["id"], "breached")]
    assert await svc.sweep() == 0


@pytest.mark.parametrize(
    "at",
    [
        "2026-11-25T09:59:00+08:00",  # a minute ago
        "2026-11-25T10:00:00+08:00",  # now
        "2026-12-26T10:00:00+08:00",  # more than 30 days ahead
        "2026-11-27T10:00:00",  # no time zone
        "next friday",
        12345,
        None,
    ],
    ids=["past", "now", "too-far", "naive", "words", "number", "missing"],
)
async def test_an_impossible_appointment_is_refused_and_nothing_moves(start_service: ServiceFactory, at: Any):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    _reply, openid = await ask_for_human(svc)
    item = await only_item(svc, openid)
    assert (await act(svc, "zhang", f"/api/handoffs/{item['id']}/claim"))[0] == 200
    before = await svc.counts()
    status, body = await act(svc, "zhang", f"/api/handoffs/{item['id']}/appointment", {"at": at})
    assert status == 422, body
    assert body["field"] == "at"
    assert await svc.counts() == before  # (before listing again: each list is audited)
    after = await only_item(svc, openid)
    assert after["deadline_at"] == item["deadline_at"] and after["appointment_at"] is None
    assert await svc.scalar("SELECT COUNT(*) FROM reminder WHERE cancelled_at IS NULL") == 2


# ---- restarts ---------------------------------------------------------------------------------------
async def test_a_reminder_missed_while_the_service_was_down_fires_after_the_restart(
    start_service: ServiceFactory,
):
    clock = MovableClock(WORKDAY_MORNING)
    before = await start_service(clock=clock)
    await before.add_account("zhang", specialties=["labor"])
    _reply, openid = await ask_for_human(before)

    clock.set(beijing(11, 25, 14, 20))  # down from 10:00 to 14:20: the 14:00 reminder was missed
    after = await start_service(clock=clock)
    item = await only_item(after, openid)
    assert await after.sweep() == 1
    assert await notices(after, "zhang") == [(item["id"], "reminder")]
    assert await after.sweep() == 0
    assert await before.sweep() == 0  # an old worker still running does not fire it again

    clock.set(beijing(11, 25, 16, 0))  # down again over the 14:45 reminder and the 15:00 deadline
    again = await start_service(clock=clock)
    assert await again.sweep() == 2
    kinds = [k for _, k in await notices(again, "zhang")]
    assert sorted(kinds) == ["breached", "reminder", "reminder"]
    assert await again.sweep() == 0 and await after.sweep() == 0


# ---- the center's time zone ------------------------------------------------------------------------
async def test_the_due_time_told_to_the_citizen_follows_the_centers_time_zone(
    start_service: ServiceFactory, tmp_path: Path
):
    """A center in another zone (here UTC+9) counts its hours and tells due times on its own clock."""
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    hours = data / "service_hours.yml"
    text = hours.read_text(encoding="utf-8")
    assert "timezone: Asia/Shanghai\n" in text
    hours.write_text(text.replace("timezone: Asia/Shanghai\n", "timezone: Asia/Tokyo\n"), encoding="utf-8")
    clock = MovableClock(WORKDAY_MORNING)  # 10:00 in Beijing is 11:00 in Tokyo: inside service hours
    svc = await start_service(clock=clock, data_dir=data)
    await svc.add_account("zhang", specialties=["labor"])
    reply, openid = await ask_for_human(svc)
    assert_kind(reply, "online", "今天16:00")  # 11:00 + 5 h on the center's clock, not 15:00
    item = await only_item(svc, openid)
    assert item["deadline_at"] == iso(WORKDAY_MORNING + timedelta(hours=5))
