"""The consultants' queue as use cases: open, claim, answer, transfer, appoint, note, return, close.

Each use case checks the rules (handoff/handoff.py), then runs one transaction of conditional
updates (bot/store/handoffs.py), then announces the change on the live feed. The dialogue uses
`plan` + `open_within` to open a handoff inside the same commit as the bot's answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import structlog
from sqlalchemy import Connection

from bot.center.specialties import SpecialtyRouting
from bot.clock import Clock
from bot.store import audit, handoffs, queue_views
from bot.store.consultants import consultant_by_name, consultants
from bot.store.db import Database
from bot.store.handoffs import LiveHandoff, NewHandoff
from bot.workdays.duty import Consultant
from bot.workdays.service_calendar import ServiceCalendar
from handoff.handoff import (
    HandoffAlreadyClaimed,
    HandoffClosed,
    HandoffNotFound,
    InvalidHandoffInput,
    NotAllowed,
    QueueItemRef,
    check_act,
    check_claim,
    check_outcome,
    check_text,
    may_read,
)
from handoff.reply_deadline import ReplyDeadline, appointment_deadline, decide_reply_deadline

log = structlog.get_logger(__name__)
PACKET_MESSAGES = 6


class Sentences(Protocol):
    """The center's texts (data/texts.yml), as bot.center.texts.Texts provides them."""

    def say(self, key: str, **values: str) -> str: ...

    def has(self, key: str) -> bool: ...


class Announcer(Protocol):
    async def publish(self, change: str, handoff_id: int) -> None: ...


@dataclass(frozen=True, slots=True)
class PlannedHandoff:
    """Everything decided before the commit; `notice` is what the citizen is told."""

    new: NewHandoff
    notice: str


