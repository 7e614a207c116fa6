"""How long a handoff may wait for a reply (standard 002 §6.2 g/h), and when the assignee is reminded."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.errors import LegalAidError
from bot.workdays.duty import ConsultantOnDuty, DutyRoster
from bot.workdays.service_hours import ReminderPoints, ReplyKind, ServiceHours, as_utc
from bot.workdays.working_days import WorkingDayCalendar

ONLINE_REPLY = timedelta(hours=5)  # 002 §6.2 h: an online consultation is answered within 5 hours
MESSAGE_REPLY = timedelta(hours=24)  # 002 §6.2 g: a message consultation within 24 hours
LONGEST_APPOINTMENT = timedelta(days=30)

Counting = Literal["calendar", "service_hours"]


class InvalidAppointment(LegalAidError):
    """A consultant promised a reply time in the past or more than 30 days ahead."""

    code = "invalid_appointment"
    field = "at"  # the console's 422 names the field, as for every other invalid input


@dataclass(frozen=True, slots=True)
class ReplyDeadline:
    kind: ReplyKind
    due_at: datetime
    reminders: tuple[datetime, ...]


def decide_reply_deadline(
    opened_at: datetime,
    *,
    specialty: str,
    consultants: Sequence[ConsultantOnDuty],
    calendar: WorkingDayCalendar,
    hours: ServiceHours,
    roster: DutyRoster,
    points: ReminderPoints,
    counting: Counting,
) -> ReplyDeadline:
    """Online only if someone who can answer is on duty when the handoff opens; otherwise a message."""
    opened_at = as_utc(opened_at)
    online = hours.is_open(opened_at, calendar) and bool(
        roster.on_duty(consultants, specialty, opened_at, calendar, hours)
    )
    kind: ReplyKind = "online" if online else "message"
    allowed = ONLINE_REPLY if online else MESSAGE_REPLY
    if counting == "calendar":
        due_at = opened_at + allowed  # the standard counts plain hours
    elif counting == "service_hours":
        due_at = hours.add_service_time(opened_at, allowed, calendar)
    else:
        raise ValueError(f"unknown counting {counting!r}")
    return ReplyDeadline(kind, due_at, _reminders(opened_at, due_at, points.before(kind)))


def appointment_deadline(
    at: datetime, now: datetime, points: ReminderPoints, *, kind: ReplyKind = "message"
) -> ReplyDeadline:
    """A consultant's promised reply time becomes the deadline, reminded like any other.

    Pass the handoff's `kind`; the default is "message" since a promise is usually hours or days ahead.
    """
    at, now = as_utc(at), as_utc(now)
    if at <= now:
        raise InvalidAppointment("the appointment must be later than now")
    if at - now > LONGEST_APPOINTMENT:
        raise InvalidAppointment("the appointment must be at most 30 days ahead")
    return ReplyDeadline(kind, at, _reminders(now, at, points.before(kind)))


def _reminders(after: datetime, due_at: datetime, points: Iterable[timedelta]) -> tuple[datetime, ...]:
    """Reminder moments before `due_at`; one that would fall at or before `after` is dropped."""
    return tuple(sorted({due_at - p for p in points if due_at - p > after}))
