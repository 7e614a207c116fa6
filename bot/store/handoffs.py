"""Handoff records: the queue, deadlines, reminders, notes, notices and audit entries.

Units of work are synchronous functions over a Connection (run by `Database.write/read`), so the
queue's use cases and the dialogue's answer can share one transaction. Every state change is a
conditional UPDATE, so two consultants or two workers racing for the same step cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, func, insert, or_, select, update

from bot.store.rows import (
    AuditEntryRow,
    CitizenRow,
    ConsoleNoticeRow,
    ConsultantRow,
    ConsultationRow,
    DeliveryRow,
    HandoffEventRow,
    HandoffRow,
    MessageRow,
    ReminderRow,
    ReplyDeadlineRow,
)

handoff_t = cast(Table, HandoffRow.__table__)
deadline_t = cast(Table, ReplyDeadlineRow.__table__)
reminder_t = cast(Table, ReminderRow.__table__)
event_t = cast(Table, HandoffEventRow.__table__)
notice_t = cast(Table, ConsoleNoticeRow.__table__)
audit_t = cast(Table, AuditEntryRow.__table__)
consultant_t = cast(Table, ConsultantRow.__table__)
citizen_t = cast(Table, CitizenRow.__table__)
consultation_t = cast(Table, ConsultationRow.__table__)
message_t = cast(Table, MessageRow.__table__)
delivery_t = cast(Table, DeliveryRow.__table__)

LIVE = handoff_t.c.status != "closed"


@dataclass(frozen=True, slots=True)
class LiveHandoff:
    """The citizen's open handoff, as the dialogue needs it to route a new message."""

    id: int
    status: str
    kind: str
    due_at: datetime
    assignee_id: int | None


@dataclass(frozen=True, slots=True)
class ConsultantRecord:
    id: int
    username: str
    role: str
    specialties: frozenset[str]
    active: bool
    password_hash: str


@dataclass(frozen=True, slots=True)
class NewHandoff:
    consultation_id: int
    citizen_id: int
    reason: str
    kind: str
    specialty: str
    intent: str | None
    summary: str
    packet: dict[str, Any]
    due_at: datetime
    reminders: Sequence[datetime]


def _count(result: Any) -> int:
    return int(result.rowcount or 0)


# ---- consultants -----------------------------------------------------------------------------
def consultants(conn: Connection) -> list[ConsultantRecord]:
    rows = conn.execute(select(consultant_t).order_by(consultant_t.c.id)).all()
    return [_consultant(r) for r in rows]


def consultant_by_name(conn: Connection, username: str) -> ConsultantRecord | None:
    row = conn.execute(select(consultant_t).where(consultant_t.c.username == username)).first()
    return None if row is None else _consultant(row)


def consultant_by_id(conn: Connection, consultant_id: int) -> ConsultantRecord | None:
    row = conn.execute(select(consultant_t).where(consultant_t.c.id == consultant_id)).first()
    return None if row is None else _consultant(row)


def _consultant(row: Any) -> ConsultantRecord:
    return ConsultantRecord(
        id=row.id,
        username=row.username,
        role=row.role,
        specialties=frozenset(row.specialties or ()),
        active=bool(row.active),
        password_hash=row.password_hash,
    )


def save_consultant(
    conn: Connection, *, username: str, password_hash: str, role: str, specialties: list[str], now: datetime
) -> int:
    """Create the account, or reset its password, role and specialties when it exists."""
    existing = consultant_by_name(conn, username)
    values = {"password_hash": password_hash, "role": role, "specialties": specialties, "active": True}
    if existing is not None:
        conn.execute(update(consultant_t).where(consultant_t.c.id == existing.id).values(**values))
        return existing.id
    return int(
        conn.execute(
            insert(consultant_t)
            .values(username=username, created_at=now, **values)
            .returning(consultant_t.c.id)
        ).scalar_one()
    )


# ---- opening ---------------------------------------------------------------------------------
def live_handoff(conn: Connection, citizen_id: int) -> LiveHandoff | None:
    row = conn.execute(
        select(
            handoff_t.c.id, handoff_t.c.status, handoff_t.c.kind, handoff_t.c.due_at, handoff_t.c.assignee_id
        ).where(handoff_t.c.citizen_id == citizen_id, LIVE)
    ).first()
    return None if row is None else LiveHandoff(row.id, row.status, row.kind, row.due_at, row.assignee_id)


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
    return [{"author": r.author, "text": r.text, "at": _iso(r.recorded_at)} for r in reversed(rows)]


