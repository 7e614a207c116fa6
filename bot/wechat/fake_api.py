"""A fake WeChat API served over real HTTP, so development and tests exercise our real client.

It issues access tokens, records customer-service and template messages, serves a PNG for image
media ids, and can be told to fail with WeChat's errcodes or to answer late. Tests read what a
citizen received from `GET /fake/sent?touser=` and inject failures with `POST /fake/fail`.

A late answer (`"delay"`) is the worst case of a timeout: WeChat has already acted on the call (a
message is recorded as delivered) and only its answer is slow, so a client that gives up and
sends again makes the citizen read the message twice. The call takes effect before the wait, so
the outcome is the same whether or not the server cancels a handler whose client went away.

Deliberate differences from the real API, so that tests can count what our client does:
every token call issues a new token (older ones stay valid until `POST /fake/expire-token`), and
`\\uXXXX` escapes in a message body are kept literally, as the real service shows them to citizens.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import socket
import struct
import zlib
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

import structlog
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError, model_validator

from bot.clock import Clock, SystemClock

# The account in the default Settings (the demo's); tests start the fake with it.
DEMO_APPID = "wxdemo0000000000"
DEMO_APPSECRET = "demo-app-secret"
TOKEN_LIFETIME_SECONDS = 7200
API_NAMES = ("custom_send", "media_get", "template_send", "token")
KNOWN_MEDIA_PREFIXES = ("demo", "test")

# An unescaped backslash run of even length followed by \uXXXX: the escape the real API shows literally.
_UNICODE_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([0-9a-fA-F]{4})")


@dataclass(slots=True)
class InjectedFailure:
    """What the next `remaining` calls to one API answer instead of succeeding, and how late."""

    errcode: int | None
    status: int | None
    remaining: int
    delay: float = 0.0

    def refusal(self) -> web.Response | None:
        """The error answered instead of acting, or None when the call acts and only answers late."""
        if self.status is not None:
            return web.Response(status=self.status, text="fake upstream failure")
        if self.errcode is not None:
            return _wechat_error(self.errcode, "injected by /fake/fail")
        return None


@dataclass(slots=True)
class FakeWeChat:
    """Everything the fake remembers; kept on the app so several fakes can run in one process."""

    appid: str
    secret: str
    clock: Clock
    valid_tokens: set[str] = field(default_factory=set)
    tokens_issued: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, InjectedFailure] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    next_msgid: int = 1000
    png: bytes = field(default_factory=lambda: small_png())

    def issue_token(self) -> str:
        self.tokens_issued += 1
        token = f"FAKE{self.tokens_issued}_{secrets.token_hex(12)}"
        self.valid_tokens.add(token)
        return token

    def take_failure(self, api: str) -> InjectedFailure | None:
        failure = self.failures.get(api)
        if failure is None:
            return None
        failure.remaining -= 1
        if failure.remaining <= 0:
            del self.failures[api]
        return failure

    def record(self, api: str, touser: str, **fields: Any) -> None:
        self.sent.append({"api": api, "touser": touser, "at": self.clock.now().isoformat(), **fields})

    def reset(self) -> None:
        self.valid_tokens.clear()
        self.tokens_issued = 0
        self.sent.clear()
        self.failures.clear()
        self.calls.clear()


class FailureOrder(BaseModel):
    """Body of `POST /fake/fail`: a WeChat errcode (HTTP 200) or an HTTP error status, and/or a delay
    in seconds before the answer, `times` times."""

    model_config = ConfigDict(extra="forbid")

    api: Literal["token", "custom_send", "template_send", "media_get"]
    errcode: StrictInt | None = None
    status: StrictInt | None = Field(default=None, ge=400, le=599)
    delay: StrictFloat | None = Field(default=None, gt=0, le=60)
    times: StrictInt = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _says_how_to_fail(self) -> FailureOrder:
        if self.errcode is None and self.status is None and self.delay is None:
            raise ValueError(
                "give errcode (a WeChat errcode), status (an HTTP error status) or delay (seconds)"
            )
        return self


FAKE_WECHAT: web.AppKey[FakeWeChat] = web.AppKey("fake_wechat", FakeWeChat)


def create_fake_wechat_app(appid: str, secret: str, *, clock: Clock | None = None) -> web.Application:
    """Build the fake as an ordinary aiohttp app, so tests can serve it on port 0.

    It issues tokens only for this account, as WeChat does; there is no default, so the caller
    passes the service's own appid and secret and the two cannot silently disagree."""
    app = web.Application()
    app[FAKE_WECHAT] = FakeWeChat(appid=appid, secret=secret, clock=clock or SystemClock())
    setup_wechat_routes(app)
    setup_test_routes(app)
    return app


