"""`legalaid fake-wechat` serves the account the service is configured with (LEGALAID_WECHAT_APPID /
LEGALAID_WECHAT_APPSECRET), as WeChat does: a center's own appid works against it, and any other
account is refused at the token API (40013 / 40125), so a consultant's answer stays pending."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from bot.clock import MovableClock
from tests.command_line import Running, command_env, free_port, start_legalaid
from tests.conftest import WORKDAY_MORNING, FakeWeChatServer, ServiceFactory
from tests.e2e.test_handoff_delivery import FIRST, answer, claimed_handoff, deliveries, sent_by

APPID, SECRET = "wx5e1f0c2b9a7d3e41", "center-secret-5b8f1c"
StartFake = Callable[[str, str], Awaitable[FakeWeChatServer]]


@pytest.fixture
async def fake_wechat_command(tmp_path: Path, http: aiohttp.ClientSession) -> AsyncIterator[StartFake]:
    """Start the real `legalaid fake-wechat` with an account in its environment."""
    started: list[Running] = []

    async def start(appid: str, secret: str) -> FakeWeChatServer:
        port = free_port()
        running = start_legalaid(
            "fake-wechat",
            "--port",
            str(port),
            env=command_env(wechat_appid=appid, wechat_appsecret=secret),
            cwd=tmp_path,
        )
        started.append(running)
        url = f"http://127.0.0.1:{port}"
        await running.wait_until_answering(f"{url}/fake/calls")
        return FakeWeChatServer(url, http)

    yield start
    for running in started:
        running.stop()


async def test_the_fake_serves_the_configured_account_and_the_answer_is_delivered(
    start_service: ServiceFactory, fake_wechat_command: StartFake
):
    fake = await fake_wechat_command(APPID, SECRET)
    svc = await start_service(
        clock=MovableClock(WORKDAY_MORNING),
        wechat_api_base=fake.url,
        wechat_appid=APPID,
        wechat_appsecret=SECRET,
    )
    citizen, zhang, handoff_id = await claimed_handoff(svc)

    sent = await answer(zhang, handoff_id, FIRST)

    assert (sent["status"], sent["errcode"]) == ("sent", None)
    [delivered] = await sent_by(fake, citizen.openid, "custom_send")
    assert delivered["text"] == "工作人员回复：" + FIRST  # answers from people are marked as such


@pytest.mark.parametrize(
    ("fake_appid", "fake_secret", "errcode"),
    [("wxdemo0000000000", SECRET, 40013), (APPID, "another-secret", 40125)],
    ids=["other-appid", "other-secret"],
)
async def test_the_fake_refuses_another_account_and_the_answer_stays_pending(
    start_service: ServiceFactory,
    fake_wechat_command: StartFake,
    fake_appid: str,
    fake_secret: str,
    errcode: int,
):
    fake = await fake_wechat_command(fake_appid, fake_secret)
    svc = await start_service(
        clock=MovableClock(WORKDAY_MORNING),
        wechat_api_base=fake.url,
        wechat_appid=APPID,
        wechat_appsecret=SECRET,
    )
    citizen, zhang, handoff_id = await claimed_handoff(svc)

    refused = await answer(zhang, handoff_id, FIRST)

    assert (refused["status"], refused["errcode"], refused["delivered_at"]) == ("pending", errcode, None)
    assert await fake.sent(citizen.openid) == []
    assert (await fake.calls())["custom_send"] == 0  # refused at the token, before any send
    assert [d["status"] for d in await deliveries(zhang, handoff_id)] == ["pending"]
