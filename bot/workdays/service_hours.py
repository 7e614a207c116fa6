"""The center's online service hours (data/service_hours.yml), and time counted only while they are open."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, field_validator

from bot.dialogue.data_files import read_data_file
from bot.errors import ConfigurationError
from bot.workdays.duty import DutyRoster
from bot.workdays.working_days import WorkingDayCalendar

ReplyKind = Literal["online", "message"]

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A whole year without one open window means a broken calendar; stop instead of searching forever.
MAX_CLOSED_DAYS = 366


def as_utc(at: datetime) -> datetime:
    """Refuse naive datetimes: they would silently be read in the server's own time zone."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {at.isoformat()}")
    return at.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class ServiceHours:
    """Daily windows (local wall-clock times, start inclusive, end exclusive) on working days."""

    windows: tuple[tuple[time, time], ...]
    tz: ZoneInfo = SHANGHAI

    def __post_init__(self) -> None:
        if not self.windows:
            raise ValueError("windows: at least one window is needed")
        previous_end = time.min
        for i, (start, end) in enumerate(self.windows):
            if end <= start:
                raise ValueError(f"windows.{i}: end {end:%H:%M} is not after start {start:%H:%M}")
            if i and start < previous_end:
                raise ValueError(f"windows.{i}: starts at {start:%H:%M}, before the previous window ends")
            previous_end = end

    def local(self, at: datetime) -> datetime:
        """`at` on the center's wall clock."""
        return as_utc(at).astimezone(self.tz)

    def is_open(self, at: datetime, calendar: WorkingDayCalendar) -> bool:
        local = self.local(at)
        if not calendar.is_working_day(local.date()):
            return False
        now = local.time()
        return any(start <= now < end for start, end in self.windows)

    def next_opening(self, at: datetime, calendar: WorkingDayCalendar) -> datetime:
        """The first moment at or after `at` when service is open (`at` itself if open), in UTC."""
        return next(self._open_spans(at, calendar))[0]

    def add_service_time(
        self, start: datetime, duration: timedelta, calendar: WorkingDayCalendar
    ) -> datetime:
        """When `duration` of open service time has passed since `start`; closed time does not count."""
        if duration < timedelta(0):
            raise ValueError(f"duration must not be negative, got {duration}")
        remaining = duration
        spans = self._open_spans(start, calendar)
        while True:
            opens, closes = next(spans)
            if remaining <= closes - opens:
                return opens + remaining
            remaining -= closes - opens

    def _open_spans(
        self, start: datetime, calendar: WorkingDayCalendar
    ) -> Iterator[tuple[datetime, datetime]]:
        """Open spans in UTC from `start` on, the first one clipped to begin at `start`."""
        start = as_utc(start)
        day = self.local(start).date()
        closed_days = 0
        while closed_days < MAX_CLOSED_DAYS:
            closed_days += 1
            if calendar.is_working_day(day):
                for opens_at, closes_at in self.windows:
                    opens, closes = self._utc(day, opens_at), self._utc(day, closes_at)
                    if closes > start:
                        closed_days = 0
                        yield max(opens, start), closes
            day += timedelta(days=1)
        raise ConfigurationError(
            f"no open service hours in the {MAX_CLOSED_DAYS} days after {start:%Y-%m-%d}"
        )

    def _utc(self, day: date, wall_clock: time) -> datetime:
        return datetime.combine(day, wall_clock, tzinfo=self.tz).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class ReminderPoints:
    """How long before a reply deadline the assignee is reminded, per kind of handoff."""

    online: tuple[timedelta, ...]
    message: tuple[timedelta, ...]

    def before(self, kind: ReplyKind) -> tuple[timedelta, ...]:
        return self.online if kind == "online" else self.message


@dataclass(frozen=True, slots=True)
class ServiceHoursFile:
    """Everything data/service_hours.yml says, checked."""

    hours: ServiceHours
    roster: DutyRoster
    reminders: ReminderPoints


# --- the file's shape ----------------------------------------------------------------------------

_HH_MM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def _wall_clock(value: object) -> time:
    # Unquoted, YAML reads 13:30 as the number 810, which pydantic would take as 00:13:30.
    if not isinstance(value, str) or not _HH_MM.match(value):
        raise ValueError(f'write a 24-hour time in quotes, like "13:30" (got {value!r})')
    return time.fromisoformat(value)


WallClock = Annotated[time, BeforeValidator(_wall_clock)]
Minutes = Annotated[int, Strict(), Field(gt=0)]
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
    timezone: str = "Asia/Shanghai"
    windows: list[_Window]
    duty: _Duty | None = None
    reminders: _Reminders

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
    )
