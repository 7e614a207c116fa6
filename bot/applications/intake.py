"""The intake's writes: drafts, submission, documents, withdrawal, in the turn's own transaction.

The dialogue hands over effects (bot/applications/domain/intake.py); this use case writes them
with the answer, so the citizen never reads an application number that was not stored. What the
citizen is told that depends on the database (the number, what is still missing, the decision
day) is written here as the application's own messages, pending deliveries like any answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time

import structlog
from sqlalchemy import Connection

from bot.applications.domain.intake import (
    ApplicationEffect,
    DocumentSent,
    DocumentsSorted,
    IntakeDropped,
    IntakeOngoing,
    Redacted,
    Submitted,
    Withdrawn,
)
from bot.applications.domain.lifecycle import OPEN_FOR_MATERIALS, citizen_may_withdraw
from bot.applications.domain.materials import missing_kinds
from bot.applications.materials import kind_names, settle_materials, start_decision_clock
from bot.center.texts import Texts
from bot.privacy.blind_index import BlindIndex
from bot.store import application_documents as papers
from bot.store import applications as rows
from bot.store.db import Database
from bot.store.handoffs import live_handoff
from bot.store.record_keeping import record_application
from bot.workdays.service_calendar import ServiceCalendar

log = structlog.get_logger(__name__)
DEFAULT_REMINDER_AT = time(10, 0)


@dataclass(slots=True)
class IntakeWritten:
    """What the turn's transaction wrote beyond the replies: messages to send, photos to fetch."""

    delivery_ids: list[int] = field(default_factory=list)
    document_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TurnPlace:
    """Where the turn happened: the citizen, their consultation and the inbound message."""

    citizen_id: int
    consultation_id: int
    message_id: int


