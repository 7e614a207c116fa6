"""The quality inspection's SQL: closed consultations still unscored with what their consultant
wrote, the score saved once, and the weekly review sample.

Every worker sweeps: the rows are picked `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite's writer
lock serialises workers) and the score is a conditional UPDATE on `quality_score IS NULL`, so a
consultation is scored once. A week's draw holds a transaction-scoped advisory lock on PostgreSQL,
so two supervisors opening the same week at once draw one sample, not two.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, text, update

from bot.store.record_keeping import SUMMARY
from bot.store.tables import (
    consultant_t,
    consultation_t,
    event_t,
    handoff_t,
    message_t,
    quality_review_t,
    rowcount,
)

c = consultation_t.c
q = quality_review_t.c
_LOCK_CLASS = 14  # the advisory-lock namespace of the weekly draw (issue 14)


@dataclass(frozen=True, slots=True)
class ClosedRecord:
    """What the checks read of one closed consultation; `staff_texts` are (place, text) pairs."""

    id: int
    channel: str
    handled: bool
    breached: bool | None
    outcome: str | None
    referral: str | None
    identity_given: bool
    identity_refused: bool
    satisfaction_asked: bool
    staff_texts: list[tuple[str, str]]


def unscored(conn: Connection, closed_before: datetime, limit: int) -> list[ClosedRecord]:
    """Closed consultations without a score that closed before `closed_before`, oldest first."""
    query = (
        select(
            c.id,
            c.channel,
            c.consultant_id,
            c.logged_by,
            c.breached,
            c.outcome,
            c.referral,
            c.identity,
            c.identity_refused,
            c.satisfaction_asked_at,
            c.summary,
        )
        .where(c.status == "closed", c.quality_score.is_(None), c.closed_at <= closed_before)
        .order_by(c.closed_at, c.id)
        .limit(limit)
    )
    if conn.dialect.name != "sqlite":
        query = query.with_for_update(of=consultation_t, skip_locked=True)
    rows = conn.execute(query).all()
    written = _staff_texts(conn, [row.id for row in rows])
    return [
        ClosedRecord(
            id=row.id,
            channel=row.channel,
            handled=row.consultant_id is not None or row.logged_by is not None,
            breached=None if row.breached is None else bool(row.breached),
            outcome=row.outcome,
            referral=row.referral,
            identity_given=any(str(v).strip() for v in (row.identity or {}).values() if v is not None),
            identity_refused=bool(row.identity_refused),
            satisfaction_asked=row.satisfaction_asked_at is not None,
            staff_texts=([("summary", row.summary)] if row.summary else []) + written.get(row.id, []),
        )
        for row in rows
    ]


def _staff_texts(conn: Connection, ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """What consultants wrote in these consultations: answers, private notes, closing notes."""
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if not ids:
        return found
    # A logged consultation's summary is also kept as a message, to be searchable: it is read once,
    # from the record, as the summary it is.
    replies = conn.execute(
        select(message_t.c.consultation_id, message_t.c.text).where(
            message_t.c.consultation_id.in_(ids),
            message_t.c.author == "consultant",
            message_t.c.kind != SUMMARY,
        )
    ).all()
    for consultation_id, words in replies:
        if words:
            found[consultation_id].append(("reply", words))
    handoffs = conn.execute(
        select(handoff_t.c.id, handoff_t.c.consultation_id, handoff_t.c.outcome_note).where(
            handoff_t.c.consultation_id.in_(ids)
        )
    ).all()
    of_handoff = {h.id: h.consultation_id for h in handoffs}
    for h in handoffs:
        if h.outcome_note:
            found[h.consultation_id].append(("closing_note", h.outcome_note))
    if of_handoff:
        notes = conn.execute(
            select(event_t.c.handoff_id, event_t.c.detail).where(
                event_t.c.handoff_id.in_(list(of_handoff)), event_t.c.kind == "note"
            )
        ).all()
        for handoff_id, detail in notes:
            if (detail or {}).get("text"):
                found[of_handoff[handoff_id]].append(("note", str(detail["text"])))
    return found


def save_score(conn: Connection, consultation_id: int, score: int, checks: list[dict[str, Any]]) -> bool:
    """True for the one sweep whose UPDATE scored it."""
    done = conn.execute(
        update(consultation_t)
        .where(c.id == consultation_id, c.quality_score.is_(None))
        .values(quality_score=score, quality_checks=checks)
    )
    return rowcount(done) == 1


# ---- the weekly review sample ------------------------------------------------------------------
def lock_week(conn: Connection, week_number: int) -> None:
    """Serialise draws of one week across workers (SQLite's writer lock already does)."""
    if conn.dialect.name != "sqlite":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k1, :k2)"), {"k1": _LOCK_CLASS, "k2": week_number})


