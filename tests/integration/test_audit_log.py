"""The audit log is append-only in both databases: no UPDATE or DELETE gets through."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from bot.store import audit
from bot.store.consultants import save_consultant
from bot.store.db import open_database, upgrade_schema
from tests.conftest import TEST_PROTECTION

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_entry SET action = 'nothing_seen'", "DELETE FROM audit_entry"],
    ids=["update", "delete"],
)
async def test_an_audit_entry_can_be_neither_changed_nor_removed(database_url: str, statement: str):
    db = open_database(database_url, TEST_PROTECTION)
    try:
        await upgrade_schema(db)

        def look(conn: Connection) -> None:
            consultant_id = save_consultant(
                conn,
                username="zhang",
                password_hash="x",
                role="consultant",
                specialties=["labor"],
                now=NOW,
            )
            audit.add_entry(conn, consultant_id, "view_handoff", "handoff", "7", NOW)

        await db.write(look)
        with pytest.raises(DBAPIError, match="append-only"):
            await db.write(lambda conn: conn.execute(text(statement)))
        rows = await db.read(lambda conn: conn.execute(text("SELECT action FROM audit_entry")).all())
        assert [r.action for r in rows] == ["view_handoff"]
    finally:
        await db.close()
