"""One database API for both dialects: `await db.write(fn)` and `await db.read(fn)`.

`fn` is ordinary synchronous SQLAlchemy code taking a Connection, run as one transaction.
- PostgreSQL (production): the asyncpg engine runs it through `run_sync`; row locks and
  unique constraints coordinate workers.
- SQLite (embedded default): a sync pysqlite engine runs it on a single writer thread, so a
  whole unit of work costs one thread hop instead of one per statement, and writers queue in
  order instead of busy-waiting on SQLite's lock (which sleeps up to 100 ms at a time).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from bot.privacy.protection import Protection
from bot.store.sealed import protect

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
T = TypeVar("T")


@dataclass(slots=True)
class Database:
    url: str
    async_engine: AsyncEngine | None = None  # PostgreSQL
    sync_engine: Engine | None = None  # SQLite
    _writer: ThreadPoolExecutor | None = None
    _readers: ThreadPoolExecutor | None = None
    # Each SQLite thread keeps its own connection: no pool checkout or reset per unit of work.
    _thread_connections: threading.local = field(default_factory=threading.local)
    _opened: list[Connection] = field(default_factory=list)

    async def write(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn` in one read-write transaction: committed if it returns, rolled back if it raises."""
        if self.sync_engine is not None:
            return await self._in_thread(self._writer, self._sqlite_write, fn)
        assert self.async_engine is not None
        async with self.async_engine.begin() as conn:
            return await conn.run_sync(fn)

    async def read(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn` in a read transaction (never takes SQLite's write lock)."""
        if self.sync_engine is not None:
            return await self._in_thread(self._readers, self._sqlite_read, fn)
        assert self.async_engine is not None
        # Autocommit: a read needs no BEGIN/ROLLBACK round trips (each statement sees committed data).
        async with self.async_engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            return await conn.run_sync(fn)

    async def ping(self) -> None:
        await self.read(lambda conn: conn.execute(text("SELECT 1")).scalar_one())

    async def close(self) -> None:
        if self.async_engine is not None:
            await self.async_engine.dispose()
        if self.sync_engine is not None:
            assert self._writer is not None and self._readers is not None
            self._writer.shutdown(wait=True)
            self._readers.shutdown(wait=True)
            for conn in self._opened:
                if not conn.closed:
                    conn.close()
            self.sync_engine.dispose()

    async def _in_thread(
        self, pool: ThreadPoolExecutor | None, runner: Any, fn: Callable[[Connection], T]
    ) -> T:
        # In the caller's context, as PostgreSQL's run_sync is: what a request bound (the audit
        # entry's address, the log's request id) holds in the SQLite thread too.
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        return await loop.run_in_executor(pool, functools.partial(context.run, runner, fn))

    def _thread_connection(self) -> Connection:
        conn: Connection | None = getattr(self._thread_connections, "conn", None)
        if conn is None or conn.closed:
            assert self.sync_engine is not None
            conn = self.sync_engine.connect()
            self._thread_connections.conn = conn
            self._opened.append(conn)
        return conn

    def _sqlite_write(self, fn: Callable[[Connection], T]) -> T:
        conn = self._thread_connection()
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            result = fn(conn)
        except BaseException:
            conn.exec_driver_sql("ROLLBACK")
            raise
        conn.exec_driver_sql("COMMIT")
        return result

    def _sqlite_read(self, fn: Callable[[Connection], T]) -> T:
        conn = self._thread_connection()
        conn.exec_driver_sql("BEGIN")
        try:
            return fn(conn)
        finally:
            conn.exec_driver_sql("ROLLBACK")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # The driver must not BEGIN on its own: our writer and readers choose the transaction kind.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def open_database(url: str, protection: Protection, *, echo: bool = False) -> Database:
    """Build the engine its dialect needs, sealing personal fields with `protection`; no I/O here."""
    if url.startswith("sqlite"):
        sync_url = url.replace("sqlite+aiosqlite:", "sqlite+pysqlite:", 1)
        kwargs: dict[str, Any] = {"connect_args": {"timeout": 10, "check_same_thread": False}}
        memory = ":memory:" in url or sync_url.rstrip("/").endswith("sqlite+pysqlite:")
        if memory:
            kwargs["poolclass"] = StaticPool
        else:
            kwargs.update(pool_size=8, max_overflow=8)
        # hide_parameters: an error's message must not carry an openid or a citizen's words to a log.
        engine = create_engine(sync_url, echo=echo, hide_parameters=True, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        protect(engine.dialect, protection)
        engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        readers = 1 if memory else 4
        return Database(
            url=url,
            sync_engine=engine,
            _writer=ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer"),
            _readers=ThreadPoolExecutor(readers, thread_name_prefix="sqlite-reader"),
        )
    # No pre-ping (a round trip per checkout): a dropped connection fails its statement and the
    # pool replaces it; `pool_recycle` retires connections before servers or proxies cut them.
    engine_async = create_async_engine(
        url,
        echo=echo,
        hide_parameters=True,
        pool_size=16,
        max_overflow=16,
        pool_timeout=10,
        pool_recycle=1800,
        isolation_level="READ COMMITTED",
    )
    protect(engine_async.sync_engine.dialect, protection)
    return Database(url=url, async_engine=engine_async)


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade(revision: str, conn: Connection) -> None:
    from alembic import command

    command.upgrade(_alembic_config(conn), revision)


async def upgrade_schema(database: Database, revision: str = "head") -> None:
    """Apply pending Alembic migrations (what `legalaid db upgrade` and `serve` run)."""
    await database.write(functools.partial(_upgrade, revision))


async def schema_is_current(database: Database) -> bool:
    """True when the database is at the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())

    def current(conn: Connection) -> bool:
        return set(MigrationContext.configure(conn).get_current_heads()) == heads

    return await database.read(current)
