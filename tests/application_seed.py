"""Submitted applications built through the store, as the WeChat intake would leave them.

The intake flow is written in parallel; until it lands, the staff side's tests seed what it
stores: a citizen who wrote to the Official Account, sealed particulars, a number, an event and
one ID-card photo (a real PNG) whose bytes are sealed at rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from bot.app import CENTER, PROTECTION
from bot.applications.domain.decision_clock import decision_clock
from bot.store import application_documents as papers
from bot.store import applications as rows
from bot.wechat.fake_api import small_png
from tests.conftest import RunningService

APPLICANT = {"name": "王秀英", "id_number": "11010519491231002X", "phone": "13912345678"}


@dataclass(frozen=True, slots=True)
class Seeded:
    id: int
    number: str
    openid: str
    document_id: int


def particulars(**changes: Any) -> dict[str, Any]:
    return {
        **APPLICANT,
        "description": "公司拖欠三个月工资共一万二千元",
        "opposing_party": "某某建筑公司",
        "handled_in": "昆都仑区",
        "commitment": {"version": "2026-1", "signed_at": "2026-11-25T10:00:00+08:00"},
        "screening": {"case": {"matter": "labor_remuneration"}, "decision": {"decision": "eligible"}},
        "exemption": None,
        **changes,
    }


async def seed_application(
    svc: RunningService,
    *,
    status: str = "submitted",
    district: str = "昆都仑区",
    matter: str = "labor_remuneration",
    applicant: dict[str, Any] | None = None,
) -> Seeded:
    """A citizen writes once (so WeChat's 48-hour window is open), then has a submitted application.

    `status="under_review"` also starts the decision clock, as complete materials do."""
    citizen = svc.citizen()
    await citizen.say("你好")
    alias = svc.app[PROTECTION].index.citizen_alias(citizen.openid)
    now = svc.clock.now()
    calendar = svc.app[CENTER].service

    def seed(conn: Connection) -> Seeded:
        citizen_id = rows.citizen_by_alias(conn, alias)
        assert citizen_id is not None
        consultation_id = conn.exec_driver_sql(
            f"SELECT MAX(id) FROM consultation WHERE citizen_id = {int(citizen_id)}"
        ).scalar_one()
        app_id = rows.open_draft(conn, citizen_id, consultation_id, now, None)
        clock = decision_clock(now, calendar) if status == "under_review" else None
        rows.change(
            conn,
            app_id,
            "draft",
            now,
            status=status,
            matter=matter,
            district=district,
            economic_route="commitment",
            particulars=particulars(**(applicant or {})),
            missing=[] if clock else ["case_materials"],
            submitted_at=now,
            complete_at=now if clock else None,
            decision_due_at=clock.due_at if clock else None,
            decision_warn_at=clock.warn_at if clock else None,
        )
        number = rows.assign_number(conn, app_id, calendar.local(now).strftime("%Y%m%d"))
        rows.add_event(conn, app_id, now, "citizen", "submitted", "draft", status)
        document_id = add_photo(conn, citizen_id, app_id, "id_card", now)
        return Seeded(app_id, number, citizen.openid, document_id)

    return await svc.database.write(seed)


def add_photo(conn: Connection, citizen_id: int, application_id: int, kind: str, now: Any) -> int:
    """A photo the citizen sent, downloaded from WeChat (its bytes sealed by the column)."""
    count = papers.document_count(conn, application_id)
    document_id = papers.add_document(conn, citizen_id, application_id, None, f"media-{count + 1}", kind, now)
    papers.store_content(conn, document_id, small_png(), "image/png", now)
    return document_id


async def send_photo(svc: RunningService, seeded: Seeded, kind: str = "case_materials") -> int:
    """The citizen sends one more photo for the application."""

    def add(conn: Connection) -> int:
        app = rows.by_id(conn, seeded.id)
        assert app is not None
        return add_photo(conn, app.citizen_id, seeded.id, kind, svc.clock.now())

    return await svc.database.write(add)
