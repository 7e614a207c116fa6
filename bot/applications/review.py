"""The staff's side of an application: list, read (audited), ask for materials once, decide, move on.

Every change is one transaction: a conditional update on the status the staff member saw (so of
two acting at once one wins and the other gets a 409), the application_event with who and why,
and the citizen's message as a pending delivery. The delivery ids are returned so the edge sends
them at once; what cannot go out stays pending, never lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy import Connection

from bot.applications.domain import lifecycle
from bot.applications.domain.materials import KINDS, OTHER_MATERIAL
from bot.applications.domain.review import (
    TERMINATION_REASONS,
    Deadline,
    deadline_colour,
    may_decide,
    may_review,
)
from bot.applications.materials import start_decision_clock
from bot.applications.review_checks import (
    ApplicationChanged,
    ApplicationNotFound,
    MaterialsAlreadyRequested,
    MoveNotAllowed,
    check_items,
    check_number,
    check_reason,
    require_role,
)
from bot.center.texts import Texts
from bot.clock import Clock
from bot.eligibility.rulebook import RuleBook
from bot.errors import InvalidInput
from bot.store import application_documents as papers
from bot.store import applications as rows
from bot.store import audit
from bot.store.application_documents import DocumentRecord
from bot.store.applications import ApplicationRecord
from bot.store.db import Database
from bot.workdays.duty import Consultant
from bot.workdays.service_calendar import ServiceCalendar

# Moves with a route of their own: a decision needs its reason, a materials request its items.
_OWN_ROUTE = {
    "approved": "use the decision route",
    "rejected": "use the decision route",
    "materials_incomplete": "use request-materials",
    "draft": "a draft is the citizen's own",
    "submitted": "only the citizen submits",
}


@dataclass(frozen=True, slots=True)
class ListedApplication:
    """A line of the staff list: no personal data, only codes, times and the deadline's colour."""

    number: str
    status: str
    matter: str | None
    matter_name: str | None
    district: str | None
    submitted_at: datetime | None
    decision_due_at: datetime | None
    missing: tuple[str, ...]
    deadline: Deadline


@dataclass(frozen=True, slots=True)
class ApplicationFile:
    """One application as a reviewer reads it: particulars decrypted, history, documents."""

    listed: ListedApplication
    economic_route: str | None
    particulars: dict[str, Any]
    history: tuple[dict[str, Any], ...]
    documents: tuple[DocumentRecord, ...]
    materials_notice_at: datetime | None
    may_request_materials: bool
    may_decide: bool
    moves: tuple[str, ...]  # the statuses the viewer may set through the status route
    complete_at: datetime | None
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class Changed:
    """What a change left: the new status and the citizen's deliveries to send now."""

    number: str
    status: str
    deliveries: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Choices:
    """The filter and form values the console offers."""

    statuses: tuple[str, ...]
    districts: tuple[str, ...]
    matters: Mapping[str, str]
    kinds: tuple[str, ...]
    termination_reasons: tuple[str, ...]


