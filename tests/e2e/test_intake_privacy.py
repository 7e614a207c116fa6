"""A whole intake leaves the applicant's name, ID number and phone nowhere in plain text: not in
the SQLite database's files, not in the service's log, not in Redis.

PostgreSQL's files (relations and WAL) are searched for ID numbers and phones after every test
session by tests/at_rest_scan.py; a Chinese name has no shape to search for there, so the
SQLite file, which this test can read whole, is where the name is looked for.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import redis.asyncio as aioredis
import structlog
from sqlalchemy.engine import make_url

from bot.clock import MovableClock
from bot.log import configure_logging
from tests.conftest import REDIS_URL, FakeWeChatServer, ServiceFactory
from tests.e2e.intake_steps import (
    BODY,
    ID_NUMBER,
    NAME,
    PHONE,
    START,
    answer_case,
    answer_personal,
    photo,
    reach_intake,
    say,
    submit,
    wait_for_sent,
)

NEW_PHONE = "15047712345"  # the phone corrected at the review
SECRETS = (NAME, ID_NUMBER, BODY, PHONE, NEW_PHONE)


@pytest.fixture
def debug_logging():
    configure_logging("json", "DEBUG")
    yield
    structlog.reset_defaults()


def shapes(secret: str) -> list[bytes]:
    """The bytes a value is written as: UTF-8, and JSON's \\u escapes for a name."""
    return [secret.encode("utf-8"), json.dumps(secret).strip('"').encode("ascii")]


def assert_absent(where: str, data: bytes) -> None:
    found = [secret for secret in SECRETS if any(shape in data for shape in shapes(secret))]
    assert not found, f"plain {found} in {where}"


async def redis_dump(prefix: str) -> tuple[int, bytes]:
    """Every key under the test's prefix with every value it holds, whatever its type."""
    client = aioredis.Redis.from_url(REDIS_URL)
    parts: list[bytes] = []
    keys = 0
    try:
        async for key in client.scan_iter(match=prefix + "*"):
            keys += 1
            parts.append(key)
            kind = (await client.type(key)).decode()
            if kind == "string":
                parts.append(await client.get(key) or b"")
            elif kind == "hash":
                for field, value in (await client.hgetall(key)).items():
                    parts += [field, value]
            elif kind == "list":
                parts += await client.lrange(key, 0, -1)
            elif kind == "set":
                parts += list(await client.smembers(key))
            elif kind == "zset":
                parts += await client.zrange(key, 0, -1)
            elif kind == "stream":
                for _id, fields in await client.xrange(key):
                    for field, value in fields.items():
                        parts += [field, value]
    finally:
        await client.aclose()
    return keys, b"\n".join(parts)


async def test_an_applicants_values_are_in_no_file_log_or_redis_key(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer, redis_prefix: str, capsys, debug_logging
):
    svc = await start_service(clock=MovableClock(START))
    citizen = svc.citizen()
    await reach_intake(citizen)
    await answer_personal(citizen)
    assert "身份证照片" in await answer_case(citizen)
    assert "第1张" in await photo(citizen, "test_id_front")
    assert "第2张" in await photo(citizen, "test_id_back")
    await say(citizen, "好了")
    await say(citizen, "跳过")
    review = await say(citizen, "跳过")
    assert "139****5678" in review
    await say(citizen, "改电话")
    assert "150****2345" in await say(citizen, NEW_PHONE)
    number = await submit(citizen, fake_wechat)
    assert "哪种材料" in await photo(citizen, "test_dibao")  # a missing material, sent after submitting
    assert "已放进" in await say(citizen, "3")
    assert number in await say(citizen, "我的申请怎么样了")
    await wait_for_sent(fake_wechat, citizen.openid, "申请号")
    for _ in range(100):  # the photos are downloaded in the background
        if await svc.scalar("SELECT COUNT(*) FROM application_document WHERE fetched_at IS NULL") == 0:
            break
        await asyncio.sleep(0.05)
    sealed = await svc.scalar("SELECT particulars FROM application")
    kept = svc.unseal(sealed, "application.particulars")
    assert (kept["name"], kept["id_number"], kept["phone"]) == (NAME, ID_NUMBER, NEW_PHONE)

    # (b) The log of the whole intake.
    logs = capsys.readouterr()
    captured = (logs.out + logs.err).encode("utf-8")
    assert b"application_submitted" in captured  # the log did flow
    assert_absent("the log", captured)

    # (c) Redis.
    keys, stored = await redis_dump(redis_prefix)
    assert keys > 0  # the service did use its prefix (seen messages, replay nonces)
    assert_absent("Redis", stored)

    # (a) The SQLite database's files, read as bytes while the service still runs.
    url = make_url(svc.settings.database_url)
    if not url.drivername.startswith("sqlite"):
        return  # PostgreSQL: tests/at_rest_scan.py reads its files after the session
    database = Path(str(url.database))
    files = [p for p in database.parent.iterdir() if p.name.startswith(database.name)]
    data = b"".join(p.read_bytes() for p in files)
    assert b"materials_incomplete" in data and number.encode() in data  # the right, readable file
    assert_absent(f"the database files {[p.name for p in files]}", data)
