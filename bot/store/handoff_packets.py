"""What a handoff's packet and summary are written from: the consultation's topic and screening,
its last turns, and the citizen's own account of the problem (texts are sealed, so choosing
among them happens here, after they are opened, not in SQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from bot.store.tables import consultation_t, handoff_t, message_t

# A message shorter than this is an answer to a question, not an account of a problem.
PROBLEM_MIN_CHARS = 6


def consultation_topic(conn: Connection, consultation_id: int) -> tuple[str | None, dict[str, Any] | None]:
    """The consultation's consult_* intent and its latest screening, for a handoff's packet."""
    row = conn.execute(
        select(consultation_t.c.intent, consultation_t.c.screening).where(
            consultation_t.c.id == consultation_id
        )
    ).first()
    return (None, None) if row is None else (row.intent, row.screening)


def recent_messages(conn: Connection, consultation_id: int, limit: int) -> list[dict[str, Any]]:
    """The last turns with text, oldest first: what the consultant reads before answering."""
    rows = conn.execute(
        select(message_t.c.author, message_t.c.text, message_t.c.recorded_at)
        .where(message_t.c.consultation_id == consultation_id, message_t.c.text.isnot(None))
        .order_by(message_t.c.id.desc())
        .limit(limit)
    ).all()
    return [{"author": r.author, "text": r.text, "at": r.recorded_at.isoformat()} for r in reversed(rows)]


def problem_statement(conn: Connection, consultation_id: int, limit: int = 50) -> str | None:
    """The citizen's own account of the problem: their longest message (texts are sealed, so the
    choice is made here, not in SQL). Short answers ("1", "转人工") are never an account."""
    texts = conn.execute(
        select(message_t.c.text)
        .where(
            message_t.c.consultation_id == consultation_id,
            message_t.c.author == "citizen",
            message_t.c.text.isnot(None),
        )
        .order_by(message_t.c.id.desc())
        .limit(limit)
    ).scalars()
    accounts = [t for t in texts if len(t.strip()) >= PROBLEM_MIN_CHARS]
    return max(reversed(accounts), key=len) if accounts else None


def summary_inputs(
    conn: Connection, handoff_id: int, limit: int
) -> tuple[str, str, dict[str, Any] | None, str | None, list[dict[str, Any]]] | None:
    """What a handoff's summary is written from, read again after the citizen wrote more."""
    row = conn.execute(
        select(handoff_t.c.reason, handoff_t.c.specialty, handoff_t.c.consultation_id).where(
            handoff_t.c.id == handoff_id
        )
    ).first()
    if row is None:
        return None
    _topic, screening = consultation_topic(conn, row.consultation_id)
    return (
        row.reason,
        row.specialty,
        screening,
        problem_statement(conn, row.consultation_id),
        recent_messages(conn, row.consultation_id, limit),
    )


def set_summary(conn: Connection, handoff_id: int, summary: str) -> None:
    conn.execute(update(handoff_t).where(handoff_t.c.id == handoff_id).values(summary=summary))
