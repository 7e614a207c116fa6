"""Supervisors' weekly review: the week's random sample per consultant, and a review against the
rubric (issue 14 item 6; GET /api/quality/sample, POST /api/quality/reviews/{id}).

Opening a week draws its sample if it is not drawn yet (topping up to N per consultant, the same
draw the alarm makes for the last whole week), so a supervisor never finds an empty week because
a job has not run. Every look and every review is on the audit log, in its own transaction.
"""

from __future__ import annotations

from datetime import date
from random import Random
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.center.quality_rubric import QualityRubric
from bot.clock import Clock
from bot.errors import Forbidden, InvalidInput, NotFound
from bot.records.domain.weekly_sample import check_review, previous_week, week_days
from bot.records.quality import draw_sample
from bot.store import audit
from bot.store import quality as sql
from bot.store.db import Database
from bot.workdays.duty import Consultant

SampledConsultation = sql.SampledRow


class ReviewNotFound(NotFound):
    code = "review_not_found"


class OwnConsultation(Forbidden):
    """A supervisor who answered the consultation does not review it."""

    code = "own_consultation"


class QualityReview:
    def __init__(self, db: Database, rubric: QualityRubric, clock: Clock, tz: ZoneInfo, rng: Random) -> None:
        self._db = db
        self.rubric = rubric
        self._clock = clock
        self._tz = tz
        self._rng = rng

    def week_of(self, raw: str | None) -> str:
        """The week asked for (2026-W49), or the last whole week; a week not begun is refused."""
        today = self._today()
        if raw is None or raw == "":
            return previous_week(today)
        try:
            first = week_days(raw).first
        except ValueError:
            raise InvalidInput("week", "week must be an ISO week like 2026-W49") from None
        if first > today:
            raise InvalidInput("week", "that week has not begun")
        return raw

    def _today(self) -> date:
        return self._clock.now().astimezone(self._tz).date()

    async def sample(self, week: str, viewer: Consultant) -> list[SampledConsultation]:
        """The week's sample (drawn or topped up now), audited as the viewer's look."""
        now = self._clock.now()
        per = self.rubric.sample_per_consultant

        def read(conn: Connection) -> list[SampledConsultation]:
            added = draw_sample(conn, week, self._tz, per, self._rng, now)
            rows = sql.sample_of_week(conn, week)
            detail = {"ids": [r.consultation_id for r in rows], "drawn": added}
            audit.add_entry(conn, viewer.id, "view_quality_sample", "quality_week", week, now, detail)
            return rows

        return await self._db.write(read)

    async def review(
        self, review_id: int, score: object, rubric: object, note: object, viewer: Consultant
    ) -> SampledConsultation:
        """Record the viewer's review of one sampled consultation (a later review replaces it)."""
        verdict = check_review(score, rubric, note, self.rubric.rubric)
        now = self._clock.now()

        def write(conn: Connection) -> SampledConsultation:
            found = sql.sampled(conn, review_id)
            if found is None:
                raise ReviewNotFound(f"no sampled consultation {review_id}")
            if found.consultant_id == viewer.id:
                raise OwnConsultation("you answered this consultation: another supervisor reviews it")
            sql.save_review(
                conn,
                review_id,
                reviewer_id=viewer.id,
                score=verdict.score,
                rubric=verdict.rubric,
                note=verdict.note,
                now=now,
            )
            detail = {"review_id": review_id, "score": verdict.score, "previous": found.score}
            audit.add_entry(
                conn, viewer.id, "review_quality", "consultation", str(found.consultation_id), now, detail
            )
            after = sql.sampled(conn, review_id)
            assert after is not None
            return after

        return await self._db.write(write)
