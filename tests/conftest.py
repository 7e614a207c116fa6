"""Shared fixtures: real SQLite and PostgreSQL, real Redis, the fake WeChat API as a real server."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import text

from bot.app import CENTER, CLOCK, DATABASE, PROTECTION, REDIS, create_app, run_deadline_sweep
from bot.auth.accounts import save_account
from bot.clock import Clock, MovableClock
from bot.dialogue.engine import DialogueEngine
from bot.nlu_service import BuiltinNlu, load_or_train
from bot.settings import REPO_ROOT, Settings
from bot.store.db import Database, open_database, upgrade_schema
from bot.store.field_keys import protection_for
from bot.store.rows import Row
from bot.store.sealed import SealedJSON
from bot.wechat.citizen_simulator import CitizenSimulator
from bot.wechat.fake_api import DEMO_APPID, DEMO_APPSECRET, create_fake_wechat_app
from tests.at_rest_scan import scan, start_watching

POSTGRES_URL = os.environ.get(
    "LEGALAID_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("LEGALAID_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# The shared Redis lives on a busy CI machine that sometimes stalls for seconds (a login once
# failed with 503 on the 2 s production timeout). Tests that mean to stall Redis run their own
# server and keep the production default.
SHARED_REDIS_TIMEOUT_SECONDS = 10.0
SHM = "/dev/shm"
TABLES = (
    "application_document",
    "application_event",
    "application",
    "audit_entry",
    "console_notice",
    "handoff_event",
    "reminder",
    "reply_deadline",
    "delivery",
    "conversation_state",
    "message",
    "handoff",
    "consultation",
    "consultant",
    "citizen",
)
_migrated: set[str] = set()
# The sealed columns holding JSON, as the row classes declare them (unseal parses those).
SEALED_JSON = frozenset(
    column.type.purpose
    for table in Row.metadata.sorted_tables
    for column in table.columns
    if isinstance(column.type, SealedJSON)
)
# Fixed keys, so a database a test run leaves behind still opens in the next one.
TEST_FIELD_KEY = "bGVnYWxhaWQtdGVzdC1maWVsZC1rZXktMzItYnl0ZXM="
TEST_ALIAS_KEY = "test-alias-key"
TEST_PROTECTION = protection_for(Settings(field_key=TEST_FIELD_KEY, alias_key=TEST_ALIAS_KEY))


_at_rest: dict[str, Any] = {}


@pytest.fixture(scope="session", autouse=True)
def no_plain_personal_data_at_rest() -> Iterator[None]:
    """After the run, PostgreSQL's files and the run's WAL hold no plain phone, ID or openid."""
    dsn = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
    try:
        wal_start = asyncio.run(start_watching(dsn))
    except (OSError, asyncpg.PostgresError):
        yield  # no PostgreSQL here: the tests that need it fail on their own
        return
    yield
    if not _migrated:
        return  # nothing was written on PostgreSQL in this run
    report = asyncio.run(scan(dsn, wal_start))
    _at_rest["report"] = report
    assert not report.found, f"plain personal data in PostgreSQL's files: {report.found}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    report = _at_rest.get("report")
    if report is not None:
        terminalreporter.write_line(
            f"at rest: {report.files} PostgreSQL files ({report.bytes_read / 2**20:.0f} MiB, relations "
            f"and the run's WAL) searched for plain phones, ID numbers and openids: "
            f"{sum(len(v) for v in report.found.values())} found"
        )


def new_aes_key() -> str:
    """A fresh 43-character EncodingAESKey, as the WeChat admin page generates."""
    return base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[str]:
    """Each test that takes this runs on SQLite and on PostgreSQL; tables start empty."""
    if request.param == "sqlite":
        # On tmpfs when the machine has one: the CI machine's disk sometimes stalls for seconds
        # (/proc/pressure/io "full"), which once held the SQLite writer past WeChat's 4 s
        # passive-reply budget in a test about deadlines. Same code path, no disk in the timing.
        folder = Path(tempfile.mkdtemp(dir=SHM)) if os.access(SHM, os.W_OK) else Path(tmp_path)
        try:
            yield f"sqlite+aiosqlite:///{folder}/legalaid.db"
        finally:
            if folder.parent == Path(SHM):
                shutil.rmtree(folder, ignore_errors=True)
        return
    db = open_database(POSTGRES_URL, TEST_PROTECTION)
    if POSTGRES_URL not in _migrated:
        await db.write(
            lambda conn: [
                conn.execute(text("DROP SCHEMA public CASCADE")),
                conn.execute(text("CREATE SCHEMA public")),
            ]
        )
        await upgrade_schema(db)
        _migrated.add(POSTGRES_URL)
    await db.write(lambda conn: conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")))
    await db.close()
    yield POSTGRES_URL


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix on the real Redis server, flushed after the test."""
    prefix = f"test:{secrets.token_hex(6)}:"
    yield prefix
    client = aioredis.Redis.from_url(REDIS_URL)
    keys = [k async for k in client.scan_iter(match=prefix + "*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@dataclass
class FakeWeChatServer:
    url: str
    http: aiohttp.ClientSession

    async def sent(self, touser: str | None = None) -> list[dict[str, Any]]:
        params = {"touser": touser} if touser else {}
        async with self.http.get(f"{self.url}/fake/sent", params=params) as resp:
            return (await resp.json())["items"]

    async def fail(
        self,
        api: str,
        errcode: int | None = None,
        times: int = 1,
        *,
        status: int | None = None,
        delay: float | None = None,
    ) -> None:
        """The next `times` calls to `api` answer an errcode or an HTTP status, and/or answer late."""
        order = {"errcode": errcode, "status": status, "delay": delay}
        body = {"api": api, "times": times} | {k: v for k, v in order.items() if v is not None}
        async with self.http.post(f"{self.url}/fake/fail", json=body) as r:
            assert r.status == 200, await r.text()

    async def expire_tokens(self) -> None:
        async with self.http.post(f"{self.url}/fake/expire-token") as r:
            assert r.status == 200

    async def calls(self) -> dict[str, int]:
        """Every call the fake received per API, failed ones included."""
        async with self.http.get(f"{self.url}/fake/calls") as r:
            return dict(await r.json())


@pytest.fixture(scope="session")
def builtin_nlu() -> BuiltinNlu:
    """One trained model for the whole run (training takes seconds)."""
    return BuiltinNlu(load_or_train(REPO_ROOT / "config.yml", REPO_ROOT / "nlu_data", REPO_ROOT / ".models"))


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def fake_wechat(aiohttp_server: Any, http: aiohttp.ClientSession) -> FakeWeChatServer:
    server = await aiohttp_server(create_fake_wechat_app(DEMO_APPID, DEMO_APPSECRET))
    return FakeWeChatServer(str(server.make_url("")).rstrip("/"), http)


CONSOLE_PASSWORD = "correct-horse-7"
# What a citizen reads before a consultant's words in WeChat (data/texts.yml handoff.answer_prefix).
STAFF_REPLY = "工作人员回复："
# Wednesday 25 November 2026, 10:00 in Beijing: a working day, inside the example service hours.
WORKDAY_MORNING = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@dataclass
class ConsoleClient:
    """Talks to the handoff API like the console page does: session cookie plus CSRF header."""

    url: str
    http: aiohttp.ClientSession
    csrf: str | None = None

    async def login(self, username: str, password: str) -> tuple[int, Any]:
        async with self.http.post(
            f"{self.url}/api/session", json={"username": username, "password": password}
        ) as r:
            body = await r.json()
            if r.status == 200:
                self.csrf = body["csrf_token"]
            return r.status, body

    async def get(self, path: str, **params: str) -> tuple[int, Any]:
        async with self.http.get(f"{self.url}{path}", params=params) as r:
            return r.status, await r.json()

    async def post(self, path: str, body: Any = None, *, csrf: bool = True) -> tuple[int, Any]:
        headers = {"X-CSRF-Token": self.csrf} if csrf and self.csrf else {}
        async with self.http.post(
            f"{self.url}{path}", json=body if body is not None else {}, headers=headers
        ) as r:
            return r.status, await r.json()

    async def queue(self, **params: str) -> list[dict[str, Any]]:
        status, body = await self.get("/api/handoffs", **params)
        assert status == 200, body
        return list(body["items"])


@dataclass
class RunningService:
    url: str
    app: web.Application
    settings: Settings
    http: aiohttp.ClientSession
    aes_key: str | None
    _consoles: list[ConsoleClient] = field(default_factory=list)
    _server: TestServer | None = None

    async def stop(self) -> None:
        """Shut this instance down, as a deploy or a crash-and-restart would (its pools closed)."""
        await self.close_consoles()
        if self._server is not None:
            await self._server.close()

    @property
    def clock(self) -> Clock:
        return self.app[CLOCK]

    @property
    def database(self) -> Database:
        return self.app[DATABASE]

    @property
    def redis(self) -> aioredis.Redis:
        return self.app[REDIS]

    def citizen(
        self, openid: str | None = None, *, aes: bool | None = None, clock_offset: int = 0
    ) -> CitizenSimulator:
        use_aes = (self.aes_key is not None) if aes is None else aes
        moved = self.clock if isinstance(self.clock, MovableClock) else None
        return CitizenSimulator(
            self.http,
            self.url,
            token=self.settings.wechat_token.get_secret_value(),
            openid=openid or "o" + secrets.token_hex(13),
            aes_key=self.aes_key if use_aes else None,
            appid=self.settings.wechat_appid,
            clock_offset=clock_offset,
            clock=moved,
        )

    async def add_account(
        self,
        username: str,
        *,
        role: str = "consultant",
        specialties: list[str] | None = None,
        password: str = CONSOLE_PASSWORD,
    ) -> int:
        """A console account, created the way `legalaid user add` creates it."""
        return await save_account(
            self.database,
            username=username,
            password=password,
            role=role,
            specialties=["general"] if specialties is None else specialties,
            known_specialties=self.app[CENTER].specialties.names,
            now=self.clock.now(),
        )

    async def console(self, username: str, password: str = CONSOLE_PASSWORD) -> ConsoleClient:
        """A browser-like API client (own cookie jar), logged in as `username`."""
        client = ConsoleClient(self.url, aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)))
        self._consoles.append(client)
        status, body = await client.login(username, password)
        assert status == 200, body
        return client

    async def sweep(self) -> int:
        """One deadline sweep at the service's (test) clock, as the alarm runs it."""
        return await run_deadline_sweep(self.app)

    async def close_consoles(self) -> None:
        for client in self._consoles:
            await client.http.close()

    async def count(self, table: str) -> int:
        return int(await self.scalar(f"SELECT COUNT(*) FROM {table}"))

    async def scalar(self, sql: str, **params: Any) -> Any:
        """One value from the service's own database, read through its own connection."""
        return await self.database.read(lambda conn: conn.execute(text(sql), params).scalar_one_or_none())

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        return await self.database.read(lambda conn: conn.execute(text(sql), params).all())

    def unseal(self, stored: str, purpose: str) -> Any:
        """A sealed value read by raw SQL, opened as the service would (JSON columns parsed)."""
        plain = self.app[PROTECTION].cipher.open(stored, purpose)
        return json.loads(plain) if purpose in SEALED_JSON else plain

    async def counts(self) -> dict[str, int]:
        return {table: await self.count(table) for table in TABLES}


