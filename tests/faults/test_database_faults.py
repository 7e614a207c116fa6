"""PostgreSQL connections killed under the service: the callbacks that hit a dead connection fail
(503, so WeChat retries), the pool replaces them, the retries succeed, and each message is
recorded and answered exactly once."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from bot.clock import MovableClock
from bot.store.db import open_database
from bot.wechat.citizen_simulator import CitizenSimulator
from tests.conftest import TEST_PROTECTION, FakeWeChatServer, ServiceFactory
from tests.faults.test_redis_outage import (
    CITIZENS,
    _as_wechat,
    _assert_each_message_once_and_answered_once,
    _settle,
)


async def _kill_other_connections(url: str) -> int:
    """pg_terminate_backend on every other connection to this database (the service's pool)."""
    db = open_database(url, TEST_PROTECTION)
    try:
        killed = await db.write(
            lambda conn: conn.execute(
                text(
                    "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        )
    finally:
        await db.close()
    return int(killed)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # SQLite has no server to lose
async def test_killed_database_connections_lose_nothing_and_double_nothing(
    start_service: ServiceFactory, database_url: str, fake_wechat: FakeWeChatServer
):
    svc = await start_service(clock=MovableClock())
    citizens = [svc.citizen(f"o_pgkill_{i:02d}") for i in range(CITIZENS)]
    passive: dict[str, list[str]] = {c.openid: [] for c in citizens}
    retried = 0

    async def write(citizen: CitizenSimulator, text_: str) -> None:
        nonlocal retried
        reply, attempts = await _as_wechat(citizen, text_)
        retried += attempts - 1
        if reply is not None:
            passive[citizen.openid].append(reply)

    await asyncio.gather(*(write(c, "你好") for c in citizens))  # the pool is warm
    assert await _kill_other_connections(database_url) > 0
    await asyncio.gather(*(write(c, "在吗") for c in citizens))
    assert retried > 0  # some callbacks did meet a dead connection and WeChat retried them
    await _settle(svc)
    await _assert_each_message_once_and_answered_once(svc, fake_wechat, citizens, passive, 2)
