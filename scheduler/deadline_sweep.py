"""Reminders and breaches of handoff reply deadlines, each fired exactly once.

Every worker runs this sweep. Due rows are selected (`FOR UPDATE SKIP LOCKED` on PostgreSQL;
SQLite's writer lock serialises processes) and each step is a conditional UPDATE on
`sent_at IS NULL` / `breached_at IS NULL`, with its notices written in the same transaction,
so a step fires once whatever the number of workers or restarts. A missed step (the service
was down) is simply due, and fires on the first sweep after the start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Connection, func, insert, select, update

from bot.store.db import Database
from bot.store.handoffs import (
    ConsultantRecord,
    consultants,
    deadline_t,
    handoff_t,
    notice_t,
    record_event,
    reminder_t,
)

log = structlog.get_logger(__name__)

# (consultants, specialty, assignee_id, now, step) -> ids of the accounts to notify
Recipients = Callable[[list[ConsultantRecord], str, int | None, datetime, str], list[int]]


@dataclass(frozen=True, slots=True)
class Fired:
    """One step that fired: what, for which handoff, when it was due, when it fired, for whom."""

    step: str  # reminder | breached
    handoff_id: int
    due_at: datetime
    fired_at: datetime
    recipients: tuple[int, ...]


async def sweep_deadlines(
    db: Database, now: datetime, recipients: Recipients, batch: int = 500
) -> list[Fired]:
    """Fire every reminder and breach due at `now`; batches keep each transaction short."""
    fired: list[Fired] = []
    while True:
        done = await db.write(lambda conn: _fire_batch(conn, now, recipients, batch))
        fired.extend(done)
        if len(done) < batch:
            break
    for step in fired:
        log.info(
            "deadline_step_fired", step=step.step, handoff_id=step.handoff_id, recipients=len(step.recipients)
        )
    return fired


async def next_due(db: Database) -> datetime | None:
    """When the next step falls due: the alarm wakes then instead of waiting for its interval."""

    def earliest(conn: Connection) -> datetime | None:
        reminder = conn.execute(
            select(func.min(reminder_t.c.due_at)).where(
                reminder_t.c.sent_at.is_(None), reminder_t.c.cancelled_at.is_(None)
            )
        ).scalar_one_or_none()
        deadline = conn.execute(
            select(func.min(deadline_t.c.due_at)).where(*_deadline_pending())
        ).scalar_one_or_none()
        candidates = [at for at in (reminder, deadline) if at is not None]
        return min(candidates) if candidates else None

    return await db.read(earliest)


def _deadline_pending() -> tuple[Any, ...]:
    return (
        deadline_t.c.superseded_at.is_(None),
        deadline_t.c.answered_at.is_(None),
        deadline_t.c.breached_at.is_(None),
    )


def _fire_batch(conn: Connection, now: datetime, recipients: Recipients, batch: int) -> list[Fired]:
    staff: list[ConsultantRecord] | None = None
    fired: list[Fired] = []
    skip_locked = conn.dialect.name != "sqlite"

    due_reminders = (
        select(
            reminder_t.c.id,
            reminder_t.c.handoff_id,
            reminder_t.c.due_at,
            handoff_t.c.specialty,
            handoff_t.c.assignee_id,
        )
        .join(handoff_t, handoff_t.c.id == reminder_t.c.handoff_id)
        .where(
            reminder_t.c.sent_at.is_(None), reminder_t.c.cancelled_at.is_(None), reminder_t.c.due_at <= now
        )
        .order_by(reminder_t.c.due_at)
        .limit(batch)
    )
    if skip_locked:
        due_reminders = due_reminders.with_for_update(of=reminder_t, skip_locked=True)
    for row in conn.execute(due_reminders).all():
        won = conn.execute(
            update(reminder_t)
            .where(reminder_t.c.id == row.id, reminder_t.c.sent_at.is_(None))
            .values(sent_at=now)
        ).rowcount
        if won != 1:
            continue
        staff = staff if staff is not None else consultants(conn)
        to = recipients(staff, row.specialty, row.assignee_id, now, "reminder")
        _notify(conn, to, row.handoff_id, "reminder", now)
        record_event(
            conn, row.handoff_id, "reminded", None, now, due_at=row.due_at.isoformat(), recipients=len(to)
        )
        fired.append(Fired("reminder", row.handoff_id, row.due_at, now, tuple(to)))

    room = batch - len(fired)
    if room <= 0:
        return fired
    due_deadlines = (
        select(
            deadline_t.c.id,
            deadline_t.c.handoff_id,
            deadline_t.c.due_at,
            handoff_t.c.specialty,
            handoff_t.c.assignee_id,
        )
        .join(handoff_t, handoff_t.c.id == deadline_t.c.handoff_id)
        .where(*_deadline_pending(), deadline_t.c.due_at <= now)
        .order_by(deadline_t.c.due_at)
        .limit(room)
    )
    if skip_locked:
        due_deadlines = due_deadlines.with_for_update(of=deadline_t, skip_locked=True)
    for row in conn.execute(due_deadlines).all():
        won = conn.execute(
            update(deadline_t).where(deadline_t.c.id == row.id, *_deadline_pending()).values(breached_at=now)
        ).rowcount
        if won != 1:
            continue
        conn.execute(
            update(handoff_t)
            .where(handoff_t.c.id == row.handoff_id, handoff_t.c.breached_at.is_(None))
            .values(breached_at=now)
        )
        staff = staff if staff is not None else consultants(conn)
        to = recipients(staff, row.specialty, row.assignee_id, now, "breached")
        _notify(conn, to, row.handoff_id, "breached", now)
        record_event(
            conn, row.handoff_id, "breached", None, now, due_at=row.due_at.isoformat(), recipients=len(to)
        )
        log.warning("deadline_breached", handoff_id=row.handoff_id)
        fired.append(Fired("breached", row.handoff_id, row.due_at, now, tuple(to)))
    return fired


def _notify(conn: Connection, consultant_ids: list[int], handoff_id: int, kind: str, now: datetime) -> None:
    if consultant_ids:
        conn.execute(
            insert(notice_t),
            [
                {"consultant_id": c, "handoff_id": handoff_id, "kind": kind, "created_at": now}
                for c in consultant_ids
            ],
        )
