"""Redis fails under a stream of WeChat messages: nothing is lost and nothing is answered twice.

The service gets a Redis server of its own (a real `redis-server` on a free port), so the test
can stall it (SIGSTOP: connections hang, as in a long GC pause or a full disk) or kill it
outright, while citizens write and WeChat retries what got no 200. PostgreSQL (or SQLite) is
the truth: every MsgId must be recorded exactly once, and once Redis is back and the sweeps
have run, every message must have exactly one answer that reached the citizen.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import subprocess
from collections.abc import AsyncIterator, Awaitable, Iterator
from dataclasses import dataclass

import pytest
import redis.asyncio as aioredis

from bot.app import ANSWER_JOBS, DELIVERIES
from bot.clock import MovableClock
from bot.settings import Settings
from bot.wechat.citizen_simulator import CitizenSimulator
from tests.conftest import FakeWeChatServer, RunningService, ServiceFactory

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")

CITIZENS = 12
WECHAT_ATTEMPTS = 4  # WeChat tries a callback three more times when it gets no answer
WECHAT_TIMEOUT = 5.0  # and waits five seconds for each


@dataclass
class OwnRedis:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stall(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def restart(self) -> None:
        self.process = _start_redis(self.port)


async def _during_outage(own_redis: OwnRedis, fault: str, *writes: Awaitable[int]) -> list[int]:
    """Run `writes` while Redis is stalled or killed; Redis is back and answering afterwards."""
    if fault == "stalled":
        own_redis.stall()
    else:
        own_redis.kill()
    try:
        return list(await asyncio.gather(*writes))
    finally:
        if fault == "stalled":
            own_redis.resume()
        else:
            own_redis.restart()
        await _answers(own_redis.url)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_redis(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _answers(url: str) -> None:
    client = aioredis.Redis.from_url(url)
    try:
        for _ in range(100):
            try:
                if await client.ping():
                    return
            except (aioredis.RedisError, OSError):
                await asyncio.sleep(0.05)
        raise RuntimeError("redis-server did not start")
    finally:
        await client.aclose()


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    port = _free_port()
    server = OwnRedis(port, _start_redis(port))
    yield server
    server.resume()
    server.kill()


@pytest.fixture
async def svc(start_service: ServiceFactory, own_redis: OwnRedis) -> AsyncIterator[RunningService]:
    await _answers(own_redis.url)
    yield await start_service(
        clock=MovableClock(), redis_url=own_redis.url, redis_timeout_seconds=Settings().redis_timeout_seconds
    )


async def _as_wechat(citizen: CitizenSimulator, text: str) -> tuple[str | None, int]:
    """One message as WeChat delivers it: the same signed body again until a 200 (or gives up).
    Returns the passive reply (None for `success`) and how many attempts it took."""
    params, body = citizen.signed(citizen.text_xml(text))
    for attempt in range(1, WECHAT_ATTEMPTS + 1):
        try:
            result = await asyncio.wait_for(citizen.post(params, body), WECHAT_TIMEOUT)
        except TimeoutError:
            continue
        if result.status == 200:
            return result.reply_text, attempt
    raise AssertionError(f"WeChat gave up on {text!r}: the message would be lost")


async def _settle(svc: RunningService) -> None:
    """What the periodic sweeps do once Redis is back: answer recorded turns, resend pending."""
    clock = svc.clock
    assert isinstance(clock, MovableClock)
    clock.advance(minutes=15)  # past every retry back-off
    await svc.app[ANSWER_JOBS].answer_forgotten(older_than=0)
    for _ in range(3):
        await svc.app[DELIVERIES].send_due()
        clock.advance(minutes=15)


async def _assert_each_message_once_and_answered_once(
    svc: RunningService,
    fake_wechat: FakeWeChatServer,
    citizens: list[CitizenSimulator],
    passive: dict[str, list[str]],
    sent_per_citizen: int,
) -> None:
    inbound = await svc.rows(
        "SELECT wechat_msg_id, COUNT(*) AS n FROM message WHERE direction = 'in' GROUP BY wechat_msg_id"
    )
    assert len(inbound) == len(citizens) * sent_per_citizen, "a message was lost"
    assert {row.n for row in inbound} == {1}, "a message was recorded twice"
    for citizen in citizens:
        pushed = [item["content"] for item in await fake_wechat.sent(citizen.openid)]
        received = passive[citizen.openid] + pushed
        assert len(received) == sent_per_citizen, (citizen.openid, received)
    statuses = await svc.rows("SELECT status, COUNT(*) AS n FROM delivery GROUP BY status")
    assert {row.status for row in statuses} <= {"sent", "passive"}, statuses


@pytest.mark.parametrize("fault", ["stalled", "killed"])
async def test_messages_during_a_redis_outage_are_recorded_once_and_answered_once(
    svc: RunningService, own_redis: OwnRedis, fake_wechat: FakeWeChatServer, fault: str
):
    citizens = [svc.citizen(f"o_outage_{i:02d}") for i in range(CITIZENS)]
    passive: dict[str, list[str]] = {c.openid: [] for c in citizens}

    async def write(citizen: CitizenSimulator, text: str) -> int:
        reply, attempts = await _as_wechat(citizen, text)
        if reply is not None:
            passive[citizen.openid].append(reply)
        return attempts

    await asyncio.gather(*(write(c, "你好") for c in citizens))  # Redis healthy
    attempts = await _during_outage(own_redis, fault, *(write(c, "在吗") for c in citizens))
    assert max(attempts) <= WECHAT_ATTEMPTS
    async with svc.http.get(svc.url + "/readyz") as resp:
        assert resp.status == 200
    await _settle(svc)
    await _assert_each_message_once_and_answered_once(svc, fake_wechat, citizens, passive, 2)


async def test_readiness_says_redis_is_degraded_not_that_the_service_is_down(
    svc: RunningService, own_redis: OwnRedis
):
    own_redis.kill()
    async with svc.http.get(svc.url + "/readyz") as resp:
        body = await resp.json()
    assert resp.status == 200 and body["checks"]["redis"].startswith("degraded")
    assert body["checks"]["database"] == "ok"
    own_redis.restart()


async def _as_wechat_to_workers(workers: list[CitizenSimulator], text: str) -> tuple[str | None, int]:
    """As `_as_wechat`, but each attempt reaches the next worker, as WeChat's retries may."""
    params, body = workers[0].signed(workers[0].text_xml(text))
    for attempt in range(1, WECHAT_ATTEMPTS + 1):
        try:
            result = await asyncio.wait_for(
                workers[attempt % len(workers)].post(params, body), WECHAT_TIMEOUT
            )
        except TimeoutError:
            continue
        if result.status == 200:
            return result.reply_text, attempt
    raise AssertionError(f"WeChat gave up on {text!r}: the message would be lost")


