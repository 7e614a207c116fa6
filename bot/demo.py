"""`legalaid demo`: the fake WeChat API and the service in one process, then a chat with it."""

from __future__ import annotations

import asyncio
import secrets
import sys
from pathlib import Path

from aiohttp import web

from bot.app import CENTER, CLOCK, DATABASE, create_app
from bot.auth.accounts import save_account
from bot.errors import PortUnavailable
from bot.serving import listen
from bot.settings import Settings
from bot.wechat.chat_terminal import run_chat
from bot.wechat.fake_api import create_fake_wechat_app


async def run_demo(settings: Settings, *, port: int, fake_port: int, chat: bool) -> None:
    """Serve the fake WeChat API and the service in this process, then chat with it."""
    # Both ports first, before anything is opened or written: a busy one ends the demo at once.
    fake_socket = listen(fake_port, serves="the fake WeChat API", flag="--fake-port")
    try:
        service_socket = listen(port, serves="the service", flag="--port")
    except PortUnavailable:
        fake_socket.close()
        raise
    fake = web.AppRunner(
        create_fake_wechat_app(settings.wechat_appid, settings.wechat_appsecret.get_secret_value())
    )
    app = create_app(settings)
    service = web.AppRunner(app)
    await fake.setup()
    await web.SockSite(fake, fake_socket).start()
    await service.setup()
    await web.SockSite(service, service_socket).start()
    url = f"http://127.0.0.1:{port}"
    password = await _demo_consultant(app)
    print(f"法律援助公众号服务已启动：{url}/wechat   健康检查：{url}/readyz")
    print(f"工作人员控制台：{url}/console/   用户名 demo   密码 {password}")
    print(f"模拟的微信接口：{settings.wechat_api_base}/fake/sent   数据库：{settings.database_url}")
    if settings.field_key is None:
        print(f"个人信息加密密钥（演示用，请勿删除）：{settings.field_key_file.resolve()}")
    try:
        if chat and sys.stdin.isatty():
            await run_chat(
                url,
                settings.wechat_api_base,
                token=settings.wechat_token.get_secret_value(),
                aes_key=settings.wechat_aes_key.get_secret_value() if settings.wechat_aes_key else None,
                appid=settings.wechat_appid,
                openid="o_demo_citizen_0001",
            )
        else:
            token = settings.wechat_token.get_secret_value()
            aes = settings.wechat_aes_key.get_secret_value() if settings.wechat_aes_key else ""
            command = Path(sys.executable).with_name("legalaid")
            print("在另一个终端里这样聊天：")
            print(
                f"  LEGALAID_WECHAT_TOKEN={token} LEGALAID_WECHAT_AES_KEY={aes} "
                f"{command} chat --url {url} --fake-url {settings.wechat_api_base}"
            )
            print("按 Ctrl+C 停止。")
            await asyncio.Event().wait()
    finally:
        await service.cleanup()
        await fake.cleanup()


async def _demo_consultant(app: web.Application) -> str:
    """A supervisor account for the demo console, with a fresh password printed at start."""
    password = secrets.token_urlsafe(9)
    await save_account(
        app[DATABASE],
        username="demo",
        password=password,
        role="supervisor",
        specialties=["general"],
        known_specialties=app[CENTER].specialties.names,
        now=app[CLOCK].now(),
    )
    return password
