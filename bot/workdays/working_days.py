"""China's working days: Monday to Friday, minus official holidays, plus make-up days (data/holidays.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator, model_validator

from bot.dialogue.data_files import read_data_file
from bot.errors import ConfigurationError

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


def load_calendar(path: Path) -> WorkingDayCalendar:
    """Read the holidays file; a date listed as both holiday and make-up day stops the start."""
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
