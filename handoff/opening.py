"""Opening a handoff, as the dialogue needs it: which queue, online or message, the deadline and
the packet, decided before the commit; written inside the same transaction as the bot's answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection

from bot.center.feedback import ComplaintTerms
from bot.center.specialties import SpecialtyRouting
from bot.records import complaints
from bot.store import handoff_packets, handoffs
from bot.store.complaints import NewComplaint
from bot.store.consultants import consultants
from bot.store.db import Database
from bot.store.handoff_packets import PROBLEM_MIN_CHARS
from bot.store.handoffs import Guard, LiveHandoff, NewHandoff
from bot.workdays.duty import Consultant
from bot.workdays.service_calendar import ServiceCalendar
from handoff.reply_deadline import ReplyDeadline, decide_reply_deadline
from handoff.transitions import TRANSITIONS

PACKET_MESSAGES = 6
# Digits (and the separators people type inside numbers) at the end of a shortened text.
_NUMBER_TAIL = re.compile(r"[0-9０-９XxＸ+＋()（）\s\-－—]+$")


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
    complaint: NewComplaint | None = None  # a complaint (002 §11) filed with the handoff


class HandoffOpening:
    def __init__(
        self,
        db: Database,
        routing: SpecialtyRouting,
        service: ServiceCalendar,
        texts: Sentences,
        announcer: Announcer,
        matter_names: Mapping[str, str] | None = None,
        complaint_terms: ComplaintTerms | None = None,
    ) -> None:
        self._db = db
        self._complaint_terms = complaint_terms or ComplaintTerms()
        self._matter_names = matter_names or {}
        self.routing = routing
        self.service = service
        self._texts = texts
        self._say = texts.say
        self._announcer = announcer

    async def announce(self, change: str, handoff_id: int) -> None:
        await self._announcer.publish(change, handoff_id)

    async def plan(
        self,
        consultation_id: int,
        citizen_id: int,
        reason: str,
        now: datetime,
        topic: str | None = None,
        screening: dict[str, Any] | None = None,
        words: str | None = None,
    ) -> PlannedHandoff:
        """Decide queue, kind and deadline, and write the packet, before the answer's commit.

        `topic` is this turn's consult_* intent when the consultation has none recorded yet;
        `screening` is this turn's (an interview handed over midway), newer than the recorded one.
        `words` is the citizen's message: for a complaint, the complaint's text.
        """
        (recorded_topic, recorded_screening), said, problem, staff = await self._db.read(
            lambda conn: (
                handoff_packets.consultation_topic(conn, consultation_id),
                handoff_packets.recent_messages(conn, consultation_id, PACKET_MESSAGES),
                handoff_packets.problem_statement(conn, consultation_id),
                consultants(conn),
            )
        )
        screening = screening or recorded_screening
        intent = recorded_topic or topic
        matter = ((screening or {}).get("case") or {}).get("matter")
        specialty = self.routing.for_consultation(matter, intent if intent else reason)
        deadline = self.deadline_for(staff, specialty, now)
        summary = self._summary(reason, specialty, screening, problem, said)
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
        complaint = None
        if reason == "complain" and words and words.strip():
            complaint = complaints.chat_complaint(
                citizen_id, consultation_id, words, now, self.service, self._complaint_terms
            )
        return PlannedHandoff(
            new, self._say(f"handoff.{deadline.kind}", due=self.due_text(deadline.due_at, now)), complaint
        )

    def deadline_for(self, staff: Sequence[Consultant], specialty: str, now: datetime) -> ReplyDeadline:
        return decide_reply_deadline(now, specialty=specialty, consultants=staff, service=self.service)

    @staticmethod
    def open_within(conn: Connection, planned: PlannedHandoff, now: datetime) -> int:
        """The handoff, and the complaint it carries, in the answer's transaction."""
        handoff_id = handoffs.insert_handoff(conn, planned.new, now)
        if planned.complaint is not None:
            complaints.file_within(conn, planned.complaint, handoff_id)
        return handoff_id

    async def plan_next_reply(self, live: LiveHandoff, now: datetime) -> ReplyDeadline | None:
        """A citizen's message after the consultant's answer starts the next reply's deadline, by
        the same rules as the first one, from this message; None while an answer is still awaited."""
        if live.awaits_answer:
            return None
        staff = await self._db.read(consultants)
        return self.deadline_for(staff, live.specialty, now)

    def next_reply_notice(self, deadline: ReplyDeadline, now: datetime) -> str:
        return self._say("handoff.next_reply", due=self.due_text(deadline.due_at, now))

    @staticmethod
    def start_next_reply_within(
        conn: Connection, handoff_id: int, deadline: ReplyDeadline, now: datetime
    ) -> bool:
        return handoffs.start_next_reply(
            conn, handoff_id, deadline.due_at, deadline.reminders, deadline.kind, now
        )

    def still_waiting(self, live: LiveHandoff, now: datetime) -> str:
        """What a citizen hears when writing during a handoff: by when, or that it was passed on."""
        if live.status == "open":
            return self._say("handoff.still_waiting", due=self.due_text(live.due_at, now))
        return self._say("handoff.forwarded")

    def refresh_summary_within(self, conn: Connection, live: LiveHandoff) -> None:
        """The citizen wrote again while waiting: the summary says what they added."""
        found = handoff_packets.summary_inputs(conn, live.id, PACKET_MESSAGES)
        if found is not None:
            reason, specialty, screening, problem, said = found
            handoff_packets.set_summary(
                conn, live.id, self._summary(reason, specialty, screening, problem, said)
            )

    def due_text(self, due_at: datetime, now: datetime) -> str:
        """A due time as the citizen reads it on the center's clock: 今天17:30, or 12月8日（周一）17:30."""
        due, today = self.service.local(due_at), self.service.local(now)
        clock = f"{due:%H:%M}"
        if due.date() == today.date():
            return self._say("due.today", time=clock)
        weekday = self._say("due.weekdays")[due.isoweekday() - 1]
        return self._say("due.day", month=str(due.month), day=str(due.day), weekday=weekday, time=clock)

    def _summary(
        self,
        reason: str,
        specialty: str,
        screening: dict[str, Any] | None,
        problem: str | None,
        said: list[dict[str, Any]],
    ) -> str:
        """Written from the problem: the citizen's own account, what the interview found, and
        what they said last (not the last three replies, which are often "1" "9" "转人工")."""
        key = f"staff.reason.{reason}"
        reason_text = self._say(key if self._texts.has(key) else "staff.reason.other")
        topic = self.routing.names.get(specialty, specialty)
        account = f"“{_clip(problem)}”" if problem else self._say("staff.summary.nothing_said")
        latest = [
            m["text"]
            for m in said
            if m["author"] == "citizen" and len((m.get("text") or "").strip()) >= PROBLEM_MIN_CHARS
        ]
        latest = [text for text in latest if text != problem]
        recent = self._say("staff.summary.latest", said=f"“{_clip(latest[-1])}”") if latest else ""
        return self._say(
            "staff.summary",
            reason=reason_text,
            topic=topic,
            screening=self._screened(screening),
            problem=account,
            latest=recent,
        )

    def _screened(self, screening: dict[str, Any] | None) -> str:
        """The interview's findings in the consultant's words, not codes."""
        decision = (screening or {}).get("decision") or {}
        case = (screening or {}).get("case") or {}
        if not decision and not case:
            return ""
        facts = []
        if case.get("matter"):
            facts.append(self._matter_names.get(case["matter"], str(case["matter"])))
        if case.get("household_size"):
            facts.append(self._say("staff.fact.household", size=str(case["household_size"])))
        if case.get("household_monthly_income") is not None:
            facts.append(self._say("staff.fact.income", income=str(case["household_monthly_income"])))
        code = str(decision.get("decision") or "needs_more_info")
        key = f"staff.decision.{code}"
        label = self._say(key) if self._texts.has(key) else code
        return self._say("staff.summary.screening", decision=label, facts="，".join(facts))

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


def _clip(text: str, limit: int = 80) -> str:
    """Shortened at a word, never inside a number: half a phone number escapes the console's masking,
    and with the masked whole beside it, gives the number away."""
    if len(text) <= limit:
        return text
    return _NUMBER_TAIL.sub("", text[: limit - 1]) + "…"
