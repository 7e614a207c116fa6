"""The decision deadline: 7 working days from the day the materials are complete.

`ServiceCalendar.add_working_days(day, 7)` starts counting on the day after `day`, so the day the
materials are complete never counts, even when it is a make-up working day. Each expected date was
counted by hand from the State Council's schedules; the comment under each case shows the count
(n = the n-th working day, "off" = a holiday, "weekend" = an ordinary day off, "make-up" = a
Saturday or Sunday worked).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.center.calendar_files import load_calendar, load_service_hours
from bot.settings import REPO_ROOT
from bot.workdays.duty import DutyRoster
from bot.workdays.service_calendar import ServiceCalendar
from bot.workdays.service_hours import ReminderPoints
from bot.workdays.working_days import WorkingDayCalendar

DECISION_DAYS = 7
HOURS = load_service_hours(REPO_ROOT / "data" / "service_hours.yml").hours


def service_calendar(calendar: WorkingDayCalendar) -> ServiceCalendar:
    return ServiceCalendar(calendar, HOURS, DutyRoster(), ReminderPoints((), ()))


@pytest.fixture(scope="module")
def center() -> ServiceCalendar:
    return service_calendar(load_calendar(REPO_ROOT / "data" / "holidays.yml"))


OFFICIAL_CASES = [
    # 国庆节、中秋节 2025: off Wed 10.1 - Wed 10.8; make-up Sun 9.28 and Sat 10.11.
    pytest.param(
        date(2025, 9, 28),
        date(2025, 10, 14),
        # complete on make-up Sun 9.28 (not counted); Mon 9.29 = 1, Tue 9.30 = 2, 10.1-10.8 off,
        # Thu 10.9 = 3, Fri 10.10 = 4, make-up Sat 10.11 = 5, Sun 10.12 weekend, Mon 10.13 = 6, Tue 10.14 = 7
        id="2025 National Day, complete on the make-up Sunday",
    ),
    pytest.param(
        date(2025, 9, 30),
        date(2025, 10, 16),
        # 10.1-10.8 off; Thu 10.9 = 1, Fri 10.10 = 2, make-up Sat 10.11 = 3, Sun 10.12 weekend,
        # Mon 10.13 = 4, Tue 10.14 = 5, Wed 10.15 = 6, Thu 10.16 = 7
        id="2025 National Day, complete the day before",
    ),
    pytest.param(
        date(2025, 9, 27),
        date(2025, 10, 13),
        # Sat 9.27 (weekend, not counted); make-up Sun 9.28 = 1, Mon 9.29 = 2, Tue 9.30 = 3,
        # 10.1-10.8 off, Thu 10.9 = 4, Fri 10.10 = 5, make-up Sat 10.11 = 6, Sun 10.12 weekend, Mon 10.13 = 7
        id="2025 National Day, both make-up days counted",
    ),
    # 春节 2026: off Sun 2.15 - Mon 2.23; make-up Sat 2.14 and Sat 2.28.
    pytest.param(
        date(2026, 2, 13),
        date(2026, 3, 2),
        # Fri 2.13 (not counted); make-up Sat 2.14 = 1, 2.15-2.23 off, Tue 2.24 = 2, Wed 2.25 = 3,
        # Thu 2.26 = 4, Fri 2.27 = 5, make-up Sat 2.28 = 6, Sun 3.1 weekend, Mon 3.2 = 7
        id="2026 Spring Festival, complete the Friday before",
    ),
    pytest.param(
        date(2026, 2, 14),
        date(2026, 3, 3),
        # complete on make-up Sat 2.14 (not counted); 2.15-2.23 off, Tue 2.24 = 1, Wed 2.25 = 2,
        # Thu 2.26 = 3, Fri 2.27 = 4, make-up Sat 2.28 = 5, Sun 3.1 weekend, Mon 3.2 = 6, Tue 3.3 = 7
        id="2026 Spring Festival, complete on the make-up Saturday",
    ),
    # 中秋节 2026: off Fri 9.25 - Sun 9.27; 国庆节 2026: off Thu 10.1 - Wed 10.7;
    # make-up Sun 9.20 and Sat 10.10.
    pytest.param(
        date(2026, 9, 24),
        date(2026, 10, 12),
        # Thu 9.24 (not counted); 9.25-9.27 off, Mon 9.28 = 1, Tue 9.29 = 2, Wed 9.30 = 3, 10.1-10.7 off,
        # Thu 10.8 = 4, Fri 10.9 = 5, make-up Sat 10.10 = 6, Sun 10.11 weekend, Mon 10.12 = 7
        id="2026 Mid-Autumn and National Day",
    ),
    pytest.param(
        date(2026, 9, 30),
        date(2026, 10, 15),
        # 10.1-10.7 off; Thu 10.8 = 1, Fri 10.9 = 2, make-up Sat 10.10 = 3, Sun 10.11 weekend,
        # Mon 10.12 = 4, Tue 10.13 = 5, Wed 10.14 = 6, Thu 10.15 = 7
        id="2026 National Day, complete the day before",
    ),
]


@pytest.mark.parametrize(("complete", "due"), OFFICIAL_CASES)
def test_decision_deadline_on_the_official_calendar(
    complete: date, due: date, center: ServiceCalendar
) -> None:
    assert center.add_working_days(complete, DECISION_DAYS) == due


@pytest.mark.parametrize(("complete", "due"), OFFICIAL_CASES)
def test_each_case_depends_on_both_holidays_and_make_up_days(
    complete: date, due: date, center: ServiceCalendar
) -> None:
    """Guard on the cases above: counting without the holidays, or without the make-up days, would
    give another date, so a calendar that lost either cannot pass them."""
    official = center.calendar
    no_holidays = WorkingDayCalendar(frozenset(), official.makeup_working_days, official.years)
    no_makeup = WorkingDayCalendar(official.holidays, frozenset(), official.years)
    for lacking in (no_holidays, no_makeup):
        assert service_calendar(lacking).add_working_days(complete, DECISION_DAYS) != due


# An invented 2027 (the State Council had not published it): 春节 off Sat 2.6 - Sun 2.14, make-up Sat 2.20.
HOLIDAYS_2027 = """\
years:
  2027:
    holidays:
      - {name: 春节, from: 2027-02-06, to: 2027-02-14}
    makeup_working_days:
      - 2027-02-20