def insert_handoff(conn: Connection, new: NewHandoff, now: datetime) -> int:
    """The queue item, its deadline and reminder points, and the consultation's waiting state."""
    handoff_id = int(
        conn.execute(
            insert(handoff_t)
            .values(
                consultation_id=new.consultation_id,
                citizen_id=new.citizen_id,
                status="open",
                reason=new.reason,
                kind=new.kind,
                specialty=new.specialty,
                intent=new.intent,
                summary=new.summary,
                packet=new.packet,
                due_at=new.due_at,
                opened_at=now,
                last_activity_at=now,
            )
            .returning(handoff_t.c.id)
        ).scalar_one()
    )
    _new_deadline(conn, handoff_id, new.due_at, new.reminders, "opened", now)
    conn.execute(
        update(consultation_t)
        .where(consultation_t.c.id == new.consultation_id)
        .values(
            status="waiting_human",
            waiting_since=now,
            waiting_reason=new.reason,
            kind=new.kind,
            specialty=new.specialty,
        )
    )
    record_event(conn, handoff_id, "opened", None, now, reason=new.reason, kind=new.kind)
    return handoff_id


def _new_deadline(
    conn: Connection,
    handoff_id: int,
    due_at: datetime,
    reminders: Iterable[datetime],
    reason: str,
    now: datetime,
) -> int:
    deadline_id = int(
        conn.execute(
            insert(deadline_t)
            .values(handoff_id=handoff_id, due_at=due_at, reason=reason, created_at=now)
            .returning(deadline_t.c.id)
        ).scalar_one()
    )
    points = [{"deadline_id": deadline_id, "handoff_id": handoff_id, "due_at": at} for at in reminders]
    if points:
        conn.execute(insert(reminder_t), points)
    return deadline_id


def record_event(
    conn: Connection, handoff_id: int, what: str, actor_id: int | None, now: datetime, **detail: Any
) -> None:
    conn.execute(
        insert(event_t).values(handoff_id=handoff_id, at=now, kind=what, actor_id=actor_id, detail=detail)
    )


def touch(conn: Connection, handoff_id: int, now: datetime) -> None:
    conn.execute(update(handoff_t).where(handoff_t.c.id == handoff_id).values(last_activity_at=now))


# ---- the queue -------------------------------------------------------------------------------
def item_ref(conn: Connection, handoff_id: int) -> Any:
    return conn.execute(
        select(handoff_t.c.id, handoff_t.c.status, handoff_t.c.specialty, handoff_t.c.assignee_id).where(
            handoff_t.c.id == handoff_id
        )
    ).first()


def open_count(conn: Connection, specialties: Iterable[str]) -> int:
    """Unclaimed items in these queues: a consultant whose count is 0 may take from any queue."""
    chosen = list(specialties)
    if "general" in chosen:
        where = handoff_t.c.status == "open"
    else:
        where = and_(handoff_t.c.status == "open", handoff_t.c.specialty.in_(chosen))
    return int(conn.execute(select(func.count()).select_from(handoff_t).where(where)).scalar_one())