def setup_wechat_routes(app: web.Application) -> None:
    app.router.add_post("/cgi-bin/stable_token", stable_token)
    app.router.add_get("/cgi-bin/token", classic_token)
    app.router.add_post("/cgi-bin/message/custom/send", custom_send)
    app.router.add_post("/cgi-bin/message/template/send", template_send)
    app.router.add_get("/cgi-bin/media/get", media_get)


def setup_test_routes(app: web.Application) -> None:
    app.router.add_get("/fake/sent", list_sent)
    app.router.add_post("/fake/fail", inject_failure)
    app.router.add_post("/fake/reset", reset)
    app.router.add_post("/fake/expire-token", expire_tokens)
    app.router.add_get("/fake/token-count", token_count)
    app.router.add_get("/fake/calls", call_counts)


async def run_fake_wechat(listening: socket.socket, *, appid: str, secret: str) -> None:
    """Serve the fake for one account on a socket already claimed, until cancelled
    (`legalaid fake-wechat` claims it first, so a busy port is a plain sentence, not a traceback)."""
    runner = web.AppRunner(create_fake_wechat_app(appid, secret))
    await runner.setup()
    try:
        await web.SockSite(runner, listening).start()
        host, port = listening.getsockname()[:2]
        structlog.get_logger(__name__).info("fake_wechat_listening", host=host, port=port, appid=appid)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def small_png(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (46, 125, 50)) -> bytes:
    """A valid solid-colour PNG, built here so the fake needs no image files."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit truecolour, no interlace
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# --- WeChat's side -------------------------------------------------------------------------------


async def stable_token(request: web.Request) -> web.Response:
    body = await _read_json(request)
    if body is None:
        return _wechat_error(47001, "data format error")
    return await _issue_token(
        request.app[FAKE_WECHAT], body.get("grant_type"), body.get("appid"), body.get("secret")
    )


async def classic_token(request: web.Request) -> web.Response:
    query = request.query
    return await _issue_token(
        request.app[FAKE_WECHAT], query.get("grant_type"), query.get("appid"), query.get("secret")
    )


async def _issue_token(fake: FakeWeChat, grant_type: object, appid: object, secret: object) -> web.Response:
    fake.calls["token"] += 1
    failure = fake.take_failure("token")
    if failure is not None and (refused := failure.refusal()) is not None:
        return await _late(refused, failure)
    if grant_type != "client_credential":
        answer = _wechat_error(40002, "invalid grant_type")
    elif appid != fake.appid:
        answer = _wechat_error(40013, "invalid appid")
    elif secret != fake.secret:
        answer = _wechat_error(40125, "invalid appsecret")
    else:
        answer = _json({"access_token": fake.issue_token(), "expires_in": TOKEN_LIFETIME_SECONDS})
    return await _late(answer, failure)


async def custom_send(request: web.Request) -> web.Response:
    fake = request.app[FAKE_WECHAT]
    refused, failure = _refuse(fake, request, "custom_send")
    if refused is not None:
        return await _late(refused, failure)
    body = await _read_json(request)
    return await _late(_take_custom_message(fake, body), failure)


def _take_custom_message(fake: FakeWeChat, body: dict[str, Any] | None) -> web.Response:
    if body is None:
        return _wechat_error(47001, "data format error")
    touser, msgtype = body.get("touser"), body.get("msgtype")
    if not isinstance(touser, str) or not touser:
        return _wechat_error(40003, "invalid openid")
    if not isinstance(msgtype, str) or not isinstance(body.get(msgtype), dict):
        return _wechat_error(40008, "invalid message type")
    payload = body[msgtype]
    if msgtype == "text" and not payload.get("content"):
        return _wechat_error(44004, "empty content")
    if msgtype in {"image", "voice", "video"} and not payload.get("media_id"):
        return _wechat_error(40007, "invalid media_id")
    content = payload.get("content")
    fake.record(
        "custom_send",
        touser,
        msgtype=msgtype,
        content=content,
        text=content,
        media_id=payload.get("media_id"),
        body=body,
    )
    return _json({"errcode": 0, "errmsg": "ok"})


async def template_send(request: web.Request) -> web.Response:
    fake = request.app[FAKE_WECHAT]
    refused, failure = _refuse(fake, request, "template_send")
    if refused is not None:
        return await _late(refused, failure)
    body = await _read_json(request)
    return await _late(_take_template_message(fake, body), failure)


def _take_template_message(fake: FakeWeChat, body: dict[str, Any] | None) -> web.Response:
    if body is None:
        return _wechat_error(47001, "data format error")
    touser, template_id = body.get("touser"), body.get("template_id")
    if not isinstance(touser, str) or not touser:
        return _wechat_error(40003, "invalid openid")
    if not isinstance(template_id, str) or not template_id:
        return _wechat_error(40037, "invalid template_id")
    fake.next_msgid += 1
    fake.record(
        "template_send",
        touser,
        msgtype="template",
        template_id=template_id,
        data=body.get("data") or {},
        url=body.get("url"),
        msgid=fake.next_msgid,
        body=body,
    )
    return _json({"errcode": 0, "errmsg": "ok", "msgid": fake.next_msgid})


async def media_get(request: web.Request) -> web.Response:
    fake = request.app[FAKE_WECHAT]
    refused, failure = _refuse(fake, request, "media_get")
    if refused is not None:
        return await _late(refused, failure)
    media_id = request.query.get("media_id", "")
    if not media_id.startswith(KNOWN_MEDIA_PREFIXES):
        return await _late(_wechat_error(40007, "invalid media_id"), failure)
    media = web.Response(
        body=fake.png,
        content_type="image/png",
        headers={"Content-Disposition": f'attachment; filename="{media_id}.png"'},
    )
    return await _late(media, failure)


def _refuse(
    fake: FakeWeChat, request: web.Request, api: str
) -> tuple[web.Response | None, InjectedFailure | None]:
    """Check the token, then any injected failure, the order WeChat itself would fail in.

    Returns the refusal (None: the call goes ahead) and the failure taken, which may only delay
    the answer."""
    fake.calls[api] += 1
    token = request.query.get("access_token")
    if not token:
        return _wechat_error(41001, "access_token missing"), None
    if token not in fake.valid_tokens:
        return _wechat_error(40001, "invalid credential, access_token is invalid or not latest"), None
    failure = fake.take_failure(api)
    return (None if failure is None else failure.refusal()), failure


async def _late(answer: web.Response, failure: InjectedFailure | None) -> web.Response:
    """Answer after the injected delay; what the call did is done already."""
    if failure is not None and failure.delay:
        await asyncio.sleep(failure.delay)
    return answer


# --- the tests' side -----------------------------------------------------------------------------


async def list_sent(request: web.Request) -> web.Response:
    touser = request.query.get("touser")
    items = [item for item in request.app[FAKE_WECHAT].sent if touser is None or item["touser"] == touser]
    return _json({"items": items})


async def inject_failure(request: web.Request) -> web.Response:
    try:
        order = FailureOrder.model_validate_json(await request.read())
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, err['loc'])) or 'body'}: {err['msg']}" for err in exc.errors()
        )
        raise web.HTTPUnprocessableEntity(text=problems) from None
    request.app[FAKE_WECHAT].failures[order.api] = InjectedFailure(
        errcode=order.errcode, status=order.status, remaining=order.times, delay=order.delay or 0.0
    )
    return _json({"ok": True})


async def reset(request: web.Request) -> web.Response:
    request.app[FAKE_WECHAT].reset()
    return _json({"ok": True})


async def expire_tokens(request: web.Request) -> web.Response:
    request.app[FAKE_WECHAT].valid_tokens.clear()
    return _json({"ok": True})


async def token_count(request: web.Request) -> web.Response:
    return _json({"count": request.app[FAKE_WECHAT].tokens_issued})


async def call_counts(request: web.Request) -> web.Response:
    """Every call per API, failed ones included, so tests can prove retries are bounded."""
    calls = request.app[FAKE_WECHAT].calls
    return _json({api: calls[api] for api in API_NAMES})


# --- plumbing ------------------------------------------------------------------------------------


async def _read_json(request: web.Request) -> dict[str, Any] | None:
    """Decode a UTF-8 JSON object, keeping `\\uXXXX` escapes literal as WeChat displays them."""
    try:
        text = (await request.read()).decode("utf-8")
        body = json.loads(_UNICODE_ESCAPE.sub(r"\1\\\\u\2", text))
    except (UnicodeDecodeError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def _json(data: dict[str, Any]) -> web.Response:
    return web.json_response(data, dumps=partial(json.dumps, ensure_ascii=False))


def _wechat_error(errcode: int, errmsg: str) -> web.Response:
    """WeChat reports refusals with HTTP 200 and an errcode in the body."""
    return _json({"errcode": errcode, "errmsg": errmsg})
