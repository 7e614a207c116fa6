"""Health, the published vector over HTTP, recovery of forgotten turns, and `legalaid serve`."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import text

from bot.app import ANSWER_JOBS, CONVERSATION, DATABASE, DELIVERIES
from bot.clock import MovableClock
from bot.consultations.turns import Inbound
from tests.conftest import TEST_PROTECTION, ServiceFactory
from tests.unit.test_protocol import (
    VECTOR_APPID,
    VECTOR_ENCRYPT,
    VECTOR_KEY,
    VECTOR_MSG_SIGNATURE,
    VECTOR_NONCE,
    VECTOR_TIMESTAMP,
    VECTOR_TOKEN,
)


async def test_health_and_readiness_report_each_dependency(start_service: ServiceFactory):
    svc = await start_service(clock=MovableClock(datetime(2026, 11, 25, 2, 0, tzinfo=UTC)))
    async with svc.http.get(svc.url + "/healthz") as resp:
        assert resp.status == 200 and (await resp.json())["status"] == "ok"
    async with svc.http.get(svc.url + "/readyz") as resp:
        body = await resp.json()
    assert resp.status == 200
    assert body["checks"]["database"] == "ok" and body["checks"]["redis"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "nlu", "scheduler", "holidays"}
    assert body["checks"]["holidays"] == "ok"


@pytest.mark.parametrize(
    ("today", "warning"),
    [
        (datetime(2026, 12, 10, 2, 0, tzinfo=UTC), "add 2027 to data/holidays.yml"),
        (datetime(2027, 1, 4, 2, 0, tzinfo=UTC), "no dates for 2027"),
    ],
)
async def test_readiness_warns_when_the_holidays_run_out(
    start_service: ServiceFactory, today: datetime, warning: str
):
    """Without next year's official dates, New Year's Day would count as a working day."""
    svc = await start_service(clock=MovableClock(today))
    async with svc.http.get(svc.url + "/readyz") as resp:
        body = await resp.json()
    assert resp.status == 200 and warning in body["checks"]["holidays"]


async def test_readiness_fails_when_the_database_is_gone(start_service: ServiceFactory):
    svc = await start_service()
    db = svc.database
    from bot.store.db import open_database

    gone = open_database("postgresql+asyncpg://nobody@127.0.0.1:1/none", TEST_PROTECTION)
    with warnings.catch_warnings():  # a started app's state is frozen: swapping a part is a test's trick
        warnings.simplefilter("ignore", DeprecationWarning)
        svc.app[DATABASE] = gone
    async with svc.http.get(svc.url + "/readyz") as resp:
        body = await resp.json()
    assert resp.status == 503 and body["checks"]["database"].startswith("down")
    await gone.close()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        svc.app[DATABASE] = db


async def test_published_safe_mode_vector_is_accepted_over_http(start_service: ServiceFactory):
    clock = MovableClock(datetime.fromtimestamp(int(VECTOR_TIMESTAMP), UTC))
    svc = await start_service(
        clock=clock, wechat_token=VECTOR_TOKEN, wechat_aes_key=VECTOR_KEY, wechat_appid=VECTOR_APPID
    )
    body = f"<xml><ToUserName><![CDATA[{VECTOR_APPID}]]></ToUserName><Encrypt><![CDATA[{VECTOR_ENCRYPT}]]></Encrypt></xml>"
    params = {
        "timestamp": VECTOR_TIMESTAMP,
        "nonce": VECTOR_NONCE,
        "signature": "unused-in-safe-mode",
        "encrypt_type": "aes",
        "msg_signature": VECTOR_MSG_SIGNATURE,
    }
    async with svc.http.post(svc.url + "/wechat", params=params, data=body) as resp:
        reply = await resp.text()
    assert resp.status == 200 and "<Encrypt>" in reply
    [row] = await svc.rows("SELECT text, wechat_msg_id FROM message WHERE direction='in'")
    assert svc.unseal(row.text, "message.text") == "test" and row.wechat_msg_id == 4363689963896700987


async def test_a_turn_recorded_but_never_answered_is_answered_by_the_recovery_sweep(
    start_service: ServiceFactory, fake_wechat
):
    svc = await start_service()
    jobs = svc.app[ANSWER_JOBS]
    now = svc.clock.now()
    turn = Inbound(
        citizen_openid="o_crashed", msg_key="msg|777", kind="text", received_at=now, sent_at=now, text="在吗"
    )
    await svc.app[CONVERSATION].record(turn)  # the worker "died" before answering
    assert await jobs.answer_forgotten(older_than=0) == 1
    sent = await fake_wechat.sent("o_crashed")
    assert len(sent) == 1 and sent[0]["content"].startswith("您好")
    assert await jobs.answer_forgotten(older_than=0) == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_legalaid_serve_runs_on_the_embedded_defaults(tmp_path: Path):
    """Smoke test of the real command: SQLite file, in-process Redis substitute, no other service."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEGALAID_")}
    env["LEGALAID_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path}/serve.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/readyz") as resp:
                        body = await resp.json()
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                pytest.fail("legalaid serve did not start")
            assert body["checks"]["redis"] == "ok (in-process substitute)"
            from bot.wechat.citizen_simulator import CitizenSimulator

            citizen = CitizenSimulator(
                http, f"http://127.0.0.1:{port}", token="legalaid-demo-token", openid="o_smoke"
            )
            result = await citizen.send(citizen.event_xml("subscribe"))
            assert result.status == 200 and result.reply_text and "欢迎" in result.reply_text
        assert (tmp_path / "serve.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def test_a_delivery_left_half_sent_by_a_dead_worker_is_sent_by_the_sweep(
    start_service: ServiceFactory, fake_wechat
):
    svc = await start_service()
    conversation, deliveries = svc.app[CONVERSATION], svc.app[DELIVERIES]
    now = svc.clock.now()
    turn = Inbound(
        citizen_openid="o_half_sent",
        msg_key="msg|888",
        kind="text",
        received_at=now,
        sent_at=now,
        text="在吗",
    )
    recorded = await conversation.record(turn)
    await conversation.answer(turn, recorded)  # committed; the worker "dies" mid-send:
    stuck_since = now - timedelta(minutes=10)
    await svc.database.write(
        lambda conn: conn.execute(
            text("UPDATE delivery SET status = 'sending', next_attempt_at = :at"), {"at": stuck_since}
        )
    )
    assert await deliveries.send_due() == 1
    sent = await fake_wechat.sent("o_half_sent")
    assert len(sent) == 1 and sent[0]["content"].startswith("您好")
    assert await svc.scalar("SELECT status FROM delivery") == "sent"
    assert await deliveries.send_due() == 0
