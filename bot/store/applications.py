"""The SQL of applications: drafts, submission, history, documents and the lists staff read.

Units of work on a Connection, run by the use cases in bot/applications/ inside their own
transaction (or the dialogue turn's). Status changes are conditional UPDATEs on the status the
use case saw, so two staff members deciding at once cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from bot.store.deliveries import new_pending_delivery
from bot.store.tables import (
    application_event_t,
    application_t,
    citizen_t,
    consultation_t,
    message_t,
    rowcount,
    term_t,
)
from bot.store.word_index import index_words

NUMBER_PREFIX = "FY"


@dataclass(frozen=True, slots=True)
class ApplicationRecord:
    """One application as the use cases see it; `particulars` is already opened (plain)."""

    id: int
    number: str | None
    citizen_id: int
    consultation_id: int | None
    status: str
    matter: str | None
    district: str | None
    economic_route: str | None
    particulars: dict[str, Any]
    missing: list[str]
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    materials_notice_at: datetime | None
    materials_notice_documents: int | None
    complete_at: datetime | None
    decision_due_at: datetime | None
    decision_warn_at: datetime | None
    warned_at: datetime | None
    breached_at: datetime | None
    decided_at: datetime | None


def _record(row: Any) -> ApplicationRecord:
    return ApplicationRecord(
        id=row.id,
        number=row.number,
        citizen_id=row.citizen_id,
        consultation_id=row.consultation_id,
        status=row.status,
        matter=row.matter,
        district=row.district,
        economic_route=row.economic_route,
        particulars=dict(row.particulars or {}),
        missing=list(row.missing or []),
        created_at=row.created_at,
        updated_at=row.updated_at,
        submitted_at=row.submitted_at,
        materials_notice_at=row.materials_notice_at,
        materials_notice_documents=row.materials_notice_documents,
        complete_at=row.complete_at,
        decision_due_at=row.decision_due_at,
        decision_warn_at=row.decision_warn_at,
        warned_at=row.warned_at,
        breached_at=row.breached_at,
        decided_at=row.decided_at,
    )


# ---- reading -------------------------------------------------------------------------------
def by_number(conn: Connection, number: str) -> ApplicationRecord | None:
    row = conn.execute(select(application_t).where(application_t.c.number == number)).first()
    return _record(row) if row is not None else None


def by_id(conn: Connection, application_id: int) -> ApplicationRecord | None:
    row = conn.execute(select(application_t).where(application_t.c.id == application_id)).first()
    return _record(row) if row is not None else None


def draft_of(conn: Connection, citizen_id: int) -> ApplicationRecord | None:
    row = conn.execute(
        select(application_t)
        .where(application_t.c.citizen_id == citizen_id, application_t.c.status == "draft")
        .order_by(application_t.c.id.desc())
        .limit(1)
    ).first()
    return _record(row) if row is not None else None


def of_citizen(conn: Connection, citizen_id: int) -> list[ApplicationRecord]:
    """The citizen's submitted applications, newest first (drafts are the open intake)."""
    rows = conn.execute(
        select(application_t)
        .where(application_t.c.citizen_id == citizen_id, application_t.c.status != "draft")
        .order_by(application_t.c.id.desc())
    ).all()
    return [_record(row) for row in rows]


def citizen_by_alias(conn: Connection, alias: str) -> int | None:
    found = conn.execute(select(citizen_t.c.id).where(citizen_t.c.alias == alias)).scalar_one_or_none()
    return int(found) if found is not None else None


def listing(
    conn: Connection, *, status: str | None, district: str | None, matter: str | None, limit: int = 500
) -> list[ApplicationRecord]:
    """Submitted applications for the staff list; drafts are the citizen's own until submitted."""
    query = select(application_t).where(application_t.c.status != "draft")
    if status:
        query = query.where(application_t.c.status == status)
    if district:
        query = query.where(application_t.c.district == district)
    if matter:
        query = query.where(application_t.c.matter == matter)
    rows = conn.execute(query.order_by(application_t.c.id.desc()).limit(limit)).all()
    return [_record(row) for row in rows]


