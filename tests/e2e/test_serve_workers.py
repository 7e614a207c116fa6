"""`legalaid serve --workers N`: refused on SQLite or without Redis; on PostgreSQL + Redis, two worker
processes share one port, a console on one worker sees what another did, and each WeChat message is
recorded and answered once whichever workers its retries reach.

The workers are real child processes of the real command; tests/worker_processes.py tells which of
them holds a connection.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from bot.auth.accounts import save_account
from bot.center.specialties import load_specialties
from bot.clock import SystemClock
from bot.settings import REPO_ROOT
from bot.store.db import open_database
from bot.wechat.fake_api import DEMO_APPID, DEMO_APPSECRET
from tests.command_line import command_env, free_port, legalaid_args, start_legalaid
from tests.conftest import (
    CONSOLE_PASSWORD,
    REDIS_URL,
    TEST_ALIAS_KEY,
    TEST_FIELD_KEY,
    TEST_PROTECTION,
    FakeWeChatServer,
    new_aes_key,
)
from tests.e2e.test_handoff_console_api import LABOR_STORY
from tests.worker_processes import (
    TwoWorkers,
    both_workers_answering,
    children_of,
    client_port,
    connection_on,
    port_is_free,
    worker_holding,
)

ON_POSTGRES = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


# ---- refusals ---------------------------------------------------------------------------------------
async def _refused_with(tmp_path: Path, workers: str, **settings: str) -> tuple[int, str, int]:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        *legalaid_args("serve", "--workers", workers, "--port", str(port)),
        env=command_env(**settings),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, err.decode(), port


async def test_several_workers_on_sqlite_are_refused_before_anything_starts(tmp_path: Path):
    code, err, port = await _refused_with(
        tmp_path, "2", database_url=f"sqlite+aiosqlite:///{tmp_path}/one.db", redis_url=REDIS_URL
    )
    assert code == 2
    [line] = err.strip().splitlines()
    assert line.startswith("legalaid: --workers 2 needs PostgreSQL") and "SQLite" in line, line
    assert not (tmp_path / "one.db").exists(), "the database was opened"
    assert port_is_free(port)


@ON_POSTGRES
async def test_several_workers_without_a_shared_redis_are_refused(tmp_path: Path, database_url: str):
    code, err, port = await _refused_with(tmp_path, "2", database_url=database_url)
    assert code == 2
    [line] = err.strip().splitlines()
    assert "LEGALAID_REDIS_URL" in line and "in-process substitute" in line, line
    assert port_is_free(port)


async def test_zero_workers_is_refused(tmp_path: Path):
    code, err, _ = await _refused_with(tmp_path, "0", database_url=f"sqlite+aiosqlite:///{tmp_path}/one.db")
    assert (code, err.strip()) == (2, "legalaid: --workers must be at least 1, not 0")


@pytest.fixture
def worker_settings() -> dict[str, str]:
    """More LEGALAID_ settings for the workers; a test parametrizes it to change them."""
    return {}


@pytest.fixture
async def two_workers(
    database_url: str,
    redis_prefix: str,
    fake_wechat: FakeWeChatServer,
    builtin_nlu: Any,
    tmp_path: Path,
    worker_settings: dict[str, str],
) -> AsyncIterator[TwoWorkers]:
    """`legalaid serve --workers 2` on the test PostgreSQL database (emptied) and the shared Redis.

    `builtin_nlu` is asked for so the model is saved in .models before the workers load it."""
    port = free_port()
    token, aes_key = "test-token-" + secrets.token_hex(4), new_aes_key()
    env = command_env(
        database_url=database_url,
        redis_url=REDIS_URL,
        redis_prefix=redis_prefix,
        redis_timeout_seconds="10",
        wechat_api_base=fake_wechat.url,
        wechat_token=token,
        wechat_aes_key=aes_key,
        wechat_appid=DEMO_APPID,
        wechat_appsecret=DEMO_APPSECRET,
        alias_key=TEST_ALIAS_KEY,
        field_key=TEST_FIELD_KEY,
        **worker_settings,
    )
    running = start_legalaid("serve", "--workers", "2", "--port", str(port), env=env, cwd=tmp_path)
    service = TwoWorkers(f"http://127.0.0.1:{port}", running, token, aes_key, database_url)
    try:
        await running.wait_until_answering(f"{service.url}/readyz")
        await both_workers_answering(service)
        yield service
    finally:
        running.stop()


async def _add_consultant(database_url: str, username: str) -> None:
    db = open_database(database_url, TEST_PROTECTION)
    try:
        await save_account(
            db,
            username=username,
            password=CONSOLE_PASSWORD,
            role="consultant",
            specialties=["general"],
            known_specialties=load_specialties(REPO_ROOT / "data" / "specialties.yml").names,
            now=SystemClock().now(),
        )
    finally:
        await db.close()


async def _next_event(stream: aiohttp.ClientResponse) -> str:
    """The next `event: handoff` data line of an SSE stream."""
    event = None
    async for raw in stream.content:
        line = raw.decode().strip()
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event == "handoff":
            return line.removeprefix("data: ")
    raise AssertionError("the stream ended without an event")


@ON_POSTGRES
@pytest.mark.timeout(180)
async def test_a_live_stream_on_one_worker_sees_a_handoff_opened_through_the_other(
    two_workers: TwoWorkers, http: aiohttp.ClientSession
):
    await _add_consultant(two_workers.database_url, "zhang")
    browser = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    streams: dict[int, aiohttp.ClientResponse] = {}
    opened: list[aiohttp.ClientResponse] = []
    try:
        async with browser.post(
            f"{two_workers.url}/api/session", json={"username": "zhang", "password": CONSOLE_PASSWORD}
        ) as r:
            assert r.status == 200, await r.text()
        pids = two_workers.worker_pids()
        assert len(pids) == 2
        # The same login opens streams until one is held by each worker (each stream is its own
        # connection, and the kernel hands each to whichever worker accepts first).
        for _ in range(30):
            stream = await browser.get(f"{two_workers.url}/api/handoffs/stream")
            assert stream.status == 200
            opened.append(stream)
            assert (await stream.content.readline()).strip() == b": connected"
            holder = worker_holding(client_port(stream), two_workers.port, pids)
            assert holder in pids
            streams.setdefault(holder, stream)
            if len(streams) == 2:
                break
        assert set(streams) == pids, "no stream reached the second worker"

        citizen = two_workers.citizen(http, "o" + secrets.token_hex(13))
        await citizen.say(LABOR_STORY)
        told = await citizen.say("转人工")
        assert told.reply_text is not None and "工作人员" in told.reply_text

        # Whichever worker opened the handoff, the other worker's stream saw it too.
        changes = {
            pid: await asyncio.wait_for(_next_event(stream), timeout=15) for pid, stream in streams.items()
        }
        assert len(set(changes.values())) == 1, changes
        assert '"type": "opened"' in next(iter(changes.values()))
    finally:
        for stream in opened:
            stream.close()
        await browser.close()


@ON_POSTGRES
@pytest.mark.timeout(180)
async def test_retries_reaching_both_workers_are_recorded_once_and_answered_once(
    two_workers: TwoWorkers, fake_wechat: FakeWeChatServer
):
    """Each message goes to both workers at once (WeChat retrying on another connection), and to
    each a second time: one message row, one delivery and one answer the citizen reads, per message."""
    pids = sorted(two_workers.worker_pids())
    to_a, to_b = [await connection_on(two_workers, pid) for pid in pids]
    try:
        citizens = [(f"o{secrets.token_hex(13)}", text) for text in ("工伤怎么认定", "我想咨询离婚的事") * 6]
        results: dict[str, list[Any]] = {}

        async def burst(openid: str, text: str) -> None:
            a, b = two_workers.citizen(to_a.http, openid), two_workers.citizen(to_b.http, openid)
            xml = a.text_xml(text, msg_id=a.next_msg_id())
            results[openid] = list(await asyncio.gather(a.send(xml), b.send(xml), b.send(xml), a.send(xml)))

        await asyncio.gather(*(burst(openid, text) for openid, text in citizens))
        # The pinned connections were kept all along: both workers really took part.
        holders = [worker_holding(p.port, two_workers.port, set(pids)) for p in (to_a, to_b)]
        assert holders == pids

        for openid, replies in results.items():
            assert [r.status for r in replies] == [200] * 4, openid
            passive = {r.reply_text for r in replies if r.reply_text is not None}
            assert len(passive) <= 1
            sent = [] if passive else await _wait_for_sends(fake_wechat, openid)
            assert len(passive) + len(sent) == 1, (openid, passive, sent)
        await asyncio.sleep(0.5)  # a wrong extra send would have reached the fake by now
        for openid, replies in results.items():
            if any(r.reply_text for r in replies):
                assert await fake_wechat.sent(openid) == [], "answered passively and by message"
        db = open_database(two_workers.database_url, TEST_PROTECTION)
        try:
            inbound = await _scalar(db, "SELECT COUNT(*) FROM message WHERE direction = 'in'")
            keys = await _scalar(db, "SELECT COUNT(DISTINCT msg_key) FROM message WHERE direction = 'in'")
            deliveries = await _scalar(db, "SELECT COUNT(*) FROM delivery")
        finally:
            await db.close()
        assert (inbound, keys, deliveries) == (len(citizens), len(citizens), len(citizens))
    finally:
        await to_a.http.close()
        await to_b.http.close()


async def _scalar(db: Any, sql: str) -> Any:
    return await db.read(lambda conn: conn.execute(text(sql)).scalar_one())


async def _wait_for_sends(fake: FakeWeChatServer, openid: str) -> list[dict[str, Any]]:
    for _ in range(300):
        sent = await fake.sent(openid)
        if sent:
            return sent
        await asyncio.sleep(0.1)
    return await fake.sent(openid)


@ON_POSTGRES
@pytest.mark.parametrize(
    "worker_settings",
    [{"delivery_retry_seconds": "0.5", "passive_reply_budget": "0.001", "wechat_max_retries": "0"}],
)
@pytest.mark.timeout(180)
async def test_both_workers_resending_failed_answers_send_each_once(
    two_workers: TwoWorkers, fake_wechat: FakeWeChatServer, http: aiohttp.ClientSession
):
    """WeChat's customer-service API fails each answer's first send: the answers wait 10 s, then the
    delivery sweeps, which both worker processes run every half second, resend them; each citizen
    gets one answer. (Two claims racing for one row are tested in test_transcript_store.py: the
    window between two processes' sweeps is too narrow to hit reliably from here.)"""
    citizens = [two_workers.citizen(http, f"o{secrets.token_hex(13)}") for _ in range(10)]
    await fake_wechat.fail("custom_send", status=500, times=len(citizens))  # each first attempt
    results = await asyncio.gather(*(c.say("工伤怎么认定") for c in citizens))
    assert [r.status for r in results] == [200] * len(citizens)
    passive = {c.openid for c, r in zip(citizens, results, strict=True) if r.reply_text is not None}
    db = open_database(two_workers.database_url, TEST_PROTECTION)
    try:
        for _ in range(300):  # the first back-off is 10 s
            rows = await db.read(lambda conn: conn.execute(text("SELECT status FROM delivery")).all())
            if len(rows) == len(citizens) and all(row.status in ("sent", "passive") for row in rows):
                break
            await asyncio.sleep(0.1)
        retried = await _scalar(db, "SELECT COUNT(*) FROM delivery WHERE status = 'sent' AND attempts > 1")
    finally:
        await db.close()
    assert {row.status for row in rows} <= {"sent", "passive"}, rows
    assert retried > 0, "no answer waited for a resend: the test proved nothing"
    await asyncio.sleep(1.5)  # three more sweeps of each worker: a second copy would be out by now
    for citizen in citizens:
        sent = await fake_wechat.sent(citizen.openid)
        assert len(sent) == (0 if citizen.openid in passive else 1), (citizen.openid, sent)


@ON_POSTGRES
@pytest.mark.timeout(180)
async def test_a_killed_worker_is_replaced_and_sigterm_stops_every_worker(two_workers: TwoWorkers):
    first = two_workers.worker_pids()
    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    for _ in range(300):
        now = two_workers.worker_pids()
        if len(now) == 2 and victim not in now:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError(f"worker {victim} was not replaced:\n{two_workers.running.output.read_text()}")
    async with aiohttp.ClientSession() as http:
        for _ in range(10):  # fresh connections: whichever worker takes them answers
            async with http.get(f"{two_workers.url}/healthz", headers={"Connection": "close"}) as resp:
                assert resp.status == 200
    assert "worker_died" in two_workers.running.output.read_text()

    # A console's open live stream does not hold the stop: it ends when its worker shuts down.
    await _add_consultant(two_workers.database_url, "zhang")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        login = {"username": "zhang", "password": CONSOLE_PASSWORD}
        async with browser.post(f"{two_workers.url}/api/session", json=login) as r:
            assert r.status == 200
        async with browser.get(f"{two_workers.url}/api/handoffs/stream") as stream:
            assert (await stream.content.readline()).strip() == b": connected"
            workers = two_workers.worker_pids()
            started = asyncio.get_running_loop().time()
            two_workers.running.process.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(two_workers.running.process.wait, 40) == 0
            stopped_in = asyncio.get_running_loop().time() - started
    assert stopped_in < 15, f"stopping took {stopped_in:.1f} s"
    assert all(not Path(f"/proc/{pid}").exists() for pid in workers), "a worker outlived the parent"
    assert port_is_free(two_workers.port)


@ON_POSTGRES
@pytest.mark.timeout(180)
async def test_workers_that_keep_dying_at_start_end_the_service_with_exit_1(
    database_url: str, redis_prefix: str, tmp_path: Path
):
    """A broken data directory passes the parent (which never loads the app) and kills each worker
    at start: after three early deaths the parent gives up instead of restarting forever."""
    env = command_env(
        database_url=database_url,
        redis_url=REDIS_URL,
        redis_prefix=redis_prefix,
        alias_key=TEST_ALIAS_KEY,
        field_key=TEST_FIELD_KEY,
        data_dir=str(tmp_path / "no-such-data"),
    )
    running = start_legalaid("serve", "--workers", "2", "--port", str(free_port()), env=env, cwd=tmp_path)
    try:
        code = await asyncio.to_thread(running.process.wait, 150)
    finally:
        running.stop()
    output = running.output.read_text()
    assert code == 1, output
    assert output.count("worker_died") >= 3 and "workers_keep_dying" in output, output
    assert not children_of(running.process.pid)


@ON_POSTGRES
async def test_workers_with_no_migrate_refuse_a_schema_that_is_not_current(tmp_path: Path, database_url: str):
    """The parent checks the schema once for every worker: with --no-migrate it refuses to start
    (the operator runs `legalaid db upgrade` first), and no worker is started."""
    db = open_database(database_url, TEST_PROTECTION)
    current = str(await _scalar(db, "SELECT version_num FROM alembic_version"))
    await db.write(lambda conn: conn.execute(text("UPDATE alembic_version SET version_num = '0001'")))
    try:
        port = free_port()
        process = await asyncio.create_subprocess_exec(
            *legalaid_args("serve", "--workers", "2", "--no-migrate", "--port", str(port)),
            env=command_env(
                database_url=database_url,
                redis_url=REDIS_URL,
                alias_key=TEST_ALIAS_KEY,
                field_key=TEST_FIELD_KEY,
            ),
            cwd=tmp_path,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        await db.write(
            lambda conn: conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
        )
        await db.close()
    assert process.returncode == 78
    assert "schema is not current" in err.decode() and "legalaid db upgrade" in err.decode()
    assert port_is_free(port)
