"""The decision deadline: 7 working days from complete materials (002 §7.4.3 d).

Counted on the center's working-day calendar (official holidays and make-up days): the day the
materials became complete is day 0, and the decision is due by the end of the 7th working day
after it. Staff are warned at the start of the working day before the due day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.workdays.service_calendar import ServiceCalendar

DECISION_WORKING_DAYS = 7
WARN_AT = time(9, 0)


@dataclass(frozen=True, slots=True)
class DecisionClock:
    """When a decision is due, and when staff are warned that it soon will be."""

    due_at: datetime  # the end of the last working day (aware, in the center's zone)
    warn_at: datetime

    @property
    def due_day_text(self) -> str:
        last = self.due_at - timedelta(seconds=1)
        return f"{last.year}年{last.month}月{last.day}日"


def decision_clock(complete_at: datetime, calendar: ServiceCalendar) -> DecisionClock:
    start = calendar.local(complete_at).date()
    last_day = calendar.add_working_days(start, DECISION_WORKING_DAYS)
    due_at = datetime.combine(last_day + timedelta(days=1), time(0, 0), tzinfo=calendar.tz)
    warn_day = calendar.add_working_days(start, DECISION_WORKING_DAYS - 1)
    warn_at = datetime.combine(warn_day, WARN_AT, tzinfo=calendar.tz)
    return DecisionClock(due_at=due_at, warn_at=max(warn_at, complete_at))