class ApplicationRegister:
    """Registers what the intake decided (002 §7.3.1 案件登记); reminds citizens who left one unfinished."""

    def __init__(
        self,
        database: Database,
        calendar: ServiceCalendar,
        texts: Texts,
        index: BlindIndex,
        reminder_at: time = DEFAULT_REMINDER_AT,
    ) -> None:
        self._db = database
        self._calendar = calendar
        self._texts = texts
        self._index = index
        self._reminder_at = reminder_at

    def write_within(
        self, conn: Connection, effects: Sequence[ApplicationEffect], place: TurnPlace, now: datetime
    ) -> IntakeWritten:
        written = IntakeWritten()
        for effect in effects:
            if isinstance(effect, Redacted):
                rows.redact_inbound(conn, place.message_id, effect.text)
            elif isinstance(effect, IntakeOngoing):
                rows.open_draft(conn, place.citizen_id, place.consultation_id, now, self.reminder_due(now))
            elif isinstance(effect, IntakeDropped):
                self._drop(conn, place.citizen_id, now)
            elif isinstance(effect, Submitted):
                written.delivery_ids += self._submit(conn, effect, place, now)
            elif isinstance(effect, DocumentSent):
                written.document_ids.append(self._take_document(conn, effect, place, now))
            elif isinstance(effect, DocumentsSorted):
                written.delivery_ids += self._sort(conn, effect.kind, place.citizen_id, now)
            elif isinstance(effect, Withdrawn):
                written.delivery_ids += self._withdraw(conn, effect.number, place.citizen_id, now)
        return written

    def reminder_due(self, now: datetime) -> datetime:
        """The next working day at the configured hour (10:00): a reminder never comes at night."""
        day = self._calendar.next_working_day(self._calendar.local(now).date())
        return datetime.combine(day, self._reminder_at, tzinfo=self._calendar.tz)

    # ---- effects ---------------------------------------------------------------------------
    def _drop(self, conn: Connection, citizen_id: int, now: datetime) -> None:
        draft = rows.draft_of(conn, citizen_id)
        if draft is None:
            return
        papers.drop_documents_of_draft(conn, draft.id)
        if rows.change(conn, draft.id, "draft", now, status="withdrawn", reminder_due_at=None):
            rows.add_event(conn, draft.id, now, "citizen", "dropped", "draft", "withdrawn")

    def _submit(self, conn: Connection, sub: Submitted, place: TurnPlace, now: datetime) -> list[int]:
        draft_id = rows.open_draft(conn, place.citizen_id, place.consultation_id, now, None)
        papers.attach_loose_documents(conn, place.citizen_id, draft_id)
        number = rows.assign_number(conn, draft_id, self._calendar.local(now).strftime("%Y%m%d"))
        record_application(conn, place.consultation_id, number)  # the record's outcome: a, applied
        particulars = dict(sub.particulars)
        rows.change(
            conn,
            draft_id,
            "draft",
            now,
            status="submitted",
            matter=sub.matter,
            district=sub.district,
            economic_route=sub.route,
            particulars=particulars,
            id_number_hash=self._index.id_number(particulars["id_number"]),
            phone_hash=self._index.phone(particulars["phone"]),
            submitted_at=now,
            reminder_due_at=None,
        )
        rows.add_event(conn, draft_id, now, "citizen", "submitted", "draft", "submitted")
        missing = missing_kinds(sub.route, papers.kinds_received(conn, draft_id))
        if missing:
            rows.change(
                conn,
                draft_id,
                "submitted",
                now,
                status="materials_incomplete",
                missing=list(missing),
                materials_notice_at=now,
                materials_notice_documents=papers.document_count(conn, draft_id),
            )
            rows.add_event(
                conn, draft_id, now, "bot", "materials_notice", "submitted", "materials_incomplete"
            )
            text = self._texts.say(
                "application.submitted_incomplete",
                number=number,
                missing=kind_names(self._texts, list(missing)),
            )
        else:
            clock, started = start_decision_clock(now, self._calendar)
            rows.change(conn, draft_id, "submitted", now, status="under_review", **started)
            rows.add_event(conn, draft_id, now, "bot", "materials_complete", "submitted", "under_review")
            text = self._texts.say("application.submitted_complete", number=number, due=clock.due_day_text)
        log.info("application_submitted", application_id=draft_id, missing=len(missing))
        return [rows.tell_citizen(conn, place.citizen_id, place.consultation_id, text, now)]

    def _take_document(self, conn: Connection, sent: DocumentSent, place: TurnPlace, now: datetime) -> int:
        """During the intake a photo belongs to the draft; after it, to the newest open application."""
        draft = rows.draft_of(conn, place.citizen_id)
        target = draft.id if draft is not None else _open_for_materials(conn, place.citizen_id)
        return papers.add_document(
            conn, place.citizen_id, target, place.message_id, sent.media_id, sent.kind, now
        )

    def _sort(self, conn: Connection, kind: str, citizen_id: int, now: datetime) -> list[int]:
        target = _open_for_materials(conn, citizen_id)
        loose = papers.unsorted_documents(conn, citizen_id)
        if target is None or not loose:
            return []
        papers.sort_documents(conn, loose, target, kind)
        rows.add_event(conn, target, now, "citizen", "documents_sent", None, None, f"{len(loose)} × {kind}")
        return settle_materials(conn, target, now, self._calendar, self._texts, actor="citizen")

    def _withdraw(self, conn: Connection, number: str, citizen_id: int, now: datetime) -> list[int]:
        app = rows.by_number(conn, number)
        if app is None or app.citizen_id != citizen_id or not citizen_may_withdraw(app.status):
            return []
        if not rows.change(conn, app.id, app.status, now, status="withdrawn"):
            return []
        rows.add_event(conn, app.id, now, "citizen", "withdrawn", app.status, "withdrawn")
        text = self._texts.say("application.withdrawn", number=number)
        return [rows.tell_citizen(conn, citizen_id, app.consultation_id, text, now)]

    # ---- the reminder ------------------------------------------------------------------------
    async def remind_due(self, now: datetime) -> list[int]:
        """Tell each citizen whose draft's reminder is due; returns the deliveries to send."""

        def run(conn: Connection) -> list[int]:
            out: list[int] = []
            for draft in rows.due_reminders(conn, now):
                if live_handoff(conn, draft.citizen_id) is not None:
                    # A consultant holds the conversation: "继续" would reach them, not the intake.
                    # Ask again the next working day (never at night).
                    rows.postpone_reminder(conn, draft.id, self.reminder_due(now))
                elif rows.take_reminder(conn, draft.id, now):
                    text = self._texts.say("application.reminder")
                    out.append(rows.tell_citizen(conn, draft.citizen_id, draft.consultation_id, text, now))
            return out

        return await self._db.write(run)


def _open_for_materials(conn: Connection, citizen_id: int) -> int | None:
    for app in rows.of_citizen(conn, citizen_id):
        if app.status in OPEN_FOR_MATERIALS:
            return app.id
    return None