"""


def test_a_year_only_the_file_knows(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yml"
    path.write_text(HOLIDAYS_2027, encoding="utf-8")
    calendar = load_calendar(path)
    assert calendar.covers(2027)
    service = service_calendar(calendar)
    # Fri 2.5 (not counted); 2.6-2.14 off, Mon 2.15 = 1, Tue 2.16 = 2, Wed 2.17 = 3, Thu 2.18 = 4,
    # Fri 2.19 = 5, make-up Sat 2.20 = 6, Sun 2.21 weekend, Mon 2.22 = 7
    assert service.add_working_days(date(2027, 2, 5), DECISION_DAYS) == date(2027, 2, 22)
    # Without the file (Monday to Friday): Mon 2.8 = 1 ... Fri 2.12 = 5, Mon 2.15 = 6, Tue 2.16 = 7.
    bare = service_calendar(WorkingDayCalendar(frozenset(), frozenset(), frozenset()))
    assert bare.add_working_days(date(2027, 2, 5), DECISION_DAYS) == date(2027, 2, 16)
    # Without its make-up day: ... Fri 2.19 = 5, Sat 2.20 weekend, Mon 2.22 = 6, Tue 2.23 = 7.
    no_makeup = WorkingDayCalendar(calendar.holidays, frozenset(), calendar.years)
    assert service_calendar(no_makeup).add_working_days(date(2027, 2, 5), DECISION_DAYS) == date(2027, 2, 23)
    # The package's years stay: 2026's 国庆 still counts alongside the file's 2027.
    assert service.add_working_days(date(2026, 9, 30), DECISION_DAYS) == date(2026, 10, 15)
