"""The SQL of complaints (002 §11): filing one, listing them, the reply, and the breach mark.

The text, the reply and a staff-entered complainant's name and phone are sealed by their column
types. The reply and the breach are conditional UPDATEs (`status = 'open'`, `breached_at IS NULL`),
so of two replies one wins and each breach is marked once, whatever the number of workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from bot.store.tables import citizen_t, complaint_t, consultant_t, consultation_t, delivery_t, rowcount


@dataclass(frozen=True, slots=True)
class NewComplaint:
    source: str  # chat | staff
    text: str
    received_at: datetime
    due_at: datetime
    citizen_id: int | None = None
    consultation_id: int | None = None
    handoff_id: int | None = None
    contact: dict[str, str] | None = None  # {"name": ..., "phone": ...} when staff enter it
    assignee_id: int | None = None
    entered_by: int | None = None


@dataclass(frozen=True, slots=True)
class ComplaintRecord:
    """A complaint as staff read it: sealed fields opened, consultants by username."""

    id: int
    source: str
    status: str
    citizen: str | None  # the citizen's alias, never the openid
    citizen_id: int | None
    consultation_id: int | None
    handoff_id: int | None
    contact: dict[str, str]
    text: str
    received_at: datetime
    due_at: datetime
    breached_at: datetime | None
    assignee: str | None
    entered_by: str | None
    reply: str | None
    replied_at: datetime | None
    replied_by: str | None
    told_status: str | None  # the WeChat message's delivery status, for a chat complaint answered


def insert_complaint(conn: Connection, new: NewComplaint) -> int:
    return int(
        conn.execute(
            insert(complaint_t)
            .values(
                source=new.source,
                citizen_id=new.citizen_id,
                consultation_id=new.consultation_id,
                handoff_id=new.handoff_id,
                contact=new.contact,
                text=new.text,
                status="open",
                received_at=new.received_at,
                due_at=new.due_at,
                assignee_id=new.assignee_id,
                entered_by=new.entered_by,
            )
            .returning(complaint_t.c.id)
        ).scalar_one()
    )


def citizen_of_consultation(conn: Connection, consultation_id: int) -> int | None:
    return conn.execute(
        select(consultation_t.c.citizen_id).where(consultation_t.c.id == consultation_id)
    ).scalar_one_or_none()


def listing(conn: Connection, status: str | None, limit: int) -> list[ComplaintRecord]:
    """Complaints by due time (the most urgent first), newest arrivals first among equals."""
    query = _records().order_by(complaint_t.c.due_at, complaint_t.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(complaint_t.c.status == status)
    names = _usernames(conn)
    return [_record(row, names) for row in conn.execute(query).all()]


def by_id(conn: Connection, complaint_id: int) -> ComplaintRecord | None:
    row = conn.execute(_records().where(complaint_t.c.id == complaint_id)).first()
    return None if row is None else _record(row, _usernames(conn))


def mark_replied(conn: Connection, complaint_id: int, reply: str, consultant_id: int, now: datetime) -> bool:
    """True for the one reply that found the complaint still open."""
    moved = conn.execute(
        update(complaint_t)
        .where(complaint_t.c.id == complaint_id, complaint_t.c.status == "open")
        .values(status="replied", reply=reply, replied_at=now, replied_by=consultant_id)
    )
    return rowcount(moved) == 1


def set_told(conn: Connection, complaint_id: int, delivery_id: int) -> None:
    """Remember the message that told the complainant (its delivery shows whether it arrived)."""
    message_id = conn.execute(
        select(delivery_t.c.message_id).where(delivery_t.c.id == delivery_id)
    ).scalar_one()
    conn.execute(
        update(complaint_t).where(complaint_t.c.id == complaint_id).values(told_message_id=message_id)
    )


def mark_breaches(conn: Connection, now: datetime) -> list[int]:
    """Mark every open complaint past its due time, once; the ids this call marked."""
    marked = conn.execute(
        update(complaint_t)
        .where(
            complaint_t.c.status == "open",
            complaint_t.c.breached_at.is_(None),
            complaint_t.c.due_at <= now,
        )
        .values(breached_at=now)
        .returning(complaint_t.c.id)
    )
    return sorted(int(i) for i in marked.scalars())


def _records() -> Any:
    told = (
        select(delivery_t.c.status)
        .where(delivery_t.c.message_id == complaint_t.c.told_message_id)
        .limit(1)
        .scalar_subquery()
    )
    return select(complaint_t, citizen_t.c.alias, told.label("told_status")).outerjoin(
        citizen_t, citizen_t.c.id == complaint_t.c.citizen_id
    )


def _usernames(conn: Connection) -> dict[int, str]:
    return {int(r.id): r.username for r in conn.execute(select(consultant_t.c.id, consultant_t.c.username))}


def _record(row: Any, names: dict[int, str]) -> ComplaintRecord:
    def name(consultant_id: int | None) -> str | None:
        return None if consultant_id is None else names.get(consultant_id)

    return ComplaintRecord(
        id=row.id,
        source=row.source,
        status=row.status,
        citizen=row.alias,
        citizen_id=row.citizen_id,
        consultation_id=row.consultation_id,
        handoff_id=row.handoff_id,
        contact=dict(row.contact or {}),
        text=row.text,
        received_at=row.received_at,
        due_at=row.due_at,
        breached_at=row.breached_at,
        assignee=name(row.assignee_id),
        entered_by=name(row.entered_by),
        reply=row.reply,
        replied_at=row.replied_at,
        replied_by=name(row.replied_by),
        told_status=row.told_status,
    )