def list_items(
    conn: Connection,
    *,
    status: str | None,
    specialties: Sequence[str] | None,
    include_ids_of: int | None,
    specialty: str | None,
    breached: bool | None,
    openid: str | None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """The queue, newest deadline last; `specialties` limits a consultant to their queues."""
    assignee = consultant_t.alias("assignee")
    query = (
        select(handoff_t, citizen_t.c.alias, assignee.c.username.label("assignee_name"))
        .join(citizen_t, citizen_t.c.id == handoff_t.c.citizen_id)
        .outerjoin(assignee, assignee.c.id == handoff_t.c.assignee_id)
        .order_by(handoff_t.c.due_at, handoff_t.c.id)
        .limit(limit)
    )
    if status is not None:
        query = query.where(handoff_t.c.status == status)
    if specialty is not None:
        query = query.where(handoff_t.c.specialty == specialty)
    if breached is not None:
        query = query.where(
            handoff_t.c.breached_at.isnot(None) if breached else handoff_t.c.breached_at.is_(None)
        )
    if openid is not None:
        query = query.where(citizen_t.c.openid == openid)
    if specialties is not None:
        mine = handoff_t.c.specialty.in_(list(specialties))
        query = query.where(or_(mine, handoff_t.c.assignee_id == include_ids_of))
    rows = conn.execute(query).all()
    last = _last_messages(conn, [r.consultation_id for r in rows])
    return [_item(r, last.get(r.consultation_id)) for r in rows]


def _last_messages(conn: Connection, consultation_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The citizen's latest words per consultation: what a consultant scanning the queue needs.

    Each also says whether they came after the consultant's last answer (`answered: False`).
    """
    if not consultation_ids:
        return {}
    newest = (
        select(func.max(message_t.c.id))
        .where(
            message_t.c.consultation_id.in_(consultation_ids),
            message_t.c.text.isnot(None),
            message_t.c.author == "citizen",
        )
        .group_by(message_t.c.consultation_id)
    )
    rows = conn.execute(
        select(
            message_t.c.id,
            message_t.c.consultation_id,
            message_t.c.author,
            message_t.c.text,
            message_t.c.recorded_at,
        ).where(message_t.c.id.in_(newest))
    ).all()
    answers = dict(
        conn.execute(
            select(message_t.c.consultation_id, func.max(message_t.c.id))
            .where(message_t.c.consultation_id.in_(consultation_ids), message_t.c.author == "consultant")
            .group_by(message_t.c.consultation_id)
        ).all()
    )
    return {
        r.consultation_id: {
            "author": r.author,
            "text": r.text,
            "at": _iso(r.recorded_at),
            "answered": (answers.get(r.consultation_id) or 0) > r.id,
        }
        for r in rows
    }


def _item(row: Any, last_message: dict[str, Any] | None) -> dict[str, Any]:
    packet = dict(row.packet or {})
    return {
        "id": row.id,
        "status": row.status,
        "citizen": row.alias,
        "specialty": row.specialty,
        "kind": row.kind,
        "reason": row.reason,
        "deadline_at": _iso(row.due_at),
        "breached": row.breached_at is not None,
        "breached_at": _iso(row.breached_at),
        "appointment_at": _iso(row.appointment_at),
        "assignee": row.assignee_name,
        "opened_at": _iso(row.opened_at),
        "claimed_at": _iso(row.claimed_at),
        "first_reply_at": _iso(row.first_reply_at),
        "closed_at": _iso(row.closed_at),
        "ended_by": row.ended_by,
        "outcome": row.outcome,
        "outcome_note": row.outcome_note,
        "last_message": None
        if last_message is None
        else {k: v for k, v in last_message.items() if k != "answered"},
        # The citizen wrote after the consultant's last answer (or has had no answer yet).
        "awaiting_reply": last_message is not None and not last_message["answered"],
        "packet": {
            "intent": row.intent,
            "reason": row.reason,
            "summary": row.summary,
            "screening": packet.get("screening"),
            "last_messages": packet.get("last_messages", []),
        },
    }


def item(conn: Connection, handoff_id: int) -> dict[str, Any] | None:
    assignee = consultant_t.alias("assignee")
    row = conn.execute(
        select(handoff_t, citizen_t.c.alias, assignee.c.username.label("assignee_name"))
        .join(citizen_t, citizen_t.c.id == handoff_t.c.citizen_id)
        .outerjoin(assignee, assignee.c.id == handoff_t.c.assignee_id)
        .where(handoff_t.c.id == handoff_id)
    ).first()
    if row is None:
        return None
    return _item(row, _last_messages(conn, [row.consultation_id]).get(row.consultation_id))


def item_with_transcript(conn: Connection, handoff_id: int) -> dict[str, Any] | None:
    """The item, its whole transcript (with how each answer was delivered), notes and history."""
    found = item(conn, handoff_id)
    if found is None:
        return None
    consultation_id = conn.execute(
        select(handoff_t.c.consultation_id).where(handoff_t.c.id == handoff_id)
    ).scalar_one()
    writer = consultant_t.alias("writer")
    rows = conn.execute(
        select(
            message_t.c.id,
            message_t.c.direction,
            message_t.c.author,
            message_t.c.kind,
            message_t.c.text,
            message_t.c.recorded_at,
            writer.c.username,
            delivery_t.c.status.label("delivery_status"),
            delivery_t.c.via,
            delivery_t.c.delivered_at,
            delivery_t.c.held_at,
            delivery_t.c.notice_at,
            delivery_t.c.last_errcode,
        )
        .outerjoin(writer, writer.c.id == message_t.c.consultant_id)
        .outerjoin(delivery_t, delivery_t.c.message_id == message_t.c.id)
        .where(
            message_t.c.consultation_id == consultation_id,
            or_(message_t.c.kind != "event", message_t.c.text.isnot(None)),
        )
        .order_by(message_t.c.id)
    ).all()
    found["transcript"] = [
        {
            "id": r.id,
            "direction": r.direction,
            "author": r.author,
            "kind": r.kind,
            "text": r.text,
            "at": _iso(r.recorded_at),
            "consultant": r.username,
            "delivery": None
            if r.delivery_status is None
            else {
                "status": r.delivery_status,
                "via": r.via,
                "delivered_at": _iso(r.delivered_at),
                "held_at": _iso(r.held_at),
                "notice_at": _iso(r.notice_at),
                "errcode": r.last_errcode,
            },
        }
        for r in rows
    ]
    actor = consultant_t.alias("actor")
    events = conn.execute(
        select(event_t.c.kind, event_t.c.at, event_t.c.detail, actor.c.username)
        .outerjoin(actor, actor.c.id == event_t.c.actor_id)
        .where(event_t.c.handoff_id == handoff_id)
        .order_by(event_t.c.id)
    ).all()
    found["events"] = [
        {"kind": e.kind, "at": _iso(e.at), "by": e.username, "detail": dict(e.detail or {})}
        for e in events
        if e.kind != "note"
    ]
    found["notes"] = [
        {"at": _iso(e.at), "by": e.username, "text": (e.detail or {}).get("text", "")}
        for e in events
        if e.kind == "note"
    ]
    return found


def citizen_openid(conn: Connection, handoff_id: int) -> str | None:
    return conn.execute(
        select(citizen_t.c.openid)
        .join(handoff_t, handoff_t.c.citizen_id == citizen_t.c.id)
        .where(handoff_t.c.id == handoff_id)
    ).scalar_one_or_none()


# ---- transitions -----------------------------------------------------------------------------
def claim(conn: Connection, handoff_id: int, consultant_id: int, now: datetime, *, take_over: bool) -> bool:
    """First claim wins; `take_over` lets a supervisor reassign a claimed item."""
    allowed = ["open", "claimed"] if take_over else ["open"]
    won = _count(
        conn.execute(
            update(handoff_t)
            .where(handoff_t.c.id == handoff_id, handoff_t.c.status.in_(allowed))
            .values(status="claimed", assignee_id=consultant_id, claimed_at=now, last_activity_at=now)
        )
    )
    if won:
        record_event(conn, handoff_id, "claimed", consultant_id, now)
    return won == 1


def add_consultant_message(
    conn: Connection, handoff_id: int, consultant_id: int, text: str, now: datetime
) -> int | None:
    """The answer as an outbound turn and a pending delivery; the first one meets the deadline.

    Returns the delivery id, or None when the handoff closed meanwhile.
    """
    delivery_id = add_outbound(conn, handoff_id, "consultant", text, consultant_id, now)
    if delivery_id is None:
        return None
    conn.execute(
        update(handoff_t)
        .where(handoff_t.c.id == handoff_id)
        .values(
            status="claimed",
            assignee_id=func.coalesce(handoff_t.c.assignee_id, consultant_id),
            claimed_at=func.coalesce(handoff_t.c.claimed_at, now),
            first_reply_at=func.coalesce(handoff_t.c.first_reply_at, now),
            last_activity_at=now,
        )
    )
    answered = (
        conn.execute(
            update(deadline_t)
            .where(
                deadline_t.c.handoff_id == handoff_id,
                deadline_t.c.superseded_at.is_(None),
                deadline_t.c.answered_at.is_(None),
            )
            .values(answered_at=now)
            .returning(deadline_t.c.id)
        )
        .scalars()
        .all()
    )
    if answered:
        _cancel_reminders(conn, handoff_id, now)
    record_event(conn, handoff_id, "answered", consultant_id, now, delivery_id=delivery_id)
    return delivery_id


def add_outbound(
    conn: Connection, handoff_id: int, author: str, text: str, consultant_id: int | None, now: datetime
) -> int | None:
    """An outbound turn in the handoff's consultation and its pending delivery (kept until sent)."""
    row = conn.execute(
        select(handoff_t.c.consultation_id, handoff_t.c.citizen_id, handoff_t.c.status).where(
            handoff_t.c.id == handoff_id
        )
    ).first()
    if row is None or (row.status == "closed" and author == "consultant"):
        return None
    message_id = conn.execute(
        insert(message_t)
        .values(
            consultation_id=row.consultation_id,
            citizen_id=row.citizen_id,
            direction="out",
            author=author,
            kind="text",
            text=text,
            consultant_id=consultant_id,
            recorded_at=now,
        )
        .returning(message_t.c.id)
    ).scalar_one()
    return int(
        conn.execute(
            insert(delivery_t)
            .values(
                message_id=message_id,
                citizen_id=row.citizen_id,
                status="pending",
                attempts=0,
                created_at=now,
                next_attempt_at=now,
            )
            .returning(delivery_t.c.id)
        ).scalar_one()
    )


def transfer(
    conn: Connection,
    handoff_id: int,
    *,
    specialty: str | None,
    assignee_id: int | None,
    note: str | None,
    actor_id: int,
    now: datetime,
) -> bool:
    """To another queue (back to unclaimed) or straight to a named consultant."""
    values: dict[str, Any] = {"last_activity_at": now}
    if specialty is not None:
        values.update(specialty=specialty)
    if assignee_id is not None:
        values.update(status="claimed", assignee_id=assignee_id, claimed_at=now)
    else:
        values.update(status="open", assignee_id=None, claimed_at=None)
    moved = _count(conn.execute(update(handoff_t).where(handoff_t.c.id == handoff_id, LIVE).values(**values)))
    if moved:
        record_event(
            conn,
            handoff_id,
            "transferred",
            actor_id,
            now,
            specialty=specialty,
            assignee_id=assignee_id,
            note=note,
        )
        if note:
            record_event(conn, handoff_id, "note", actor_id, now, text=note)
    return moved == 1


def set_appointment(
    conn: Connection,
    handoff_id: int,
    at: datetime,
    reminders: Iterable[datetime],
    actor_id: int,
    now: datetime,
) -> bool:
    """002 §6.2 e: the promised time becomes the deadline; old timers are cancelled, new ones set."""
    moved = _count(
        conn.execute(
            update(handoff_t)
            .where(handoff_t.c.id == handoff_id, LIVE)
            .values(due_at=at, appointment_at=at, last_activity_at=now)
        )
    )
    if not moved:
        return False
    _stop_timers(conn, handoff_id, now)
    _new_deadline(conn, handoff_id, at, reminders, "appointment", now)
    record_event(conn, handoff_id, "appointment", actor_id, now, at=_iso(at))
    return True


def add_note(conn: Connection, handoff_id: int, actor_id: int, text: str, now: datetime) -> None:
    record_event(conn, handoff_id, "note", actor_id, now, text=text)
    touch(conn, handoff_id, now)


def end(
    conn: Connection,
    handoff_id: int,
    *,
    ended_by: str,
    outcome: str | None,
    note: str | None,
    actor_id: int | None,
    now: datetime,
) -> bool:
    """Close the item and stop its timers; the consultation closes with an outcome or goes back to the bot."""
    row = conn.execute(
        update(handoff_t)
        .where(handoff_t.c.id == handoff_id, LIVE)
        .values(
            status="closed",
            closed_at=now,
            ended_by=ended_by,
            outcome=outcome,
            outcome_note=note,
            last_activity_at=now,
        )
        .returning(handoff_t.c.consultation_id)
    ).first()
    if row is None:
        return False
    _stop_timers(conn, handoff_id, now)
    consultation = update(consultation_t).where(consultation_t.c.id == row.consultation_id)
    if outcome is not None:
        conn.execute(consultation.values(status="closed", outcome=outcome, closed_at=now))
    else:
        conn.execute(consultation.values(status="open", waiting_since=None, waiting_reason=None))
    kind = {"consultant": "closed", "bot": "returned_to_bot", "citizen": "cancelled"}[ended_by]
    record_event(conn, handoff_id, kind, actor_id, now, outcome=outcome, note=note)
    return True


def _stop_timers(conn: Connection, handoff_id: int, now: datetime) -> None:
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
        .where(
            reminder_t.c.handoff_id == handoff_id,
            reminder_t.c.sent_at.is_(None),
            reminder_t.c.cancelled_at.is_(None),
        )
        .values(cancelled_at=now)
    )


# ---- audit and notices -----------------------------------------------------------------------
def audit(
    conn: Connection, consultant_id: int, action: str, object_type: str, object_id: str, now: datetime
) -> None:
    conn.execute(
        insert(audit_t).values(
            at=now, consultant_id=consultant_id, action=action, object_type=object_type, object_id=object_id
        )
    )


def notices_for(conn: Connection, consultant_id: int, limit: int = 50) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(notice_t)
        .where(notice_t.c.consultant_id == consultant_id)
        .order_by(notice_t.c.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": r.id,
            "handoff_id": r.handoff_id,
            "kind": r.kind,
            "at": _iso(r.created_at),
            "read": r.read_at is not None,
        }
        for r in rows
    ]


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()
