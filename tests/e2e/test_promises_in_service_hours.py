"""Every due time promised to a citizen falls when consultants are on duty, and never later than the
standard (online 5 h, message 24 h) unless nobody is on duty in the 24 hours, or only for less
than an hour from the opening.

A whole week, Monday 23 to Sunday 29 November 2026 (no official holiday in it), a handoff opened
every 30 minutes over WeChat. The promise text and the stored deadline are checked against the
example hours in data/service_hours.yml, written out again here so that the check does not
borrow the code it checks.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.clock import MovableClock
from bot.store.tables import deadline_t, handoff_t
from tests.conftest import RunningService, ServiceFactory

BEIJING = ZoneInfo("Asia/Shanghai")
WINDOWS = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))
WEEKDAYS = "一二三四五六日"
WEEK_START = datetime(2026, 11, 23, tzinfo=BEIJING)  # a Monday
MINUTE = timedelta(minutes=1)


def on_duty(at: datetime) -> bool:
    """Someone works at `at`: Monday to Friday inside the windows (no holiday in this week)."""
    local = at.astimezone(BEIJING)
    return local.isoweekday() <= 5 and any(start <= local.time() < end for start, end in WINDOWS)


def duty_minutes(start: datetime, end: datetime) -> list[datetime]:
    """The on-duty minutes in (start, end], as moments that close an on-duty minute."""
    first = start.replace(second=0, microsecond=0) + MINUTE
    count = int((end - first) / MINUTE) + 1
    return [m for m in (first + i * MINUTE for i in range(max(count, 0))) if on_duty(m - MINUTE)]


def minutes_left_today(at: datetime) -> int:
    local = at.astimezone(BEIJING)
    end_of_day = datetime.combine(local.date(), WINDOWS[-1][1], tzinfo=BEIJING)
    return len(duty_minutes(at, end_of_day)) if local.isoweekday() <= 5 else 0


def told(due: datetime, now: datetime) -> str:
    local, today = due.astimezone(BEIJING), now.astimezone(BEIJING)
    clock = f"{local:%H:%M}"
    if local.date() == today.date():
        return f"今天{clock}"
    return f"{local.month}月{local.day}日（周{WEEKDAYS[local.isoweekday() - 1]}）{clock}"


async def newest_handoff(svc: RunningService) -> tuple[str, datetime, datetime, datetime]:
    """(kind, handoff due_at, the open deadline's due_at, opened_at) of the newest handoff."""
    query = (
        select(handoff_t.c.kind, handoff_t.c.due_at, deadline_t.c.due_at, handoff_t.c.opened_at)
        .join(deadline_t, deadline_t.c.handoff_id == handoff_t.c.id)
        .order_by(handoff_t.c.id.desc())
        .limit(1)
    )
    row = await svc.database.read(lambda conn: conn.execute(query).one())
    return row[0], row[1], row[2], row[3]


async def test_no_promise_falls_outside_service_hours_in_a_whole_week(start_service: ServiceFactory):
    clock = MovableClock(WEEK_START.astimezone(UTC))
    svc = await start_service(clock=clock, aes=False)
    await svc.add_account("zhang", specialties=["labor"])
    kinds: dict[str, int] = {"online": 0, "message": 0}
    beyond_the_standard: list[datetime] = []

    for step in range(7 * 48):
        opened = (WEEK_START + step * timedelta(minutes=30)).astimezone(UTC)
        clock.set(opened)
        reply = (await svc.citizen().say("转人工")).reply_text
        kind, handoff_due, due, stored_opening = await newest_handoff(svc)
        where = f"opened {opened.astimezone(BEIJING):%a %H:%M}, due {due.astimezone(BEIJING):%a %H:%M}"
        assert stored_opening == opened and handoff_due == due, where

        # Online only with someone on duty and an hour of the day ahead.
        online = on_duty(opened) and minutes_left_today(opened) >= 60
        assert kind == ("online" if online else "message"), where
        kinds[kind] += 1
        # The citizen is told exactly the stored deadline, on the center's clock.
        assert reply is not None and f"工作人员会在{told(due, opened)}前回复您" in reply, (where, reply)
        assert ("在线咨询" if online else "留言咨询") in reply, (where, reply)

        # On duty: consultants work in the minute before the due time.
        assert due > opened and due.second == 0 and on_duty(due - MINUTE), where
        standard = opened + (timedelta(hours=5) if online else timedelta(hours=24))
        if due <= standard:
            # The latest such moment: no on-duty minute after it would still keep the standard.
            assert duty_minutes(due, standard) == [], where
        else:
            # Later than the standard only when nobody works in it, or only for less than an hour
            # from the opening (no promise anyone could keep): then the close of the first day
            # anyone works with an hour ahead (in this week, Monday 30 November).
            assert not online, where
            assert all(m - opened < timedelta(hours=1) for m in duty_minutes(opened, standard)), where
            assert due == datetime(2026, 11, 30, 17, 30, tzinfo=BEIJING), where
            beyond_the_standard.append(opened)

    assert kinds["online"] > 0 and kinds["message"] > 0
    # From Friday 17:00 (half an hour of work left) to Sunday 09:00 (whose 24 h end as Monday's
    # first window opens) nobody works long enough in the 24 hours: those promises are Monday's
    # close, and only those.
    friday_evening = datetime(2026, 11, 27, 17, 0, tzinfo=BEIJING)
    sunday_nine = datetime(2026, 11, 29, 9, 0, tzinfo=BEIJING)
    assert beyond_the_standard == [
        (friday_evening + i * timedelta(minutes=30)).astimezone(UTC)
        for i in range(int((sunday_nine - friday_evening) / timedelta(minutes=30)) + 1)
    ]
    assert await svc.count("handoff") == 7 * 48
