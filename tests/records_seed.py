"""Consultation records written straight into the store's tables, as the running service leaves them.

The record's columns (0010) are filled by the service as consultations happen; the figures and
quality tests seed exact records here (real database, SQLite and PostgreSQL) so each figure can be
worked out by hand. Each record gets its own citizen, as a logged phone consultation does, so any
number of live handoffs may coexist.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select

from bot.app import PROTECTION
from bot.store.tables import citizen_t, consultant_t, consultation_t, event_t, handoff_t, message_t
from tests.conftest import RunningService


@dataclass
class Record:
    """One consultation as the dashboard reads it; `handoff_at` opens a handoff at that time."""

    started_at: datetime
    channel: str = "wechat"
    kind: str | None = None
    specialty: str | None = "labor"
    status: str = "closed"
    outcome: str | None = None
    referral: str | None = None
    breached: bool | None = None
    consultant: str | None = None  # who answered (consultant_id)
    logged_by: str | None = None
    first_reply_at: datetime | None = None
    closed_at: datetime | None = None
    satisfaction: int | None = None
    satisfaction_asked_at: datetime | None = None
    quality_score: int | None = None
    identity: dict[str, Any] | None = None
    identity_refused: bool | None = None
    summary: str | None = None
    handoff_at: datetime | None = None
    handoff_status: str = "closed"
    handoff_breached_at: datetime | None = None
    outcome_note: str | None = None
    replies: list[str] = field(default_factory=list)  # what the consultant wrote to the citizen
    notes: list[str] = field(default_factory=list)  # private notes on the handoff


async def seed(svc: RunningService, *records: Record) -> list[int]:
    """Write the records in one transaction; returns their consultation ids in order."""
    index = svc.app[PROTECTION].index

    def write(conn: Connection) -> list[int]:
        ids = {
            row.username: row.id for row in conn.execute(select(consultant_t.c.username, consultant_t.c.id))
        }
        return [_write(conn, r, ids, index.citizen_alias(f"offline:{secrets.token_hex(8)}")) for r in records]

    return await svc.database.write(write)


def _write(conn: Connection, r: Record, ids: dict[str, int], alias: str) -> int:
    citizen_id = conn.execute(
        insert(citizen_t)
        .values(
            openid=f"o{secrets.token_hex(12)}",
            alias=alias,
            subscribed=False,
            first_seen_at=r.started_at,
            last_inbound_at=r.started_at,
        )
        .returning(citizen_t.c.id)
    ).scalar_one()
    closed_at = r.closed_at or (r.started_at + timedelta(minutes=30) if r.status == "closed" else None)
    consultation_id = conn.execute(
        insert(consultation_t)
        .values(
            citizen_id=citizen_id,
            status=r.status,
            channel=r.channel,
            kind=r.kind,
            specialty=r.specialty,
            outcome=r.outcome,
            referral=r.referral,
            breached=r.breached,
            consultant_id=ids[r.consultant] if r.consultant else None,
            logged_by=ids[r.logged_by] if r.logged_by else None,
            started_at=r.started_at,
            first_reply_at=r.first_reply_at,
            closed_at=closed_at,
            satisfaction=r.satisfaction,
            satisfaction_asked_at=r.satisfaction_asked_at,
            quality_score=r.quality_score,
            identity=r.identity,
            identity_refused=r.identity_refused,
            summary=r.summary,
            intents=[],
        )
        .returning(consultation_t.c.id)
    ).scalar_one()
    if r.handoff_at is not None:
        _handoff(conn, r, consultation_id, citizen_id, ids)
    for text in r.replies:
        conn.execute(
            insert(message_t).values(
                consultation_id=consultation_id,
                citizen_id=citizen_id,
                direction="out",
                author="consultant",
                kind="text",
                text=text,
                recorded_at=r.started_at,
                consultant_id=ids[r.consultant] if r.consultant else None,
            )
        )
    return int(consultation_id)


def _handoff(conn: Connection, r: Record, consultation_id: int, citizen_id: int, ids: dict[str, int]) -> None:
    assert r.handoff_at is not None
    handoff_id = conn.execute(
        insert(handoff_t)
        .values(
            consultation_id=consultation_id,
            citizen_id=citizen_id,
            status=r.handoff_status,
            reason="request_human",
            kind=r.kind or "online",
            specialty=r.specialty or "general",
            summary="",
            packet={},
            assignee_id=ids[r.consultant] if r.consultant and r.handoff_status != "open" else None,
            due_at=r.handoff_at + timedelta(hours=5),
            breached_at=r.handoff_breached_at,
            opened_at=r.handoff_at,
            first_reply_at=r.first_reply_at,
            last_activity_at=r.handoff_at,
            closed_at=r.closed_at if r.handoff_status == "closed" else None,
            outcome=r.outcome if r.handoff_status == "closed" else None,
            outcome_note=r.outcome_note,
        )
        .returning(handoff_t.c.id)
    ).scalar_one()
    for text in r.notes:
        conn.execute(
            insert(event_t).values(
                handoff_id=handoff_id,
                at=r.handoff_at,
                kind="note",
                actor_id=ids.get(r.consultant or ""),
                detail={"text": text},
            )
        )
