"""The decision deadline's sweep: warn staff the working day before, mark the breach when it passes.

002 §7.4.3 d gives the center 7 working days from complete materials. Every worker runs this;
each step is a conditional update in the transaction that records its event, so a warning and a
breach each happen once whatever the number of workers or restarts. The console reads the marks
(the list's deadline colour), so nothing else has to be told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import Connection

from bot.store import application_deadlines as deadlines
from bot.store import applications as rows
from bot.store.db import Database

log = structlog.get_logger(__name__)
ACTOR = "scheduler"


@dataclass(frozen=True, slots=True)
class DecisionStep:
    """One step that fired: decision_due_soon or decision_breached, for which application."""

    step: str
    application_id: int
    number: str | None
    due_at: datetime


async def sweep_decision_deadlines(db: Database, now: datetime, batch: int = 200) -> list[DecisionStep]:
    """Fire every warning and breach due at `now`; batches keep each transaction short."""
    fired: list[DecisionStep] = []
    while True:
        done = await db.write(lambda conn: _fire_batch(conn, now, batch))
        fired.extend(done)
        if len(done) < batch:
            break
    for step in fired:
        log.info("decision_deadline_step", step=step.step, application_id=step.application_id)
    return fired


def _fire_batch(conn: Connection, now: datetime, batch: int) -> list[DecisionStep]:
    fired: list[DecisionStep] = []
    for due in deadlines.due_warnings(conn, now, batch):
        if deadlines.mark_warned(conn, due.id, now):
            rows.add_event(conn, due.id, now, ACTOR, "decision_due_soon", due.status, due.status)
            fired.append(DecisionStep("decision_due_soon", due.id, due.number, due.due_at))
    room = batch - len(fired)
    if room <= 0:
        return fired
    for due in deadlines.due_breaches(conn, now, room):
        if deadlines.mark_breached(conn, due.id, now):
            rows.add_event(conn, due.id, now, ACTOR, "decision_breached", due.status, due.status)
            fired.append(DecisionStep("decision_breached", due.id, due.number, due.due_at))
            log.warning("decision_deadline_breached", application_id=due.id)
    return fired
