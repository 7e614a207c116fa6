"""The consultation records as staff use them (002 §6.2 d, f; §10): search, read, log a phone or
walk-in consultation, annotate.

Every read of a record's transcript or identity and every change is written on the audit log in
the transaction that does it. A consultant sees only the records they answered or logged;
supervisors and admins see all. The records themselves are filled as consultations happen
(bot/store/record_keeping.py) and closed after a silence (bot/records/silence.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.center.specialties import SpecialtyRouting
from bot.clock import Clock
from bot.errors import InvalidInput, NotFound
from bot.privacy.blind_index import BlindIndex
from bot.records.domain.filters import Page, RecordFilter
from bot.records.domain.logged import read_logged
from bot.store import audit
from bot.store import records as rows
from bot.store.consultants import consultant_by_name
from bot.store.db import Database
from bot.store.record_keeping import NewLoggedConsultation, insert_logged
from bot.store.word_index import messages_with_words
from bot.workdays.duty import Consultant

MAX_ANNOTATION = 2000


class ConsultationNotFound(NotFound):
    code = "consultation_not_found"


@dataclass(frozen=True, slots=True)
class RecordPage:
    items: list[rows.RecordLine]
    total: int


@dataclass(frozen=True, slots=True)
class Annotated:
    added: rows.Annotation
    annotations: list[rows.Annotation]


class ConsultationRecords:
    def __init__(
        self, db: Database, clock: Clock, routing: SpecialtyRouting, tz: ZoneInfo, index: BlindIndex
    ) -> None:
        self.db = db
        self.clock = clock
        self.routing = routing
        self.tz = tz
        self._index = index

    async def search(self, viewer: Consultant, filters: RecordFilter, page: Page) -> RecordPage:
        """One page of the records the filters match, newest first, and how many match in all.
        The list holds codes, times and staff names only, so reading it is not audited."""
        self.check_specialty(filters)

        def read(conn: Connection) -> RecordPage:
            matching = self.matching(conn, viewer, filters)
            return RecordPage(
                rows.list_records(conn, matching, page.limit, page.offset), rows.count_records(conn, matching)
            )

        return await self.db.read(read)

    async def view(
        self, viewer: Consultant, consultation_id: int, *, reveal: bool = False
    ) -> rows.FullRecord:
        """The record with its transcript: a look at personal data, on the audit log with the read."""
        now = self.clock.now()

        def read(conn: Connection) -> rows.FullRecord:
            found = rows.one_record(conn, consultation_id, _only_of(viewer))
            if found is None:
                raise ConsultationNotFound(f"no consultation {consultation_id} for this account")
            detail = {"reveal": True} if reveal else None
            audit.add_entry(
                conn, viewer.id, "view_consultation", "consultation", str(consultation_id), now, detail
            )
            return found

        return await self.db.write(read)

    async def log(self, viewer: Consultant, body: Mapping[str, Any]) -> rows.FullRecord:
        """A phone or walk-in consultation, closed at once with no reply clock; its own citizen row
        (`offline:<uuid4>`, never messaged) since every consultation has a citizen."""
        now = self.clock.now()
        logged = read_logged(body, now)
        self.routing.check(logged.specialty)
        openid = f"offline:{uuid.uuid4()}"
        new = NewLoggedConsultation(
            openid=openid,
            alias=self._index.citizen_alias(openid),
            channel=logged.channel,
            kind=logged.kind,
            received_at=logged.received_at,
            specialty=logged.specialty,
            summary=logged.summary,
            outcome=logged.outcome,
            referral=logged.referral,
            identity=logged.identity,
            identity_refused=logged.identity_refused,
            logged_by=viewer.id,
        )

        def write(conn: Connection) -> rows.FullRecord:
            consultation_id = insert_logged(conn, new, now)
            audit.add_entry(
                conn,
                viewer.id,
                "log_consultation",
                "consultation",
                str(consultation_id),
                now,
                {"channel": logged.channel},
            )
            found = rows.one_record(conn, consultation_id, None)
            assert found is not None
            return found

        return await self.db.write(write)

    async def annotate(self, viewer: Consultant, consultation_id: int, text: Any) -> Annotated:
        """A reviewer's remark, sealed, on the audit log; the record's annotations come back with it."""
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("text", "text is required")
        if len(text) > MAX_ANNOTATION:
            raise InvalidInput("text", f"text is at most {MAX_ANNOTATION} characters")
        now = self.clock.now()

        def write(conn: Connection) -> Annotated:
            if not rows.record_exists(conn, consultation_id):
                raise ConsultationNotFound(f"no consultation {consultation_id}")
            added = rows.add_annotation(conn, consultation_id, viewer.id, text.strip(), now)
            audit.add_entry(
                conn,
                viewer.id,
                "annotate_consultation",
                "consultation",
                str(consultation_id),
                now,
                {"annotation_id": added},
            )
            annotations = rows.annotations_of(conn, consultation_id)
            [mine] = [a for a in annotations if a.id == added]
            return Annotated(mine, annotations)

        return await self.db.write(write)

    # ---- shared with the export ----------------------------------------------------------------
    def check_specialty(self, filters: RecordFilter) -> None:
        if filters.specialty is not None:
            self.routing.check(filters.specialty)

    def matching(self, conn: Connection, viewer: Consultant, filters: RecordFilter) -> rows.Matching:
        """The filters as the store's conditions: the consultant's username found, the words
        turned into the messages that hold them all. An unknown name or no word is a 422."""
        consultant_id = None
        if filters.consultant is not None:
            account = consultant_by_name(conn, filters.consultant)
            if account is None:
                raise InvalidInput("consultant", "no such consultant")
            consultant_id = account.id
        words = None
        if filters.q is not None:
            words = messages_with_words(conn, filters.q)
            if words is None:
                raise InvalidInput("q", "q has no word to search for")
        return rows.Matching(
            start=filters.start,
            end=filters.end,
            specialty=filters.specialty,
            outcome=filters.outcome,
            channel=filters.channel,
            satisfaction=filters.satisfaction,
            consultant_id=consultant_id,
            breached=filters.breached,
            words=words,
            only_of=_only_of(viewer),
        )


def _only_of(viewer: Consultant) -> int | None:
    """Supervisors and admins read every record; a consultant those they answered or logged."""
    return None if viewer.oversees else viewer.id
