"""The dashboard's SQL: counts over the consultations received in a period, and the handoffs open now.

Plain counts and timestamps only; bot/records/figures.py turns them into rates and percentiles
(bot/records/domain/figures.py). Every query is bounded by `started_at` (indexed) in [start, end)
and aggregates in the database, except the two that need each value: the receive times (bucketed
into the center's days, whatever its time zone) and the first-reply waits (percentiles).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from bot.store.tables import consultant_t, consultation_t, handoff_t, quality_review_t

c = consultation_t.c


@dataclass(frozen=True, slots=True)
class ConsultationCounts:
    """Counts of the consultations received in [start, end), by what the dashboard groups them by."""

    received: list[datetime]
    by_specialty: dict[str | None, int]
    by_channel: dict[str, int]
    by_kind: dict[str | None, int]
    # (kind, breached) → count for the clocked kinds; breached None means not decided yet.
    clocks: dict[tuple[str, bool | None], int]
    outcomes: dict[str | None, int]  # closed consultations only
    satisfaction: dict[int, int]
    asked: int
    answered_of_asked: int


@dataclass(frozen=True, slots=True)
class FirstReply:
    """When the consultation's first handoff opened and when a person first answered."""

    opened_at: datetime
    first_reply_at: datetime


@dataclass(frozen=True, slots=True)
class ScoreRow:
    consultant_id: int
    username: str
    count: int
    total: int


def _received(start: datetime, end: datetime) -> Any:
    return and_(c.started_at >= start, c.started_at < end)


def _grouped(conn: Connection, column: Any, start: datetime, end: datetime, *where: Any) -> dict[Any, int]:
    """Counts per value of `column` among the period's consultations (and `where`)."""
    rows = conn.execute(
        select(column, func.count()).where(_received(start, end), *where).group_by(column)
    ).all()
    return {key: int(n) for key, n in rows}


def consultation_counts(conn: Connection, start: datetime, end: datetime) -> ConsultationCounts:
    """One pass per grouping; every one is bounded by the period's index range."""
    received = list(conn.execute(select(c.started_at).where(_received(start, end))).scalars())
    clocks = conn.execute(
        select(c.kind, c.breached, func.count())
        .where(_received(start, end), c.kind.in_(("online", "message")))
        .group_by(c.kind, c.breached)
    ).all()
    asked = conn.execute(
        select(func.count(), func.count(c.satisfaction)).where(
            _received(start, end), c.satisfaction_asked_at.is_not(None)
        )
    ).one()
    return ConsultationCounts(
        received=received,
        by_specialty=_grouped(conn, c.specialty, start, end),
        by_channel=_grouped(conn, c.channel, start, end),
        by_kind=_grouped(conn, c.kind, start, end),
        clocks={(kind, None if b is None else bool(b)): int(n) for kind, b, n in clocks},
        outcomes=_grouped(conn, c.outcome, start, end, c.status == "closed"),
        satisfaction=_grouped(conn, c.satisfaction, start, end, c.satisfaction.is_not(None)),
        asked=int(asked[0]),
        answered_of_asked=int(asked[1]),
    )


def first_replies(conn: Connection, start: datetime, end: datetime) -> list[FirstReply]:
    """For each consultation received in the period that a person answered: its first handoff's
    opening (the earliest one before the answer) and the first human reply."""
    opened = func.min(handoff_t.c.opened_at).label("opened_at")
    rows = conn.execute(
        select(opened, c.first_reply_at)
        .select_from(consultation_t.join(handoff_t, handoff_t.c.consultation_id == c.id))
        .where(
            _received(start, end),
            c.first_reply_at.is_not(None),
            handoff_t.c.opened_at <= c.first_reply_at,
        )
        .group_by(c.id, c.first_reply_at)
    ).all()
    return [FirstReply(row.opened_at, row.first_reply_at) for row in rows]


def open_handoffs(conn: Connection) -> dict[str, int]:
    """Handoffs not closed now: waiting (unclaimed), claimed, and breached among them."""
    waiting, claimed, breached = conn.execute(
        select(
            func.count().filter(handoff_t.c.status == "open"),
            func.count().filter(handoff_t.c.status == "claimed"),
            func.count().filter(handoff_t.c.breached_at.is_not(None)),
        ).where(handoff_t.c.status != "closed")
    ).one()
    return {"waiting": int(waiting), "claimed": int(claimed), "breached": int(breached)}


def _handled_by() -> Any:
    """Who a consultation's quality is credited to: who answered it, or who logged it."""
    return func.coalesce(c.consultant_id, c.logged_by)


def automatic_scores(conn: Connection, start: datetime, end: datetime) -> list[ScoreRow]:
    """The quality sweep's scores of consultations a person handled, per consultant."""
    who = _handled_by()
    rows = conn.execute(
        select(consultant_t.c.id, consultant_t.c.username, func.count(), func.sum(c.quality_score))
        .select_from(consultation_t.join(consultant_t, consultant_t.c.id == who))
        .where(_received(start, end), c.quality_score.is_not(None))
        .group_by(consultant_t.c.id, consultant_t.c.username)
    ).all()
    return [ScoreRow(i, name, int(n), int(total or 0)) for i, name, n, total in rows]


def review_scores(conn: Connection, start: datetime, end: datetime) -> list[ScoreRow]:
    """Supervisors' review scores of sampled consultations received in the period, per consultant."""
    q = quality_review_t.c
    rows = conn.execute(
        select(consultant_t.c.id, consultant_t.c.username, func.count(), func.sum(q.score))
        .select_from(
            quality_review_t.join(consultation_t, c.id == q.consultation_id).join(
                consultant_t, consultant_t.c.id == q.consultant_id
            )
        )
        .where(_received(start, end), q.score.is_not(None))
        .group_by(consultant_t.c.id, consultant_t.c.username)
    ).all()
    return [ScoreRow(i, name, int(n), int(total or 0)) for i, name, n, total in rows]
