"""One reset for every benchmark that runs on PostgreSQL: an empty public schema, then migrations."""

from __future__ import annotations

from sqlalchemy import text


async def reset_postgres(url: str) -> None:
    """Drop everything in the benchmark database, so each run starts from the same empty schema."""
    from bot.store.db import open_database

    db = open_database(url)
    try:
        await db.write(
            lambda conn: [
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE")),
                conn.execute(text("CREATE SCHEMA public")),
            ]
        )
    finally:
        await db.close()
