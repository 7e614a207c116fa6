"""Recording the transcript and the deliveries: the inbound turn is committed before any answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dialogue.engine import ConversationState
from bot.dialogue.turns import Inbound, Outbound
from bot.store.db import Database
from bot.store.rows import CitizenRow, ConsultationRow, ConversationStateRow, DeliveryRow, MessageRow


@dataclass(frozen=True, slots=True)
class RecordedInbound:
    """The stored inbound turn; `duplicate` is True when WeChat delivered it before."""

    message_id: int
    citizen_id: int
    consultation_id: int
    duplicate: bool


@dataclass(frozen=True, slots=True)
class PendingDelivery:
    delivery_id: int
    citizen_openid: str
    text: str
    attempts: int


class Transcript:
    """Use cases over the transcript tables; each method is one unit of work."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def record_inbound(self, inbound: Inbound, alias: str) -> RecordedInbound:
        """Store the turn once; a second delivery of the same msg_key returns the first record."""
        existing = await self.find_inbound(inbound.msg_key)
        if existing is not None:
            return existing
        try:
            async with self._db.transaction() as session:
                citizen = await self._citizen(session, inbound, alias)
                consultation = await self._open_consultation(session, citizen.id, inbound.received_at)
                row = MessageRow(
                    consultation_id=consultation.id,
                    citizen_id=citizen.id,
                    direction="in",
                    author="citizen",
                    kind=inbound.kind,
                    text=inbound.text,
                    media_id=inbound.media_id,
                    event=inbound.event,
                    event_key=inbound.event_key,
                    wechat_msg_id=inbound.wechat_msg_id,
                    msg_key=inbound.msg_key,
                    extra=inbound.extra or None,
                    sent_at=inbound.sent_at,
                    recorded_at=inbound.received_at,
                )
                session.add(row)
                await session.flush()
                return RecordedInbound(row.id, citizen.id, consultation.id, duplicate=False)
        except IntegrityError:
            # A concurrent delivery of the same message won the unique msg_key (or the citizen row).
            again = await self.find_inbound(inbound.msg_key)
            if again is None:
                raise
            return again

    async def find_inbound(self, msg_key: str) -> RecordedInbound | None:
        async with self._db.reading() as session:
            row = (
                await session.execute(
                    select(MessageRow.id, MessageRow.citizen_id, MessageRow.consultation_id).where(
                        MessageRow.msg_key == msg_key
                    )
                )
            ).first()
        if row is None:
            return None
        return RecordedInbound(row.id, row.citizen_id, row.consultation_id, duplicate=True)

    async def _citizen(self, session: AsyncSession, inbound: Inbound, alias: str) -> CitizenRow:
        citizen = (
            await session.execute(select(CitizenRow).where(CitizenRow.openid == inbound.citizen_openid))
        ).scalar_one_or_none()
        if citizen is None:
            citizen = CitizenRow(
                openid=inbound.citizen_openid,
                alias=alias,
                subscribed=True,
                first_seen_at=inbound.received_at,
                last_inbound_at=inbound.received_at,
            )
            session.add(citizen)
            await session.flush()
        else:
            citizen.last_inbound_at = max(citizen.last_inbound_at, inbound.received_at)
        if inbound.kind == "event" and inbound.event in ("subscribe", "unsubscribe"):
            citizen.subscribed = inbound.event == "subscribe"
        return citizen

    async def _open_consultation(
        self, session: AsyncSession, citizen_id: int, now: datetime
    ) -> ConsultationRow:
        consultation = (
            await session.execute(
                select(ConsultationRow)
                .where(ConsultationRow.citizen_id == citizen_id, ConsultationRow.status == "open")
                .order_by(ConsultationRow.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        if consultation is None:
            consultation = ConsultationRow(
                citizen_id=citizen_id, status="open", channel="wechat", started_at=now
            )
            session.add(consultation)
            await session.flush()
        return consultation

    async def unanswered(self, now: datetime, older_than: timedelta, limit: int = 50) -> list[int]:
        """Inbound turns nobody answered (a worker died mid-answer): the recovery sweep answers them."""
        async with self._db.reading() as session:
            rows = (
                await session.execute(
                    select(MessageRow.id, MessageRow.extra)
                    .where(MessageRow.direction == "in", MessageRow.recorded_at <= now - older_than)
                    .order_by(MessageRow.id.desc())
                    .limit(limit * 20)
                )
            ).all()
        return [row.id for row in rows if not (row.extra or {}).get("answered")][:limit]

    async def load_inbound(self, message_id: int) -> tuple[Inbound, RecordedInbound] | None:
        """Rebuild a stored inbound turn, so the recovery sweep can answer it after a crash."""
        async with self._db.reading() as session:
            row = (
                await session.execute(
                    select(MessageRow, CitizenRow.openid)
                    .join(CitizenRow, CitizenRow.id == MessageRow.citizen_id)
                    .where(MessageRow.id == message_id, MessageRow.direction == "in")
                )
            ).first()
        if row is None:
            return None
        msg: MessageRow = row[0]
        extra = {k: v for k, v in (msg.extra or {}).items() if k != "answered"}
        inbound = Inbound(
            citizen_openid=row[1],
            msg_key=msg.msg_key or f"row|{msg.id}",
            kind=msg.kind,  # type: ignore[arg-type]
            received_at=msg.recorded_at,
            sent_at=msg.sent_at or msg.recorded_at,
            text=msg.text,
            media_id=msg.media_id,
            event=msg.event,
            event_key=msg.event_key,
            wechat_msg_id=msg.wechat_msg_id,
            extra=extra,
        )
        return inbound, RecordedInbound(msg.id, msg.citizen_id, msg.consultation_id, duplicate=True)

    async def load_state(self, citizen_id: int) -> tuple[ConversationState, int]:
        async with self._db.reading() as session:
            row = await session.get(ConversationStateRow, citizen_id)
        if row is None:
            return ConversationState(), 0
        return ConversationState(flow=row.flow, step=row.step, slots=dict(row.slots or {})), row.version

    async def replied(self, message_id: int) -> bool:
        """True when the dialogue has already answered this inbound turn (a crash-safe retry guard)."""
        async with self._db.reading() as session:
            found = (
                await session.execute(
                    select(MessageRow.id).where(MessageRow.in_reply_to == message_id).limit(1)
                )
            ).first()
            answered = (
                await session.execute(select(MessageRow.extra).where(MessageRow.id == message_id))
            ).scalar_one_or_none()
        return found is not None or bool(answered and answered.get("answered"))

    async def save_response(
        self,
        recorded: RecordedInbound,
        replies: list[Outbound],
        state: ConversationState,
        now: datetime,
    ) -> list[int]:
        """Commit the replies (as pending deliveries) and the new state in one transaction."""
        async with self._db.transaction() as session:
            inbound_row = await session.get(MessageRow, recorded.message_id)
            assert inbound_row is not None
            extra: dict[str, Any] = dict(inbound_row.extra or {})
            if extra.get("answered"):
                return []  # answered by another worker already: never answer twice
            extra["answered"] = True
            inbound_row.extra = extra
            delivery_ids: list[int] = []
            for reply in replies:
                out = MessageRow(
                    consultation_id=recorded.consultation_id,
                    citizen_id=recorded.citizen_id,
                    direction="out",
                    author=reply.author,
                    kind="text",
                    text=reply.text,
                    in_reply_to=recorded.message_id,
                    recorded_at=now,
                )
                session.add(out)
                await session.flush()
                delivery = DeliveryRow(
                    message_id=out.id,
                    citizen_id=recorded.citizen_id,
                    status="pending",
                    attempts=0,
                    created_at=now,
                    next_attempt_at=now,
                )
                session.add(delivery)
                await session.flush()
                delivery_ids.append(delivery.id)
            await self._store_state(session, recorded.citizen_id, state, now)
            return delivery_ids

    async def _store_state(
        self, session: AsyncSession, citizen_id: int, state: ConversationState, now: datetime
    ) -> None:
        row = await session.get(ConversationStateRow, citizen_id)
        if row is None:
            session.add(
                ConversationStateRow(
                    citizen_id=citizen_id,
                    flow=state.flow,
                    step=state.step,
                    slots=dict(state.slots),
                    version=1,
                    updated_at=now,
                )
            )
        else:
            row.flow, row.step, row.slots = state.flow, state.step, dict(state.slots)
            row.version += 1
            row.updated_at = now

    async def claim_passive(self, delivery_id: int, now: datetime) -> str | None:
        """Take a pending delivery for the passive reply; only one request can win it."""
        async with self._db.transaction() as session:
            result = await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == delivery_id, DeliveryRow.status == "pending")
                .values(status="passive", via="passive", attempts=DeliveryRow.attempts + 1, delivered_at=now)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            return await self._delivery_text(session, delivery_id)

    async def passive_reply_for(self, message_id: int) -> tuple[str | None, bool]:
        """For a retried message: (the passive text already given, whether the answer is settled)."""
        async with self._db.reading() as session:
            rows = (
                await session.execute(
                    select(DeliveryRow.status, MessageRow.text)
                    .join(MessageRow, MessageRow.id == DeliveryRow.message_id)
                    .where(MessageRow.in_reply_to == message_id)
                    .order_by(DeliveryRow.id)
                )
            ).all()
            answered = (
                await session.execute(select(MessageRow.extra).where(MessageRow.id == message_id))
            ).scalar_one_or_none()
        settled = bool(answered and answered.get("answered"))
        for status, text in rows:
            if status == "passive":
                return text, True
        settled = settled and all(status != "pending" for status, _ in rows)
        return None, settled

    async def _delivery_text(self, session: AsyncSession, delivery_id: int) -> str:
        text = (
            await session.execute(
                select(MessageRow.text)
                .join(DeliveryRow, DeliveryRow.message_id == MessageRow.id)
                .where(DeliveryRow.id == delivery_id)
            )
        ).scalar_one()
        return text or ""

    async def claim_for_sending(
        self, delivery_ids: list[int] | None, now: datetime, limit: int = 50
    ) -> list[PendingDelivery]:
        """Move due pending deliveries to `sending`; the conditional update makes each one go out once."""
        async with self._db.transaction() as session:
            query = (
                select(DeliveryRow.id, DeliveryRow.attempts, CitizenRow.openid, MessageRow.text)
                .join(MessageRow, MessageRow.id == DeliveryRow.message_id)
                .join(CitizenRow, CitizenRow.id == DeliveryRow.citizen_id)
                .where(DeliveryRow.status == "pending", DeliveryRow.next_attempt_at <= now)
                .order_by(DeliveryRow.id)
                .limit(limit)
            )
            if delivery_ids is not None:
                query = query.where(DeliveryRow.id.in_(delivery_ids))
            if not self._db.is_sqlite:
                query = query.with_for_update(of=DeliveryRow, skip_locked=True)
            rows = (await session.execute(query)).all()
            claimed: list[PendingDelivery] = []
            for row in rows:
                result = await session.execute(
                    update(DeliveryRow)
                    .where(DeliveryRow.id == row.id, DeliveryRow.status == "pending")
                    .values(status="sending", attempts=DeliveryRow.attempts + 1, next_attempt_at=now)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(PendingDelivery(row.id, row.openid, row.text or "", row.attempts + 1))
            return claimed

    async def mark_sent(self, delivery_id: int, via: str, now: datetime) -> None:
        async with self._db.transaction() as session:
            await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == delivery_id)
                .values(status="sent", via=via, delivered_at=now, last_errcode=None, last_error=None)
            )
            await session.execute(
                update(MessageRow)
                .where(
                    MessageRow.id
                    == select(DeliveryRow.message_id).where(DeliveryRow.id == delivery_id).scalar_subquery()
                )
                .values(sent_at=now)
            )

    async def mark_retry(self, delivery_id: int, errcode: int | None, error: str, retry_at: datetime) -> None:
        """Keep the delivery pending for a later attempt (network trouble)."""
        async with self._db.transaction() as session:
            await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == delivery_id)
                .values(
                    status="pending", last_errcode=errcode, last_error=error[:200], next_attempt_at=retry_at
                )
            )

    async def mark_held(self, delivery_id: int, errcode: int, error: str) -> None:
        """WeChat refused (e.g. 45015): keep the answer for the fallback; never drop it."""
        async with self._db.transaction() as session:
            await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == delivery_id)
                .values(status="held", last_errcode=errcode, last_error=error[:200])
            )

    async def release_stuck(self, now: datetime, older_than: timedelta) -> int:
        """Deliveries left in `sending` by a worker that died go back to pending."""
        async with self._db.transaction() as session:
            result = await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.status == "sending", DeliveryRow.next_attempt_at <= now - older_than)
                .values(status="pending", next_attempt_at=now)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
