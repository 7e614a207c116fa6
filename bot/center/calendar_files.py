"""holidays.yml and service_hours.yml, read into the working-day calendar and the service calendar.

The working days are the chinese-calendar package's official dates, with data/holidays.yml's years
(those the package does not know yet, or corrections) in place of the package's for the same year.
A bad date, window, zone or roster stops the start with the file, the key and what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, field_validator, model_validator

from bot.center.data_files import read_data_file
from bot.center.official_calendar import official_calendar
from bot.errors import ConfigurationError
from bot.workdays.duty import DutyRoster
from bot.workdays.service_calendar import DEFAULT_ONLINE_MIN, ServiceCalendar
from bot.workdays.service_hours import DEFAULT_ZONE, ReminderPoints, ServiceHours
from bot.workdays.working_days import WorkingDayCalendar

# Longer than any official break (春节 is at most 9 days): a longer range is a typo in the file.
LONGEST_HOLIDAY = timedelta(days=15)

StrictDate = Annotated[date, Strict()]  # a bare number would otherwise pass as a Unix timestamp


class _Holiday(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: str = Field(min_length=1)
    first: StrictDate = Field(alias="from")
    last: StrictDate = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> _Holiday:
        if self.last < self.first:
            raise ValueError(f"`to` ({self.last}) is before `from` ({self.first})")
        if self.last - self.first >= LONGEST_HOLIDAY:
            raise ValueError(f"{self.first} to {self.last} is longer than any official holiday")
        return self

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


class _Year(BaseModel):
    model_config = ConfigDict(extra="forbid")
    holidays: list[_Holiday]
    makeup_working_days: list[StrictDate] = Field(default_factory=list)

    @field_validator("makeup_working_days")
    @classmethod
    def _weekend(cls, days: list[date]) -> list[date]:
        for d in days:
            if d.isoweekday() < 6:
                raise ValueError(f"{d} is a weekday; a make-up working day is a Saturday or Sunday")
        return days


class _HolidaysFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    years: dict[Annotated[int, Field(ge=2000, le=2100)], _Year] = Field(min_length=1)


def load_calendar(path: Path) -> WorkingDayCalendar:
    """The official calendar with the holidays file's years in place of the package's for those years."""
    return official_calendar().overridden_by(read_holidays_file(path))


def read_holidays_file(path: Path) -> WorkingDayCalendar:
    """Only what the holidays file says; a date listed as both holiday and make-up day stops the start."""
    raw = read_data_file(path, _HolidaysFile)
    holidays: set[date] = set()
    makeup: set[date] = set()
    for year, entry in raw.years.items():
        key = f"years.{year}"
        for i, holiday in enumerate(entry.holidays):
            if year not in (holiday.first.year, holiday.last.year):
                raise ConfigurationError(f"{path}: {key}.holidays.{i}: {holiday.name} is not in {year}")
            holidays.update(holiday.days())
        for i, d in enumerate(entry.makeup_working_days):
            if d.year != year:
                raise ConfigurationError(f"{path}: {key}.makeup_working_days.{i}: {d} is not in {year}")
        makeup.update(entry.makeup_working_days)
    if both := sorted(holidays & makeup):
        d = both[0]
        raise ConfigurationError(
            f"{path}: years.{d.year}.makeup_working_days: {d} is both a holiday and a make-up working day"
        )
    return WorkingDayCalendar(frozenset(holidays), frozenset(makeup), frozenset(raw.years))


@dataclass(frozen=True, slots=True)
class ServiceHoursFile:
    """Everything data/service_hours.yml says, checked."""

    hours: ServiceHours
    roster: DutyRoster
    reminders: ReminderPoints
    online_min: timedelta


# --- the file's shape ----------------------------------------------------------------------------

_HH_MM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def _wall_clock(value: object) -> time:
    # Unquoted, YAML reads 13:30 as the number 810, which pydantic would take as 00:13:30.
    if not isinstance(value, str) or not _HH_MM.match(value):
        raise ValueError(f'write a 24-hour time in quotes, like "13:30" (got {value!r})')
    return time.fromisoformat(value)


WallClock = Annotated[time, BeforeValidator(_wall_clock)]
Minutes = Annotated[int, Strict(), Field(gt=0)]
# More than the online standard's 5 hours ahead would never matter: the promise is at most 5 h away.
OnlineMinMinutes = Annotated[int, Strict(), Field(ge=0, le=300)]
Username = Annotated[str, Strict(), Field(min_length=1)]


class _Window(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: WallClock
    end: WallClock


class _Duty(BaseModel):
    model_config = ConfigDict(extra="forbid")
    roster: dict[Annotated[int, Field(ge=1, le=7)], list[Username] | None] | None = None


class _Reminders(BaseModel):
    model_config = ConfigDict(extra="forbid")
    online_minutes_before: list[Minutes]
    message_minutes_before: list[Minutes]


class _ServiceHoursFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    timezone: str = DEFAULT_ZONE
    windows: list[_Window]
    duty: _Duty | None = None
    reminders: _Reminders
    online_min_minutes: OnlineMinMinutes = int(DEFAULT_ONLINE_MIN.total_seconds()) // 60

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r}") from None
        return name


def load_service_hours(path: Path) -> ServiceHoursFile:
    """Read the hours, roster and reminder points; windows that are empty or out of order stop the start."""
    raw = read_data_file(path, _ServiceHoursFile)
    try:
        hours = ServiceHours(tuple((w.start, w.end) for w in raw.windows), ZoneInfo(raw.timezone))
    except ValueError as exc:
        raise ConfigurationError(f"{path}: {exc}") from None
    roster = (raw.duty.roster if raw.duty else None) or {}
    return ServiceHoursFile(
        hours=hours,
        roster=DutyRoster(MappingProxyType({day: frozenset(names or ()) for day, names in roster.items()})),
        reminders=ReminderPoints(
            online=tuple(timedelta(minutes=m) for m in raw.reminders.online_minutes_before),
            message=tuple(timedelta(minutes=m) for m in raw.reminders.message_minutes_before),
        ),
        online_min=timedelta(minutes=raw.online_min_minutes),
    )


def load_service_calendar(data_dir: Path) -> ServiceCalendar:
    """holidays.yml and service_hours.yml together, as the handoff and the readiness check use them."""
    hours = load_service_hours(data_dir / "service_hours.yml")
    return ServiceCalendar(
        calendar=load_calendar(data_dir / "holidays.yml"),
        hours=hours.hours,
        roster=hours.roster,
        points=hours.reminders,
        online_min=hours.online_min,
    )
