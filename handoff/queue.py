"""The consultants' queue as use cases: list, read, claim, answer, transfer, appoint, note, close.

Each use case takes a typed command (handoff/commands.py), checks it against the transition
table (handoff/transitions.py), runs one transaction of conditional updates (bot/store/), then
announces the change on the live feed. Opening a handoff is the dialogue's: handoff/opening.py.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NoReturn

import structlog
from sqlalchemy import Connection

from bot.center.specialties import SpecialtyRouting
from bot.clock import Clock
from bot.delivery import Deliveries
from bot.records import satisfaction
from bot.store import audit, handoffs, queue_views
from bot.store.consultants import consultant_by_name
from bot.store.db import Database
from bot.store.queue_views import Allowed, HandoffView, Notice, QueueItem
from bot.workdays.duty import Consultant
from bot.workdays.service_calendar import ServiceCalendar
from handoff.commands import (
    AddNote,
    AnswerCitizen,
    ClaimHandoff,
    CloseHandoff,
    ReturnToBot,
    SetAppointment,
    TransferHandoff,
)
from handoff.handoff import (
    HandoffAlreadyClaimed,
    HandoffClosed,
    HandoffNotFound,
    InvalidHandoffInput,
    NotAllowed,
    QueueItemRef,
)
from handoff.opening import Announcer, Sentences
from handoff.reply_deadline import appointment_deadline
from handoff.transitions import Action, allow, claim_action, guard, may_read

log = structlog.get_logger(__name__)


class HandoffQueue:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        routing: SpecialtyRouting,
        service: ServiceCalendar,
        texts: Sentences,
        announcer: Announcer,
        deliveries: Deliveries,
    ) -> None:
        self._db = db
        self._clock = clock
        self.routing = routing
        self.service = service
        self._say = texts.say
        self._announcer = announcer
        self._deliveries = deliveries

    async def announce(self, change: str, handoff_id: int) -> None:
        await self._announcer.publish(change, handoff_id)

    # ---- the console's side ----------------------------------------------------------------
    async def queue_items(
        self,
        viewer: Consultant,
        *,
        status: str | None = None,
        specialty: str | None = None,
        breached: bool | None = None,
        openid: str | None = None,
    ) -> list[QueueItem]:
        """The items the viewer may see; the list shows the citizens' words, so it is audited."""
        now = self._clock.now()

        def query(conn: Connection) -> list[QueueItem]:
            limit_to: list[str] | None = None
            seen = viewer.queues_seen()
            if seen is not None:
                # An idle consultant sees every unclaimed item, to take one from another queue.
                limit_to = None if self._idle(conn, viewer) and status == "open" else sorted(seen)
            items = queue_views.list_items(
                conn,
                status=status,
                specialties=limit_to,
                include_ids_of=viewer.id,
                specialty=specialty,
                breached=breached,
                openid=openid,
            )
            if items:
                shown = {"ids": [i.id for i in items]}
                audit.add_entry(conn, viewer.id, "list_handoffs", "handoff", "list", now, shown)
            return [self._named(i) for i in items]

        return await self._db.write(query)

    async def detail(self, viewer: Consultant, handoff_id: int, *, reveal: bool = False) -> HandoffView:
        """The item with its transcript; the view is audited in the same transaction as the read.

        `reveal` asks for the phone and ID numbers unmasked: a look of its own in the audit log.
        """
        now = self._clock.now()

        def read(conn: Connection) -> HandoffView:
            ref = self._ref(conn, handoff_id)
            idle = self._idle(conn, viewer)
            if not may_read(viewer, ref, idle):
                raise NotAllowed("this item belongs to another specialty")
            found = queue_views.item_with_transcript(conn, handoff_id)
            if found is None:
                raise HandoffNotFound(f"no handoff {handoff_id}")
            action = "reveal_handoff" if reveal else "view_handoff"
            audit.add_entry(conn, viewer.id, action, "handoff", str(handoff_id), now)
            return replace(found, item=self._named(found.item), allowed=_allowed(viewer, ref, idle))

        return await self._db.write(read)

    async def claim(self, cmd: ClaimHandoff) -> None:
        """First come, first served: the loser of a race gets HandoffAlreadyClaimed (409)."""
        now = self._clock.now()

        def run(conn: Connection) -> None:
            ref = self._ref(conn, cmd.handoff_id)
            action = claim_action(cmd.viewer, ref)
            if action is None:
                return  # already the viewer's
            step = allow(action, cmd.viewer, ref, self._idle(conn, cmd.viewer))
            if not handoffs.claim(conn, cmd.handoff_id, cmd.viewer.id, now, guard=guard(step, cmd.viewer)):
                raise HandoffAlreadyClaimed("another consultant claimed it first")

        await self._db.write(run)
        await self.announce("claimed", cmd.handoff_id)

    async def answer(self, cmd: AnswerCitizen) -> str:
        """The answer becomes a pending delivery and is sent at once; returns the delivery's status
        (sent, or held/pending: it is kept until it reaches the citizen)."""
        now = self._clock.now()

        def run(conn: Connection) -> int:
            step = allow("answer", cmd.viewer, self._ref(conn, cmd.handoff_id))
            delivery_id = handoffs.add_consultant_message(
                conn,
                cmd.handoff_id,
                cmd.viewer.id,
                cmd.text,
                now,
                guard=guard(step, cmd.viewer),
            )
            if delivery_id is None:
                self._lost(conn, "answer", cmd.viewer, cmd.handoff_id)
            return delivery_id

        delivery_id = await self._db.write(run)
        log.info("consultant_answered", handoff_id=cmd.handoff_id, delivery_id=delivery_id)
        await self.announce("answered", cmd.handoff_id)
        [status] = await self._send([delivery_id])
        await self.announce("delivered" if status == "sent" else "delivery_held", cmd.handoff_id)
        return status

    async def transfer(self, cmd: TransferHandoff) -> None:
        if (cmd.specialty is None) == (cmd.consultant is None):
            raise InvalidHandoffInput("specialty", "give either specialty or consultant")
        specialty = None if cmd.specialty is None else self.routing.check(cmd.specialty)
        now = self._clock.now()

        def run(conn: Connection) -> None:
            ref = self._ref(conn, cmd.handoff_id)
            assignee_id = None
            if cmd.consultant is not None:
                target = consultant_by_name(conn, cmd.consultant)
                if target is None or not target.active or target.role == "admin":
                    raise InvalidHandoffInput("consultant", "no such consultant")
                assignee_id = target.id
            action: Action = "transfer_to_queue" if assignee_id is None else "transfer_to_consultant"
            step = allow(action, cmd.viewer, ref)
            if not handoffs.transfer(
                conn,
                cmd.handoff_id,
                specialty=specialty,
                assignee_id=assignee_id,
                note=cmd.note,
                actor_id=cmd.viewer.id,
                now=now,
                guard=guard(step, cmd.viewer),
            ):
                self._lost(conn, action, cmd.viewer, cmd.handoff_id)

        await self._db.write(run)
        await self.announce("transferred", cmd.handoff_id)

    async def appoint(self, cmd: SetAppointment) -> None:
        """002 §6.2 e: answer later at a promised time; the timers follow the new deadline."""
        now = self._clock.now()
        deadline = appointment_deadline(cmd.at, now, self.service.points)

        def run(conn: Connection) -> None:
            step = allow("appoint", cmd.viewer, self._ref(conn, cmd.handoff_id))
            if not handoffs.set_appointment(
                conn,
                cmd.handoff_id,
                deadline.due_at,
                deadline.reminders,
                cmd.viewer.id,
                now,
                guard=guard(step, cmd.viewer),
            ):
                self._lost(conn, "appoint", cmd.viewer, cmd.handoff_id)

        await self._db.write(run)
        await self.announce("appointment", cmd.handoff_id)

    async def note(self, cmd: AddNote) -> None:
        now = self._clock.now()

        def run(conn: Connection) -> None:
            allow("note", cmd.viewer, self._ref(conn, cmd.handoff_id), self._idle(conn, cmd.viewer))
            handoffs.add_note(conn, cmd.handoff_id, cmd.viewer.id, cmd.text, now)

        await self._db.write(run)
        await self.announce("note", cmd.handoff_id)

    async def close(self, cmd: CloseHandoff) -> None:
        """Close with an outcome (a/b/c); the citizen is told, in words for that outcome."""
        await self._end(
            cmd.viewer, cmd.handoff_id, "close", outcome=cmd.outcome, note=cmd.note, referral=cmd.referral
        )

    async def return_to_bot(self, cmd: ReturnToBot) -> None:
        await self._end(cmd.viewer, cmd.handoff_id, "return_to_bot", outcome=None, note=None)

    async def _end(
        self,
        viewer: Consultant,
        handoff_id: int,
        action: Action,
        *,
        outcome: str | None,
        note: str | None,
        referral: str | None = None,
    ) -> None:
        now = self._clock.now()
        to_bot = action == "return_to_bot"
        text = self._say("handoff.returned_to_bot" if to_bot else f"handoff.closed.{outcome}")

        def run(conn: Connection) -> list[int]:
            step = allow(action, viewer, self._ref(conn, handoff_id))
            if not handoffs.end(
                conn,
                handoff_id,
                ended_by="bot" if to_bot else "consultant",
                outcome=outcome,
                note=note,
                actor_id=viewer.id,
                now=now,
                guard=guard(step, viewer),
                referral=referral,
            ):
                self._lost(conn, action, viewer, handoff_id)
            told = [handoffs.add_outbound(conn, handoff_id, "bot", text, None, now)]
            if not to_bot:  # 002 §7.4.10: one rating request after a consultant's consultation
                told.append(satisfaction.ask_within(conn, handoff_id, self._say("rating.ask"), now))
            return [i for i in told if i is not None]

        delivery_ids = await self._db.write(run)
        await self.announce("returned_to_bot" if to_bot else "closed", handoff_id)
        if delivery_ids:
            await self._send(delivery_ids)

    async def notices(self, viewer: Consultant) -> list[Notice]:
        return await self._db.read(lambda conn: queue_views.notices_for(conn, viewer.id))

    # ---- shared ----------------------------------------------------------------------------
    @staticmethod
    def _ref(conn: Connection, handoff_id: int) -> QueueItemRef:
        row = handoffs.item_ref(conn, handoff_id)
        if row is None:
            raise HandoffNotFound(f"no handoff {handoff_id}")
        return QueueItemRef(row.id, row.status, row.specialty, row.assignee_id)

    def _lost(self, conn: Connection, action: Action, viewer: Consultant, handoff_id: int) -> NoReturn:
        """The conditional update found the item changed since the check: say what changed
        (claimed by another, closed) as the check would now."""
        allow(action, viewer, self._ref(conn, handoff_id))
        raise HandoffAlreadyClaimed("another consultant changed this handoff first")  # the check passes again

    @staticmethod
    def _idle(conn: Connection, viewer: Consultant) -> bool:
        """Nothing open in the viewer's own queues: they may take from any queue."""
        return handoffs.open_count(conn, viewer.own_queues()) == 0

    def _named(self, item: QueueItem) -> QueueItem:
        return replace(item, specialty_name=self.routing.names.get(item.specialty, item.specialty))

    async def _send(self, delivery_ids: list[int]) -> list[str]:
        """Send now and say how it went; what cannot go out stays pending or held, never lost."""
        await self._deliveries.send(delivery_ids)
        return await self._deliveries.statuses(delivery_ids)


def _allowed(viewer: Consultant, ref: QueueItemRef, idle: bool) -> Allowed:
    action = claim_action(viewer, ref)
    can_claim = action is not None and _permitted(action, viewer, ref, idle)
    return Allowed(claim=can_claim, act=_permitted("answer", viewer, ref, idle))


def _permitted(action: Action, viewer: Consultant, ref: QueueItemRef, idle: bool) -> bool:
    try:
        allow(action, viewer, ref, idle)
    except (NotAllowed, HandoffAlreadyClaimed, HandoffClosed):
        return False
    return True
