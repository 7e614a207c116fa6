"""Quality inspection's periodic work: score each closed consultation once, and draw last week's
review sample (issue 14 item 6).

Every worker runs `QualitySweep.run` from the alarm. A consultation is scored `settle_minutes`
after it closes (data/quality.yml), so the rating request and the last notes are in first; the
score and its explained checks are written by a conditional UPDATE on `quality_score IS NULL`, in
batches that keep each transaction short. The checks themselves are bot/records/domain/quality.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Connection

from bot.center.quality_rubric import QualityRubric
from bot.clock import Clock
from bot.records.domain.quality import ConsultationFacts, QualityRules, inspect
from bot.records.domain.weekly_sample import draw, previous_week, week_days
from bot.store import quality as sql
from bot.store.db import Database

log = structlog.get_logger(__name__)


def rules_of(rubric: QualityRubric) -> QualityRules:
    """The domain's view of data/quality.yml."""
    return QualityRules(rubric.weights, rubric.why, rubric.places, rubric.public_numbers)


def facts_of(record: sql.ClosedRecord) -> ConsultationFacts:
    """The store's row as the plain values the checks read."""
    return ConsultationFacts(
        channel=record.channel,
        handled=record.handled,
        breached=record.breached,
        outcome=record.outcome,
        referral=record.referral,
        identity_given=record.identity_given,
        identity_refused=record.identity_refused,
        satisfaction_asked=record.satisfaction_asked,
        staff_texts=tuple(record.staff_texts),
    )


async def sweep_quality(
    db: Database, rubric: QualityRubric, now: datetime, batch: int = 100
) -> list[tuple[int, int]]:
    """Score every closed consultation that settled by `now`; returns (consultation, score) pairs."""
    rules = rules_of(rubric)
    closed_before = now - timedelta(minutes=rubric.settle_minutes)
    scored: list[tuple[int, int]] = []
    while True:
        done = await db.write(lambda conn: _score_batch(conn, rules, closed_before, batch))
        scored.extend(done)
        if len(done) < batch:
            break
    if scored:
        log.info("quality_scored", consultations=len(scored))
    return scored


def _score_batch(
    conn: Connection, rules: QualityRules, closed_before: datetime, batch: int
) -> list[tuple[int, int]]:
    """One transaction: inspect a batch and save each score unless another worker did first."""
    scored: list[tuple[int, int]] = []
    for record in sql.unscored(conn, closed_before, batch):
        result = inspect(facts_of(record), rules)
        if sql.save_score(conn, record.id, result.score, [c.as_record() for c in result.checks]):
            scored.append((record.id, result.score))
    return scored


def draw_sample(
    conn: Connection, week: str, tz: ZoneInfo, per_consultant: int, rng: Random, now: datetime
) -> int:
    """Top the week's sample up to `per_consultant` per consultant, in the caller's transaction;
    returns how many consultations were added."""
    days = week_days(week)
    year, number = (int(part) for part in week.split("-W"))
    sql.lock_week(conn, year * 100 + number)
    start, end = days.bounds(tz)
    pairs = draw(sql.week_candidates(conn, start, end), sql.drawn_counts(conn, week), per_consultant, rng)
    sql.add_to_sample(conn, week, pairs, now)
    return len(pairs)


@dataclass
class QualitySweep:
    """The alarm's job: score what settled, and draw the last whole week's sample once per week per
    worker (drawing again would add nothing: the draw only tops up)."""

    db: Database
    rubric: QualityRubric
    clock: Clock
    tz: ZoneInfo
    rng: Random
    _drawn_week: str | None = None

    async def run(self) -> int:
        """Score what settled; draw last week's sample once this worker sees a new week."""
        now = self.clock.now()
        scored = await sweep_quality(self.db, self.rubric, now)
        week = previous_week(now.astimezone(self.tz).date())
        if week != self._drawn_week:
            added = await self.db.write(
                lambda conn: draw_sample(
                    conn, week, self.tz, self.rubric.sample_per_consultant, self.rng, now
                )
            )
            self._drawn_week = week
            if added:
                log.info("quality_sample_drawn", week=week, consultations=added)
        return len(scored)
