"""Planted personal data must never reach the logs, at any level the service logs at."""

from __future__ import annotations

import pytest
import structlog
from sqlalchemy import text

from bot.log import configure_logging
from tests.conftest import ServiceFactory

NAME = "张秀兰"
PHONE = "13912345678"
ID_NUMBER = "110101199003074514"
ADDRESS = "昆区钢铁大街88号3单元"


@pytest.fixture
def debug_logging():
    configure_logging("json", "DEBUG")
    yield
    structlog.reset_defaults()


async def test_personal_data_in_a_conversation_is_never_logged(
    start_service: ServiceFactory, capsys, debug_logging
):
    svc = await start_service()
    citizen = svc.citizen("o_privacy_citizen_0001")
    await citizen.send(citizen.event_xml("subscribe"))
    await citizen.say(f"我叫{NAME}，电话{PHONE}，身份证{ID_NUMBER}，住{ADDRESS}，老板欠我工资")
    await citizen.say(f"]]>{PHONE}")
    params, body = citizen.signed(citizen.text_xml("伪造"))
    params["signature"] = "0" * 40
    await citizen.post(params, body)
    async with svc.http.get(f"{svc.url}/healthz") as resp:
        assert resp.headers["X-Request-Id"]
    logs = capsys.readouterr()
    captured = logs.out + logs.err
    assert "inbound_recorded" in captured and "request_id" in captured  # the logs did flow
    for secret in (NAME, PHONE, ID_NUMBER, ADDRESS, "o_privacy_citizen_0001", "老板欠我工资"):
        assert secret not in captured


async def test_a_database_failure_with_an_openid_in_its_statement_logs_no_openid(
    start_service: ServiceFactory, capsys, debug_logging
):
    """The failure is logged with its traceback, but neither the SQL parameters (the openid, the
    citizen's words) nor an openid or phone inside an exception message reach the log."""
    svc = await start_service()
    openid = "o_privacy_failure_000123"
    await svc.database.write(lambda conn: conn.execute(text("ALTER TABLE citizen RENAME TO citizen_away")))
    try:
        citizen = svc.citizen(openid)
        result = await citizen.say(f"我的电话是{PHONE}")
        assert result.status == 503  # WeChat retries; nothing half-written
    finally:
        await svc.database.write(
            lambda conn: conn.execute(text("ALTER TABLE citizen_away RENAME TO citizen"))
        )
    logs = capsys.readouterr()
    captured = logs.out + logs.err
    assert "request_failed" in captured and "Traceback" in captured  # the failure was logged
    for secret in (openid, PHONE, "我的电话是"):
        assert secret not in captured
    assert await svc.count("message") == 0
