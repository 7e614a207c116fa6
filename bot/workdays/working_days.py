"""China's working days: Monday to Friday, minus official holidays, plus make-up days (read by bot.center
from the chinese-calendar package and data/holidays.yml)."""

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

    def overridden_by(self, override: WorkingDayCalendar) -> WorkingDayCalendar:
        """This calendar with each year `override` covers replaced by what `override` says of it.

        A date `override` names wins over this calendar's word for it, even when the date lies in a
        neighbouring year (a break that runs across New Year)."""
        holidays = {d for d in self.holidays if d.year not in override.years}
        makeup = {d for d in self.makeup_working_days if d.year not in override.years}
        return WorkingDayCalendar(
            holidays=frozenset((holidays - override.makeup_working_days) | override.holidays),
            makeup_working_days=frozenset((makeup - override.holidays) | override.makeup_working_days),
            years=self.years | override.years,
        )
