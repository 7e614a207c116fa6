"""Reminders and breaches of handoff reply deadlines, each fired exactly once.

Every worker runs this sweep. Due rows are selected (`FOR UPDATE SKIP LOCKED` on PostgreSQL;
SQLite's writer lock serialises processes) and each step is a conditional UPDATE on
`sent_at IS NULL` / `breached_at IS NULL`, with its notices written in the same transaction,
so a step fires once whatever the number of workers or restarts. A missed step (the service
was down) is simply due, and fires on the first sweep after the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import Connection

from bot.store import timers
from bot.store.consultants import consultants
from bot.store.db import Database
from bot.store.handoffs import record_event
from bot.workdays.duty import Consultant
from bot.workdays.service_calendar import ServiceCalendar
from handoff.recipients import recipients

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Fired:
    """One step that fired: what, for which handoff, when it was due, when it fired, for whom."""

    step: str  # reminder | breached
    handoff_id: int
    due_at: datetime
    fired_at: datetime
    recipients: tuple[int, ...]


async def sweep_deadlines(
    db: Database, now: datetime, service: ServiceCalendar, batch: int = 500
) -> list[Fired]:
    """Fire every reminder and breach due at `now`; batches keep each transaction short."""
    fired: list[Fired] = []
    while True:
        done = await db.write(lambda conn: _fire_batch(conn, now, service, batch))
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
    return await db.read(timers.earliest_due)


def _fire_batch(conn: Connection, now: datetime, service: ServiceCalendar, batch: int) -> list[Fired]:
    staff: list[Consultant] | None = None
    fired: list[Fired] = []

    for due in timers.due_reminders(conn, now, batch):
        if not timers.mark_reminder_sent(conn, due.id, now):
            continue
        staff = staff if staff is not None else consultants(conn)
        fired.append(_announce(conn, due, "reminder", "reminded", staff, service, now))

    room = batch - len(fired)
    if room <= 0:
        return fired
    for due in timers.due_deadlines(conn, now, room):
        if not timers.mark_breached(conn, due, now):
            continue
        staff = staff if staff is not None else consultants(conn)
        fired.append(_announce(conn, due, "breached", "breached", staff, service, now))
        log.warning("deadline_breached", handoff_id=due.handoff_id)
    return fired


def _announce(
    conn: Connection,
    due: timers.DueStep,
    step: str,
    event: str,
    staff: list[Consultant],
    service: ServiceCalendar,
    now: datetime,
) -> Fired:
    """The step's console notices and its event on the handoff, in the transaction that marked it."""
    to = recipients(staff, due.specialty, due.assignee_id, now, step, service)
    timers.add_notices(conn, to, due.handoff_id, step, now)
    record_event(conn, due.handoff_id, event, None, now, due_at=due.due_at.isoformat(), recipients=len(to))
    return Fired(step, due.handoff_id, due.due_at, now, tuple(to))
