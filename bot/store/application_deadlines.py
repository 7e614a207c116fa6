"""The SQL of an application's decision deadline: which warnings and breaches are due, and marking
each once.

Every worker sweeps; the rows are picked `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite's
writer lock serialises workers) and each mark is a conditional UPDATE on `warned_at IS NULL` /
`breached_at IS NULL` and a status still awaiting the decision, so each step fires once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from bot.store.tables import application_t, rowcount

_AWAITING = ("submitted", "under_review")


@dataclass(frozen=True, slots=True)
class DueDecision:
    id: int
    number: str | None
    status: str
    due_at: datetime


def due_warnings(conn: Connection, now: datetime, limit: int) -> list[DueDecision]:
    return _due(conn, application_t.c.decision_warn_at, application_t.c.warned_at, now, limit)


def due_breaches(conn: Connection, now: datetime, limit: int) -> list[DueDecision]:
    return _due(conn, application_t.c.decision_due_at, application_t.c.breached_at, now, limit)


def mark_warned(conn: Connection, application_id: int, now: datetime) -> bool:
    """True for the one worker whose UPDATE marked it (a breach already marked needs no warning)."""
    return _mark(
        conn,
        application_id,
        application_t.c.warned_at.is_(None),
        application_t.c.breached_at.is_(None),
        values={"warned_at": now},
    )


def mark_breached(conn: Connection, application_id: int, now: datetime) -> bool:
    return _mark(conn, application_id, application_t.c.breached_at.is_(None), values={"breached_at": now})


def _due(conn: Connection, at: Any, done: Any, now: datetime, limit: int) -> list[DueDecision]:
    query = (
        select(
            application_t.c.id,
            application_t.c.number,
            application_t.c.status,
            application_t.c.decision_due_at,
        )
        .where(application_t.c.status.in_(_AWAITING), at.is_not(None), at <= now, done.is_(None))
        .order_by(at)
        .limit(limit)
    )
    if conn.dialect.name != "sqlite":
        query = query.with_for_update(of=application_t, skip_locked=True)
    return [DueDecision(*row) for row in conn.execute(query).all()]


def _mark(conn: Connection, application_id: int, *pending: Any, values: dict[str, Any]) -> bool:
    moved = conn.execute(
        update(application_t)
        .where(application_t.c.id == application_id, application_t.c.status.in_(_AWAITING), *pending)
        .values(**values)
    )
    return rowcount(moved) == 1
