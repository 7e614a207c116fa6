"""The hand-written migrations build exactly the tables the row classes describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from bot.store.db import open_database, upgrade_schema
from bot.store.tables import metadata
from tests.conftest import TEST_PROTECTION


async def test_migrations_and_rows_agree(database_url: str):
    db = open_database(database_url, TEST_PROTECTION)
    try:
        await upgrade_schema(db)

        def differences(conn: Connection) -> list[object]:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            return [d for d in compare_metadata(context, metadata) if not _ignorable(d)]

        assert await db.read(differences) == []
    finally:
        await db.close()


def _ignorable(diff: object) -> bool:
    """alembic_version is Alembic's own table."""
    return isinstance(diff, tuple) and diff[0] == "remove_table" and diff[1].name == "alembic_version"