ServiceFactory = Callable[..., Awaitable[RunningService]]


@pytest.fixture
async def start_service(
    database_url: str,
    redis_prefix: str,
    fake_wechat: FakeWeChatServer,
    http: aiohttp.ClientSession,
    builtin_nlu: BuiltinNlu,
) -> AsyncIterator[ServiceFactory]:
    """Start the real app on a real port, wired to real databases, real Redis and the fake WeChat API."""
    servers: list[TestServer] = []
    started: list[RunningService] = []

    async def start(
        *,
        aes: bool = True,
        clock: Clock | None = None,
        engine: DialogueEngine | None = None,
        **overrides: Any,
    ) -> RunningService:
        aes_key = overrides.pop("wechat_aes_key", None) or (new_aes_key() if aes else None)
        values: dict[str, Any] = {
            "database_url": database_url,
            "redis_url": REDIS_URL,
            "redis_prefix": redis_prefix,
            "redis_timeout_seconds": SHARED_REDIS_TIMEOUT_SECONDS,
            "wechat_api_base": fake_wechat.url,
            "wechat_token": "test-token-" + secrets.token_hex(4),
            "wechat_aes_key": aes_key,
            "wechat_appid": DEMO_APPID,
            "wechat_appsecret": DEMO_APPSECRET,
            "alias_key": TEST_ALIAS_KEY,
            "field_key": TEST_FIELD_KEY,
        }
        values.update(overrides)
        settings = Settings(**values)
        nlu = builtin_nlu if settings.nlu_backend == "builtin" else None
        app = create_app(settings, clock=clock, engine=engine, nlu=nlu, periodic_jobs=False)
        server = TestServer(app, host="127.0.0.1", port=0)
        await server.start_server()
        servers.append(server)
        running = RunningService(
            str(server.make_url("")).rstrip("/"), app, settings, http, aes_key, _server=server
        )
        started.append(running)
        return running

    yield start
    for running in started:
        await running.close_consoles()
    for server in servers:
        await server.close()
