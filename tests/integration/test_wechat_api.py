"""Our WeChat client against the fake WeChat API over real HTTP, with the token shared in real Redis."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

from bot.clock import MovableClock, monotonic
from bot.errors import (
    AccessTokenExpired,
    OutsideReplyWindow,
    TooManyMessages,
    WeChatRefused,
    WeChatUnavailable,
)
from bot.wechat.customer_service import WeChatApi
from bot.wechat.fake_api import create_fake_wechat_app

REDIS_URL = "redis://127.0.0.1:6379/0"
APPID = "wxtest0000000001"
SECRET = "test-secret-" + "0" * 8
CITIZEN = "o_citizen_test_0001"

MakeApi = Callable[..., WeChatApi]

pytestmark = pytest.mark.redis


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture
async def key_prefix(redis: Redis) -> AsyncIterator[str]:
    prefix = f"test:{uuid.uuid4().hex}:"
    yield prefix
    keys = [key async for key in redis.scan_iter(match=prefix + "*")]
    if keys:
        await redis.delete(*keys)


@pytest.fixture
async def fake_wechat(aiohttp_server: Any) -> TestServer:
    server: TestServer = await aiohttp_server(create_fake_wechat_app(APPID, SECRET))
    return server


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def make_api(
    session: aiohttp.ClientSession,
    redis: Redis,
    key_prefix: str,
    fake_wechat: TestServer,
    clock: MovableClock,
) -> MakeApi:
    """Each call is another worker: its own client object, the same Redis cache and fake."""

    def make(**overrides: Any) -> WeChatApi:
        options: dict[str, Any] = {
            "base_url": str(fake_wechat.make_url("")),
            "appid": APPID,
            "appsecret": SECRET,
            "key_prefix": key_prefix,
            "clock": clock,
            "timeout": 2.0,
            "max_retries": 2,
        }
        options.update(overrides)
        return WeChatApi(session, redis, **options)

    return make


async def fake_get(session: aiohttp.ClientSession, server: TestServer, path: str, **params: str) -> Any:
    async with session.get(server.make_url(path), params=params) as response:
        assert response.status == 200
        return await response.json()


async def fake_post(session: aiohttp.ClientSession, server: TestServer, path: str, body: Any = None) -> Any:
    async with session.post(server.make_url(path), json=body) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def sent_to(session: aiohttp.ClientSession, server: TestServer, openid: str | None = None) -> list[Any]:
    params = {} if openid is None else {"touser": openid}
    items: list[Any] = (await fake_get(session, server, "/fake/sent", **params))["items"]
    return items


async def tokens_issued(session: aiohttp.ClientSession, server: TestServer) -> int:
    return int((await fake_get(session, server, "/fake/token-count"))["count"])


async def calls_to(session: aiohttp.ClientSession, server: TestServer, api: str) -> int:
    return int((await fake_get(session, server, "/fake/calls"))[api])


async def test_token_is_fetched_once_and_shared_by_two_workers(
    make_api: MakeApi, session: aiohttp.ClientSession, fake_wechat: TestServer, redis: Redis, key_prefix: str
) -> None:
    first, second = make_api(), make_api()

    token = await first.access_token()
    assert await second.access_token() == token
    await second.send_text(CITIZEN, "hello")

    assert await tokens_issued(session, fake_wechat) == 1
    assert await redis.exists(f"{key_prefix}wechat:access_token") == 1
    assert len(await sent_to(session, fake_wechat, CITIZEN)) == 1


async def test_concurrent_sends_from_three_workers_refresh_the_empty_cache_once(
    make_api: MakeApi, session: aiohttp.ClientSession, fake_wechat: TestServer
) -> None:
    workers = [make_api(), make_api(), make_api()]

    await asyncio.gather(*(workers[i % 3].send_text(f"o_citizen_{i:02d}", f"reply {i}") for i in range(20)))

    assert await tokens_issued(session, fake_wechat) == 1
    sent = await sent_to(session, fake_wechat)
    assert sorted(item["touser"] for item in sent) == [f"o_citizen_{i:02d}" for i in range(20)]


async def test_rejected_token_is_refreshed_once_and_the_send_goes_through(
    make_api: MakeApi, session: aiohttp.ClientSession, fake_wechat: TestServer
) -> None:
    api = make_api()
    await api.send_text(CITIZEN, "first")
    old_token = await api.access_token()

    await fake_post(session, fake_wechat, "/fake/expire-token")
    await api.send_text(CITIZEN, "second")

    assert await tokens_issued(session, fake_wechat) == 2
    assert await api.access_token() != old_token
    assert [item["content"] for item in await sent_to(session, fake_wechat, CITIZEN)] == ["first", "second"]


async def test_persistent_token_rejection_raises_after_exactly_one_retry(
    make_api: MakeApi, session: aiohttp.ClientSession, fake_wechat: TestServer
) -> None:
    api = make_api()
    await fake_post(session, fake_wechat, "/fake/fail", {"api": "custom_send", "errcode": 40001, "times": 5})

    with pytest.raises(AccessTokenExpired) as raised:
        await api.send_text(CITIZEN, "never arrives")

    assert raised.value.errcode == 40001
    assert await calls_to(session, fake_wechat, "custom_send") == 2
    assert await tokens_issued(session, fake_wechat) == 2
    assert await sent_to(session, fake_wechat) == []


async def test_outside_the_48_hour_window_is_a_typed_refusal_and_nothing_is_sent(
    make_api: MakeApi, session: aiohttp.ClientSession, fake_wechat: TestServer
) -> None:
    await fake_post(session, fake_wechat, "/fake/fail", {"api": "custom_send", "errcode": 45015, "times": 1})

    with pytest.raises(OutsideReplyWindow) as raised:
        await make_api().send_text(CITIZEN, "too late")

    assert raised.value.errcode == 45015
    assert await calls_to(session, fake_wechat, "custom_send") == 1  # a refusal is not retried
    assert await sent_to(session, fake_wechat, CITIZEN) == []


async def test_too_many_messages_is_a_typed_refusal(
    make_api: MakeApi, session: aiohttp.ClientSession, fake_wechat: TestServer
) -> None:
    api = make_api()
    await fake_post(session, fake_wechat, "/fake/fail", {"api": "custom_send", "errcode": 45047, "times": 1})

    with pytest.raises(TooManyMessages):
        await api.send_text(CITIZEN, "one too many")
    await api.send_text(CITIZEN, "after the limit lifts")

    assert [item["content"] for item in await sent_to(session, fake_wechat, CITIZEN)] == [
        "after the limit lifts"
    ]


async def test_token_is_refreshed_when_less_than_five_minutes_remain(
    make_api: MakeApi, session: aiohttp.ClientSession, fake_wechat: TestServer, clock: MovableClock
) -> None:
    api = make_api()
    token = await api.access_token()

    clock.advance(seconds=6800)  # 400 s left: still good
    assert await api.access_token() == token
    clock.advance(seconds=200)  # 200 s left: refresh before WeChat expires it
    renewed = await api.access_token()

    assert renewed != token
    assert await tokens_issued(session, fake_wechat) == 2
    assert await make_api().access_token() == renewed


async def test_forced_refresh_replaces_a_fresh_token(
    make_api: MakeApi, session: aiohttp.ClientSession, fake_wechat: TestServer
) -> None:
    api = make_api()
    token = await api.access_token()

    assert await api.access_token(force=True) != token
    assert await tokens_issued(session, fake_wechat) == 2


async def test_chinese_text_and_cdata_terminator_arrive_intact(
    make_api: MakeApi, session: aiohttp.ClientSession, fake_wechat: TestServer
) -> None:
    text = "您的法律援助申请已受理，编号 FY2026-0001。]]><xml>请勿回复</xml> \\u4e2d 😀"

    await make_api().send_text(CITIZEN, text)

    [item] = await sent_to(session, fake_wechat, CITIZEN)
    assert item["api"] == "custom_send"
    assert item["msgtype"] == "text"
    assert item["content"] == text


async def test_fake_shows_escaped_unicode_literally_as_wechat_does(
    session: aiohttp.ClientSession, fake_wechat: TestServer, make_api: MakeApi
) -> None:
    """Guards the test above: an ASCII-escaped body would not arrive intact."""
    token = await make_api().access_token()
    body = json.dumps({"touser": CITIZEN, "msgtype": "text", "text": {"content": "中文"}})  # ensure_ascii
    async with session.post(
        fake_wechat.make_url("/cgi-bin/message/custom/send"), params={"access_token": token}, data=body
    ) as response:
        assert (await response.json())["errcode"] == 0

    [item] = await sent_to(session, fake_wechat, CITIZEN)
    assert item["content"] == "\\u4e2d\\u6587"


async def test_image_send_is_recorded_with_its_media_id(
    make_api: MakeApi, session: aiohttp.ClientSession, fake_wechat: TestServer
) -> None:
    await make_api().send_image(CITIZEN, "demo_media_0001")

    [item] = await sent_to(session, fake_wechat, CITIZEN)
    assert (item["msgtype"], item["media_id"]) == ("image", "demo_media_0001")


async def test_get_media_returns_png_bytes_and_unknown_media_is_refused(make_api: MakeApi) -> None:
    api = make_api()

    image = await api.get_media("test_photo_of_id_card")
    with pytest.raises(WeChatRefused) as raised:
        await api.get_media("no_such_media")

    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"IEND" in image[-12:]
    assert raised.value.errcode == 40007


async def test_template_send_is_recorded_with_its_msgid(
    make_api: MakeApi, session: aiohttp.ClientSession, fake_wechat: TestServer
) -> None:
    msgid = await make_api().send_template(
        CITIZEN,
        "TPL_reply_ready",
        {"first": "您的咨询已有答复", "keyword1": {"value": "劳动报酬", "color": "#173177"}},
        url="https://example.org/reply",
    )

    [item] = await sent_to(session, fake_wechat, CITIZEN)
    assert item["api"] == "template_send"
    assert item["msgid"] == msgid
    assert item["template_id"] == "TPL_reply_ready"
    assert item["data"] == {
        "first": {"value": "您的咨询已有答复"},
        "keyword1": {"value": "劳动报酬", "color": "#173177"},
    }
    assert item["url"] == "https://example.org/reply"


async def test_wrong_secret_is_refused_and_nothing_is_cached(
    make_api: MakeApi, redis: Redis, key_prefix: str
) -> None:
    with pytest.raises(WeChatRefused) as raised:
        await make_api(appsecret="wrong-secret").send_text(CITIZEN, "never sent")

    assert raised.value.errcode == 40125
    assert await redis.exists(f"{key_prefix}wechat:access_token") == 0


async def test_closed_port_gives_unavailable_after_bounded_retries(make_api: MakeApi) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    api = make_api(base_url=f"http://127.0.0.1:{closed_port}", max_retries=2, backoff=0.2)

    started = monotonic()
    with pytest.raises(WeChatUnavailable):
        await api.send_text(CITIZEN, "nobody listens")
    elapsed = monotonic() - started

    assert 0.55 <= elapsed < 3.0  # slept 0.2 s + 0.4 s between three attempts, then gave up


async def test_a_send_that_got_a_server_error_is_not_repeated_inside_the_call(
    make_api: MakeApi, session: aiohttp.ClientSession, fake_wechat: TestServer
) -> None:
    """A 5xx may come after WeChat acted (a gateway timeout): the delivery ledger decides what next."""
    await fake_post(session, fake_wechat, "/fake/fail", {"api": "custom_send", "status": 503, "times": 2})

    with pytest.raises(WeChatUnavailable) as raised:
        await make_api(max_retries=2).send_text(CITIZEN, "once")

    assert raised.value.maybe_delivered
    assert await calls_to(session, fake_wechat, "custom_send") == 1


async def test_server_errors_on_the_token_are_retried_then_it_succeeds(
    make_api: MakeApi, session: aiohttp.ClientSession, fake_wechat: TestServer
) -> None:
    """Fetching a token changes nothing at WeChat that a repeat would double."""
    await fake_post(session, fake_wechat, "/fake/fail", {"api": "token", "status": 503, "times": 2})

    await make_api(max_retries=2).send_text(CITIZEN, "third time lucky")

    assert await calls_to(session, fake_wechat, "token") == 3
    assert [item["content"] for item in await sent_to(session, fake_wechat, CITIZEN)] == ["third time lucky"]


async def test_persistent_server_errors_on_the_token_give_unavailable_after_max_retries(
    make_api: MakeApi, session: aiohttp.ClientSession, fake_wechat: TestServer
) -> None:
    await fake_post(session, fake_wechat, "/fake/fail", {"api": "token", "status": 502, "times": 10})

    with pytest.raises(WeChatUnavailable) as raised:
        await make_api(max_retries=2).send_text(CITIZEN, "lost")

    assert not raised.value.maybe_delivered  # nothing was sent: the token never came
    assert await calls_to(session, fake_wechat, "token") == 3
    assert await sent_to(session, fake_wechat) == []


async def test_a_late_answer_times_out_although_the_message_was_delivered(
    make_api: MakeApi, session: aiohttp.ClientSession, fake_wechat: TestServer
) -> None:
    """A timeout says nothing about whether WeChat acted: the fake's worst case is that it did."""
    await fake_post(session, fake_wechat, "/fake/fail", {"api": "custom_send", "delay": 1.0, "times": 1})

    with pytest.raises(WeChatUnavailable) as raised:
        await make_api(timeout=0.3, max_retries=3).send_text(CITIZEN, "slow answer")

    assert raised.value.maybe_delivered  # and it is not sent again inside the call
    assert [item["content"] for item in await sent_to(session, fake_wechat, CITIZEN)] == ["slow answer"]
    assert await calls_to(session, fake_wechat, "custom_send") == 1


