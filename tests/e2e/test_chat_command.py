"""`legalaid chat` as a newcomer runs it: it refuses to start when no fake WeChat API answers where it
would look for the customer-service messages (the demo moved by --fake-port, a wrong --fake-url),
and a refused signature says which settings the chat must share with the service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.command_line import command_env, free_port, run_legalaid
from tests.conftest import FakeWeChatServer, ServiceFactory


async def test_without_a_fake_at_the_address_the_chat_says_so_and_stops(tmp_path: Path):
    nowhere = f"http://127.0.0.1:{free_port()}"
    done = await run_legalaid(
        "chat",
        "--url",
        f"http://127.0.0.1:{free_port()}",
        env=command_env(wechat_api_base=nowhere),  # no --fake-url: the chat looks here
        cwd=tmp_path,
        stdin="你好\n",
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert f"no fake WeChat API at {nowhere} (nothing answers there)" in done.stderr
    assert "--fake-url" in done.stderr
    assert "我>" not in done.stdout  # it never asked for a message


async def test_an_address_that_is_not_the_fake_is_refused(tmp_path: Path, aiohttp_server: Any):
    other = await aiohttp_server(web.Application())  # e.g. the service's own address by mistake
    url = str(other.make_url("")).rstrip("/")
    done = await run_legalaid("chat", "--url", url, "--fake-url", url, env=command_env(), cwd=tmp_path)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert f"no fake WeChat API at {url} (it answers GET /fake/calls with HTTP 404)" in done.stderr


@pytest.mark.parametrize("given", ["--fake-url", "LEGALAID_WECHAT_API_BASE"])
async def test_with_the_fake_at_the_address_the_chat_starts(
    tmp_path: Path, fake_wechat: FakeWeChatServer, given: str
):
    settings = {"wechat_api_base": fake_wechat.url} if given != "--fake-url" else {}
    flags = ["--fake-url", fake_wechat.url] if given == "--fake-url" else []
    done = await run_legalaid(
        "chat",
        "--url",
        f"http://127.0.0.1:{free_port()}",
        *flags,
        env=command_env(**settings),
        cwd=tmp_path,
        stdin="/quit\n",
    )
    assert done.returncode == 0, done.stderr
    assert "已连接" in done.stdout and "再见" in done.stdout


@pytest.mark.parametrize(
    ("chat_settings", "said"),
    [
        ({"aes_key": "same"}, "公众号：您好"),
        ({}, "服务开了安全模式（AES）时，聊天也要用同一个 LEGALAID_WECHAT_AES_KEY"),
        (
            {"aes_key": "same", "token": "another-token"},
            "LEGALAID_WECHAT_TOKEN 或 LEGALAID_WECHAT_AES_KEY 和服务的不一样",
        ),
    ],
    ids=["same-settings", "no-aes-key", "other-token"],
)
async def test_a_refused_signature_says_which_settings_the_chat_must_share(
    tmp_path: Path,
    start_service: ServiceFactory,
    fake_wechat: FakeWeChatServer,
    chat_settings: dict[str, str],
    said: str,
):
    svc = await start_service()  # safe mode: an AES key, plaintext refused
    assert svc.aes_key is not None
    settings = {"wechat_token": chat_settings.get("token", svc.settings.wechat_token.get_secret_value())}
    if "aes_key" in chat_settings:
        settings["wechat_aes_key"] = svc.aes_key
    done = await run_legalaid(
        "chat",
        "--url",
        svc.url,
        "--fake-url",
        fake_wechat.url,
        env=command_env(**settings),
        cwd=tmp_path,
        stdin="你好\n",
    )
    assert done.returncode == 0, done.stderr
    assert said in done.stdout
