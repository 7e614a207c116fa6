"""Online (5 h, 002 §6.2 h) or message (24 h, §6.2 g) handoffs, the due time promised to the citizen
(which is the deadline), and its reminders: always when consultants are on duty, never later than the
standard unless nobody is on duty in all of the 24 hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.center.calendar_files import ServiceHoursFile, load_calendar, load_service_hours
from bot.errors import LegalAidError
from bot.settings import REPO_ROOT
from bot.workdays.duty import Consultant, DutyRoster
from bot.workdays.service_calendar import ServiceCalendar
from bot.workdays.service_hours import ReminderPoints, ServiceHours
from bot.workdays.working_days import WorkingDayCalendar
from handoff.reply_deadline import (
    InvalidAppointment,
    ReplyDeadline,
    appointment_deadline,
    decide_reply_deadline,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
POINTS = ReminderPoints(
    online=(timedelta(minutes=60), timedelta(minutes=15)),
    message=(timedelta(minutes=240), timedelta(minutes=60)),
)

ZHANG = Consultant(1, "zhang", "consultant", frozenset({"labor"}), active=True)
LI = Consultant(2, "li", "consultant", frozenset({"family"}), active=True)
WANG = Consultant(3, "wang", "supervisor", frozenset({"general"}), active=True)
ZHAO = Consultant(4, "zhao", "consultant", frozenset({"labor"}), active=False)
ROOT = Consultant(5, "root", "admin", frozenset({"labor", "general"}), active=True)


@pytest.fixture(scope="module")
def calendar() -> WorkingDayCalendar:
    """Module scope: hypothesis runs many examples per test and the file does not change."""
    return load_calendar(REPO_ROOT / "data" / "holidays.yml")


@pytest.fixture(scope="module")
def service() -> ServiceHoursFile:
    return load_service_hours(REPO_ROOT / "data" / "service_hours.yml")


def shanghai(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    """A Shanghai wall-clock moment, given to the code as an aware UTC datetime."""
    return datetime(y, mo, d, h, mi, s, tzinfo=SHANGHAI).astimezone(UTC)


def decide(
    opened_at: datetime,
    calendar: WorkingDayCalendar,
    hours: ServiceHours,
    *,
    specialty: str = "labor",
    consultants: tuple[Consultant, ...] = (ZHANG, LI),
    roster: DutyRoster | None = None,
    online_min: timedelta = timedelta(minutes=60),
) -> ReplyDeadline:
    return decide_reply_deadline(
        opened_at,
        specialty=specialty,
        consultants=consultants,
        service=ServiceCalendar(calendar, hours, roster or DutyRoster(), POINTS, online_min),
    )


def due(opened_at: datetime, *args: Any, **kwargs: Any) -> tuple[str, datetime]:
    """(kind, due time) of a handoff opened at `opened_at`; the same arguments as `decide`."""
    deadline = decide(opened_at, *args, **kwargs)
    return deadline.kind, deadline.due_at


# --- online or message ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opened_at", "kind"),
    [
        (shanghai(2026, 3, 2, 16, 30), "online"),  # Monday, an hour of service left
        (shanghai(2026, 3, 2, 16, 30, 1), "message"),  # less than an hour left
        (shanghai(2026, 3, 2, 17, 29, 59), "message"),  # Monday, last second of service
        (shanghai(2026, 3, 2, 17, 30), "message"),  # Monday, closed
        (shanghai(2026, 3, 2, 12, 30), "message"),  # lunch
        (shanghai(2026, 10, 5, 10, 0), "message"),  # 国庆, a Monday
        (shanghai(2026, 2, 16, 10, 0), "message"),  # 春节, a Monday
        (shanghai(2026, 2, 14, 10, 0), "online"),  # make-up Saturday
        (shanghai(2026, 3, 7, 10, 0), "message"),  # ordinary Saturday
    ],
)
def test_kind_follows_service_hours(
    opened_at: datetime, kind: str, calendar: WorkingDayCalendar, service: ServiceHoursFile
) -> None:
    assert decide(opened_at, calendar, service.hours).kind == kind


MONDAY_10 = shanghai(2026, 3, 2, 10, 0)


def test_online_needs_someone_of_the_specialty_or_general(
    calendar: WorkingDayCalendar, service: ServiceHoursFile
) -> None:
    hours = service.hours
    assert decide(MONDAY_10, calendar, hours, consultants=(LI,)).kind == "message"
    assert decide(MONDAY_10, calendar, hours, consultants=(LI, WANG)).kind == "online"
    # An inactive consultant and an admin do not answer, whatever their specialties.
    assert decide(MONDAY_10, calendar, hours, consultants=(ZHAO, ROOT)).kind == "message"
    assert decide(MONDAY_10, calendar, hours, consultants=()).kind == "message"


def test_roster_can_leave_a_specialty_without_anyone(
    calendar: WorkingDayCalendar, service: ServiceHoursFile
) -> None:
    hours = service.hours
    monday_without_zhang = DutyRoster({1: frozenset({"li"})})
    assert decide(MONDAY_10, calendar, hours, roster=monday_without_zhang).kind == "message"
    assert (
        decide(MONDAY_10, calendar, hours, specialty="family", roster=monday_without_zhang).kind == "online"
    )
    tuesday = shanghai(2026, 3, 3, 10, 0)  # no entry for Tuesday: everyone counts
    assert decide(tuesday, calendar, hours, roster=monday_without_zhang).kind == "online"


# --- the promise: when the standard's hours end, if anyone is on duty then --------------------------

MONDAY, FRIDAY = (2026, 3, 2), (2026, 3, 6)


@pytest.mark.parametrize(
    ("opened_at", "kind", "due_at"),
    [
        # The issue: 15:59 + 5 h is 20:59, when nobody works: the promise is the 17:30 closing.
        (shanghai(*MONDAY, 15, 59), "online", shanghai(*MONDAY, 17, 30)),
        (shanghai(*MONDAY, 10, 0), "online", shanghai(*MONDAY, 15, 0)),  # 5 h end on duty
        (shanghai(*MONDAY, 11, 30), "online", shanghai(*MONDAY, 16, 30)),  # across the lunch break
        (shanghai(*MONDAY, 16, 30), "online", shanghai(*MONDAY, 17, 30)),  # the last online hour
        # The evening: 24 h end on Tuesday evening, so the promise is Tuesday's closing.
        (shanghai(*MONDAY, 17, 40), "message", shanghai(2026, 3, 3, 17, 30)),
        (shanghai(*MONDAY, 20, 0), "message", shanghai(2026, 3, 3, 17, 30)),
        (shanghai(*MONDAY, 23, 59), "message", shanghai(2026, 3, 3, 17, 30)),
        # Before opening, the same day's closing is the last on-duty moment within 24 h.
        (shanghai(*MONDAY, 8, 0), "message", shanghai(*MONDAY, 17, 30)),
        # Too late in the day for online: 24 h end on duty on Tuesday.
        (shanghai(*MONDAY, 16, 31), "message", shanghai(2026, 3, 3, 16, 31)),
        # The lunch break: 24 h end at 12:30 on Tuesday, so the promise is the break's start.
        (shanghai(*MONDAY, 12, 30), "message", shanghai(2026, 3, 3, 12, 0)),
        # A window's start is not on duty up to it: 13:30 on Tuesday becomes 12:00.
        (shanghai(*MONDAY, 13, 29, 59), "message", shanghai(2026, 3, 3, 12, 0)),
        # Seconds are dropped: the citizen is told minutes, and the deadline is that minute.
        (shanghai(*MONDAY, 10, 0, 30), "online", shanghai(*MONDAY, 15, 0)),
    ],
)
def test_the_promise_falls_on_duty_within_the_standard(
    opened_at: datetime, kind: str, due_at: datetime, calendar: WorkingDayCalendar, service: ServiceHoursFile
) -> None:
    assert due(opened_at, calendar, service.hours) == (kind, due_at)


def test_an_online_promise_ending_in_the_lunch_break_is_the_breaks_start(
    calendar: WorkingDayCalendar,
) -> None:
    """A center opening at 07:00: 08:00 + 5 h is 13:00, in the lunch break."""
    early = ServiceHours(((time(7), time(12)), (time(13, 30), time(17, 30))), SHANGHAI)
    assert due(shanghai(*MONDAY, 8, 0), calendar, early) == ("online", shanghai(*MONDAY, 12, 0))


@pytest.mark.parametrize(
    ("opened_at", "due_at"),
    [
        # Friday evening to Saturday evening: nobody on duty in the 24 h, so Monday's closing.
        (shanghai(*FRIDAY, 17, 40), shanghai(2026, 3, 9, 17, 30)),
        (shanghai(2026, 3, 7, 10, 0), shanghai(2026, 3, 9, 17, 30)),  # Saturday
        # Saturday evening: 24 h end on Sunday evening; still nobody: Monday's closing.
        (shanghai(2026, 3, 7, 20, 0), shanghai(2026, 3, 9, 17, 30)),
        # Sunday evening: 24 h end on Monday evening, on a working day: Monday's closing within 24 h.
        (shanghai(2026, 3, 8, 20, 0), shanghai(2026, 3, 9, 17, 30)),
        # Sunday morning: 24 h end on Monday at 10:00, on duty.
        (shanghai(2026, 3, 8, 10, 0), shanghai(2026, 3, 9, 10, 0)),
        # Friday, too late for online: the standard's 24 h reach Saturday, and Friday's closing
        # is only 45 minutes away, no promise anyone could keep: Monday's closing.
        (shanghai(*FRIDAY, 16, 45), shanghai(2026, 3, 9, 17, 30)),
    ],
)
def test_a_weekend(
    opened_at: datetime, due_at: datetime, calendar: WorkingDayCalendar, service: ServiceHoursFile
) -> None:
    assert due(opened_at, calendar, service.hours) == ("message", due_at)


@pytest.mark.parametrize(
    ("opened_at", "kind", "due_at"),
    [
        # 国庆 2026 is 10.1-10.7; Sunday 9.20 and Saturday 10.10 are make-up working days.
        (shanghai(2026, 9, 30, 15, 0), "online", shanghai(2026, 9, 30, 17, 30)),
        (shanghai(2026, 9, 30, 18, 0), "message", shanghai(2026, 10, 8, 17, 30)),  # the eve: 10.8 closing
        (shanghai(2026, 10, 2, 10, 0), "message", shanghai(2026, 10, 8, 17, 30)),  # in the holiday
        (shanghai(2026, 10, 7, 20, 0), "message", shanghai(2026, 10, 8, 17, 30)),  # last evening: within 24 h
        (shanghai(2026, 10, 7, 10, 0), "message", shanghai(2026, 10, 8, 10, 0)),  # last morning: 24 h on duty
        (shanghai(2026, 9, 19, 20, 0), "message", shanghai(2026, 9, 20, 17, 30)),  # to the make-up Sunday
        (shanghai(2026, 9, 20, 10, 0), "online", shanghai(2026, 9, 20, 15, 0)),  # on the make-up Sunday
        (shanghai(2026, 10, 9, 18, 0), "message", shanghai(2026, 10, 10, 17, 30)),  # to the make-up Saturday
        (shanghai(2026, 10, 10, 18, 0), "message", shanghai(2026, 10, 12, 17, 30)),  # Sunday off again
    ],
)
def test_national_day_2026_and_its_make_up_days(
    opened_at: datetime, kind: str, due_at: datetime, calendar: WorkingDayCalendar, service: ServiceHoursFile
) -> None:
    assert due(opened_at, calendar, service.hours) == (kind, due_at)


@pytest.mark.parametrize(
    ("online_min", "opened_at", "kind"),
    [
        (timedelta(minutes=60), shanghai(*MONDAY, 16, 30), "online"),  # exactly 60 minutes left
        (timedelta(minutes=60), shanghai(*MONDAY, 16, 30, 1), "message"),
        (timedelta(0), shanghai(*MONDAY, 17, 29), "online"),  # 0: online whenever someone is on duty
        (timedelta(minutes=120), shanghai(*MONDAY, 15, 30), "online"),
        (timedelta(minutes=120), shanghai(*MONDAY, 15, 31), "message"),
        # The lunch break does not count: at 11:30, 30 min of the morning and 4 h of the afternoon.
        (timedelta(minutes=270), shanghai(*MONDAY, 11, 30), "online"),
        (timedelta(minutes=270), shanghai(*MONDAY, 11, 31), "message"),
        (timedelta(minutes=300), shanghai(*MONDAY, 9, 0), "online"),
    ],
)
def test_online_needs_online_min_of_the_days_service_ahead(
    online_min: timedelta,
    opened_at: datetime,
    kind: str,
    calendar: WorkingDayCalendar,
    service: ServiceHoursFile,
) -> None:
    assert decide(opened_at, calendar, service.hours, online_min=online_min).kind == kind


def test_the_promise_needs_someone_on_duty_that_day(
    calendar: WorkingDayCalendar, service: ServiceHoursFile
) -> None:
    """Only zhang answers, and the roster has him on Mondays only: a Monday evening message waits
    for the next Monday, the first day anyone is on duty."""
    roster = DutyRoster({d: frozenset({"zhang"} if d == 1 else {"ghost"}) for d in range(1, 8)})
    assert due(shanghai(*MONDAY, 20, 0), calendar, service.hours, consultants=(ZHANG,), roster=roster) == (
        "message",
        shanghai(2026, 3, 9, 17, 30),
    )
    # Li (family) is on duty every day the roster leaves open: someone of any specialty will do.
    assert due(
        shanghai(*MONDAY, 20, 0), calendar, service.hours, consultants=(ZHANG, LI), roster=DutyRoster()
    ) == ("message", shanghai(2026, 3, 3, 17, 30))


def test_with_nobody_who_answers_the_service_hours_stand_in(
    calendar: WorkingDayCalendar, service: ServiceHoursFile
) -> None:
    for staff in [(), (ZHAO, ROOT)]:  # no accounts; only an inactive consultant and an admin
        assert due(shanghai(*MONDAY, 20, 0), calendar, service.hours, consultants=staff) == (
            "message",
            shanghai(2026, 3, 3, 17, 30),
        )


def test_reminders_come_before_the_deadline_in_order(
    calendar: WorkingDayCalendar, service: ServiceHoursFile
) -> None:
    online = decide(MONDAY_10, calendar, service.hours)
    assert online == ReplyDeadline(
        "online", shanghai(2026, 3, 2, 15, 0), (shanghai(2026, 3, 2, 14, 0), shanghai(2026, 3, 2, 14, 45))
    )
    message = decide(shanghai(2026, 3, 2, 20, 0), calendar, service.hours)  # due Tuesday 17:30
    assert message.reminders == (shanghai(2026, 3, 3, 13, 30), shanghai(2026, 3, 3, 16, 30))


def test_reminders_at_or_before_the_opening_are_dropped(
    calendar: WorkingDayCalendar, service: ServiceHoursFile
) -> None:
    points = ReminderPoints(
        online=(timedelta(hours=6), timedelta(hours=5), timedelta(minutes=15), timedelta(minutes=15)),
        message=(),
    )
    deadline = decide_reply_deadline(
        MONDAY_10,
        specialty="labor",
        consultants=(ZHANG,),
        service=ServiceCalendar(calendar, service.hours, DutyRoster(), points),
    )
    assert deadline.reminders == (shanghai(2026, 3, 2, 14, 45),)


def test_deadlines_are_utc_even_from_another_zone(
    calendar: WorkingDayCalendar, service: ServiceHoursFile
) -> None:
    deadline = decide(MONDAY_10.astimezone(SHANGHAI), calendar, service.hours)
    assert deadline.due_at.tzinfo is UTC
    assert all(r.tzinfo is UTC for r in deadline.reminders)


def test_naive_opening_is_refused(calendar: WorkingDayCalendar, service: ServiceHoursFile) -> None:
    with pytest.raises(ValueError, match="aware"):
        decide(datetime(2026, 3, 2, 10, 0), calendar, service.hours)


# --- appointments --------------------------------------------------------------------------------

NOW = shanghai(2026, 3, 2, 10, 0)


def test_appointment_becomes_the_deadline() -> None:
    at = shanghai(2026, 3, 4, 15, 0)
    assert appointment_deadline(at, NOW, POINTS, kind="online") == ReplyDeadline(
        "online", at, (shanghai(2026, 3, 4, 14, 0), shanghai(2026, 3, 4, 14, 45))
    )
    assert appointment_deadline(at, NOW, POINTS).kind == "message"


def test_appointment_soon_keeps_only_reminders_still_ahead() -> None:
    soon = NOW + timedelta(minutes=30)
    assert appointment_deadline(soon, NOW, POINTS, kind="online").reminders == (soon - timedelta(minutes=15),)


def test_appointment_may_be_thirty_days_ahead() -> None:
    assert appointment_deadline(NOW + timedelta(days=30), NOW, POINTS).due_at == NOW + timedelta(days=30)


@pytest.mark.parametrize(
    "at",
    [NOW, NOW - timedelta(hours=1), NOW + timedelta(days=30, seconds=1)],
)
def test_appointment_in_the_past_or_too_far_ahead_is_refused(at: datetime) -> None:
    with pytest.raises(InvalidAppointment) as caught:
        appointment_deadline(at, NOW, POINTS)
    assert isinstance(caught.value, LegalAidError)
    assert caught.value.code == "invalid_appointment"


# --- properties ----------------------------------------------------------------------------------

OPENINGS = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)
STAFF = st.lists(
    st.builds(
        Consultant,
        id=st.integers(min_value=1, max_value=4),
        username=st.sampled_from(["zhang", "li", "wang", "zhao"]),
        role=st.sampled_from(["consultant", "supervisor", "admin"]),
        specialties=st.frozensets(st.sampled_from(["labor", "family", "general"])),
        active=st.booleans(),
    ),
    max_size=4,
)


@given(opened_at=OPENINGS, staff=STAFF)
# Found by CI: a microsecond after a window opens is no minute anyone could be promised.
@example(opened_at=datetime(2025, 4, 1, 1, 0, 0, 1, tzinfo=UTC), staff=[])
@example(opened_at=datetime(2025, 1, 1, 1, 0, 0, 1, tzinfo=UTC), staff=[])
# Friday 17:00 before a make-up Sunday: half an hour left is no promise; the next duty day's close.
@example(opened_at=datetime(2025, 1, 24, 9, 0, tzinfo=UTC), staff=[])
def test_the_promise_is_on_duty_and_within_the_standard_unless_nobody_works_in_it(
    opened_at: datetime,
    staff: list[Consultant],
    calendar: WorkingDayCalendar,
    service: ServiceHoursFile,
) -> None:
    hours = service.hours
    deadline = decide(opened_at, calendar, hours, consultants=tuple(staff))
    allowed = timedelta(hours=5) if deadline.kind == "online" else timedelta(hours=24)
    assert deadline.due_at > opened_at
    # On duty: the minute before the due time lies in service hours of a working day.
    assert hours.is_open(deadline.due_at - timedelta(minutes=1), calendar)
    assert hours.local(deadline.due_at).second == 0
    if deadline.kind == "online":
        assert hours.is_open(opened_at, calendar)
        assert hours.open_time_left(opened_at, calendar) >= timedelta(minutes=60)
    if deadline.due_at > opened_at + allowed:
        # Later than the standard only when nobody is on duty in all of it, and then the first
        # closing after it.
        assert deadline.kind == "message"
        last = hours.last_open_moment(opened_at, opened_at + allowed, calendar)
        minute = None if last is None else _on_duty_minute(hours, calendar, last)
        assert minute is None or minute - opened_at < service.online_min  # nobody, or only minutes
        assert hours.local(deadline.due_at).time() == time(17, 30)
        assert deadline.due_at - hours.next_opening(opened_at + service.online_min, calendar) < timedelta(
            days=1
        )
    else:
        # Within it: nothing on duty after the promise would still have kept the standard.
        later = hours.last_open_moment(deadline.due_at, opened_at + allowed, calendar)
        minute = None if later is None else _on_duty_minute(hours, calendar, later)
        assert minute is None or minute - deadline.due_at < timedelta(minutes=1)
    assert list(deadline.reminders) == sorted(deadline.reminders)
    assert all(opened_at < r < deadline.due_at for r in deadline.reminders)


def _on_duty_minute(hours: Any, calendar: WorkingDayCalendar, moment: datetime) -> datetime | None:
    """The whole minute a promise at `moment` would name, if someone is on duty up to it.

    Promises are whole minutes and a window's first minute is nobody's: 09:00:00.000001 names
    09:00, which no one has worked up to, so it is no promise anyone could keep.
    """
    minute = moment.replace(second=0, microsecond=0)
    return minute if hours.is_open(minute - timedelta(minutes=1), calendar) else None
