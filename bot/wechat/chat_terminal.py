"""`legalaid chat`: a WeChat user in the terminal.

It speaks the real signed (and AES) XML protocol to the service, prints passive replies,
and shows the customer-service messages that reach the fake WeChat API asynchronously.
"""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp

from bot.errors import ConfigurationError
from bot.wechat.citizen_simulator import CitizenSimulator

HELP = """输入文字即可发送（就像在微信里打字）。特殊命令：
  /subscribe  模拟关注公众号     /image  发送一张图片     /location  发送位置
  /voice 文字  发送语音（识别结果） /help   显示本说明       /quit  退出"""

# A 403 is the service refusing our signature: say which settings the chat must share with it.
_REFUSED_PLAIN = (
    "[服务返回 403：服务开了安全模式（AES）时，聊天也要用同一个 LEGALAID_WECHAT_AES_KEY，"
    "LEGALAID_WECHAT_TOKEN 也要相同。legalaid demo 启动时打印了带这两个变量的完整命令]"
)
_REFUSED_AES = (
    "[服务返回 403：LEGALAID_WECHAT_TOKEN 或 LEGALAID_WECHAT_AES_KEY 和服务的不一样。"
    "legalaid demo 每次启动都生成新的 AES 密钥，并打印带这两个变量的完整命令]"
)


async def run_chat(
    url: str, fake_url: str, *, token: str, aes_key: str | None, appid: str, openid: str
) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as http:
        await _check_fake_api(http, fake_url)
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


async def _check_fake_api(http: aiohttp.ClientSession, fake_url: str) -> None:
    """Refuse to start when nothing at `fake_url` is a fake WeChat API: the chat would wait for
    customer-service messages that go to another address (e.g. the demo moved by --fake-port)."""
    problem = await _fake_api_problem(http, fake_url)
    if problem is not None:
        raise ConfigurationError(
            f"no fake WeChat API at {fake_url} ({problem}), so the answers that come later as "
            "customer-service messages could not be shown. Give its address with --fake-url "
            "(`legalaid demo` prints it: http://127.0.0.1:<its --fake-port>; without --fake-url the "
            "chat uses LEGALAID_WECHAT_API_BASE), or start one with `legalaid fake-wechat --port P`."
        )


async def _fake_api_problem(http: aiohttp.ClientSession, fake_url: str) -> str | None:
    """None when `fake_url` answers GET /fake/calls as the fake does, else what is wrong."""
    try:
        async with http.get(f"{fake_url.rstrip('/')}/fake/calls") as resp:
            if resp.status != 200:
                return f"it answers GET /fake/calls with HTTP {resp.status}"
            calls = await resp.json(content_type=None)
    except (aiohttp.ClientConnectionError, TimeoutError):
        return "nothing answers there"
    except (aiohttp.ClientError, ValueError):
        calls = None
    return None if isinstance(calls, dict) and "custom_send" in calls else "it is not a fake WeChat API"


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
        if result.status == 403:
            print(_REFUSED_PLAIN if citizen.safe_mode is None else _REFUSED_AES)
        elif result.status != 200:
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
    """Print customer-service messages as they reach the fake WeChat API; say so when it goes away."""
    seen, reachable = 0, True
    while True:
        try:
            async with http.get(f"{fake_url.rstrip('/')}/fake/sent", params={"touser": openid}) as resp:
                resp.raise_for_status()
                items = (await resp.json())["items"]
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError):
            if reachable:
                print(
                    f"\n[模拟的微信接口 {fake_url} 没有响应，客服消息暂时显示不了]\n我> ", end="", flush=True
                )
            reachable, items = False, []
        else:
            reachable = True
        for item in items[seen:]:
            text = item.get("content") or item.get("text") or item.get("template_id") or item.get("msgtype")
            print(f"\n公众号（客服消息）：{text}\n我> ", end="", flush=True)
        seen = max(seen, len(items))
        await asyncio.sleep(0.5)
