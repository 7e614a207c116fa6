"""One async database per dialect: SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


@dataclass(slots=True)
class Database:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    writing: async_sessionmaker[AsyncSession]

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits on success, rolls back on any exception.

        On SQLite the transaction starts with BEGIN IMMEDIATE so read-then-write never
        deadlocks between workers; PostgreSQL relies on row locks and unique constraints.
        """
        async with self.writing() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A read-only session (no write lock taken on SQLite)."""
        async with self.sessions() as session:
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # The driver must not BEGIN on its own: _sqlite_begin chooses DEFERRED or IMMEDIATE.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def open_database(url: str, *, echo: bool = False) -> Database:
    """Build the engine with the settings its dialect needs; no I/O happens here."""
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {}
        if ":memory:" in url or url.rstrip("/").endswith("sqlite+aiosqlite:"):
            from sqlalchemy.pool import StaticPool

            kwargs["poolclass"] = StaticPool
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 10}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        writer = engine.execution_options(sqlite_begin="IMMEDIATE")
    else:
        engine = create_async_engine(
            url,
            echo=echo,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=10,
            isolation_level="READ COMMITTED",
        )
        writer = engine
    return Database(
        engine=engine,
        sessions=async_sessionmaker(engine, expire_on_commit=False),
        writing=async_sessionmaker(writer, expire_on_commit=False),
    )


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


async def upgrade_schema(database: Database, revision: str = "head") -> None:
    """Apply pending Alembic migrations (what `legalaid db upgrade` and `serve` run)."""
    from alembic import command

    engine = (
        database.engine.execution_options(sqlite_begin="IMMEDIATE") if database.is_sqlite else database.engine
    )
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync_conn: command.upgrade(_alembic_config(sync_conn), revision))


async def schema_is_current(database: Database) -> bool:
    """True when the database is at the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))

    def _current(sync_conn: Any) -> bool:
        ctx = MigrationContext.configure(sync_conn)
        return set(ctx.get_current_heads()) == set(script.get_heads())

    async with database.engine.connect() as conn:
        return await conn.run_sync(_current)
