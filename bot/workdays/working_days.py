"""China's working days: Monday to Friday, minus official holidays, plus make-up days (read from data/holidays.yml by bot.center)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class WorkingDayCalendar:
    """Which days the center works; a year it does not cover falls back to Monday to Friday."""

    holidays: frozenset[date]
    makeup_working_days: frozenset[date]
    years: frozenset[int]

    def is_working_day(self, d: date) -> bool:
        if d in self.makeup_working_days:
            return True
        if d in self.holidays:
            return False
        return d.isoweekday() <= 5

    def covers(self, year: int) -> bool:
        """Whether the official dates for `year` are known (the center must add each new year)."""
        return year in self.years
