"""Complaints (002 §11) as use cases: filed from the chat or by staff, listed, answered, swept.

A complaint in the chat is filed by the handoff's opening, in the same transaction (`chat_complaint`
then `file_within`). Staff enter one, list them and reply through the console; each of those is one
transaction that writes its audit entry with what it read or changed. The reply to a chat complaint
is told to the citizen as a pending delivery, sent at once after the commit (kept until WeChat takes
it); a staff complaint with a phone is answered by a call, which the reply says. The sweep marks
each open complaint past its due time once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import structlog
from sqlalchemy import Connection

from bot.center.feedback import ComplaintTerms
from bot.center.texts import Texts
from bot.clock import Clock
from bot.delivery import Deliveries
from bot.errors import Conflict, InvalidInput, NotFound
from bot.records.domain.complaints import (
    MAX_NAME,
    MAX_REPLY,
    MAX_TEXT,
    STATUSES,
    Telling,
    complaint_due_at,
    is_breached,
    looks_like_phone,
    telling,
)
from bot.store import audit
from bot.store import complaints as rows
from bot.store.applications import tell_citizen
from bot.store.complaints import ComplaintRecord, NewComplaint
from bot.store.consultants import consultant_by_name
from bot.store.db import Database
from bot.workdays.duty import Consultant
from bot.workdays.service_calendar import ServiceCalendar

log = structlog.get_logger(__name__)
LIST_LIMIT = 500


class ComplaintNotFound(NotFound):
    code = "complaint_not_found"


class ComplaintAlreadyReplied(Conflict):
    code = "complaint_replied"


@dataclass(frozen=True, slots=True)
class ComplaintView:
    """One complaint as the console shows it, with its breach worked out at `now`."""

    record: ComplaintRecord
    breached: bool
    telling: Telling


@dataclass(frozen=True, slots=True)
class StaffComplaint:
    """What staff type in: the complaint, and who made it when they know."""

    text: str
    name: str | None = None
    phone: str | None = None
    consultation_id: int | None = None
    assignee: str | None = None


@dataclass(frozen=True, slots=True)
class Replied:
    """The answered complaint, and the WeChat message telling the complainant (if any) as sent."""

    view: ComplaintView
    delivery_status: str | None


def chat_complaint(
    citizen_id: int,
    consultation_id: int,
    text: str,
    now: datetime,
    calendar: ServiceCalendar,
    terms: ComplaintTerms,
) -> NewComplaint:
    """The complaint a citizen made in the chat: their words, due N working days from today."""
    return NewComplaint(
        source="chat",
        text=text.strip()[:MAX_TEXT],
        received_at=now,
        due_at=complaint_due_at(now, calendar, terms.reply_working_days),
        citizen_id=citizen_id,
        consultation_id=consultation_id,
    )


def file_within(conn: Connection, new: NewComplaint, handoff_id: int | None) -> int:
    """Write the planned complaint in the caller's transaction (the handoff's opening)."""
    complaint_id = rows.insert_complaint(conn, replace(new, handoff_id=handoff_id))
    log.info("complaint_filed", complaint_id=complaint_id, source=new.source)
    return complaint_id


def check_staff_complaint(
    text: object, name: object, phone: object, consultation_id: object, assignee: object
) -> StaffComplaint:
    """Checked before anything is written: each wrong field is a 422 naming it."""
    return StaffComplaint(
        text=_text(text, "text", MAX_TEXT),
        name=None if name in (None, "") else _text(name, "name", MAX_NAME),
        phone=None if phone in (None, "") else _phone(phone),
        consultation_id=None if consultation_id is None else _positive_id(consultation_id),
        assignee=None if assignee in (None, "") else _text(assignee, "assignee", 64),
    )


def check_reply(text: object) -> str:
    return _text(text, "text", MAX_REPLY)


class ComplaintDesk:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        calendar: ServiceCalendar,
        texts: Texts,
        terms: ComplaintTerms,
        deliveries: Deliveries,
    ) -> None:
        self._db = db
        self._clock = clock
        self._calendar = calendar
        self._texts = texts
        self._terms = terms
        self._deliveries = deliveries

    async def list_complaints(
        self, viewer: Consultant, status: str | None, breached: bool | None, *, reveal: bool = False
    ) -> list[ComplaintView]:
        """The complaints with their texts: a look at personal data, audited in the same transaction."""
        if status is not None and status not in STATUSES:
            raise InvalidInput("status", f"status must be one of {', '.join(STATUSES)}")
        now = self._clock.now()

        def read(conn: Connection) -> list[ComplaintView]:
            found = [self._view(r, now) for r in rows.listing(conn, status, LIST_LIMIT)]
            shown = [v for v in found if breached is None or v.breached == breached]
            action = "reveal_complaints" if reveal else "list_complaints"
            audit.add_entry(
                conn, viewer.id, action, "complaint", "list", now, {"ids": [v.record.id for v in shown]}
            )
            return shown

        return await self._db.write(read)

    async def file(self, viewer: Consultant, entered: StaffComplaint) -> ComplaintView:
        """A complaint staff took by phone, in person or by letter; due N working days from today."""
        now = self._clock.now()

        def run(conn: Connection) -> ComplaintView:
            citizen_id = None
            if entered.consultation_id is not None:
                citizen_id = rows.citizen_of_consultation(conn, entered.consultation_id)
                if citizen_id is None:
                    raise InvalidInput("consultation_id", "no such consultation")
            assignee_id = None
            if entered.assignee is not None:
                assignee = consultant_by_name(conn, entered.assignee)
                if assignee is None or not assignee.active:
                    raise InvalidInput("assignee", "no such active account")
                assignee_id = assignee.id
            contact = {k: v for k, v in (("name", entered.name), ("phone", entered.phone)) if v}
            complaint_id = rows.insert_complaint(
                conn,
                NewComplaint(
                    source="staff",
                    text=entered.text,
                    received_at=now,
                    due_at=complaint_due_at(now, self._calendar, self._terms.reply_working_days),
                    citizen_id=citizen_id,
                    consultation_id=entered.consultation_id,
                    contact=contact or None,
                    assignee_id=assignee_id,
                    entered_by=viewer.id,
                ),
            )
            audit.add_entry(conn, viewer.id, "file_complaint", "complaint", str(complaint_id), now)
            return self._found(conn, complaint_id, now)

        view = await self._db.write(run)
        log.info("complaint_filed", complaint_id=view.record.id, source="staff")
        return view

    async def reply(self, viewer: Consultant, complaint_id: int, text: str) -> Replied:
        """Record the outcome once (a second reply is a 409); a chat complainant is told in WeChat."""
        now = self._clock.now()

        def run(conn: Connection) -> tuple[ComplaintView, int | None]:
            before = self._found(conn, complaint_id, now)
            if before.record.status != "open" or not rows.mark_replied(
                conn, complaint_id, text, viewer.id, now
            ):
                raise ComplaintAlreadyReplied(f"complaint {complaint_id} has been replied to already")
            delivery_id = None
            if before.telling == "wechat" and before.record.citizen_id is not None:
                told = self._texts.say(
                    "complaint.replied", day=self._day(before.record.received_at), reply=text
                )
                delivery_id = tell_citizen(
                    conn, before.record.citizen_id, before.record.consultation_id, told, now
                )
                rows.set_told(conn, complaint_id, delivery_id)
            audit.add_entry(
                conn,
                viewer.id,
                "reply_complaint",
                "complaint",
                str(complaint_id),
                now,
                {"tell": before.telling},
            )
            return self._found(conn, complaint_id, now), delivery_id

        view, delivery_id = await self._db.write(run)
        log.info("complaint_replied", complaint_id=complaint_id, tell=view.telling)
        if delivery_id is None:
            return Replied(view, None)
        await self._deliveries.send([delivery_id])
        [status] = await self._deliveries.statuses([delivery_id])
        return Replied(view, status)

    def _found(self, conn: Connection, complaint_id: int, now: datetime) -> ComplaintView:
        record = rows.by_id(conn, complaint_id)
        if record is None:
            raise ComplaintNotFound(f"no complaint {complaint_id}")
        return self._view(record, now)

    @staticmethod
    def _view(record: ComplaintRecord, now: datetime) -> ComplaintView:
        breached = is_breached(record.due_at, record.breached_at, record.replied_at, now)
        return ComplaintView(record, breached, telling(record.source, record.contact.get("phone")))

    def _day(self, at: datetime) -> str:
        local = self._calendar.local(at)
        return self._texts.say("complaint.day", month=str(local.month), day=str(local.day))


async def sweep_complaint_deadlines(db: Database, now: datetime) -> list[int]:
    """Mark every open complaint past its due time as breached, once (a conditional UPDATE)."""
    marked = await db.write(lambda conn: rows.mark_breaches(conn, now))
    for complaint_id in marked:
        log.warning("complaint_deadline_breached", complaint_id=complaint_id)
    return marked


def _text(value: object, field: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, f"{field} must be non-empty text")
    if len(value) > limit:
        raise InvalidInput(field, f"{field} is longer than {limit} characters")
    return value.strip()


def _phone(value: object) -> str:
    if not isinstance(value, str) or not looks_like_phone(value.strip()):
        raise InvalidInput("phone", "phone must be a phone number, e.g. 13800138000 or 0472-1234567")
    return value.strip()


def _positive_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise InvalidInput("consultation_id", "consultation_id must be a consultation's number")
    return value
