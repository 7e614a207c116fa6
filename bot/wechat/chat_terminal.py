"""`legalaid chat` and `legalaid demo`: a WeChat user in the terminal.

It speaks the real signed (and AES) XML protocol to the service, prints passive replies,
and shows the customer-service messages that reach the fake WeChat API asynchronously.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.settings import Settings
from bot.wechat.citizen_simulator import CitizenSimulator

HELP = """输入文字即可发送（就像在微信里打字）。特殊命令：
  /subscribe  模拟关注公众号     /image  发送一张图片     /location  发送位置
  /voice 文字  发送语音（识别结果） /help   显示本说明       /quit  退出"""


async def run_chat(
    url: str, fake_url: str, *, token: str, aes_key: str | None, appid: str, openid: str
) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as http:
        citizen = CitizenSimulator(http, url, token=token, openid=openid, aes_key=aes_key, appid=appid)
        mode = "AES 安全模式" if aes_key else "明文模式"
        print(f"已连接 {url}（{mode}），您的 openid: {openid}")
        print(HELP)
        watcher = asyncio.create_task(_watch_async_messages(http, fake_url, openid))
        try:
            await _talk(citizen)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher


async def _talk(citizen: CitizenSimulator) -> None:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, _read_line)
        if line is None or line.strip() == "/quit":
            print("再见。")
            return
        line = line.strip()
        if not line:
            continue
        if line == "/help":
            print(HELP)
            continue
        xml = _xml_for(citizen, line)
        try:
            result = await citizen.send(xml)
        except aiohttp.ClientError as exc:
            print(f"[连接失败：{type(exc).__name__}，服务是否在运行？]")
            continue
        if result.status != 200:
            print(f"[服务返回 {result.status}]")
        elif result.reply_text:
            print(f"\n公众号：{result.reply_text}\n")
        else:
            print("[服务回复 success：答复将稍后以客服消息发来]")


def _xml_for(citizen: CitizenSimulator, line: str) -> str:
    if line == "/subscribe":
        return citizen.event_xml("subscribe")
    if line == "/image":
        return citizen.image_xml("demo_image_1")
    if line == "/location":
        return citizen.location_xml()
    if line.startswith("/voice "):
        return citizen.voice_xml(line.removeprefix("/voice ").strip())
    return citizen.text_xml(line)


def _read_line() -> str | None:
    try:
        return input("我> ")
    except EOFError:
        return None


async def _watch_async_messages(http: aiohttp.ClientSession, fake_url: str, openid: str) -> None:
    """Print customer-service messages as they reach the fake WeChat API."""
    seen = 0
    while True:
        try:
            async with http.get(f"{fake_url.rstrip('/')}/fake/sent", params={"touser": openid}) as resp:
                items = (await resp.json())["items"] if resp.status == 200 else []
        except (aiohttp.ClientError, ValueError, KeyError):
            items = []
        for item in items[seen:]:
            text = item.get("content") or item.get("text") or item.get("template_id") or item.get("msgtype")
            print(f"\n公众号（客服消息）：{text}\n我> ", end="", flush=True)
        seen = max(seen, len(items))
        await asyncio.sleep(0.5)


async def run_demo(settings: Settings, *, port: int, fake_port: int, chat: bool) -> None:
    """Serve the fake WeChat API and the service in this process, then chat with it."""
    from bot.app import create_app
    from bot.wechat.fake_api import create_fake_wechat_app

    fake = web.AppRunner(
        create_fake_wechat_app(settings.wechat_appid, settings.wechat_appsecret.get_secret_value())
    )
    app = create_app(settings)
    service = web.AppRunner(app)
    await fake.setup()
    await web.TCPSite(fake, "127.0.0.1", fake_port).start()
    await service.setup()
    await web.TCPSite(service, "127.0.0.1", port).start()
    url = f"http://127.0.0.1:{port}"
    password = await _demo_consultant(app)
    print(f"法律援助公众号服务已启动：{url}/wechat   健康检查：{url}/readyz")
    print(f"工作人员控制台：{url}/console/   用户名 demo   密码 {password}")
    print(f"模拟的微信接口：{settings.wechat_api_base}/fake/sent   数据库：{settings.database_url}")
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
    import secrets

    from bot.app import SERVICE
    from console.auth import save_account

    service = app[SERVICE]
    assert service.database is not None and service.handoffs is not None
    password = secrets.token_urlsafe(9)
    await save_account(
        service.database,
        username="demo",
        password=password,
        role="supervisor",
        specialties=["general"],
        known_specialties=service.handoffs.routing.names,
        now=service.clock.now(),
    )
    return password
