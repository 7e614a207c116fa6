"""The dashboard's figures for a period (issue 14 item 7; GET /api/stats and the charts).

One read transaction gathers the counts (bot/store/figures.py); the rates, averages and
percentiles are computed by bot/records/domain/figures.py. The definitions are in that module's
docstring and in the README ("Dashboard and figures"); in short:
- a consultation counts in the period in which it was received (its `started_at`, center time);
- deadline compliance counts the online (5 h) and message (24 h) consultations whose clock was
  decided (`breached` False = met, True = breached); `pending` are those not decided yet;
- first response = the first human reply (`consultation.first_reply_at`) minus the opening of the
  consultation's first handoff (the moment the citizen was put in the queue), in wall-clock minutes;
- "now" counts handoffs not closed at this moment, whatever the period.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.clock import Clock
from bot.records.domain.figures import (
    ConsultantScores,
    Figures,
    OpenNow,
    Period,
    QualityFigures,
    average,
    compliance,
    count_by_day,
    minutes_between,
    response_times,
    satisfaction,
)
from bot.store import figures as sql
from bot.store.db import Database

CLOCKED_KINDS = ("online", "message")
OUTCOME_KEYS = ("a", "b", "c")


class RecordFigures:
    """Figures over the records; `tz` is the center's time zone (data/service_hours.yml)."""

    def __init__(self, db: Database, clock: Clock, tz: ZoneInfo) -> None:
        self._db = db
        self._clock = clock
        self.tz = tz

    def today(self) -> date:
        """The center's date now: the last day of the default period."""
        return self._clock.now().astimezone(self.tz).date()

    async def figures(self, period: Period) -> Figures:
        """Every figure of the period, read in one transaction so they agree with each other."""
        now = self._clock.now()
        return await self._db.read(lambda conn: self._gather(conn, period, now))

    def _gather(self, conn: Connection, period: Period, now: datetime) -> Figures:
        """Counts from the store, arithmetic from the domain; `now` stamps the open-now figures."""
        start, end = period.bounds(self.tz)
        counts = sql.consultation_counts(conn, start, end)
        waits = [minutes_between(r.opened_at, r.first_reply_at) for r in sql.first_replies(conn, start, end)]
        open_now = sql.open_handoffs(conn)
        return Figures(
            period=period,
            timezone=self.tz.key,
            total=len(counts.received),
            by_day=count_by_day(counts.received, period, self.tz),
            by_specialty=counts.by_specialty,
            by_channel=counts.by_channel,
            by_kind=counts.by_kind,
            deadlines={
                kind: compliance(
                    counts.clocks.get((kind, False), 0),
                    counts.clocks.get((kind, True), 0),
                    counts.clocks.get((kind, None), 0),
                )
                for kind in CLOCKED_KINDS
            },
            first_response=response_times(waits),
            now=OpenNow(
                at=now,
                open=open_now["waiting"] + open_now["claimed"],
                waiting=open_now["waiting"],
                claimed=open_now["claimed"],
                breached=open_now["breached"],
            ),
            satisfaction=satisfaction(counts.asked, counts.answered_of_asked, counts.satisfaction),
            outcomes=_outcomes(counts.outcomes),
            quality=_quality(sql.automatic_scores(conn, start, end), sql.review_scores(conn, start, end)),
        )


def _outcomes(counted: Mapping[str | None, int]) -> dict[str, int]:
    """a, b, c and none (closed without an outcome), every key present."""
    found = {key: counted.get(key, 0) for key in OUTCOME_KEYS}
    found["none"] = sum(n for key, n in counted.items() if key not in OUTCOME_KEYS)
    return found


def _quality(automatic: list[sql.ScoreRow], reviews: list[sql.ScoreRow]) -> QualityFigures:
    """Automatic and review scores side by side per consultant, ordered by name."""
    by_id: dict[int, tuple[str, sql.ScoreRow | None, sql.ScoreRow | None]] = {}
    for row in automatic:
        by_id[row.consultant_id] = (row.username, row, None)
    for row in reviews:
        name, auto, _ = by_id.get(row.consultant_id, (row.username, None, None))
        by_id[row.consultant_id] = (name, auto, row)
    people = [
        ConsultantScores(
            consultant_id=cid,
            username=name,
            scored=auto.count if auto else 0,
            average=average(auto.total, auto.count) if auto else None,
            reviewed=review.count if review else 0,
            review_average=average(review.total, review.count) if review else None,
        )
        for cid, (name, auto, review) in sorted(by_id.items(), key=lambda item: item[1][0])
    ]
    scored = sum(r.count for r in automatic)
    reviewed = sum(r.count for r in reviews)
    return QualityFigures(
        scored=scored,
        average=average(sum(r.total for r in automatic), scored),
        reviewed=reviewed,
        review_average=average(sum(r.total for r in reviews), reviewed),
        by_consultant=people,
    )
