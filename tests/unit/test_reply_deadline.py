"""Online (5 h, 002 §6.2 h) or message (24 h, §6.2 g) handoffs, their deadlines and reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.center.calendar_files import ServiceHoursFile, load_calendar, load_service_hours
from bot.errors import LegalAidError
from bot.settings import REPO_ROOT
from bot.workdays.duty import Consultant, DutyRoster
from bot.workdays.service_calendar import Counting, ServiceCalendar
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
    counting: Counting = "calendar",
) -> ReplyDeadline:
    return decide_reply_deadline(
        opened_at,
        specialty=specialty,
        consultants=consultants,
        service=ServiceCalendar(calendar, hours, roster or DutyRoster(), POINTS, counting),
    )


# --- online or message ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opened_at", "kind"),
    [
        (shanghai(2026, 3, 2, 17, 29, 59), "online"),  # Monday, last second of service
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


# --- deadlines -----------------------------------------------------------------------------------


def test_calendar_counting_is_plain_hours(calendar: WorkingDayCalendar, service: ServiceHoursFile) -> None:
    late_afternoon = shanghai(2026, 3, 2, 17, 0)
    assert decide(late_afternoon, calendar, service.hours).due_at == shanghai(2026, 3, 2, 22, 0)
    evening = shanghai(2026, 3, 6, 18, 0)  # Friday
    assert decide(evening, calendar, service.hours).due_at == shanghai(2026, 3, 7, 18, 0)


@pytest.mark.parametrize(
    ("opened_at", "kind", "due_at"),
    [
        # online over the night: 30 min on Monday, then 4.5 h on Tuesday (09:00-12:00, 13:30-15:00)
        (shanghai(2026, 3, 2, 17, 0), "online", shanghai(2026, 3, 3, 15, 0)),
        # message over a weekend: Friday night, then 7 h a day Mon-Wed and 3 h on Thursday
        (shanghai(2026, 3, 6, 18, 0), "message", shanghai(2026, 3, 12, 12, 0)),
        # message over 国庆: 10.8 Thu, 10.9 Fri, 10.10 make-up Sat, then 3 h on Monday 10.12
        (shanghai(2026, 9, 30, 18, 0), "message", shanghai(2026, 10, 12, 12, 0)),
        # message on a holiday: counting starts on the first working day after 春节
        (shanghai(2026, 2, 16, 10, 0), "message", shanghai(2026, 2, 27, 12, 0)),
    ],
)
def test_service_hours_counting(
    opened_at: datetime, kind: str, due_at: datetime, calendar: WorkingDayCalendar, service: ServiceHoursFile
) -> None:
    deadline = decide(opened_at, calendar, service.hours, counting="service_hours")
    assert (deadline.kind, deadline.due_at) == (kind, due_at)


def test_reminders_come_before_the_deadline_in_order(
    calendar: WorkingDayCalendar, service: ServiceHoursFile
) -> None:
    online = decide(MONDAY_10, calendar, service.hours)
    assert online == ReplyDeadline(
        "online", shanghai(2026, 3, 2, 15, 0), (shanghai(2026, 3, 2, 14, 0), shanghai(2026, 3, 2, 14, 45))
    )
    message = decide(shanghai(2026, 3, 2, 20, 0), calendar, service.hours)
    assert message.reminders == (shanghai(2026, 3, 3, 16, 0), shanghai(2026, 3, 3, 19, 0))


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
def test_calendar_deadline_is_exactly_the_standards_hours(
    opened_at: datetime,
    staff: list[Consultant],
    calendar: WorkingDayCalendar,
    service: ServiceHoursFile,
) -> None:
    deadline = decide(opened_at, calendar, service.hours, consultants=tuple(staff))
    if deadline.kind == "online":
        assert deadline.due_at - opened_at == timedelta(hours=5)
        assert service.hours.is_open(opened_at, calendar)
    else:
        assert deadline.due_at - opened_at == timedelta(hours=24)
    assert list(deadline.reminders) == sorted(deadline.reminders)
    assert all(opened_at < r < deadline.due_at for r in deadline.reminders)


@given(opened_at=OPENINGS, staff=STAFF)
def test_service_hours_deadline_is_never_earlier_than_calendar(
    opened_at: datetime,
    staff: list[Consultant],
    calendar: WorkingDayCalendar,
    service: ServiceHoursFile,
) -> None:
    by_calendar = decide(opened_at, calendar, service.hours, consultants=tuple(staff))
    by_service = decide(
        opened_at, calendar, service.hours, consultants=tuple(staff), counting="service_hours"
    )
    assert by_service.kind == by_calendar.kind
    assert by_service.due_at >= by_calendar.due_at
    assert all(opened_at < r < by_service.due_at for r in by_service.reminders)
