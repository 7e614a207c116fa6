"""The official calendar from the chinese-calendar package, and data/holidays.yml laid over it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from bot.center.calendar_files import load_calendar, read_holidays_file
from bot.center.official_calendar import official_calendar
from bot.settings import REPO_ROOT
from bot.workdays.working_days import WorkingDayCalendar

HOLIDAYS_FILE = REPO_ROOT / "data" / "holidays.yml"
# Years in which data/holidays.yml deliberately says something else than the package (a correction
# of a package release). Empty: every year the file shares with the package must agree with it.
CORRECTED_YEARS: frozenset[int] = frozenset()


def days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


def test_the_package_covers_2004_to_2026_at_least() -> None:
    years = official_calendar().years
    assert set(range(2004, 2027)) <= years
    assert years == set(range(min(years), max(years) + 1))  # no gap: the package refuses none between


def test_the_official_calendar_reads_the_package_right() -> None:
    """Every day of every year the package knows, against the package's own answer."""
    calendar = official_calendar()
    for year in sorted(calendar.years):
        for day in days_of(year):
            assert calendar.is_working_day(day) is chinese_calendar.is_workday(day), day


@pytest.mark.parametrize("year", sorted(read_holidays_file(HOLIDAYS_FILE).years))
def test_the_file_agrees_with_the_package_where_both_know_the_year(year: int) -> None:
    """A typo in data/holidays.yml (a holiday a day short, a make-up day missing) is caught here."""
    if year not in official_calendar().years:
        pytest.skip(f"the package does not know {year}: only the file speaks for it")
    if year in CORRECTED_YEARS:
        pytest.skip(f"data/holidays.yml corrects the package for {year}")
    from_file = read_holidays_file(HOLIDAYS_FILE)
    differ = [d for d in days_of(year) if from_file.is_working_day(d) is not chinese_calendar.is_workday(d)]
    assert differ == [], f"data/holidays.yml disagrees with chinese-calendar on {differ}"


def test_the_center_calendar_covers_the_package_and_the_file() -> None:
    calendar = load_calendar(HOLIDAYS_FILE)
    assert calendar.years == official_calendar().years | read_holidays_file(HOLIDAYS_FILE).years
    assert calendar.covers(2004)
    assert not calendar.is_working_day(date(2004, 1, 22))  # Thursday, 春节 2004, from the package only
    assert calendar.is_working_day(date(2004, 1, 17))  # Saturday, make-up day before 春节 2004


def write_holidays(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "holidays.yml"
    path.write_text(body, encoding="utf-8")
    return path


def test_a_year_in_the_file_replaces_the_packages_dates_for_that_year(tmp_path: Path) -> None:
    # A (wrong, for the test) 2026 that knows only a shorter 国庆 and no make-up day at all.
    path = write_holidays(
        tmp_path, "years:\n  2026:\n    holidays: [{name: 国庆节, from: 2026-10-01, to: 2026-10-02}]\n"
    )
    calendar = load_calendar(path)
    assert not calendar.is_working_day(date(2026, 10, 2))  # Friday, the file's holiday
    assert calendar.is_working_day(date(2026, 10, 5))  # Monday: the package's 国庆 is gone
    assert calendar.is_working_day(date(2026, 2, 16))  # Monday: the package's 春节 is gone
    assert not calendar.is_working_day(date(2026, 2, 14))  # Saturday: the package's make-up day too
    assert not calendar.is_working_day(date(2025, 10, 8))  # 2025 is still the package's
    assert calendar.is_working_day(date(2025, 9, 28))  # Sunday, make-up day, from the package


def test_the_files_word_wins_for_a_date_across_new_year() -> None:
    package = WorkingDayCalendar(
        frozenset({date(2026, 12, 31)}), frozenset({date(2027, 1, 2)}), frozenset({2026})
    )
    override = WorkingDayCalendar(
        frozenset({date(2027, 1, 2)}), frozenset({date(2026, 12, 31)}), frozenset({2027})
    )
    merged = package.overridden_by(override)
    assert merged.holidays == {date(2027, 1, 2)}
    assert merged.makeup_working_days == {date(2026, 12, 31)}
    assert merged.years == {2026, 2027}
