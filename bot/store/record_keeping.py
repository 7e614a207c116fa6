"""Keeping the consultation record as the consultation happens (002 §6.2 d): every turn, the end of
a handoff, an application submitted in the chat, the close after a silence, a logged phone or
walk-in consultation. Units of work over a Connection, in the transaction of what they record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from bot.store.tables import citizen_t, consultation_t, deadline_t, handoff_t, message_t, rowcount
from bot.store.word_index import index_words

SUMMARY = "summary"  # message.kind of a logged consultation's summary: searchable, not a turn


@dataclass(frozen=True, slots=True)
class SilentConsultation:
    """A bot-only consultation nobody has written in for a while, as its close needs it."""

    id: int
    intent: str | None
    specialty: str | None
    screening: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class NewLoggedConsultation:
    """A phone or walk-in consultation to store, as the use case checked it."""

    openid: str  # offline:<uuid4>: its own citizen row, never messaged
    alias: str
    channel: str
    kind: str
    received_at: datetime
    specialty: str
    summary: str
    outcome: str
    referral: str | None
    identity: dict[str, str] | None
    identity_refused: bool
    logged_by: int


def record_turn(
    conn: Connection,
    consultation_id: int,
    now: datetime,
    intent: str | None,
    topic: str | None,
    screening: dict[str, Any] | None,
) -> None:
    """The record follows every turn: its last activity (the silence that closes a bot-only
    consultation counts from it), the topic (the first stays), each new intent in order, and the
    latest screening."""
    this = {"consultation": consultation_id, "now": now}
    if topic:
        this["topic"] = topic
    if screening:
        this["screening"] = screening
    intents = conn.execute(_turn_update(bool(topic), bool(screening)), this).scalar_one_or_none()
    known = list(intents or [])
    if intent and intent not in known:
        conn.execute(_ADD_INTENT, {"consultation": consultation_id, "intents": [*known, intent]})


# Every answered turn runs one of these: built once per shape, run with parameters.
_TURN_UPDATES: dict[tuple[bool, bool], Any] = {}
_ADD_INTENT = (
    update(consultation_t)
    .where(consultation_t.c.id == bindparam("consultation"))
    .values(intents=bindparam("intents", type_=consultation_t.c.intents.type))
)


def _turn_update(topic: bool, screening: bool) -> Any:
    if (topic, screening) not in _TURN_UPDATES:
        values: dict[str, Any] = {"last_activity_at": bindparam("now")}
        if topic:
            values["intent"] = func.coalesce(consultation_t.c.intent, bindparam("topic"))
        if screening:
            values["screening"] = bindparam("screening", type_=consultation_t.c.screening.type)
        _TURN_UPDATES[topic, screening] = (
            update(consultation_t)
            .where(consultation_t.c.id == bindparam("consultation"))
            .values(**values)
            .returning(consultation_t.c.intents)
        )
    return _TURN_UPDATES[topic, screening]


def record_handoff_end(
    conn: Connection,
    handoff_id: int,
    consultation_id: int,
    *,
    closed: bool,
    outcome: str | None,
    referral: str | None,
    actor_id: int | None,
    now: datetime,
) -> None:
    """What the handoff leaves on its consultation: who answered, the first reply, the kind, and
    whether any of its reply deadlines was breached. Closed by a consultant, the consultation
    closes with the outcome; otherwise it goes back to the bot, and its silence counts from now.
    A consultation may see several handoffs: the first reply stays the earliest, a breach stays.
    """
    c, h = consultation_t.c, handoff_t.c

    def of_handoff(column: Any) -> Any:
        return select(column).where(h.id == handoff_id).scalar_subquery()

    breached = exists().where(deadline_t.c.handoff_id == handoff_id, deadline_t.c.breached_at.isnot(None))
    who = [of_handoff(h.assignee_id)] + ([literal(actor_id, Integer)] if closed else [])
    values: dict[str, Any] = {
        "consultant_id": func.coalesce(*who, c.consultant_id),
        "first_reply_at": func.coalesce(c.first_reply_at, of_handoff(h.first_reply_at)),
        "kind": of_handoff(h.kind),
        "breached": or_(c.breached.is_(True), breached),
        "last_activity_at": now,
    }
    if closed:
        values.update(
            status="closed", outcome=outcome, referral=referral, closed_at=now, ended_by="consultant"
        )
    else:
        values.update(status="open", waiting_since=None, waiting_reason=None)
    conn.execute(update(consultation_t).where(c.id == consultation_id).values(**values))


def record_application(conn: Connection, consultation_id: int, number: str) -> None:
    """An application submitted in the chat: the consultation's outcome is a, with its number."""
    conn.execute(
        update(consultation_t)
        .where(consultation_t.c.id == consultation_id)
        .values(outcome="a", application_number=number)
    )