class HandoffQueue:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        routing: SpecialtyRouting,
        service: ServiceCalendar,
        texts: Sentences,
        announcer: Announcer | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self.routing = routing
        self.service = service
        self._texts = texts
        self._say = texts.say
        self._announcer = announcer

    async def announce(self, change: str, handoff_id: int) -> None:
        if self._announcer is not None:
            await self._announcer.publish(change, handoff_id)

    # ---- the dialogue's side ---------------------------------------------------------------
    async def plan(
        self, consultation_id: int, citizen_id: int, reason: str, now: datetime, topic: str | None = None
    ) -> PlannedHandoff:
        """Decide queue, kind and deadline, and write the packet, before the answer's commit.

        `topic` is this turn's consult_* intent when the consultation has none recorded yet.
        """
        (recorded_topic, screening), said, staff = await self._db.read(
            lambda conn: (
                handoffs.consultation_topic(conn, consultation_id),
                handoffs.recent_messages(conn, consultation_id, PACKET_MESSAGES),
                consultants(conn),
            )
        )
        intent = recorded_topic or topic
        specialty = self.routing.for_intent(intent if intent else reason)
        deadline = self.deadline_for(staff, specialty, now)
        summary = self._summary(reason, specialty, screening, said)
        new = NewHandoff(
            consultation_id=consultation_id,
            citizen_id=citizen_id,
            reason=reason,
            kind=deadline.kind,
            specialty=specialty,
            intent=intent,
            summary=summary,
            packet={"screening": screening, "last_messages": said},
            due_at=deadline.due_at,
            reminders=deadline.reminders,
        )
        return PlannedHandoff(
            new, self._say(f"handoff.{deadline.kind}", due=self.service.wall_clock_text(deadline.due_at))
        )

    def deadline_for(self, staff: Sequence[Consultant], specialty: str, now: datetime) -> ReplyDeadline:
        return decide_reply_deadline(now, specialty=specialty, consultants=staff, service=self.service)

    @staticmethod
    def open_within(conn: Connection, planned: PlannedHandoff, now: datetime) -> int:
        return handoffs.insert_handoff(conn, planned.new, now)

    def still_waiting(self, live: LiveHandoff) -> str:
        """What a citizen hears when writing during a handoff: by when, or that it was passed on."""
        if live.status == "open":
            return self._say("handoff.still_waiting", due=self.service.wall_clock_text(live.due_at))
        return self._say("handoff.forwarded")

    def _summary(
        self, reason: str, specialty: str, screening: dict[str, Any] | None, said: list[dict[str, Any]]
    ) -> str:
        key = f"staff.reason.{reason}"
        reason_text = self._say(key if self._texts.has(key) else "staff.reason.other")
        decision = (screening or {}).get("decision") or {}
        screened = (
            self._say("staff.summary.screening", decision=str(decision.get("decision"))) if decision else ""
        )
        citizen_lines = [m["text"] for m in said if m["author"] == "citizen" and m.get("text")]
        quoted = (
            "“" + "”“".join(citizen_lines[-3:]) + "”"
            if citizen_lines
            else self._say("staff.summary.nothing_said")
        )
        topic = self.routing.names.get(specialty, specialty)
        return self._say("staff.summary", reason=reason_text, topic=topic, screening=screened, said=quoted)

    # ---- the console's side ----------------------------------------------------------------
    async def queue_items(
        self,
        viewer: Consultant,
        *,
        status: str | None = None,
        specialty: str | None = None,
        breached: bool | None = None,
        openid: str | None = None,
    ) -> list[dict[str, Any]]:
        def query(conn: Connection) -> list[dict[str, Any]]:
            limit_to: list[str] | None = None
            if not viewer.oversees and "general" not in viewer.specialties:
                idle = handoffs.open_count(conn, viewer.specialties) == 0
                # An idle consultant sees every unclaimed item, to take one from another queue.
                limit_to = None if idle and status == "open" else sorted(viewer.specialties | {"general"})
            items = queue_views.list_items(
                conn,
                status=status,
                specialties=limit_to,
                include_ids_of=viewer.id,
                specialty=specialty,
                breached=breached,
                openid=openid,
            )
            return [self._named(i) for i in items]

        return await self._db.read(query)

    async def detail(self, viewer: Consultant, handoff_id: int) -> dict[str, Any]:
        """The item with its transcript; the view is audited in the same transaction as the read."""
        now = self._clock.now()

        def read(conn: Connection) -> dict[str, Any]:
            ref = self._ref(conn, handoff_id)
            idle = handoffs.open_count(conn, viewer.specialties) == 0
            if not may_read(viewer, ref, idle):
                raise NotAllowed("this item belongs to another specialty")
            found = queue_views.item_with_transcript(conn, handoff_id)
            assert found is not None
            audit.add_entry(conn, viewer.id, "view_handoff", "handoff", str(handoff_id), now)
            found["allowed"] = _allowed(viewer, ref, idle)
            return self._named(found)

        return await self._db.write(read)

    async def claim(self, viewer: Consultant, handoff_id: int) -> dict[str, Any]:
        now = self._clock.now()

        def run(conn: Connection) -> None:
            ref = self._ref(conn, handoff_id)
            check_claim(viewer, ref, handoffs.open_count(conn, viewer.specialties) == 0)
            if ref.assignee_id == viewer.id:
                return
            if not handoffs.claim(conn, handoff_id, viewer.id, now, take_over=viewer.oversees):
                raise HandoffAlreadyClaimed("another consultant claimed it first")

        await self._db.write(run)
        await self.announce("claimed", handoff_id)
        return await self.detail(viewer, handoff_id)

    async def answer(self, viewer: Consultant, handoff_id: int, text: object) -> int:
        """Record the consultant's answer as a pending delivery; returns the delivery id."""
        body = check_text(text)
        now = self._clock.now()

        def run(conn: Connection) -> int:
            check_act(viewer, self._ref(conn, handoff_id))
            delivery_id = handoffs.add_consultant_message(conn, handoff_id, viewer.id, body, now)
            if delivery_id is None:
                raise HandoffClosed("the handoff is closed")
            return delivery_id

        delivery_id = await self._db.write(run)
        log.info("consultant_answered", handoff_id=handoff_id, delivery_id=delivery_id)
        await self.announce("answered", handoff_id)
        return delivery_id

    async def transfer(self, viewer: Consultant, handoff_id: int, body: dict[str, Any]) -> None:
        specialty = body.get("specialty")
        username = body.get("consultant")
        note = body.get("note")
        if (specialty is None) == (username is None):
            raise InvalidHandoffInput("specialty", "give either specialty or consultant")
        if specialty is not None:
            specialty = self.routing.check(str(specialty))
        if note is not None:
            note = check_text(note, "note")
        now = self._clock.now()

        def run(conn: Connection) -> None:
            check_act(viewer, self._ref(conn, handoff_id))
            assignee_id = None
            if username is not None:
                target = consultant_by_name(conn, str(username))
                if target is None or not target.active or target.role == "admin":
                    raise InvalidHandoffInput("consultant", "no such consultant")
                assignee_id = target.id
            if not handoffs.transfer(
                conn,
                handoff_id,
                specialty=specialty,
                assignee_id=assignee_id,
                note=note,
                actor_id=viewer.id,
                now=now,
            ):
                raise HandoffClosed("the handoff is closed")

        await self._db.write(run)
        await self.announce("transferred", handoff_id)

    async def appoint(self, viewer: Consultant, handoff_id: int, at: object) -> None:
        """002 §6.2 e: answer later at a promised time; the timers follow the new deadline."""
        if not isinstance(at, str):
            raise InvalidHandoffInput("at", "at must be an ISO-8601 time with a zone")
        try:
            when = datetime.fromisoformat(at)
        except ValueError:
            raise InvalidHandoffInput("at", "at must be an ISO-8601 time with a zone") from None
        if when.tzinfo is None:
            raise InvalidHandoffInput("at", "at must include a time zone")
        now = self._clock.now()
        deadline = appointment_deadline(when, now, self.service.points)

        def run(conn: Connection) -> None:
            check_act(viewer, self._ref(conn, handoff_id))
            if not handoffs.set_appointment(
                conn, handoff_id, deadline.due_at, deadline.reminders, viewer.id, now
            ):
                raise HandoffClosed("the handoff is closed")

        await self._db.write(run)
        await self.announce("appointment", handoff_id)

    async def note(self, viewer: Consultant, handoff_id: int, text: object) -> None:
        body = check_text(text)
        now = self._clock.now()

        def run(conn: Connection) -> None:
            ref = self._ref(conn, handoff_id)
            if not may_read(viewer, ref, handoffs.open_count(conn, viewer.specialties) == 0):
                raise NotAllowed("this item belongs to another specialty")
            handoffs.add_note(conn, handoff_id, viewer.id, body, now)

        await self._db.write(run)
        await self.announce("note", handoff_id)

    async def end(
        self,
        viewer: Consultant,
        handoff_id: int,
        *,
        outcome: object = None,
        note: object = None,
        to_bot: bool,
    ) -> int | None:
        """Close with an outcome (a/b/c) or return the citizen to the bot; tells the citizen.

        Returns the delivery id of the message telling the citizen.
        """
        chosen = None if to_bot else check_outcome(outcome)
        remark = None if note is None else check_text(note, "note")
        now = self._clock.now()
        text = self._say("handoff.returned_to_bot" if to_bot else f"handoff.closed.{chosen}")

        def run(conn: Connection) -> int | None:
            check_act(viewer, self._ref(conn, handoff_id))
            ended_by = "bot" if to_bot else "consultant"
            if not handoffs.end(
                conn, handoff_id, ended_by=ended_by, outcome=chosen, note=remark, actor_id=viewer.id, now=now
            ):
                raise HandoffClosed("the handoff is closed")
            return handoffs.add_outbound(conn, handoff_id, "bot", text, None, now)

        delivery_id = await self._db.write(run)
        await self.announce("returned_to_bot" if to_bot else "closed", handoff_id)
        return delivery_id

    @staticmethod
    def cancel_within(conn: Connection, handoff_id: int, now: datetime) -> bool:
        """The citizen wrote 取消: the item leaves the queue, the citizen is back with the bot."""
        return handoffs.end(
            conn, handoff_id, ended_by="citizen", outcome=None, note=None, actor_id=None, now=now
        )

    async def notices(self, viewer: Consultant) -> list[dict[str, Any]]:
        return await self._db.read(lambda conn: queue_views.notices_for(conn, viewer.id))

    # ---- shared ----------------------------------------------------------------------------
    @staticmethod
    def _ref(conn: Connection, handoff_id: int) -> QueueItemRef:
        row = handoffs.item_ref(conn, handoff_id)
        if row is None:
            raise HandoffNotFound(f"no handoff {handoff_id}")
        return QueueItemRef(row.id, row.status, row.specialty, row.assignee_id)

    def _named(self, item: dict[str, Any]) -> dict[str, Any]:
        item["specialty_name"] = self.routing.names.get(item["specialty"], item["specialty"])
        return item


def _allowed(viewer: Consultant, ref: QueueItemRef, idle: bool) -> dict[str, bool]:
    try:
        check_claim(viewer, ref, idle)
        can_claim = ref.assignee_id != viewer.id
    except (NotAllowed, HandoffAlreadyClaimed, HandoffClosed):
        can_claim = False
    try:
        check_act(viewer, ref)
        can_act = True
    except (NotAllowed, HandoffClosed):
        can_act = False
    return {"claim": can_claim, "act": can_act}
