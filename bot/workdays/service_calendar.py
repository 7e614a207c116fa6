"""One answer to "when does the center work": working days, service hours, the duty roster and
reminder points together, in the center's one time zone (data/service_hours.yml `timezone`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.workdays.duty import Consultant, DutyRoster
from bot.workdays.service_hours import ReminderPoints, ServiceHours
from bot.workdays.working_days import WorkingDayCalendar

# More working days than any deadline counts: stop instead of walking into a broken calendar.
MAX_WORKING_DAYS = 366
ALL_WEEKDAYS = frozenset(range(1, 8))
# data/service_hours.yml `online_min_minutes` when the file does not say.
DEFAULT_ONLINE_MIN = timedelta(minutes=60)


@dataclass(frozen=True, slots=True)
class DutyDays:
    """The working days on which someone who answers citizens is on the roster."""

    calendar: WorkingDayCalendar
    weekdays: frozenset[int]

    def is_working_day(self, d: date, /) -> bool:
        return d.isoweekday() in self.weekdays and self.calendar.is_working_day(d)


@dataclass(frozen=True, slots=True)
class ServiceCalendar:
    """When the center answers online, who is on duty, and when consultants are on duty at all."""

    calendar: WorkingDayCalendar
    hours: ServiceHours
    roster: DutyRoster
    points: ReminderPoints
    # An online consultation needs this much of the day's service time still ahead.
    online_min: timedelta = DEFAULT_ONLINE_MIN

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

    def takes_online(self, consultants: Sequence[Consultant], specialty: str, at: datetime) -> bool:
        """Online: someone of the specialty is on duty now and at least `online_min` of today's hours
        are still ahead; a request later in the day could only be promised the closing time."""
        return bool(self.on_duty(consultants, specialty, at)) and (
            self.hours.open_time_left(at, self.calendar) >= self.online_min
        )

    def duty_days(self, consultants: Sequence[Consultant]) -> DutyDays:
        """Working days with someone on duty; with nobody on duty on any weekday (no accounts yet),
        every working day, so that a promise can still be made for the center's service hours."""
        staffed = frozenset(
            weekday
            for weekday in ALL_WEEKDAYS
            if any(c.on_duty(self.roster.rostered(weekday)) for c in consultants)
        )
        return DutyDays(self.calendar, staffed or ALL_WEEKDAYS)

    def last_on_duty(
        self, consultants: Sequence[Consultant], after: datetime, by: datetime
    ) -> datetime | None:
        """The latest moment in (`after`, `by`] that consultants are on duty right up to, if any."""
        return self.hours.last_open_moment(after, by, self.duty_days(consultants))

    def end_of_next_duty_day(self, consultants: Sequence[Consultant], after: datetime) -> datetime:
        """When service closes on the first day after `after` with consultants on duty."""
        return self.hours.end_of_first_day_open(after, self.duty_days(consultants))

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

    def holidays_warning(self, now: datetime) -> str | None:
        """Online/message depends on the official holidays: say when next year's are missing."""
        today = self.local(now)
        missing = [y for y in (today.year, today.year + 1) if not self.calendar.covers(y)]
        if today.year in missing:
            return f"chinese-calendar and data/holidays.yml have no dates for {today.year}; weekends only"
        if missing and today.month == 12:
            return (
                f"add {missing[0]} to data/holidays.yml when the State Council publishes it"
                " (or install a chinese-calendar release that knows it)"
            )
        return None