class ApplicationReview:
    def __init__(
        self,
        database: Database,
        calendar: ServiceCalendar,
        texts: Texts,
        clock: Clock,
        rulebook: RuleBook,
    ) -> None:
        self._db = database
        self._calendar = calendar
        self._texts = texts
        self._clock = clock
        self.choices = Choices(
            statuses=tuple(s for s in lifecycle.STATUSES if s != "draft"),
            districts=rulebook.district_names,
            matters={code: matter.name for code, matter in rulebook.matters.items()},
            kinds=KINDS,
            termination_reasons=TERMINATION_REASONS,
        )

    # ---- reading ---------------------------------------------------------------------------
    async def list(
        self, status: str | None, district: str | None, matter: str | None
    ) -> tuple[ListedApplication, ...]:
        """Submitted applications, newest first; nothing personal, so the list is not audited."""
        if status is not None and status not in self.choices.statuses:
            raise InvalidInput("status", f"status must be one of {', '.join(self.choices.statuses)}")
        if district is not None and district not in self.choices.districts:
            raise InvalidInput("district", "unknown district")
        if matter is not None and matter not in self.choices.matters:
            raise InvalidInput("matter", "unknown matter")
        now = self._clock.now()
        found = await self._db.read(
            lambda conn: rows.listing(conn, status=status, district=district, matter=matter)
        )
        return tuple(self._listed(app, now) for app in found)

    async def view(self, number: str, staff: Consultant) -> ApplicationFile:
        """The whole application; the look is audited in the transaction that reads it."""
        require_role(may_review(staff.role), "reviewing applications")
        number = check_number(number)
        now = self._clock.now()

        def read(conn: Connection) -> ApplicationFile:
            app = _found(conn, number)
            audit.add_entry(conn, staff.id, "view_application", "application", number, now)
            return ApplicationFile(
                listed=self._listed(app, now),
                economic_route=app.economic_route,
                particulars=app.particulars,
                history=tuple(rows.history(conn, app.id)),
                documents=tuple(papers.documents(conn, app.id)),
                materials_notice_at=app.materials_notice_at,
                may_request_materials=app.status in lifecycle.OPEN_FOR_MATERIALS
                and not _notice_stands(conn, app),
                may_decide=may_decide(staff.role) and app.status in lifecycle.DECIDABLE,
                moves=_moves(app.status) if may_decide(staff.role) else (),
                complete_at=app.complete_at,
                decided_at=app.decided_at,
            )

        return await self._db.write(read)

    async def document(self, number: str, document_id: int, staff: Consultant) -> tuple[bytes, str]:
        """A document's bytes, opened on the fly for the viewer's browser; audited like a view."""
        require_role(may_review(staff.role), "reviewing applications")
        number = check_number(number)
        now = self._clock.now()

        def read(conn: Connection) -> tuple[bytes, str]:
            app = _found(conn, number)
            content = papers.document_content(conn, app.id, document_id)
            if content is None:
                raise ApplicationNotFound(f"application {number} has no document {document_id}")
            audit.add_entry(
                conn, staff.id, "view_document", "application", number, now, {"document_id": document_id}
            )
            return content

        return await self._db.write(read)

    # ---- changing --------------------------------------------------------------------------
    async def request_materials(self, number: str, items: object, staff: Consultant) -> Changed:
        """The one-time notice (002 §7.4.2 d): every missing item in ONE message to the citizen."""
        require_role(may_review(staff.role), "reviewing applications")
        number = check_number(number)
        wanted = check_items(items)
        kinds: list[str] = [k for k in KINDS if k in wanted]
        if any(item not in KINDS for item in wanted):
            kinds.append(OTHER_MATERIAL)  # staff's own words: they judge when it has come
        lines = "\n".join(
            "· " + (self._texts.say(f"application.kind.{item}") if item in KINDS else item) for item in wanted
        )
        now = self._clock.now()

        def run(conn: Connection) -> Changed:
            app = _found(conn, number)
            if app.status not in lifecycle.OPEN_FOR_MATERIALS:
                raise MoveNotAllowed(f"an application that is {app.status} takes no more materials")
            if _notice_stands(conn, app):
                raise MaterialsAlreadyRequested(
                    "a materials notice was already sent and the citizen has sent nothing new since"
                )
            count = papers.document_count(conn, app.id)
            moved = rows.change(
                conn,
                app.id,
                app.status,
                now,
                status="materials_incomplete",
                missing=kinds,
                materials_notice_at=now,
                materials_notice_documents=count,
            )
            if not moved:
                _lost(conn, number)
            actor = _actor(staff)
            rows.add_event(
                conn,
                app.id,
                now,
                actor,
                "materials_requested",
                app.status,
                "materials_incomplete",
                "\n".join(wanted),
            )
            text = self._texts.say("review.materials_needed", number=number, items=lines)
            return Changed(number, "materials_incomplete", (self._tell(conn, app, text, now),))

        return await self._db.write(run)

    async def decide(self, number: str, approved: bool, reason: object, staff: Consultant) -> Changed:
        """Grant or refuse legal aid; a refusal gives the citizen its reason and the objection route."""
        require_role(may_decide(staff.role), "deciding applications")
        number = check_number(number)
        reason = check_reason(reason, required=not approved)
        decision = "approved" if approved else "rejected"
        now = self._clock.now()

        def run(conn: Connection) -> Changed:
            app = _found(conn, number)
            _allowed(lifecycle.decision_allowed, app.status)
            if not rows.change(conn, app.id, app.status, now, status=decision, decided_at=now):
                _lost(conn, number)
            rows.add_event(conn, app.id, now, _actor(staff), "decided", app.status, decision, reason)
            text = self._texts.say(f"review.{decision}", number=number, reason=reason or "")
            return Changed(number, decision, (self._tell(conn, app, text, now),))

        return await self._db.write(run)

    async def set_status(self, number: str, status: object, reason: object, staff: Consultant) -> Changed:
        """Staff moves by the lifecycle table; withdrawal needs a reason, termination a 002 §7.4.9 c ground."""
        require_role(may_decide(staff.role), "changing an application's status")
        number = check_number(number)
        if not isinstance(status, str) or not lifecycle.is_status(status):
            raise InvalidInput("status", f"status must be one of {', '.join(lifecycle.STATUSES)}")
        if status in _OWN_ROUTE:
            raise InvalidInput("status", f"{status}: {_OWN_ROUTE[status]}")
        reason = check_reason(reason, required=status in ("withdrawn", "terminated"))
        if status == "terminated" and reason not in TERMINATION_REASONS:
            raise InvalidInput("reason", f"a termination reason is one of {', '.join(TERMINATION_REASONS)}")
        now = self._clock.now()

        def run(conn: Connection) -> Changed:
            app = _found(conn, number)
            _allowed(lambda current: lifecycle.staff_move(current, status), app.status)
            values: dict[str, Any] = {"status": status}
            due = ""
            if status == "under_review":
                # Complete materials (as staff judge them) start a fresh 7-working-day clock.
                clock, started = start_decision_clock(now, self._calendar)
                values |= started
                due = clock.due_day_text
            if not rows.change(conn, app.id, app.status, now, **values):
                _lost(conn, number)
            rows.add_event(conn, app.id, now, _actor(staff), "status_changed", app.status, status, reason)
            told = self._texts.say(f"review.termination.{reason}") if status == "terminated" else reason or ""
            text = self._texts.say(f"review.{status}", number=number, reason=told, due=due)
            return Changed(number, status, (self._tell(conn, app, text, now),))

        return await self._db.write(run)

    # ---- shared ----------------------------------------------------------------------------
    def _listed(self, app: ApplicationRecord, now: datetime) -> ListedApplication:
        return ListedApplication(
            number=app.number or "",
            status=app.status,
            matter=app.matter,
            matter_name=self.choices.matters.get(app.matter or ""),
            district=app.district,
            submitted_at=app.submitted_at,
            decision_due_at=app.decision_due_at if app.status in lifecycle.AWAITING_DECISION else None,
            missing=tuple(app.missing),
            deadline=deadline_colour(
                app.status, now, app.decision_due_at, app.decision_warn_at, app.warned_at, app.breached_at
            ),
        )

    @staticmethod
    def _tell(conn: Connection, app: ApplicationRecord, text: str, now: datetime) -> int:
        return rows.tell_citizen(conn, app.citizen_id, app.consultation_id, text, now)


def _found(conn: Connection, number: str) -> ApplicationRecord:
    app = rows.by_number(conn, number)
    if app is None or app.status == "draft":
        raise ApplicationNotFound(f"no application {number}")
    return app


def _lost(conn: Connection, number: str) -> NoReturn:
    now_is = _found(conn, number).status
    raise ApplicationChanged(f"someone else changed application {number} first; it is now {now_is}")


def _allowed(check: Any, current: str) -> None:
    try:
        check(current)
    except lifecycle.NotAllowed as exc:
        raise MoveNotAllowed(str(exc)) from None


def _notice_stands(conn: Connection, app: ApplicationRecord) -> bool:
    """A notice was sent and no document has arrived since: another would break "once"."""
    if app.materials_notice_at is None:
        return False
    return papers.document_count(conn, app.id) <= (app.materials_notice_documents or 0)


def _moves(current: str) -> tuple[str, ...]:
    allowed = []
    for wanted in lifecycle.STATUSES:
        if wanted in _OWN_ROUTE:
            continue
        try:
            lifecycle.staff_move(current, wanted)
        except lifecycle.NotAllowed:
            continue
        allowed.append(wanted)
    return tuple(allowed)


def _actor(staff: Consultant) -> str:
    return f"consultant:{staff.id}"
