"""A complaint's rules (002 §11): when its reply is due, when it is breached, what it may hold,
and how its complainant hears the result.

The reply is due N working days (data/complaints.yml) after the day the complaint arrives, counted
on the center's calendar as the decision deadline is: that day is day 0, the reply is due by the
end of the Nth working day after it.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Literal

from bot.workdays.service_calendar import ServiceCalendar

Source = Literal["chat", "staff"]
Status = Literal["open", "replied"]
STATUSES: tuple[Status, ...] = ("open", "replied")
# How the complainant hears the result: in WeChat (a chat complaint), by a call staff make (a staff
# complaint with a phone), or not through us (a staff complaint without one: told in person).
Telling = Literal["wechat", "call", "none"]

MAX_TEXT = 2000
MAX_REPLY = 2000
MAX_NAME = 50
# A phone as staff type it: mobile or fixed line, with spaces, dashes or a leading +.
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,23}$")


def complaint_due_at(received_at: datetime, calendar: ServiceCalendar, working_days: int) -> datetime:
    """The end (midnight, center time) of the `working_days`th working day after arrival."""
    arrived = calendar.local(received_at).date()
    last_day = calendar.add_working_days(arrived, working_days)
    return datetime.combine(last_day + timedelta(days=1), time(0, 0), tzinfo=calendar.tz)


def is_breached(
    due_at: datetime, breached_at: datetime | None, replied_at: datetime | None, now: datetime
) -> bool:
    """Marked by the sweep, answered late, or still unanswered past its due time (before a sweep ran)."""
    if breached_at is not None:
        return True
    if replied_at is not None:
        return replied_at > due_at
    return now >= due_at


def telling(source: str, phone: str | None) -> Telling:
    if source == "chat":
        return "wechat"
    return "call" if phone else "none"


def looks_like_phone(value: str) -> bool:
    return bool(_PHONE.match(value)) and sum(ch.isdigit() for ch in value) >= 5
