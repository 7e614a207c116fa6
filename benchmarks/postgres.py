"""What every benchmark shares: its field keys, and one reset for PostgreSQL (an empty schema)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

# The service processes a benchmark starts get these, and the benchmark opens their database with
# them: a benchmark is never a deployment, so fixed keys are fine.
BENCH_FIELD_KEY = "YmVuY2htYXJrLWZpZWxkLWtleS1vZi0zMi1ieXRlcyE="
BENCH_ALIAS_KEY = "benchmark-alias-key"
BENCH_KEY_ENV = {"LEGALAID_FIELD_KEY": BENCH_FIELD_KEY, "LEGALAID_ALIAS_KEY": BENCH_ALIAS_KEY}


def bench_protection() -> Any:
    from bot.settings import Settings
    from bot.store.field_keys import protection_for

    return protection_for(Settings(field_key=BENCH_FIELD_KEY, alias_key=BENCH_ALIAS_KEY))


async def reset_postgres(url: str) -> None:
    """Drop everything in the benchmark database, so each run starts from the same empty schema."""
    from bot.store.db import open_database

    db = open_database(url, bench_protection())
    try:
        await db.write(
            lambda conn: [
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE")),
                conn.execute(text("CREATE SCHEMA public")),
            ]
        )
    finally:
        await db.close()
