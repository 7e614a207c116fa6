"""China's official holidays and make-up working days as the `chinese-calendar` package ships them.

The package knows every year from its first to its last table (2004 to 2026 in 1.11), from the State
Council's yearly notices; data/holidays.yml adds later years and corrects a known one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache

import chinese_calendar

from bot.workdays.working_days import WorkingDayCalendar


@cache
def official_calendar() -> WorkingDayCalendar:
    """Every year the package has tables for (it refuses dates outside its first to last year)."""
    holidays: Mapping[date, str] = chinese_calendar.holidays
    makeup: Mapping[date, str] = chinese_calendar.workdays
    first, last = min(holidays).year, max(holidays).year
    return WorkingDayCalendar(
        holidays=frozenset(holidays),
        makeup_working_days=frozenset(makeup),
        years=frozenset(range(first, last + 1)),
    )
