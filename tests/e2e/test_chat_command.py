"""`legalaid chat` refuses to start when no fake WeChat API answers where it would look for the
customer-service messages (the demo moved by --fake-port, a wrong --fake-url): otherwise every answer
that comes later would be missed without a word."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.command_line import command_env, free_port, run_legalaid
from tests.conftest import FakeWeChatServer


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
