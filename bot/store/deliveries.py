"""Deliveries: every outbound turn waits as a row until WeChat took it, however it goes out.

A delivery is `passive` (carried by the callback's reply), `pending`, `sending`, `sent` or
`held` (WeChat refused, e.g. 45015: kept for the fallback). Each move is a conditional UPDATE,
so two senders never send the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, insert, select, update

from bot.store.db import Database
from bot.store.tables import citizen_t, delivery_t, message_t, rowcount

PASSIVE = "passive"  # `via` of a reply carried by the callback's own answer
RETRY_CARRIED = "passive_retry"  # `via` when a retry of the callback carried it


@dataclass(frozen=True, slots=True)
class PendingDelivery:
    delivery_id: int
    citizen_openid: str
    text: str  # as the author wrote it; the citizen may see a label before it (bot.delivery)
    attempts: int
    author: str


class DeliveryLedger:
    """Use cases over the delivery table; each method is one unit of work."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # ---- passive replies ---------------------------------------------------------------
    async def unclaim_passive(self, delivery_id: int, now: datetime) -> None:
        """The passive reply was not returned after all: send the answer the other way, unless a
        retry of the callback has carried it meanwhile (then the citizen has it already)."""
        stmt = (
            update(delivery_t)
            .where(
                delivery_t.c.id == delivery_id, delivery_t.c.status == "passive", delivery_t.c.via == PASSIVE
            )
            .values(status="pending", via=None, delivered_at=None, next_attempt_at=now)
        )
        await self._db.write(lambda conn: conn.execute(stmt))

    async def passive_reply_for(self, message_id: int) -> tuple[str | None, bool]:
        """For a retried message: (the passive text already given, whether the answer is settled).

        Returning the text marks the reply as carried by the retry (a conditional update), so the
        first request can no longer take it back and send it a second time as a customer-service
        message; if it took it back first, the retry gets nothing and the message goes out once.
        """

        def look(conn: Connection) -> tuple[int | None, str | None, bool]:
            rows = conn.execute(
                select(delivery_t.c.id, delivery_t.c.status, message_t.c.text)
                .join(message_t, message_t.c.id == delivery_t.c.message_id)
                .where(message_t.c.in_reply_to == message_id)
                .order_by(delivery_t.c.id)
            ).all()
            answered = conn.execute(
                select(message_t.c.answered_at).where(message_t.c.id == message_id)
            ).scalar_one_or_none()
            for delivery_id, status, text in rows:
                if status == "passive":
                    return delivery_id, text, True
            return None, None, answered is not None and all(status != "pending" for _, status, _ in rows)

        delivery_id, text, settled = await self._db.read(look)
        if delivery_id is None:
            return None, settled
        carried = update(delivery_t).where(delivery_t.c.id == delivery_id, delivery_t.c.status == "passive")
        kept = await self._db.write(lambda conn: rowcount(conn.execute(carried.values(via=RETRY_CARRIED))))
        return (text, True) if kept == 1 else (None, False)

    # ---- asynchronous deliveries -------------------------------------------------------
    async def claim_for_sending(
        self, delivery_ids: list[int] | None, now: datetime, limit: int = 50
    ) -> list[PendingDelivery]:
        """Move due pending deliveries to `sending`; the conditional update makes each one go out once."""
        return await self._db.write(lambda conn: _claim_for_sending(conn, delivery_ids, now, limit))

    async def mark_sent(self, delivery_id: int, via: str, now: datetime) -> None:
        def mark(conn: Connection) -> None:
            message_id = conn.execute(
                update(delivery_t)
                .where(delivery_t.c.id == delivery_id)
                .values(status="sent", via=via, delivered_at=now, last_errcode=None, last_error=None)
                .returning(delivery_t.c.message_id)
            ).scalar_one()
            conn.execute(update(message_t).where(message_t.c.id == message_id).values(sent_at=now))

        await self._db.write(mark)

    async def mark_retry(self, delivery_id: int, errcode: int | None, error: str, retry_at: datetime) -> None:
        """Keep the delivery pending for a later attempt (network trouble)."""
        stmt = (
            update(delivery_t)
            .where(delivery_t.c.id == delivery_id)
            .values(status="pending", last_errcode=errcode, last_error=error[:200], next_attempt_at=retry_at)
        )
        await self._db.write(lambda conn: conn.execute(stmt))

    async def mark_held(self, delivery_id: int, errcode: int, error: str, now: datetime) -> bool:
        """WeChat refused (e.g. 45015): keep the answer for the fallback; never drop it.

        Returns True when the citizen should get a fallback notice (none is pending already).
        """

        def hold(conn: Connection) -> bool:
            citizen_id = conn.execute(
                update(delivery_t)
                .where(delivery_t.c.id == delivery_id)
                .values(status="held", last_errcode=errcode, last_error=error[:200], held_at=now)
                .returning(delivery_t.c.citizen_id)
            ).scalar_one()
            noticed = conn.execute(
                select(delivery_t.c.id).where(
                    delivery_t.c.citizen_id == citizen_id,
                    delivery_t.c.status == "held",
                    delivery_t.c.notice_at.isnot(None),
                )
            ).first()
            return noticed is None

        return await self._db.write(hold)

    async def mark_noticed(self, delivery_id: int, now: datetime) -> None:
        """The fallback notice went out: the record shows when the citizen was told."""
        stmt = update(delivery_t).where(delivery_t.c.id == delivery_id).values(notice_at=now)
        await self._db.write(lambda conn: conn.execute(stmt))

    async def delivery_statuses(self, delivery_ids: list[int]) -> list[str]:
        query = select(delivery_t.c.id, delivery_t.c.status).where(delivery_t.c.id.in_(delivery_ids))
        found = dict((r.id, r.status) for r in await self._db.read(lambda conn: conn.execute(query).all()))
        return [found.get(i, "missing") for i in delivery_ids]

    async def release_stuck(self, now: datetime, older_than: timedelta) -> int:
        """Deliveries left in `sending` by a worker that died go back to pending."""
        stmt = (
            update(delivery_t)
            .where(and_(delivery_t.c.status == "sending", delivery_t.c.next_attempt_at <= now - older_than))
            .values(status="pending", next_attempt_at=now)
        )
        return await self._db.write(lambda conn: rowcount(conn.execute(stmt)))


