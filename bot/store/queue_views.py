"""What the console reads: queue items, one item with its transcript and history, notices.

Read models as plain values; console/handoff_json.py turns them into the console's JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, or_, select

from bot.store.sealed import protection_of
from bot.store.tables import citizen_t, consultant_t, delivery_t, event_t, handoff_t, message_t, notice_t
from bot.store.timers import awaits_answer


@dataclass(frozen=True, slots=True)
class LastMessage:
    """The citizen's latest words; `answered` when a consultant's answer came after them."""

    author: str
    text: str | None
    at: datetime
    answered: bool


@dataclass(frozen=True, slots=True)
class Allowed:
    """What the viewer may do with the item now (the console shows or hides the buttons)."""

    claim: bool
    act: bool


@dataclass(frozen=True, slots=True)
class QueueItem:
    id: int
    status: str
    citizen: str  # the alias, never the openid
    specialty: str
    kind: str
    reason: str
    deadline_at: datetime
    breached_at: datetime | None
    appointment_at: datetime | None
    assignee: str | None
    opened_at: datetime
    claimed_at: datetime | None
    first_reply_at: datetime | None
    closed_at: datetime | None
    ended_by: str | None
    outcome: str | None
    outcome_note: str | None
    last_message: LastMessage | None
    intent: str | None
    summary: str
    screening: dict[str, Any] | None
    last_messages: list[dict[str, Any]]
    # A deadline waits for an answer: the first reply, the next one after the citizen wrote again,
    # or an appointment; False once answered (deadline_at is then the one that was met).
    deadline_running: bool = False
    specialty_name: str = ""  # the queue's Chinese name, filled in by the use case

    @property
    def breached(self) -> bool:
        return self.breached_at is not None

    @property
    def awaiting_reply(self) -> bool:
        """The citizen wrote after the consultant's last answer (or has had no answer yet)."""
        return self.last_message is not None and not self.last_message.answered


@dataclass(frozen=True, slots=True)
class DeliveryState:
    status: str
    via: str | None
    delivered_at: datetime | None
    held_at: datetime | None
    notice_at: datetime | None
    errcode: int | None


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    id: int
    direction: str
    author: str
    kind: str
    text: str | None
    at: datetime
    consultant: str | None
    delivery: DeliveryState | None


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    kind: str
    at: datetime
    by: str | None
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Note:
    at: datetime
    by: str | None
    text: str


@dataclass(frozen=True, slots=True)
class HandoffView:
    """One item with everything a consultant reads before answering."""

    item: QueueItem
    transcript: list[TranscriptLine] = field(default_factory=list)
    events: list[HistoryEvent] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    allowed: Allowed | None = None  # filled in by the use case


@dataclass(frozen=True, slots=True)
class Notice:
    id: int
    handoff_id: int
    kind: str
    at: datetime
    read: bool


_RUNNING = awaits_answer(handoff_t.c.id).label("deadline_running")


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
) -> list[QueueItem]:
    """The queue, newest deadline last; `specialties` limits a consultant to their queues."""
    assignee = consultant_t.alias("assignee")
    query = (
        select(handoff_t, citizen_t.c.alias, assignee.c.username.label("assignee_name"), _RUNNING)
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
        # The openid is sealed: the citizen is found by the keyed hash it was stored under.
        query = query.where(citizen_t.c.alias == protection_of(conn).index.citizen_alias(openid))
    if specialties is not None:
        mine = handoff_t.c.specialty.in_(list(specialties))
        query = query.where(or_(mine, handoff_t.c.assignee_id == include_ids_of))
    rows = conn.execute(query).all()
    last = _last_messages(conn, [r.consultation_id for r in rows])
    return [_item(r, last.get(r.consultation_id)) for r in rows]


def _last_messages(conn: Connection, consultation_ids: list[int]) -> dict[int, LastMessage]:
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
        r.consultation_id: LastMessage(
            author=r.author,
            text=r.text,
            at=r.recorded_at,
            answered=(answers.get(r.consultation_id) or 0) > r.id,
        )
        for r in rows
    }


def _item(row: Any, last_message: LastMessage | None) -> QueueItem:
    packet = dict(row.packet or {})
    return QueueItem(
        id=row.id,
        status=row.status,
        citizen=row.alias,
        specialty=row.specialty,
        kind=row.kind,
        reason=row.reason,
        deadline_at=row.due_at,
        breached_at=row.breached_at,
        appointment_at=row.appointment_at,
        assignee=row.assignee_name,
        opened_at=row.opened_at,
        claimed_at=row.claimed_at,
        first_reply_at=row.first_reply_at,
        closed_at=row.closed_at,
        ended_by=row.ended_by,
        outcome=row.outcome,
        outcome_note=row.outcome_note,
        last_message=last_message,
        intent=row.intent,
        summary=row.summary,
        screening=packet.get("screening"),
        last_messages=list(packet.get("last_messages", [])),
        deadline_running=bool(row.deadline_running),
    )


def item(conn: Connection, handoff_id: int) -> QueueItem | None:
    assignee = consultant_t.alias("assignee")
    row = conn.execute(
        select(handoff_t, citizen_t.c.alias, assignee.c.username.label("assignee_name"), _RUNNING)
        .join(citizen_t, citizen_t.c.id == handoff_t.c.citizen_id)
        .outerjoin(assignee, assignee.c.id == handoff_t.c.assignee_id)
        .where(handoff_t.c.id == handoff_id)
    ).first()
    if row is None:
        return None
    return _item(row, _last_messages(conn, [row.consultation_id]).get(row.consultation_id))


def item_with_transcript(conn: Connection, handoff_id: int) -> HandoffView | None:
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
    transcript = [
        TranscriptLine(
            id=r.id,
            direction=r.direction,
            author=r.author,
            kind=r.kind,
            text=r.text,
            at=r.recorded_at,
            consultant=r.username,
            delivery=None
            if r.delivery_status is None
            else DeliveryState(
                status=r.delivery_status,
                via=r.via,
                delivered_at=r.delivered_at,
                held_at=r.held_at,
                notice_at=r.notice_at,
                errcode=r.last_errcode,
            ),
        )
        for r in rows
    ]
    actor = consultant_t.alias("actor")
    events = conn.execute(
        select(event_t.c.kind, event_t.c.at, event_t.c.detail, actor.c.username)
        .outerjoin(actor, actor.c.id == event_t.c.actor_id)
        .where(event_t.c.handoff_id == handoff_id)
        .order_by(event_t.c.id)
    ).all()
    return HandoffView(
        item=found,
        transcript=transcript,
        events=[
            HistoryEvent(e.kind, e.at, e.username, dict(e.detail or {})) for e in events if e.kind != "note"
        ],
        notes=[Note(e.at, e.username, (e.detail or {}).get("text", "")) for e in events if e.kind == "note"],
    )


def notices_for(conn: Connection, consultant_id: int, limit: int = 50) -> list[Notice]:
    rows = conn.execute(
        select(notice_t)
        .where(notice_t.c.consultant_id == consultant_id)
        .order_by(notice_t.c.id.desc())
        .limit(limit)
    ).all()
    return [Notice(r.id, r.handoff_id, r.kind, r.created_at, r.read_at is not None) for r in rows]
