"""Audit entries: each console view of personal data is recorded in the transaction that reads it.

Append-only: there is no update or delete here, and a database trigger refuses both (0006).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from bot.store.tables import audit_t


def add_entry(
    conn: Connection,
    consultant_id: int,
    action: str,
    object_type: str,
    object_id: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        insert(audit_t).values(
            at=now,
            consultant_id=consultant_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
        )
    )
