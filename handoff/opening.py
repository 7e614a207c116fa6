"""Opening a handoff, as the dialogue needs it: which queue, online or message, the deadline and
the packet, decided before the commit; written inside the same transaction as the bot's answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection

from bot.center.specialties import SpecialtyRouting
from bot.store import handoffs
from bot.store.consultants import consultants
from bot.store.db import Database
from bot.store.handoffs import Guard, LiveHandoff, NewHandoff
from bot.workdays.duty import Consultant
from bot.workdays.service_calendar import ServiceCalendar
from handoff.reply_deadline import ReplyDeadline, decide_reply_deadline
from handoff.transitions import TRANSITIONS

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


class HandoffOpening:
    def __init__(
        self,
        db: Database,
        routing: SpecialtyRouting,
        service: ServiceCalendar,
        texts: Sentences,
        announcer: Announcer,
    ) -> None:
        self._db = db
        self.routing = routing
        self.service = service
        self._texts = texts
        self._say = texts.say
        self._announcer = announcer

    async def announce(self, change: str, handoff_id: int) -> None:
        await self._announcer.publish(change, handoff_id)

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

    @staticmethod
    def cancel_within(conn: Connection, handoff_id: int, now: datetime) -> bool:
        """The citizen wrote 取消: the item leaves the queue, the citizen is back with the bot."""
        return handoffs.end(
            conn,
            handoff_id,
            ended_by="citizen",
            outcome=None,
            note=None,
            actor_id=None,
            now=now,
            guard=Guard(TRANSITIONS["cancel"].from_statuses),
        )
