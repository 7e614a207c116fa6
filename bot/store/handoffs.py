"""Handoff rows: opening, the citizen's live handoff, transitions, notes and messages on a handoff.

Units of work are synchronous functions over a Connection (run by `Database.write/read`), so the
queue's use cases and the dialogue's answer can share one transaction. Every state change is a
conditional UPDATE, so two consultants or two workers racing for the same step cannot both win.
The timers a handoff sets and stops are in bot/store/timers.py.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update

from bot.store.deliveries import new_pending_delivery
from bot.store.record_keeping import record_handoff_end
from bot.store.tables import consultation_t, event_t, handoff_t, message_t, rowcount
from bot.store.timers import awaits_answer, deadline_if_none_open, meet_deadline, new_deadline, stop_timers
from bot.store.word_index import index_words

LIVE = handoff_t.c.status != "closed"


@dataclass(frozen=True, slots=True)
class LiveHandoff:
    """The citizen's open handoff, as the dialogue needs it to route a new message."""

    id: int
    status: str
    kind: str
    due_at: datetime
    assignee_id: int | None
    specialty: str
    awaits_answer: bool  # a deadline waits for a consultant's answer; False after the answer


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


# ---- opening ---------------------------------------------------------------------------------
# Every turn asks for it: built once, run with the citizen as a parameter.
_LIVE_OF_CITIZEN = select(
    handoff_t.c.id,
    handoff_t.c.status,
    handoff_t.c.kind,
    handoff_t.c.due_at,
    handoff_t.c.assignee_id,
    handoff_t.c.specialty,
    awaits_answer(handoff_t.c.id).label("awaits_answer"),
).where(handoff_t.c.citizen_id == bindparam("citizen"), LIVE)


def live_handoff(conn: Connection, citizen_id: int) -> LiveHandoff | None:
    row = conn.execute(_LIVE_OF_CITIZEN, {"citizen": citizen_id}).first()
    if row is None:
        return None
    return LiveHandoff(
        row.id, row.status, row.kind, row.due_at, row.assignee_id, row.specialty, bool(row.awaits_answer)
    )


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
    new_deadline(conn, handoff_id, new.due_at, new.reminders, "opened", now)
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


def record_event(
    conn: Connection, handoff_id: int, what: str, actor_id: int | None, now: datetime, **detail: Any
) -> None:
    conn.execute(
        insert(event_t).values(handoff_id=handoff_id, at=now, kind=what, actor_id=actor_id, detail=detail)
    )


def touch(conn: Connection, handoff_id: int, now: datetime) -> None:
    conn.execute(update(handoff_t).where(handoff_t.c.id == handoff_id).values(last_activity_at=now))


# ---- what the queue rules read ---------------------------------------------------------------
def item_ref(conn: Connection, handoff_id: int) -> Any:
    return conn.execute(
        select(handoff_t.c.id, handoff_t.c.status, handoff_t.c.specialty, handoff_t.c.assignee_id).where(
            handoff_t.c.id == handoff_id
        )
    ).first()


def open_count(conn: Connection, specialties: Collection[str] | None) -> int:
    """Unclaimed items in these queues (None: in every queue)."""
    if specialties is None:
        where = handoff_t.c.status == "open"
    else:
        where = and_(handoff_t.c.status == "open", handoff_t.c.specialty.in_(list(specialties)))
    return int(conn.execute(select(func.count()).select_from(handoff_t).where(where)).scalar_one())


# ---- transitions -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Guard:
    """What the row must still be for a transition to apply (handoff/transitions.py decides it):
    in one of `from_statuses`, and, unless `held_by` is None, unclaimed or claimed by `held_by`.
    It goes into the UPDATE's WHERE, so of two racing changes only one finds the row."""

    from_statuses: frozenset[str]
    held_by: int | None = None


def _changeable(handoff_id: int, guard: Guard) -> Any:
    condition = and_(handoff_t.c.id == handoff_id, handoff_t.c.status.in_(guard.from_statuses))
    if guard.held_by is None:
        return condition
    mine = or_(handoff_t.c.assignee_id.is_(None), handoff_t.c.assignee_id == guard.held_by)
    return and_(condition, mine)


def claim(conn: Connection, handoff_id: int, consultant_id: int, now: datetime, *, guard: Guard) -> bool:
    """First claim wins: the update applies only while the status is still one it may come from."""
    won = rowcount(
        conn.execute(
            update(handoff_t)
            .where(_changeable(handoff_id, guard))
            .values(status="claimed", assignee_id=consultant_id, claimed_at=now, last_activity_at=now)
        )
    )
    if won:
        record_event(conn, handoff_id, "claimed", consultant_id, now)
    return won == 1


