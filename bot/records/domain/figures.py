"""The dashboard's arithmetic on plain values: the period's days, rates, averages and percentiles.

Definitions the figures keep (README, "Dashboard and figures"):
- A consultation belongs to the day, and to the period, on which it was received (`started_at`)
  in the center's time zone; `to` is inclusive.
- A rate is met / (met + breached), or answered / asked: None when nothing was counted, never 0.
- Percentiles are nearest-rank: p90 is the smallest observed value that at least 90 % of the
  values do not exceed, so "90 % of citizens had a first human reply within p90 minutes" is true
  as written, and the figure is a time some citizen really waited.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 366  # the longest period one request may ask for: a year, leap day included
DEFAULT_DAYS = 30
PERCENTILES = (50, 90, 95)
SATISFACTION_SCALE = (1, 2, 3, 4, 5)


@dataclass(frozen=True, slots=True)
class Period:
    """Whole days in the center's time zone, both ends included."""

    first: date
    last: date

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The UTC instants [start, end) that cover the days: midnight to midnight, local time."""
        start = datetime.combine(self.first, time(0), tzinfo=tz)
        end = datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=tz)
        return start.astimezone(UTC), end.astimezone(UTC)


def default_period(today: date, days: int = DEFAULT_DAYS) -> Period:
    """The last `days` days, today included: what the dashboard opens on."""
    return Period(today - timedelta(days=days - 1), today)


def period_problem(first: date, last: date) -> str | None:
    """Why a period cannot be reported, or None: it runs backwards, or is longer than MAX_DAYS."""
    if last < first:
        return "to must not be before from"
    if (last - first).days + 1 > MAX_DAYS:
        return f"a period is at most {MAX_DAYS} days"
    return None


def count_by_day(received: Iterable[datetime], period: Period, tz: ZoneInfo) -> list[tuple[date, int]]:
    """Every day of the period with how many consultations were received on it (zeros included)."""
    counted = Counter(at.astimezone(tz).date() for at in received)
    return [(day, counted.get(day, 0)) for day in period.days()]


def rate(part: int, whole: int) -> float | None:
    """part / whole to four places; None when there is nothing to divide by."""
    return None if whole <= 0 else round(part / whole, 4)


def average(total: float, count: int, places: int = 2) -> float | None:
    """total / count to `places`; None when nothing was counted."""
    return None if count <= 0 else round(total / count, places)


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile of `values` (any order); None for no values."""
    if not values:
        return None
    if not 0 < p <= 100:
        raise ValueError("p must be in (0, 100]")
    ordered = sorted(values)
    rank = math.ceil(p / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


def minutes_between(start: datetime, end: datetime) -> float:
    """Elapsed wall-clock minutes (nights and weekends included: what the citizen waited)."""
    return (end - start).total_seconds() / 60


@dataclass(frozen=True, slots=True)
class Compliance:
    """Deadline compliance of one kind: answered within the clock, breached, still undecided."""

    met: int
    breached: int
    pending: int
    rate: float | None


def compliance(met: int, breached: int, pending: int = 0) -> Compliance:
    """Met, breached and pending, with the rate over the decided ones only."""
    return Compliance(met, breached, pending, rate(met, met + breached))


@dataclass(frozen=True, slots=True)
class ResponseTimes:
    """First human reply, in minutes after the handoff opened: how many, and the percentiles."""

    count: int
    p50: float | None
    p90: float | None
    p95: float | None


def response_times(minutes: Sequence[float]) -> ResponseTimes:
    """The count and the nearest-rank p50, p90 and p95, to a tenth of a minute."""
    p50, p90, p95 = (percentile(minutes, p) for p in PERCENTILES)
    return ResponseTimes(len(minutes), *(None if v is None else round(v, 1) for v in (p50, p90, p95)))


@dataclass(frozen=True, slots=True)
class SatisfactionFigures:
    """Ratings (002 §7.4.10): how many were asked, how many answered, the average and each grade."""

    asked: int
    answered: int
    rate: float | None
    average: float | None
    distribution: dict[int, int]


def satisfaction(asked: int, answered_of_asked: int, grades: Mapping[int, int]) -> SatisfactionFigures:
    """`grades`: rating → count of every answer; the rate is of those asked who answered."""
    distribution = {grade: int(grades.get(grade, 0)) for grade in SATISFACTION_SCALE}
    answered = sum(distribution.values())
    total = sum(grade * count for grade, count in distribution.items())
    return SatisfactionFigures(
        asked, answered, rate(answered_of_asked, asked), average(total, answered), distribution
    )


@dataclass(frozen=True, slots=True)
class ConsultantScores:
    """One consultant's quality in the period: automatic scores and supervisors' review scores."""

    consultant_id: int
    username: str
    scored: int
    average: float | None
    reviewed: int
    review_average: float | None


@dataclass(frozen=True, slots=True)
class QualityFigures:
    """Quality of consultations a person handled (bot-only ones are scored on their record only)."""

    scored: int
    average: float | None
    reviewed: int
    review_average: float | None
    by_consultant: list[ConsultantScores]


@dataclass(frozen=True, slots=True)
class OpenNow:
    """Handoffs not closed at this moment: waiting to be claimed, claimed, and past their deadline."""

    at: datetime
    open: int
    waiting: int
    claimed: int
    breached: int


@dataclass(frozen=True, slots=True)
class Figures:
    """Everything the dashboard and GET /api/stats show for one period."""

    period: Period
    timezone: str
    total: int
    by_day: list[tuple[date, int]]
    by_specialty: dict[str | None, int]
    by_channel: dict[str, int]
    by_kind: dict[str | None, int]
    deadlines: dict[str, Compliance]
    first_response: ResponseTimes
    now: OpenNow
    satisfaction: SatisfactionFigures
    outcomes: dict[str, int]
    quality: QualityFigures