def history(conn: Connection, application_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(application_event_t)
        .where(application_event_t.c.application_id == application_id)
        .order_by(application_event_t.c.id)
    ).all()
    return [
        {
            "at": row.at,
            "actor": row.actor,
            "action": row.action,
            "from_status": row.from_status,
            "to_status": row.to_status,
            "reason": row.reason,
        }
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class DueReminder:
    id: int
    citizen_id: int
    consultation_id: int | None


def due_reminders(conn: Connection, now: datetime) -> list[DueReminder]:
    """Drafts whose one reminder is due and not yet sent."""
    found = conn.execute(
        select(application_t.c.id, application_t.c.citizen_id, application_t.c.consultation_id).where(
            application_t.c.status == "draft",
            application_t.c.reminded_at.is_(None),
            application_t.c.reminder_due_at <= now,
        )
    ).all()
    return [DueReminder(*row) for row in found]


# ---- writing -------------------------------------------------------------------------------
def open_draft(
    conn: Connection, citizen_id: int, consultation_id: int, now: datetime, reminder_due_at: datetime | None
) -> int:
    """The citizen's draft, created on the intake's first answer and touched by every later one."""
    draft = draft_of(conn, citizen_id)
    if draft is not None:
        conn.execute(
            update(application_t)
            .where(application_t.c.id == draft.id)
            .values(updated_at=now, reminder_due_at=reminder_due_at, reminded_at=None)
        )
        return draft.id
    new_id = conn.execute(
        insert(application_t)
        .values(
            citizen_id=citizen_id,
            consultation_id=consultation_id,
            status="draft",
            missing=[],
            created_at=now,
            updated_at=now,
            reminder_due_at=reminder_due_at,
        )
        .returning(application_t.c.id)
    ).scalar_one()
    add_event(conn, int(new_id), now, "citizen", "started", None, "draft")
    return int(new_id)


def change(conn: Connection, application_id: int, expected_status: str, now: datetime, **values: Any) -> bool:
    """A conditional update: nothing changes unless the application is still `expected_status`."""
    moved = conn.execute(
        update(application_t)
        .where(application_t.c.id == application_id, application_t.c.status == expected_status)
        .values(updated_at=now, **values)
    )
    return rowcount(moved) == 1


def take_reminder(conn: Connection, application_id: int, now: datetime) -> bool:
    """True for the one worker whose UPDATE marked the reminder sent."""
    taken = conn.execute(
        update(application_t)
        .where(application_t.c.id == application_id, application_t.c.reminded_at.is_(None))
        .values(reminded_at=now)
    )
    return rowcount(taken) == 1


def postpone_reminder(conn: Connection, application_id: int, when: datetime) -> None:
    conn.execute(
        update(application_t).where(application_t.c.id == application_id).values(reminder_due_at=when)
    )


def assign_number(conn: Connection, application_id: int, day: str) -> str:
    """FY + the day it was submitted + the row id: unique without a counter to race on."""
    number = f"{NUMBER_PREFIX}{day}{application_id:05d}"
    conn.execute(update(application_t).where(application_t.c.id == application_id).values(number=number))
    return number


def add_event(
    conn: Connection,
    application_id: int,
    now: datetime,
    actor: str,
    action: str,
    from_status: str | None,
    to_status: str | None,
    reason: str | None = None,
) -> None:
    conn.execute(
        insert(application_event_t).values(
            application_id=application_id,
            at=now,
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
        )
    )


def redact_inbound(conn: Connection, message_id: int, masked: str) -> None:
    """The transcript keeps only the masked answer: the text and its word fingerprints change."""
    conn.execute(update(message_t).where(message_t.c.id == message_id).values(text=masked))
    conn.execute(delete(term_t).where(term_t.c.message_id == message_id))
    index_words(conn, message_id, masked)


def tell_citizen(
    conn: Connection, citizen_id: int, consultation_id: int | None, text: str, now: datetime
) -> int:
    """A bot message to the citizen, kept as a pending delivery until WeChat takes it."""
    if consultation_id is None:
        consultation_id = conn.execute(
            select(func.max(consultation_t.c.id)).where(consultation_t.c.citizen_id == citizen_id)
        ).scalar_one()
    message_id = conn.execute(
        insert(message_t)
        .values(
            consultation_id=consultation_id,
            citizen_id=citizen_id,
            direction="out",
            author="bot",
            kind="text",
            text=text,
            recorded_at=now,
        )
        .returning(message_t.c.id)
    ).scalar_one()
    return new_pending_delivery(conn, int(message_id), citizen_id, now)