def add_consultant_message(
    conn: Connection,
    handoff_id: int,
    consultant_id: int,
    text: str,
    now: datetime,
    *,
    guard: Guard,
) -> int | None:
    """The answer as an outbound turn and a pending delivery; the first one meets the deadline.

    Returns the delivery id, or None when the item changed meanwhile (nothing is written then).
    """
    moved = rowcount(
        conn.execute(
            update(handoff_t)
            .where(_changeable(handoff_id, guard))
            .values(
                status="claimed",
                assignee_id=func.coalesce(handoff_t.c.assignee_id, consultant_id),
                claimed_at=func.coalesce(handoff_t.c.claimed_at, now),
                first_reply_at=func.coalesce(handoff_t.c.first_reply_at, now),
                last_activity_at=now,
            )
        )
    )
    delivery_id = add_outbound(conn, handoff_id, "consultant", text, consultant_id, now) if moved else None
    if delivery_id is None:
        return None
    meet_deadline(conn, handoff_id, now)
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
    if author == "consultant":
        index_words(conn, message_id, text)
    return new_pending_delivery(conn, int(message_id), row.citizen_id, now)


def transfer(
    conn: Connection,
    handoff_id: int,
    *,
    specialty: str | None,
    assignee_id: int | None,
    note: str | None,
    actor_id: int,
    now: datetime,
    guard: Guard,
) -> bool:
    """To another queue (back to unclaimed) or straight to a named consultant."""
    values: dict[str, Any] = {"last_activity_at": now}
    if specialty is not None:
        values.update(specialty=specialty)
    if assignee_id is not None:
        values.update(status="claimed", assignee_id=assignee_id, claimed_at=now)
    else:
        values.update(status="open", assignee_id=None, claimed_at=None)
    moved = rowcount(conn.execute(update(handoff_t).where(_changeable(handoff_id, guard)).values(**values)))
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
    *,
    guard: Guard,
) -> bool:
    """002 §6.2 e: the promised time becomes the deadline; old timers are cancelled, new ones set."""
    moved = rowcount(
        conn.execute(
            update(handoff_t)
            .where(_changeable(handoff_id, guard))
            .values(due_at=at, appointment_at=at, last_activity_at=now)
        )
    )
    if not moved:
        return False
    stop_timers(conn, handoff_id, now)
    new_deadline(conn, handoff_id, at, reminders, "appointment", now)
    record_event(conn, handoff_id, "appointment", actor_id, now, at=at.isoformat())
    return True


def start_next_reply(
    conn: Connection,
    handoff_id: int,
    due_at: datetime,
    reminders: Iterable[datetime],
    kind: str,
    now: datetime,
) -> bool:
    """The citizen wrote after the consultant's answer: the next reply is due, with its reminders.

    Nothing starts when the item has closed meanwhile, or a deadline still waits for an answer.
    The conditional UPDATE comes first and holds the row, as every transition's does, so a close
    racing this waits for it and then stops the new deadline too.
    """
    if not rowcount(
        conn.execute(update(handoff_t).where(handoff_t.c.id == handoff_id, LIVE).values(last_activity_at=now))
    ):
        return False
    if deadline_if_none_open(conn, handoff_id, due_at, reminders, "next_reply", now) is None:
        return False
    conn.execute(update(handoff_t).where(handoff_t.c.id == handoff_id).values(due_at=due_at))
    record_event(conn, handoff_id, "next_reply", None, now, kind=kind, due_at=due_at.isoformat())
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
    guard: Guard,
    referral: str | None = None,
) -> bool:
    """Close the item and stop its timers; the consultation closes with an outcome (and, for c,
    the department the citizen was referred to) or goes back to the bot."""
    row = conn.execute(
        update(handoff_t)
        .where(_changeable(handoff_id, guard))
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
    stop_timers(conn, handoff_id, now)
    record_handoff_end(
        conn,
        handoff_id,
        row.consultation_id,
        closed=outcome is not None,
        outcome=outcome,
        referral=referral,
        actor_id=actor_id,
        now=now,
    )
    kind = {"consultant": "closed", "bot": "returned_to_bot", "citizen": "cancelled"}[ended_by]
    record_event(conn, handoff_id, kind, actor_id, now, outcome=outcome, note=note)
    return True
