"""The center's service hours: the daily windows on working days, and where a moment lies in them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from bot.errors import ConfigurationError

ReplyKind = Literal["online", "message"]

# The one default zone; data/service_hours.yml may name another (`timezone:`).
DEFAULT_ZONE = "Asia/Shanghai"
# A whole year without one open window means a broken calendar; stop instead of searching forever.
MAX_CLOSED_DAYS = 366


class Days(Protocol):
    """Which days the windows apply on: the working days, or only those someone is on duty."""

    def is_working_day(self, d: date, /) -> bool: ...


def as_utc(at: datetime) -> datetime:
    """Refuse naive datetimes: they would silently be read in the server's own time zone."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {at.isoformat()}")
    return at.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class ServiceHours:
    """Daily windows (local wall-clock times, start inclusive, end exclusive) on working days."""

    windows: tuple[tuple[time, time], ...]
    tz: ZoneInfo

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

    def is_open(self, at: datetime, days: Days) -> bool:
        local = self.local(at)
        if not days.is_working_day(local.date()):
            return False
        now = local.time()
        return any(start <= now < end for start, end in self.windows)

    def next_opening(self, at: datetime, days: Days) -> datetime:
        """The first moment at or after `at` when service is open (`at` itself if open), in UTC."""
        return next(self._open_spans(at, days))[0]

    def open_time_left(self, at: datetime, days: Days) -> timedelta:
        """Open time from `at` to the end of its own day (lunch breaks do not count)."""
        at = as_utc(at)
        day = self.local(at).date()
        if not days.is_working_day(day):
            return timedelta(0)
        return sum(
            (
                self._utc(day, end) - max(self._utc(day, start), at)
                for start, end in self.windows
                if self._utc(day, end) > at
            ),
            timedelta(0),
        )

    def last_open_moment(self, after: datetime, by: datetime, days: Days) -> datetime | None:
        """The latest moment in (`after`, `by`] that service is open right up to: `by` itself inside
        a window, else the end of the last window before it (a window's start is not open up to it);
        None when nothing is open in between."""
        after, by = as_utc(after), as_utc(by)
        latest = None
        for opens, closes in self._open_spans(after, days):
            if opens >= by:
                break
            latest = min(closes, by)
        return latest

    def end_of_first_day_open(self, after: datetime, days: Days) -> datetime:
        """When the last window closes on the first day with service open at or after `after`."""
        opens = self.next_opening(after, days)
        return self._utc(self.local(opens).date(), self.windows[-1][1])

    def _open_spans(self, start: datetime, days: Days) -> Iterator[tuple[datetime, datetime]]:
        """Open spans in UTC from `start` on, the first one clipped to begin at `start`."""
        start = as_utc(start)
        day = self.local(start).date()
        closed_days = 0
        while closed_days < MAX_CLOSED_DAYS:
            closed_days += 1
            if days.is_working_day(day):
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