@pytest.mark.parametrize("fault", ["stalled", "killed"])
async def test_two_workers_during_a_redis_outage_record_and_answer_each_message_once(
    svc: RunningService,
    start_service: ServiceFactory,
    own_redis: OwnRedis,
    fake_wechat: FakeWeChatServer,
    fault: str,
):
    """Two workers (two apps, each with its own pools, one database and one Redis): each retry of a
    message goes to the other worker while Redis fails, and both workers' sweeps settle afterwards."""
    other = await start_service(
        clock=svc.clock,
        redis_url=own_redis.url,
        redis_timeout_seconds=Settings().redis_timeout_seconds,
        wechat_aes_key=svc.aes_key,
        wechat_token=svc.settings.wechat_token.get_secret_value(),
    )
    pairs = [(svc.citizen(f"o_two_{i:02d}"), other.citizen(f"o_two_{i:02d}")) for i in range(CITIZENS)]
    passive: dict[str, list[str]] = {a.openid: [] for a, _ in pairs}

    async def write(pair: tuple[CitizenSimulator, CitizenSimulator], text: str) -> int:
        reply, attempts = await _as_wechat_to_workers(list(pair), text)
        if reply is not None:
            passive[pair[0].openid].append(reply)
        return attempts

    await asyncio.gather(*(write(p, "你好") for p in pairs))
    attempts = await _during_outage(own_redis, fault, *(write(p, "在吗") for p in pairs))
    assert max(attempts) <= WECHAT_ATTEMPTS
    for worker in (svc, other):
        await _settle(worker)
    await _assert_each_message_once_and_answered_once(svc, fake_wechat, [a for a, _ in pairs], passive, 2)
