"""Recording the transcript: the inbound turn is committed before any answer.

SQLAlchemy Core on the hot path: every WeChat message passes through here, so each turn is a
few statements (upserts with RETURNING) in one unit of work on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from bot.consultations.turns import ConversationState, Inbound, Outbound
from bot.store.conversation_states import put_state
from bot.store.db import Database
from bot.store.deliveries import PASSIVE
from bot.store.handoffs import LiveHandoff, live_handoff
from bot.store.record_keeping import record_turn
from bot.store.tables import citizen_t, consultation_t, delivery_t, message_t, rowcount, state_t
from bot.store.word_index import index_words


@dataclass(frozen=True, slots=True)
class RecordedInbound:
    """The stored inbound turn; `duplicate` is True when WeChat delivered it before."""

    message_id: int
    citizen_id: int
    consultation_id: int
    duplicate: bool


@dataclass(frozen=True, slots=True)
class TurnOutcome:
    """What a turn changed in the record besides the replies: its intent, the topic, a wait."""

    intent: str | None = None
    confidence: float | None = None
    topic: str | None = None  # set on the consultation when it has none yet
    waiting_reason: str | None = None  # the consultation now waits for a human
    screening: dict[str, Any] | None = None  # {"case": ..., "decision": ...}


class Transcript:
    """Use cases over the transcript tables; each method is one unit of work."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # ---- inbound -----------------------------------------------------------------------
    async def record_inbound(
        self, inbound: Inbound, alias: str, *, maybe_seen: bool = True
    ) -> RecordedInbound:
        """Store the turn once; a second delivery of the same msg_key returns the first record.

        `maybe_seen=False` (Redis has never seen the key) skips the lookup: the unique
        constraint still catches a duplicate that Redis forgot.
        """
        if maybe_seen:
            existing = await self.find_inbound(inbound.msg_key)
            if existing is not None:
                return existing
        try:
            return await self._db.write(lambda conn: _record_inbound(conn, inbound, alias))
        except IntegrityError:
            # A concurrent delivery of the same message won the unique msg_key.
            again = await self.find_inbound(inbound.msg_key)
            if again is None:
                raise
            return again

    async def find_inbound(self, msg_key: str) -> RecordedInbound | None:
        def find(conn: Connection) -> RecordedInbound | None:
            row = conn.execute(
                select(message_t.c.id, message_t.c.citizen_id, message_t.c.consultation_id).where(
                    message_t.c.msg_key == msg_key
                )
            ).first()
            return None if row is None else RecordedInbound(row.id, row.citizen_id, row.consultation_id, True)

        return await self._db.read(find)

    async def unanswered(self, now: datetime, older_than: timedelta, limit: int = 50) -> list[int]:
        """Inbound turns nobody answered (a worker died mid-answer): the recovery sweep answers them."""
        query = (
            select(message_t.c.id)
            .where(
                message_t.c.direction == "in",
                message_t.c.answered_at.is_(None),
                message_t.c.recorded_at <= now - older_than,
            )
            .order_by(message_t.c.id)
            .limit(limit)
        )
        return await self._db.read(lambda conn: [int(i) for i in conn.execute(query).scalars()])

    async def load_inbound(self, message_id: int) -> tuple[Inbound, RecordedInbound] | None:
        """Rebuild a stored inbound turn, so the recovery sweep can answer it after a crash."""
        query = (
            select(message_t, citizen_t.c.openid)
            .join(citizen_t, citizen_t.c.id == message_t.c.citizen_id)
            .where(message_t.c.id == message_id, message_t.c.direction == "in")
        )
        row = await self._db.read(lambda conn: conn.execute(query).first())
        if row is None:
            return None
        inbound = Inbound(
            citizen_openid=row.openid,
            msg_key=row.msg_key or f"row|{row.id}",
            kind=row.kind,
            received_at=row.recorded_at,
            sent_at=row.sent_at or row.recorded_at,
            text=row.text,
            media_id=row.media_id,
            event=row.event,
            event_key=row.event_key,
            wechat_msg_id=row.wechat_msg_id,
            extra=dict(row.extra or {}),
        )
        return inbound, RecordedInbound(row.id, row.citizen_id, row.consultation_id, duplicate=True)

    async def load_state(self, citizen_id: int) -> tuple[ConversationState, int, LiveHandoff | None]:
        """Where the dialogue stands, and the citizen's open handoff if any: one read per turn."""

        def load(conn: Connection) -> tuple[Any, LiveHandoff | None]:
            state = conn.execute(_hot(conn).state_of, {"citizen": citizen_id}).first()
            return state, live_handoff(conn, citizen_id)

        row, live = await self._db.read(load)
        if row is None:
            return ConversationState(), 0, live
        state = ConversationState(flow=row.flow, step=row.step, slots=dict(row.slots or {}))
        return state, row.version, live

    async def replied(self, message_id: int) -> bool:
        """True when the dialogue has already answered this inbound turn (a crash-safe retry guard)."""
        query = select(message_t.c.answered_at).where(message_t.c.id == message_id)
        return await self._db.read(lambda conn: conn.execute(query).scalar_one_or_none()) is not None

    # ---- answering ---------------------------------------------------------------------
    async def save_response(
        self,
        recorded: RecordedInbound,
        replies: list[Outbound],
        state: ConversationState,
        now: datetime,
        *,
        passive_first: bool = False,
        outcome: TurnOutcome | None = None,
        within: Callable[[Connection], object] | None = None,
    ) -> list[int]:
        """Commit the replies (as pending deliveries) and the new state in one transaction.

        The conditional `answered_at` update means a turn is answered once, whoever tries.
        With `passive_first`, the first reply is marked as carried by the passive reply the
        waiting request is about to return; `DeliveryLedger.unclaim_passive` undoes that if it could not.
        `within` runs in the same transaction (opening or cancelling a handoff). Answers held
        because the 48-hour window had passed are released: the citizen just wrote, so the
        window is open again; their ids follow the replies'.
        """
        return await self._db.write(
            lambda conn: _save_response(
                conn, recorded, replies, state, now, passive_first, outcome or TurnOutcome(), within
            )
        )