async def test_a_late_refusal_still_refuses(
    make_api: MakeApi, session: aiohttp.ClientSession, fake_wechat: TestServer
) -> None:
    order = {"api": "custom_send", "errcode": 45015, "delay": 0.2, "times": 1}
    await fake_post(session, fake_wechat, "/fake/fail", order)

    started = monotonic()
    with pytest.raises(OutsideReplyWindow):
        await make_api(timeout=2.0).send_text(CITIZEN, "refused late")

    assert monotonic() - started >= 0.2
    assert await sent_to(session, fake_wechat, CITIZEN) == []


async def test_fake_reset_forgets_messages_tokens_and_failures(
    make_api: MakeApi, session: aiohttp.ClientSession, fake_wechat: TestServer
) -> None:
    api = make_api()
    await api.send_text(CITIZEN, "before reset")
    await fake_post(session, fake_wechat, "/fake/fail", {"api": "custom_send", "errcode": 45015, "times": 3})

    await fake_post(session, fake_wechat, "/fake/reset")

    assert await sent_to(session, fake_wechat) == []
    assert await tokens_issued(session, fake_wechat) == 0
    await api.send_text(CITIZEN, "after reset")  # old token is gone: one refresh, and no injected 45015
    assert [item["content"] for item in await sent_to(session, fake_wechat)] == ["after reset"]


@pytest.mark.parametrize(
    "order",
    [
        {"api": "custom_send", "times": 1},  # neither errcode nor status
        {"api": "no_such_api", "errcode": 45015},
        {"api": "custom_send", "errcode": 45015, "times": 0},
        {"api": "custom_send", "status": 200},
        {"api": "custom_send", "delay": 0},
        {"api": "custom_send", "delay": "2"},
    ],
)
async def test_fake_refuses_a_malformed_failure_order(
    order: dict[str, Any], make_api: MakeApi, session: aiohttp.ClientSession, fake_wechat: TestServer
) -> None:
    async with session.post(fake_wechat.make_url("/fake/fail"), json=order) as response:
        assert response.status == 422

    await make_api().send_text(CITIZEN, "unaffected")
    assert len(await sent_to(session, fake_wechat, CITIZEN)) == 1
