"""One answer to "when does the center work": working days, service hours, the duty roster and
reminder points together, in the center's one time zone (data/service_hours.yml `timezone`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.workdays.duty import Consultant, DutyRoster
from bot.workdays.service_hours import ReminderPoints, ServiceHours
from bot.workdays.working_days import WorkingDayCalendar

Counting = Literal["calendar", "service_hours"]
# More working days than any deadline counts: stop instead of walking into a broken calendar.
MAX_WORKING_DAYS = 366


@dataclass(frozen=True, slots=True)
class ServiceCalendar:
    """When the center answers online, who is on duty, and how reply deadlines count."""

    calendar: WorkingDayCalendar
    hours: ServiceHours
    roster: DutyRoster
    points: ReminderPoints
    counting: Counting = "calendar"

    @property
    def tz(self) -> ZoneInfo:
        return self.hours.tz

    def local(self, at: datetime) -> datetime:
        """`at` on the center's wall clock."""
        return self.hours.local(at)

    def is_online_time(self, at: datetime) -> bool:
        """Inside the service hours of a working day."""
        return self.hours.is_open(at, self.calendar)

    def on_duty(self, consultants: Sequence[Consultant], specialty: str, at: datetime) -> list[Consultant]:
        """The consultants who can answer `specialty` at `at`; nobody outside service hours."""
        if not self.is_online_time(at):
            return []
        rostered = self.roster.rostered(self.local(at).isoweekday())
        return [c for c in consultants if c.may_answer(specialty, rostered)]

    def add_service_time(self, start: datetime, duration: timedelta) -> datetime:
        return self.hours.add_service_time(start, duration, self.calendar)

    def next_working_day(self, day: date) -> date:
        """The first working day after `day`."""
        return self.add_working_days(day, 1)

    def add_working_days(self, day: date, count: int) -> date:
        """`count` working days after `day` (a decision deadline counts this way)."""
        if count < 0:
            raise ValueError(f"count must not be negative, got {count}")
        for _ in range(MAX_WORKING_DAYS * 2):
            if count == 0:
                return day
            day += timedelta(days=1)
            if self.calendar.is_working_day(day):
                count -= 1
        raise ValueError(f"no {count} working days in the calendar after {day}")

    def wall_clock_text(self, at: datetime) -> str:
        """A time as a citizen reads it, in the center's zone: 11月25日 17:05."""
        local = self.local(at)
        return f"{local.month}月{local.day}日 {local:%H:%M}"

    def holidays_warning(self, now: datetime) -> str | None:
        """Online/message depends on the official holidays: say when next year's are missing."""
        today = self.local(now)
        missing = [y for y in (today.year, today.year + 1) if not self.calendar.covers(y)]
        if today.year in missing:
            return f"data/holidays.yml has no dates for {today.year}; weekends only"
        if missing and today.month == 12:
            return f"add {missing[0]} to data/holidays.yml when the State Council publishes it"
        return None
