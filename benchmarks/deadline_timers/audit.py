"""What the rows say after the day: counts the summary holds against the plan and the firings.

Rows are the second witness besides the firings kept in memory: a step fired twice, or never,
shows up here even when the in-memory record looks right.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from benchmarks.deadline_timers.plan import Plan


async def audit(db: Any, plan: Plan) -> dict[str, int]:
    """What the rows say after the day."""
    from bot.store.tables import deadline_t, event_t, handoff_t, notice_t, reminder_t

    end = plan.cutoff

    def count(conn: Connection, table: Any, *where: Any) -> int:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())

    def run(conn: Connection) -> dict[str, int]:
        r, d = reminder_t.c, deadline_t.c
        pending = (d.superseded_at.is_(None), d.answered_at.is_(None))
        return {
            "reminders": count(conn, reminder_t),
            "deadlines": count(conn, deadline_t),
            "reminders_sent": count(conn, reminder_t, r.sent_at.isnot(None)),
            "reminders_due_db": count(conn, reminder_t, r.cancelled_at.is_(None), r.due_at <= end),
            "reminders_missed_db": count(
                conn, reminder_t, r.sent_at.is_(None), r.cancelled_at.is_(None), r.due_at <= end
            ),
            "reminders_cancelled": count(conn, reminder_t, r.cancelled_at.isnot(None)),
            "reminders_cancelled_overdue": count(
                conn, reminder_t, r.sent_at.is_(None), r.cancelled_at.isnot(None), r.cancelled_at > r.due_at
            ),
            "deadlines_breached": count(conn, deadline_t, d.breached_at.isnot(None)),
            "deadlines_due_db": count(conn, deadline_t, *pending, d.due_at <= end),
            "deadlines_missed_db": count(
                conn, deadline_t, *pending, d.breached_at.is_(None), d.due_at <= end
            ),
            "deadlines_answered": count(conn, deadline_t, d.answered_at.isnot(None)),
            "deadlines_superseded": count(conn, deadline_t, d.superseded_at.isnot(None)),
            "handoffs_breached": count(conn, handoff_t, handoff_t.c.breached_at.isnot(None)),
            "events_reminded": count(conn, event_t, event_t.c.kind == "reminded"),
            "events_breached": count(conn, event_t, event_t.c.kind == "breached"),
            "notices": count(conn, notice_t),
        }

    return dict(await db.read(run))
