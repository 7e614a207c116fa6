"""What staff filter the records by, read from a query's strings into checked values.

Every bad value is refused with the field it came from (a 422 naming it), before anything is
read. Days are the center's days: `from` and `to` are local dates, `to` included, turned into
the UTC instants [start, end) the records' times are stored in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import InvalidInput

OUTCOMES = ("a", "b", "c")
CHANNELS = ("wechat", "phone", "walk_in")
RATINGS = range(1, 6)
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_Q = 100  # characters of search words
_FLAGS = {"true": True, "1": True, "false": False, "0": False}


@dataclass(frozen=True, slots=True)
class RecordFilter:
    """The filters of one search; None means "any"."""

    start: datetime | None = None  # received at or after (UTC)
    end: datetime | None = None  # received before (UTC)
    specialty: str | None = None
    consultant: str | None = None  # a username
    outcome: str | None = None
    breached: bool | None = None
    channel: str | None = None
    satisfaction: int | None = None
    q: str | None = None

    def described(self) -> dict[str, object]:
        """What the audit log keeps of a search: the filters given, but never the search words
        (they may be a name or a number), only that there were some."""
        shown: dict[str, object] = {}
        for name in ("specialty", "consultant", "outcome", "breached", "channel", "satisfaction"):
            value = getattr(self, name)
            if value is not None:
                shown[name] = value
        if self.start is not None:
            shown["from"] = self.start.isoformat()
        if self.end is not None:
            shown["to_before"] = self.end.isoformat()
        if self.q is not None:
            shown["q"] = True
        return shown


@dataclass(frozen=True, slots=True)
class Page:
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def read_filter(query: Mapping[str, str], tz: ZoneInfo) -> RecordFilter:
    """The filters of a query; specialty and consultant are checked against the center later."""
    first, last = _day(query, "from"), _day(query, "to")
    if first is not None and last is not None and last < first:
        raise InvalidInput("to", "to must not be before from")
    return RecordFilter(
        start=None if first is None else _midnight(first, tz),
        end=None if last is None else _midnight(last + timedelta(days=1), tz),
        specialty=_text(query, "specialty", 32),
        consultant=_text(query, "consultant", 64),
        outcome=_choice(query, "outcome", OUTCOMES),
        breached=_flag(query, "breached"),
        channel=_choice(query, "channel", CHANNELS),
        satisfaction=_rating(query),
        q=_text(query, "q", MAX_Q),
    )


def read_page(query: Mapping[str, str]) -> Page:
    limit = _number(query, "limit", DEFAULT_LIMIT)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("limit", f"limit must be 1 to {MAX_LIMIT}")
    return Page(limit=limit, offset=_number(query, "offset", 0))


def _given(query: Mapping[str, str], name: str) -> str | None:
    value = query.get(name)
    return None if value is None or value.strip() == "" else value.strip()


def _day(query: Mapping[str, str], name: str) -> date | None:
    value = _given(query, name)
    if value is None:
        return None
    try:
        if len(value) != len("2026-11-25"):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(name, f"{name} must be a date, YYYY-MM-DD") from None


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _text(query: Mapping[str, str], name: str, longest: int) -> str | None:
    value = _given(query, name)
    if value is not None and len(value) > longest:
        raise InvalidInput(name, f"{name} is at most {longest} characters")
    return value


def _choice(query: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str | None:
    value = _given(query, name)
    if value is not None and value not in allowed:
        raise InvalidInput(name, f"{name} must be one of {', '.join(allowed)}")
    return value


def _flag(query: Mapping[str, str], name: str) -> bool | None:
    value = _given(query, name)
    if value is None:
        return None
    if value not in _FLAGS:
        raise InvalidInput(name, f"{name} must be true or false")
    return _FLAGS[value]


def _rating(query: Mapping[str, str]) -> int | None:
    value = _given(query, "satisfaction")
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) not in RATINGS:
        raise InvalidInput("satisfaction", "satisfaction must be 1 to 5")
    return int(value)


def _number(query: Mapping[str, str], name: str, default: int) -> int:
    value = _given(query, name)
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise InvalidInput(name, f"{name} must be a whole number")
    return int(value)
