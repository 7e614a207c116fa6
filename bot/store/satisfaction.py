"""The satisfaction columns of a consultation: asked once, rated once, commented once.

Each write is a conditional UPDATE on the column still being empty, so a retried or raced close
asks once and a retried answer is stored once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from bot.store.tables import consultation_t, handoff_t, rowcount


def consultation_of_handoff(conn: Connection, handoff_id: int) -> tuple[int, int] | None:
    """(consultation id, citizen id) of a handoff."""
    row = conn.execute(
        select(handoff_t.c.consultation_id, handoff_t.c.citizen_id).where(handoff_t.c.id == handoff_id)
    ).first()
    return None if row is None else (int(row.consultation_id), int(row.citizen_id))


def mark_asked(conn: Connection, consultation_id: int, now: datetime) -> bool:
    """True for the one caller that set `satisfaction_asked_at` on the closed consultation."""
    moved = conn.execute(
        update(consultation_t)
        .where(
            consultation_t.c.id == consultation_id,
            consultation_t.c.status == "closed",
            consultation_t.c.satisfaction_asked_at.is_(None),
        )
        .values(satisfaction_asked_at=now)
    )
    return rowcount(moved) == 1


def record_score(conn: Connection, consultation_id: int, citizen_id: int, score: int, now: datetime) -> bool:
    """The first rating of an asked consultation of this citizen is kept; later ones change nothing."""
    moved = conn.execute(
        update(consultation_t)
        .where(
            consultation_t.c.id == consultation_id,
            consultation_t.c.citizen_id == citizen_id,
            consultation_t.c.satisfaction_asked_at.is_not(None),
            consultation_t.c.satisfaction.is_(None),
        )
        .values(satisfaction=score, satisfaction_at=now)
    )
    return rowcount(moved) == 1


def record_comment(conn: Connection, consultation_id: int, citizen_id: int, text: str) -> bool:
    """The comment (sealed by its column type) on a rated consultation, once."""
    moved = conn.execute(
        update(consultation_t)
        .where(
            consultation_t.c.id == consultation_id,
            consultation_t.c.citizen_id == citizen_id,
            consultation_t.c.satisfaction.is_not(None),
            consultation_t.c.satisfaction_comment.is_(None),
        )
        .values(satisfaction_comment=text)
    )
    return rowcount(moved) == 1