def week_candidates(conn: Connection, start: datetime, end: datetime) -> dict[int, list[int]]:
    """consultant → consultations they handled that closed in [start, end) and are not drawn yet."""
    who = func.coalesce(c.consultant_id, c.logged_by)
    drawn = select(q.consultation_id)
    rows = conn.execute(
        select(who, c.id).where(
            c.status == "closed",
            c.closed_at >= start,
            c.closed_at < end,
            who.is_not(None),
            c.id.not_in(drawn),
        )
    ).all()
    found: dict[int, list[int]] = defaultdict(list)
    for consultant_id, consultation_id in rows:
        found[int(consultant_id)].append(int(consultation_id))
    return dict(found)


def drawn_counts(conn: Connection, week: str) -> dict[int, int]:
    """How many consultations of each consultant the week's sample already holds."""
    rows = conn.execute(
        select(q.consultant_id, func.count()).where(q.week == week).group_by(q.consultant_id)
    ).all()
    return {int(who): int(n) for who, n in rows}


def add_to_sample(conn: Connection, week: str, pairs: Sequence[tuple[int, int]], now: datetime) -> None:
    """Add the drawn (consultant, consultation) pairs; the unique consultation keeps each once."""
    if pairs:
        conn.execute(
            insert(quality_review_t),
            [
                {"consultant_id": who, "consultation_id": cid, "week": week, "sampled_at": now}
                for who, cid in pairs
            ],
        )


@dataclass(frozen=True, slots=True)
class SampledRow:
    """A drawn consultation with its review (if any) and the automatic inspection's result."""

    id: int
    week: str
    consultation_id: int
    consultant_id: int
    consultant: str
    sampled_at: datetime
    channel: str
    kind: str | None
    outcome: str | None
    closed_at: datetime | None
    quality_score: int | None
    quality_checks: list[dict[str, Any]] | None
    reviewer: str | None
    reviewed_at: datetime | None
    score: int | None
    rubric: dict[str, Any] | None
    note: str | None


def _sampled() -> Any:
    """Sampled consultations with their consultant, record fields and reviewer, by consultant."""
    reviewer = consultant_t.alias("reviewer")
    return (
        select(
            q.id,
            q.week,
            q.consultation_id,
            q.consultant_id,
            consultant_t.c.username.label("consultant"),
            q.sampled_at,
            c.channel,
            c.kind,
            c.outcome,
            c.closed_at,
            c.quality_score,
            c.quality_checks,
            reviewer.c.username.label("reviewer"),
            q.reviewed_at,
            q.score,
            q.rubric,
            q.note,
        )
        .select_from(
            quality_review_t.join(consultation_t, c.id == q.consultation_id)
            .join(consultant_t, consultant_t.c.id == q.consultant_id)
            .outerjoin(reviewer, reviewer.c.id == q.reviewer_id)
        )
        .order_by(consultant_t.c.username, q.consultation_id)
    )


def sample_of_week(conn: Connection, week: str) -> list[SampledRow]:
    """The week's sample, ordered by consultant and consultation."""
    return [SampledRow(**row._mapping) for row in conn.execute(_sampled().where(q.week == week)).all()]


def sampled(conn: Connection, review_id: int) -> SampledRow | None:
    """One sampled consultation by its review id, or None."""
    row = conn.execute(_sampled().where(q.id == review_id)).first()
    return None if row is None else SampledRow(**row._mapping)


def save_review(
    conn: Connection,
    review_id: int,
    *,
    reviewer_id: int,
    score: int,
    rubric: dict[str, int] | None,
    note: str | None,
    now: datetime,
) -> None:
    """The reviewer's verdict; a later review replaces an earlier one (both are audited)."""
    conn.execute(
        update(quality_review_t)
        .where(q.id == review_id)
        .values(reviewer_id=reviewer_id, reviewed_at=now, score=score, rubric=rubric, note=note)
    )