def _claim_for_sending(
    conn: Connection, delivery_ids: list[int] | None, now: datetime, limit: int
) -> list[PendingDelivery]:
    query = (
        select(
            delivery_t.c.id, delivery_t.c.attempts, citizen_t.c.openid, message_t.c.text, message_t.c.author
        )
        .join(message_t, message_t.c.id == delivery_t.c.message_id)
        .join(citizen_t, citizen_t.c.id == delivery_t.c.citizen_id)
        .where(delivery_t.c.status == "pending", delivery_t.c.next_attempt_at <= now)
        .order_by(delivery_t.c.id)
        .limit(limit)
    )
    if delivery_ids is not None:
        query = query.where(delivery_t.c.id.in_(delivery_ids))
    if conn.dialect.name != "sqlite":
        query = query.with_for_update(of=delivery_t, skip_locked=True)
    claimed: list[PendingDelivery] = []
    for row in conn.execute(query).all():
        result = conn.execute(
            update(delivery_t)
            .where(delivery_t.c.id == row.id, delivery_t.c.status == "pending")
            .values(status="sending", attempts=delivery_t.c.attempts + 1, next_attempt_at=now)
        )
        if rowcount(result) == 1:
            claimed.append(PendingDelivery(row.id, row.openid, row.text or "", row.attempts + 1, row.author))
    return claimed


def new_pending_delivery(conn: Connection, message_id: int, citizen_id: int, now: datetime) -> int:
    """An outbound message's delivery, pending until WeChat takes it (kept until then)."""
    return int(
        conn.execute(
            insert(delivery_t)
            .values(
                message_id=message_id,
                citizen_id=citizen_id,
                status="pending",
                attempts=0,
                created_at=now,
                next_attempt_at=now,
            )
            .returning(delivery_t.c.id)
        ).scalar_one()
    )
