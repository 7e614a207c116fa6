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
    """The due time the citizen is told, which is also the deadline the reminders and the breach use.

    Online (§6.2 h) when someone of the specialty is on duty with at least `online_min` of the day's
    service ahead; otherwise a message (§6.2 g). Due when the standard's 5 h / 24 h end if
    consultants are on duty then, else at the latest on-duty moment before that, so nobody is
    promised a reply while nobody works. When no consultant is on duty at all between the opening
    and its 24 h (Friday evening to Saturday evening, a holiday week), or only for less than
    `online_min` (Friday 17:25), no promise can keep the standard: it is the end of the first
    on-duty day with that much time ahead instead, later than 24 h.
    """
    opened_at = as_utc(opened_at)
    online = service.takes_online(consultants, specialty, opened_at)
    kind: ReplyKind = "online" if online else "message"
    allowed_until = _whole_minute(opened_at + (ONLINE_REPLY if online else MESSAGE_REPLY), service)
    due_at = service.last_on_duty(consultants, opened_at, allowed_until)
    if due_at is None or due_at - opened_at < service.online_min:
        # Nobody on duty in it, or only for minutes (Friday 17:25 → 17:30): a promise nobody could
        # keep. The close of the first duty day with at least `online_min` of it still ahead.
        due_at = service.end_of_next_duty_day(consultants, opened_at + service.online_min)
    return ReplyDeadline(kind, due_at, _reminders(opened_at, due_at, service.points.before(kind)))


def _whole_minute(at: datetime, service: ServiceCalendar) -> datetime:
    """Down to the minute on the center's clock: the citizen is told hours and minutes, no more."""
    return as_utc(service.local(at).replace(second=0, microsecond=0))


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
