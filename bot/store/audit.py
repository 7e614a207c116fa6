"""Audit entries: each console view of personal data is recorded in the transaction that reads it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert

from bot.store.tables import audit_t


def add_entry(
    conn: Connection, consultant_id: int, action: str, object_type: str, object_id: str, now: datetime
) -> None:
    conn.execute(
        insert(audit_t).values(
            at=now, consultant_id=consultant_id, action=action, object_type=object_type, object_id=object_id
        )
    )
