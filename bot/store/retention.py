"""The SQL of records retention: which closed consultations are past the cut-off, and removing
what is personal from one batch of them while every counting column stays.

Removed: the sealed text of each message (and its sealed extras) with its word-index terms;
the consultation's identity, summary, screening and satisfaction comment; its handoffs'
summaries, packets, outcome notes and event details (private notes, transfer notes); its
annotations; its quality reviews' notes. Kept: dates, channel, kind, intents, specialty,
outcome, referral, consultant, first reply, breached, satisfaction score, quality score and the
rows themselves (a message without its text still counts), so every figure stays the same.
Applications are not touched: they have their own archive rules.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Connection, delete, func, select, update

from bot.store.tables import (
    annotation_t,
    consultation_t,
    event_t,
    handoff_t,
    message_t,
    quality_review_t,
    term_t,
)


def _due(cutoff: datetime) -> tuple[ColumnElement[bool], ...]:
    """Closed before the cut-off and not yet anonymised (started_at first: it is indexed, and a
    consultation closes after it starts)."""
    c = consultation_t.c
    return (
        c.status == "closed",
        c.anonymised_at.is_(None),
        c.started_at < cutoff,
        func.coalesce(c.closed_at, c.started_at) < cutoff,
    )


def count_due(conn: Connection, cutoff: datetime) -> tuple[int, int]:
    """How many consultations, and how many messages in them, an anonymisation would touch."""
    due = select(consultation_t.c.id).where(*_due(cutoff))
    consultations = conn.execute(select(func.count()).select_from(due.subquery())).scalar_one()
    messages = conn.execute(
        select(func.count()).select_from(message_t).where(message_t.c.consultation_id.in_(due))
    ).scalar_one()
    return int(consultations), int(messages)


def due_batch(conn: Connection, cutoff: datetime, batch: int) -> list[int]:
    """The next consultations to anonymise, locked (PostgreSQL; SQLite has one writer); rows
    another worker holds are skipped, so two workers never wait on the same batch."""
    query = (
        select(consultation_t.c.id)
        .where(*_due(cutoff))
        .order_by(consultation_t.c.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    return list(conn.execute(query).scalars())


def anonymise(conn: Connection, ids: list[int], now: datetime) -> tuple[list[int], int]:
    """Anonymise these consultations once: only those still not anonymised are marked (a
    conditional UPDATE) and stripped. Returns their ids and how many messages they hold."""
    c = consultation_t.c
    won = list(
        conn.execute(
            update(consultation_t)
            .where(c.id.in_(ids), c.anonymised_at.is_(None))
            .values(
                identity=None,
                summary=None,
                screening=None,
                satisfaction_comment=None,
                anonymised_at=now,
            )
            .returning(c.id)
        ).scalars()
    )
    if not won:
        return [], 0
    messages = select(message_t.c.id).where(message_t.c.consultation_id.in_(won))
    conn.execute(delete(term_t).where(term_t.c.message_id.in_(messages)))
    stripped = conn.execute(
        update(message_t).where(message_t.c.consultation_id.in_(won)).values(text=None, extra=None)
    ).rowcount
    handoffs = select(handoff_t.c.id).where(handoff_t.c.consultation_id.in_(won))
    conn.execute(update(event_t).where(event_t.c.handoff_id.in_(handoffs)).values(detail={}))
    conn.execute(
        update(handoff_t)
        .where(handoff_t.c.consultation_id.in_(won))
        .values(summary="", packet={}, outcome_note=None)
    )
    conn.execute(delete(annotation_t).where(annotation_t.c.consultation_id.in_(won)))
    conn.execute(
        update(quality_review_t).where(quality_review_t.c.consultation_id.in_(won)).values(note=None)
    )
    return won, int(stripped or 0)