# ---- the close after a silence -----------------------------------------------------------------
def _silent_since(cutoff: datetime) -> Any:
    """Open (no consultant waited for), quiet since the cutoff, and no live handoff."""
    c = consultation_t.c
    quiet = or_(c.last_activity_at <= cutoff, and_(c.last_activity_at.is_(None), c.started_at <= cutoff))
    live = exists().where(handoff_t.c.consultation_id == c.id, handoff_t.c.status != "closed")
    return and_(c.status == "open", quiet, ~live)


def silent_consultations(conn: Connection, cutoff: datetime, limit: int) -> list[SilentConsultation]:
    c = consultation_t.c
    rows = conn.execute(
        select(c.id, c.intent, c.specialty, c.screening)
        .where(_silent_since(cutoff))
        .order_by(c.last_activity_at)
        .limit(limit)
    ).all()
    return [SilentConsultation(r.id, r.intent, r.specialty, r.screening) for r in rows]


def close_silent(
    conn: Connection,
    consultation_id: int,
    cutoff: datetime,
    now: datetime,
    *,
    outcome: str | None,
    referral: str | None,
    specialty: str | None,
) -> bool:
    """Close it, unless it changed meanwhile (a message, a handoff, another worker's close): the
    WHERE is checked again on the row, so one worker wins and a new turn is never closed over.
    An outcome already recorded (an application's a) stays."""
    c = consultation_t.c
    closing: dict[str, Any] = {
        "status": "closed",
        "closed_at": now,
        "ended_by": "silence",
        "outcome": func.coalesce(c.outcome, outcome),
        "specialty": func.coalesce(c.specialty, specialty),
    }
    if referral is not None:
        closing["referral"] = func.coalesce(c.referral, referral)
    changed = conn.execute(
        update(consultation_t).where(c.id == consultation_id, _silent_since(cutoff)).values(**closing)
    )
    return rowcount(changed) == 1


# ---- a logged phone or walk-in consultation ----------------------------------------------------
def insert_logged(conn: Connection, new: NewLoggedConsultation, now: datetime) -> int:
    """Its citizen row, the closed consultation, and the summary as a searchable message."""
    citizen_id = conn.execute(
        insert(citizen_t)
        .values(
            openid=new.openid,
            alias=new.alias,
            subscribed=False,
            first_seen_at=new.received_at,
            last_inbound_at=new.received_at,
        )
        .returning(citizen_t.c.id)
    ).scalar_one()
    consultation_id = conn.execute(
        insert(consultation_t)
        .values(
            citizen_id=citizen_id,
            status="closed",
            channel=new.channel,
            kind=new.kind,
            specialty=new.specialty,
            outcome=new.outcome,
            referral=new.referral,
            started_at=new.received_at,
            closed_at=now,
            last_activity_at=now,
            intents=[],
            consultant_id=new.logged_by,
            logged_by=new.logged_by,
            ended_by="logged",
            identity=new.identity,
            identity_refused=new.identity_refused,
            summary=new.summary,
        )
        .returning(consultation_t.c.id)
    ).scalar_one()
    message_id = conn.execute(
        insert(message_t)
        .values(
            consultation_id=consultation_id,
            citizen_id=citizen_id,
            direction="out",
            author="consultant",
            kind=SUMMARY,
            text=new.summary,
            consultant_id=new.logged_by,
            recorded_at=new.received_at,
        )
        .returning(message_t.c.id)
    ).scalar_one()
    index_words(conn, int(message_id), new.summary)
    return int(consultation_id)
