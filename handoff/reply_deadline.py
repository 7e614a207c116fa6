"""How long a handoff may wait for a reply (standard 002 §6.2 g/h), and when the assignee is reminded."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.errors import LegalAidError
from bot.workdays.duty import Consultant
from bot.workdays.service_calendar import ServiceCalendar
from bot.workdays.service_hours import ReminderPoints, ReplyKind, as_utc

ONLINE_REPLY = timedelta(hours=5)  # 002 §6.2 h: an online consultation is answered within 5 hours
MESSAGE_REPLY = timedelta(hours=24)  # 002 §6.2 g: a message consultation within 24 hours
LONGEST_APPOINTMENT = timedelta(days=30)


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
    consultants: Sequence[Consultant],
    service: ServiceCalendar,
) -> ReplyDeadline:
    """Online only if someone who can answer is on duty when the handoff opens; otherwise a message."""
    opened_at = as_utc(opened_at)
    online = bool(service.on_duty(consultants, specialty, opened_at))
    kind: ReplyKind = "online" if online else "message"
    allowed = ONLINE_REPLY if online else MESSAGE_REPLY
    if service.counting == "calendar":
        due_at = opened_at + allowed  # the standard counts plain hours
    elif service.counting == "service_hours":
        due_at = service.add_service_time(opened_at, allowed)
    else:
        raise ValueError(f"unknown counting {service.counting!r}")
    return ReplyDeadline(kind, due_at, _reminders(opened_at, due_at, service.points.before(kind)))


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