# ---- units of work (synchronous; run by Database.write) ------------------------------------
# Every WeChat message runs these, so their statements are built once per dialect and
# executed with parameters: building a statement costs several times more than running it.
class _HotStatements:
    def __init__(self, dialect: str) -> None:
        upsert = sqlite_insert if dialect == "sqlite" else pg_insert
        citizen = upsert(citizen_t)
        self.upsert_citizen = citizen.on_conflict_do_update(
            index_elements=[citizen_t.c.alias], set_={"last_inbound_at": citizen.excluded.last_inbound_at}
        ).returning(citizen_t.c.id)
        self.upsert_citizen_subscription = citizen.on_conflict_do_update(
            index_elements=[citizen_t.c.alias],
            set_={
                "last_inbound_at": citizen.excluded.last_inbound_at,
                "subscribed": citizen.excluded.subscribed,
            },
        ).returning(citizen_t.c.id)
        # The citizen's open consultation, touched (its last activity) in the same statement: the
        # row lock makes a silence sweep racing this turn either wait and see the new activity, or
        # close first, and then this finds nothing and the turn opens a new consultation.
        newest_open = (
            select(consultation_t.c.id)
            .where(consultation_t.c.citizen_id == bindparam("citizen"), consultation_t.c.status != "closed")
            .order_by(consultation_t.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        self.open_consultation = (
            update(consultation_t)
            .where(consultation_t.c.id == newest_open, consultation_t.c.status != "closed")
            .values(last_activity_at=bindparam("at"))
            .returning(consultation_t.c.id)
        )
        self.seen_message = select(message_t.c.id, message_t.c.citizen_id, message_t.c.consultation_id).where(
            message_t.c.msg_key == bindparam("msg_key")
        )
        self.new_consultation = consultation_t.insert().returning(consultation_t.c.id)
        self.new_message = message_t.insert().returning(message_t.c.id)
        self.new_delivery = delivery_t.insert().returning(delivery_t.c.id)
        self.state_of = select(state_t).where(state_t.c.citizen_id == bindparam("citizen"))
        # Answers held because the 48-hour window had passed go out again once the citizen writes.
        self.release_held = (
            update(delivery_t)
            .where(delivery_t.c.citizen_id == bindparam("citizen"), delivery_t.c.status == "held")
            .values(status="pending", next_attempt_at=bindparam("now"))
            .returning(delivery_t.c.id)
        )
        self.mark_answered = (
            update(message_t)
            .where(message_t.c.id == bindparam("message_id"), message_t.c.answered_at.is_(None))
            .values(
                answered_at=bindparam("now"),
                intent=bindparam("intent"),
                intent_confidence=bindparam("confidence"),
            )
        )


_HOT: dict[str, _HotStatements] = {}


def _hot(conn: Connection) -> _HotStatements:
    name = conn.dialect.name
    if name not in _HOT:
        _HOT[name] = _HotStatements(name)
    return _HOT[name]


MESSAGE_DEFAULTS: dict[str, Any] = {
    "text": None,
    "media_id": None,
    "event": None,
    "event_key": None,
    "wechat_msg_id": None,
    "msg_key": None,
    "in_reply_to": None,
    "extra": None,
    "sent_at": None,
    "answered_at": None,
}


def _record_inbound(conn: Connection, inbound: Inbound, alias: str) -> RecordedInbound:
    hot = _hot(conn)
    subscription = inbound.kind == "event" and inbound.event in ("subscribe", "unsubscribe")
    citizen_id = conn.execute(
        hot.upsert_citizen_subscription if subscription else hot.upsert_citizen,
        {
            "openid": inbound.citizen_openid,
            "alias": alias,
            "subscribed": inbound.event != "unsubscribe",
            "first_seen_at": inbound.received_at,
            "last_inbound_at": inbound.received_at,
        },
    ).scalar_one()
    # A concurrent delivery of the same message waited on the citizen's row above until the first
    # one committed: it finds that turn here, before it locks the consultation, which the first
    # turn's answer is about to update (locking it first deadlocked the two on PostgreSQL).
    seen = conn.execute(hot.seen_message, {"msg_key": inbound.msg_key}).first()
    if seen is not None:
        return RecordedInbound(int(seen.id), int(seen.citizen_id), int(seen.consultation_id), duplicate=True)
    consultation_id = conn.execute(
        hot.open_consultation, {"citizen": citizen_id, "at": inbound.received_at}
    ).scalar_one_or_none()
    if consultation_id is None:
        consultation_id = conn.execute(
            hot.new_consultation,
            {
                "citizen_id": citizen_id,
                "status": "open",
                "channel": "wechat",
                "kind": None,
                "intent": None,
                "specialty": None,
                "outcome": None,
                "started_at": inbound.received_at,
                "closed_at": None,
                "intents": [],
                "last_activity_at": inbound.received_at,
            },
        ).scalar_one()
    message_id = conn.execute(
        hot.new_message,
        {
            **MESSAGE_DEFAULTS,
            "consultation_id": consultation_id,
            "citizen_id": citizen_id,
            "direction": "in",
            "author": "citizen",
            "kind": inbound.kind,
            "text": inbound.text,
            "media_id": inbound.media_id,
            "event": inbound.event,
            "event_key": inbound.event_key,
            "wechat_msg_id": inbound.wechat_msg_id,
            "msg_key": inbound.msg_key,
            "extra": inbound.extra or None,
            "sent_at": inbound.sent_at,
            "recorded_at": inbound.received_at,
        },
    ).scalar_one()
    index_words(conn, message_id, inbound.text)
    return RecordedInbound(int(message_id), int(citizen_id), int(consultation_id), duplicate=False)


def _save_response(
    conn: Connection,
    recorded: RecordedInbound,
    replies: list[Outbound],
    state: ConversationState,
    now: datetime,
    passive_first: bool,
    outcome: TurnOutcome,
    within: Callable[[Connection], object] | None = None,
) -> list[int]:
    hot = _hot(conn)
    marked = conn.execute(
        hot.mark_answered,
        {
            "message_id": recorded.message_id,
            "now": now,
            "intent": outcome.intent,
            "confidence": outcome.confidence,
        },
    )
    if rowcount(marked) != 1:
        return []  # answered by another worker already: never answer twice
    record_turn(conn, recorded.consultation_id, now, outcome.intent, outcome.topic, outcome.screening)
    if within is not None:
        within(conn)
    delivery_ids: list[int] = []
    for position, reply in enumerate(replies):
        passive = passive_first and position == 0
        out_id = conn.execute(
            hot.new_message,
            {
                **MESSAGE_DEFAULTS,
                "consultation_id": recorded.consultation_id,
                "citizen_id": recorded.citizen_id,
                "direction": "out",
                "author": reply.author,
                "kind": "text",
                "text": reply.text,
                "in_reply_to": recorded.message_id,
                "recorded_at": now,
                "sent_at": now if passive else None,
            },
        ).scalar_one()
        delivery_id = conn.execute(
            hot.new_delivery,
            {
                "message_id": out_id,
                "citizen_id": recorded.citizen_id,
                "status": "passive" if passive else "pending",
                "via": PASSIVE if passive else None,
                "attempts": 1 if passive else 0,
                "last_errcode": None,
                "last_error": None,
                "created_at": now,
                "next_attempt_at": now,
                "delivered_at": now if passive else None,
            },
        ).scalar_one()
        delivery_ids.append(int(delivery_id))
    put_state(conn, recorded.citizen_id, state, now)
    released = conn.execute(hot.release_held, {"citizen": recorded.citizen_id, "now": now}).scalars().all()
    return delivery_ids + sorted(int(i) for i in released)
