"""Materials complete or not: the one place that moves an application on when they are.

Called after anything that can change an application's materials (submission, a photo sorted,
staff asking for more), inside that transaction. Complete materials start the decision clock
(002 §7.4.3 d) and the citizen is told the day the decision is due.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from bot.applications.domain.decision_clock import DecisionClock, decision_clock
from bot.applications.domain.materials import missing_kinds
from bot.center.texts import Texts
from bot.store import application_documents as papers
from bot.store import applications as rows
from bot.workdays.service_calendar import ServiceCalendar


def kind_names(texts: Texts, kinds: list[str]) -> str:
    """材料 as a citizen reads them: "身份证照片、案件材料"."""
    return "、".join(texts.say(f"application.kind.{kind}") for kind in kinds)


def start_decision_clock(now: datetime, calendar: ServiceCalendar) -> tuple[DecisionClock, dict[str, Any]]:
    """Complete materials (now) start a fresh 7-working-day clock: the columns that say so, with
    no warning or breach left from an earlier clock."""
    clock = decision_clock(now, calendar)
    started = {
        "complete_at": now,
        "decision_due_at": clock.due_at,
        "decision_warn_at": clock.warn_at,
        "warned_at": None,
        "breached_at": None,
    }
    return clock, started


def still_missing(conn: Connection, app: rows.ApplicationRecord) -> list[str]:
    """What the last notice asked for counts only when sent after it (a blurred ID card photo is
    asked for again); what the route needs and no notice named counts whenever it came. "other"
    (a staff request in their own words) is never met by itself: staff judge it."""
    assert app.economic_route is not None
    fresh = papers.kinds_received(conn, app.id, since=app.materials_notice_at)
    received = papers.kinds_received(conn, app.id)
    asked = [kind for kind in app.missing if kind not in fresh]
    needed = [k for k in missing_kinds(app.economic_route, received) if k not in app.missing]
    return asked + needed


def settle_materials(
    conn: Connection,
    application_id: int,
    now: datetime,
    calendar: ServiceCalendar,
    texts: Texts,
    actor: str = "bot",
) -> list[int]:
    """Recompute what is missing; complete materials move the application to under_review.

    Returns the deliveries that tell the citizen (none when nothing changed for them).
    """
    app = rows.by_id(conn, application_id)
    if app is None or app.economic_route is None or app.status not in ("submitted", "materials_incomplete"):
        return []
    missing = still_missing(conn, app)
    if missing:
        if missing != app.missing:
            rows.change(conn, application_id, app.status, now, missing=missing)
        return []
    clock, started = start_decision_clock(now, calendar)
    moved = rows.change(conn, application_id, app.status, now, status="under_review", missing=[], **started)
    if not moved:
        return []
    rows.add_event(conn, application_id, now, actor, "materials_complete", app.status, "under_review")
    text = texts.say("application.complete", number=app.number or "", due=clock.due_day_text)
    return [rows.tell_citizen(conn, app.citizen_id, app.consultation_id, text, now)]
