"""The weekly review sample on plain values: ISO weeks, the random draw, and a reviewer's rubric.

Each week supervisors review N consultations per consultant (data/quality.yml), drawn at random
from those the consultant handled that closed in the week. The draw tops up: drawn again for the
same week it only adds what is missing (a consultant with fewer than N consultations gets them
all, and the week's later ones can still be drawn while the week runs). The randomness is passed
in, so a test seeds it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random
from typing import Any, Protocol

from bot.errors import InvalidInput
from bot.records.domain.figures import Period

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
MAX_NOTE = 2000


def iso_week(day: date) -> str:
    """The ISO week a day falls in, as 2026-W49 (weeks start on Monday)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_days(week: str) -> Period:
    """Monday to Sunday of an ISO week; ValueError when `week` is not one (2026-W54)."""
    found = _WEEK.match(week)
    if found is None:
        raise ValueError("a week is written like 2026-W49")
    monday = date.fromisocalendar(int(found[1]), int(found[2]), 1)
    return Period(monday, monday + timedelta(days=6))


def previous_week(today: date) -> str:
    """The last whole week before the one `today` is in."""
    return iso_week(today - timedelta(days=7))


def draw(
    candidates: Mapping[int, Sequence[int]],
    already: Mapping[int, int],
    per_week: int,
    rng: Random,
) -> list[tuple[int, int]]:
    """(consultant, consultation) pairs to add: up to `per_week` per consultant with what is
    already drawn counted. Consultants and their consultations are taken in id order before the
    draw, so one seed always draws the same sample."""
    chosen: list[tuple[int, int]] = []
    for consultant in sorted(candidates):
        room = per_week - already.get(consultant, 0)
        pool = sorted(set(candidates[consultant]))
        if room <= 0 or not pool:
            continue
        chosen.extend((consultant, consultation) for consultation in rng.sample(pool, min(room, len(pool))))
    return chosen


class RubricItem(Protocol):
    """One point of the review rubric (data/quality.yml): its key and the most it is worth."""

    @property
    def key(self) -> str: ...

    @property
    def max(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Review:
    score: int
    rubric: dict[str, int] | None
    note: str | None


def check_review(score: Any, rubric: Any, note: Any, items: Sequence[RubricItem]) -> Review:
    """A reviewer's verdict: a score 0–100, optional points per rubric item (each 0 to its max; when
    every item is given the score must be their total), an optional note."""
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
        raise InvalidInput("score", "score must be a whole number from 0 to 100")
    points = _rubric_points(rubric, items)
    if points is not None and len(points) == len(items) and sum(points.values()) != score:
        raise InvalidInput("score", f"score must be the rubric's total, {sum(points.values())}")
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
        raise InvalidInput("note", f"note must be text of at most {MAX_NOTE} characters")
    return Review(score, points, (note.strip() or None) if isinstance(note, str) else None)


def _rubric_points(rubric: Any, items: Sequence[RubricItem]) -> dict[str, int] | None:
    if rubric is None:
        return None
    if not isinstance(rubric, dict):
        raise InvalidInput("rubric", "rubric must be an object: item → points")
    known = {item.key: item for item in items}
    points: dict[str, int] = {}
    for key, value in rubric.items():
        item = known.get(key)
        if item is None:
            raise InvalidInput("rubric", f"unknown rubric item {str(key)[:40]!r}")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= item.max:
            raise InvalidInput("rubric", f"{key} must be a whole number from 0 to {item.max}")
        points[key] = value
    return points
