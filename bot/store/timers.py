"""Reply deadlines and their reminder points as rows: set, met, stopped, and fired by the sweep.

The database holds the timers (APScheduler only wakes the sweep). Each step is marked by a
conditional UPDATE on `sent_at IS NULL` / `breached_at IS NULL`, so it fires once however many
workers race for it; on PostgreSQL due rows are also selected `FOR UPDATE SKIP LOCKED`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, and_, exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.store.tables import deadline_t, handoff_t, notice_t, reminder_t, rowcount


@dataclass(frozen=True, slots=True)
class DueStep:
    """A reminder or deadline row that fell due, with what decides who hears of it."""

    id: int
    handoff_id: int
    due_at: datetime
    specialty: str
    assignee_id: int | None


def new_deadline(
    conn: Connection,
    handoff_id: int,
    due_at: datetime,
    reminders: Iterable[datetime],
    reason: str,
    now: datetime,
) -> int:
    """The item's deadline and its reminder points; the caller has stopped the one before it."""
    deadline_id = int(
        conn.execute(
            insert(deadline_t)
            .values(handoff_id=handoff_id, due_at=due_at, reason=reason, created_at=now)
            .returning(deadline_t.c.id)
        ).scalar_one()
    )
    _add_reminders(conn, deadline_id, handoff_id, reminders)
    return deadline_id


def deadline_if_none_open(
    conn: Connection,
    handoff_id: int,
    due_at: datetime,
    reminders: Iterable[datetime],
    reason: str,
    now: datetime,
) -> int | None:
    """A new deadline unless one still waits for an answer (then None): the unique index on open
    deadlines decides, so a race with an appointment cannot leave two."""
    upsert = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
    deadline_id = conn.execute(
        upsert(deadline_t)
        .values(handoff_id=handoff_id, due_at=due_at, reason=reason, created_at=now)
        .on_conflict_do_nothing(index_elements=["handoff_id"], index_where=_deadline_open())
        .returning(deadline_t.c.id)
    ).scalar_one_or_none()
    if deadline_id is None:
        return None
    _add_reminders(conn, int(deadline_id), handoff_id, reminders)
    return int(deadline_id)


def awaits_answer(handoff_id: Any) -> Any:
    """SQL: the item has a deadline still waiting for an answer."""
    return exists().where(deadline_t.c.handoff_id == handoff_id, _deadline_open())


def _add_reminders(
    conn: Connection, deadline_id: int, handoff_id: int, reminders: Iterable[datetime]
) -> None:
    points = [{"deadline_id": deadline_id, "handoff_id": handoff_id, "due_at": at} for at in reminders]
    if points:
        conn.execute(insert(reminder_t), points)


def meet_deadline(conn: Connection, handoff_id: int, now: datetime) -> None:
    """An answer meets the open deadline (the first one, or the next reply's), and its reminders
    are no longer needed."""
    answered = (
        conn.execute(
            update(deadline_t)
            .where(deadline_t.c.handoff_id == handoff_id, _deadline_open())
            .values(answered_at=now)
            .returning(deadline_t.c.id)
        )
        .scalars()
        .all()
    )
    if answered:
        _cancel_reminders(conn, handoff_id, now)


def stop_timers(conn: Connection, handoff_id: int, now: datetime) -> None:
    """The current deadline is superseded (by an appointment, or the end) and its reminders cancelled."""
    conn.execute(
        update(deadline_t)
        .where(deadline_t.c.handoff_id == handoff_id, deadline_t.c.superseded_at.is_(None))
        .values(superseded_at=now)
    )
    _cancel_reminders(conn, handoff_id, now)


def _cancel_reminders(conn: Connection, handoff_id: int, now: datetime) -> None:
    conn.execute(
        update(reminder_t)
        .where(reminder_t.c.handoff_id == handoff_id, *_reminder_pending())
        .values(cancelled_at=now)
    )


# ---- the sweep -----------------------------------------------------------------------------
def due_reminders(conn: Connection, now: datetime, limit: int) -> list[DueStep]:
    return _due(conn, reminder_t, _reminder_pending(), now, limit)


def due_deadlines(conn: Connection, now: datetime, limit: int) -> list[DueStep]:
    return _due(conn, deadline_t, _deadline_pending(), now, limit)


def _due(
    conn: Connection, timers: Table, pending: tuple[Any, ...], now: datetime, limit: int
) -> list[DueStep]:
    """Rows another worker holds are skipped on PostgreSQL; SQLite's writer lock serialises workers."""
    query = (
        select(
            timers.c.id, timers.c.handoff_id, timers.c.due_at, handoff_t.c.specialty, handoff_t.c.assignee_id
        )
        .join(handoff_t, handoff_t.c.id == timers.c.handoff_id)
        .where(*pending, timers.c.due_at <= now)
        .order_by(timers.c.due_at)
        .limit(limit)
    )
    if conn.dialect.name != "sqlite":
        query = query.with_for_update(of=timers, skip_locked=True)
    return [DueStep(*row) for row in conn.execute(query).all()]


def mark_reminder_sent(conn: Connection, reminder_id: int, now: datetime) -> bool:
    """True for the one worker whose UPDATE marked it: that worker sends the notices."""
    return (
        rowcount(
            conn.execute(
                update(reminder_t)
                .where(reminder_t.c.id == reminder_id, reminder_t.c.sent_at.is_(None))
                .values(sent_at=now)
            )
        )
        == 1
    )


def mark_breached(conn: Connection, step: DueStep, now: datetime) -> bool:
    """The deadline is breached once; the handoff keeps the time of its first breach."""
    won = rowcount(
        conn.execute(
            update(deadline_t).where(deadline_t.c.id == step.id, *_deadline_pending()).values(breached_at=now)
        )
    )
    if won != 1:
        return False
    conn.execute(
        update(handoff_t)
        .where(handoff_t.c.id == step.handoff_id, handoff_t.c.breached_at.is_(None))
        .values(breached_at=now)
    )
    return True


def add_notices(
    conn: Connection, consultant_ids: list[int], handoff_id: int, kind: str, now: datetime
) -> None:
    if consultant_ids:
        conn.execute(
            insert(notice_t),
            [
                {"consultant_id": c, "handoff_id": handoff_id, "kind": kind, "created_at": now}
                for c in consultant_ids
            ],
        )


def earliest_due(conn: Connection) -> datetime | None:
    """When the next reminder or breach falls due, if any is pending."""
    reminder = conn.execute(
        select(func.min(reminder_t.c.due_at)).where(*_reminder_pending())
    ).scalar_one_or_none()
    deadline = conn.execute(
        select(func.min(deadline_t.c.due_at)).where(*_deadline_pending())
    ).scalar_one_or_none()
    candidates = [at for at in (reminder, deadline) if at is not None]
    return min(candidates) if candidates else None


def _reminder_pending() -> tuple[Any, ...]:
    return (reminder_t.c.sent_at.is_(None), reminder_t.c.cancelled_at.is_(None))


def _deadline_open() -> Any:
    """Waiting for an answer, breached or not: an item has at most one (uq_reply_deadline_open)."""
    return and_(deadline_t.c.superseded_at.is_(None), deadline_t.c.answered_at.is_(None))


def _deadline_pending() -> tuple[Any, ...]:
    return (
        deadline_t.c.superseded_at.is_(None),
        deadline_t.c.answered_at.is_(None),
        deadline_t.c.breached_at.is_(None),
    )
