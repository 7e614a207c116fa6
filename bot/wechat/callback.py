"""GET/POST /wechat: check, record, answer within WeChat's 5 seconds or say `success`."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass

import aiohttp
import structlog
from aiohttp import web
from redis.exceptions import RedisError

from bot.clock import Clock
from bot.consultations.turns import Inbound
from bot.dialogue.conversation import Answer, Conversation
from bot.errors import BadWeChatRequest, ForgedRequest
from bot.store.callback_markers import CallbackMarkers
from bot.store.deliveries import DeliveryLedger
from bot.wechat.answer_jobs import AnswerJob, AnswerJobs
from bot.wechat.inbound import to_inbound
from bot.wechat.protocol import (
    SafeMode,
    check_signature,
    is_ascii_number,
    parse_xml_fields,
    read_wechat_message,
    render_text_reply,
    sign,
)

log = structlog.get_logger(__name__)

SUCCESS = "success"
# Extra wait for a commit that already holds the passive reply (budget + grace < WeChat's 5 s).
PASSIVE_GRACE_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class _Parts:
    conversation: Conversation
    deliveries: DeliveryLedger
    jobs: AnswerJobs
    markers: CallbackMarkers


class WeChatCallback:
    """The callback endpoint for one Official Account."""

    def __init__(
        self,
        *,
        token: str,
        safe_mode: SafeMode | None,
        clock: Clock,
        replay_window: int,
        max_body_bytes: int,
        passive_budget: float,
        accept_plaintext: bool = False,
    ) -> None:
        self.token = token
        # With an AES key, a plaintext body is refused: its URL signature does not cover the body.
        self.accept_plaintext = accept_plaintext or safe_mode is None
        self.safe_mode = safe_mode
        self.clock = clock
        self.replay_window = replay_window
        self.max_body_bytes = max_body_bytes
        self.passive_budget = passive_budget
        self._parts: _Parts | None = None

    def connect(
        self,
        conversation: Conversation,
        deliveries: DeliveryLedger,
        jobs: AnswerJobs,
        markers: CallbackMarkers,
    ) -> None:
        """Attach the resources opened at startup (routes must exist before the app starts)."""
        self._parts = _Parts(conversation, deliveries, jobs, markers)

    @property
    def parts(self) -> _Parts:
        if self._parts is None:
            raise RuntimeError("WeChatCallback used before startup connected it")
        return self._parts

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/wechat", self.verify), web.post("/wechat", self.receive)]

    async def verify(self, request: web.Request) -> web.Response:
        """WeChat's server check: echo `echostr` when the signature is ours."""
        q = request.query
        try:
            self._check_time(q.get("timestamp", ""))
            check_signature((self.token, q.get("timestamp", ""), q.get("nonce", "")), q.get("signature"))
        except ForgedRequest:
            return web.Response(status=403, text="forbidden")
        return web.Response(text=q.get("echostr", ""))

    async def receive(self, request: web.Request) -> web.Response:
        try:
            inbound, reply_to, first_time = await self._read(request)
        except ForgedRequest as exc:
            log.info("wechat_forbidden", reason=str(exc))
            return web.Response(status=403, text="forbidden")
        except BadWeChatRequest as exc:
            log.info("wechat_bad_request", reason=str(exc))
            return web.Response(status=400, text="bad request")
        except web.HTTPRequestEntityTooLarge:
            log.info("wechat_body_too_large")
            return web.Response(status=413, text="request entity too large")

        structlog.contextvars.bind_contextvars(
            citizen_alias=self.parts.conversation.alias(inbound.citizen_openid)
        )
        text = await self._answer(inbound, first_time)
        if text is None:
            return web.Response(text=SUCCESS)
        xml = render_text_reply(inbound.citizen_openid, reply_to, text, int(self.clock.now().timestamp()))
        if request.query.get("encrypt_type", "").lower() == "aes" and self.safe_mode is not None:
            nonce = secrets.token_hex(8)
            xml = self.safe_mode.encrypt_reply(xml, nonce, str(int(self.clock.now().timestamp())))
        return web.Response(text=xml, content_type="application/xml")

    async def _read(self, request: web.Request) -> tuple[Inbound, str, bool]:
        """Limit, time window, signature, decryption, parsing, freshness — in that order; nothing
        is stored yet. Also says whether Redis saw the message for the first time."""
        body = await read_limited(request, self.max_body_bytes)
        q = request.query
        timestamp, nonce = q.get("timestamp", ""), q.get("nonce", "")
        self._check_time(timestamp)
        if not body.strip():
            check_signature((self.token, timestamp, nonce), q.get("signature"))
            raise BadWeChatRequest("empty body")
        if q.get("encrypt_type", "").lower() == "aes":
            outer = parse_xml_fields(body)
            encrypt = outer.get("Encrypt", "")
            check_signature((self.token, timestamp, nonce, encrypt), q.get("msg_signature"))
            if self.safe_mode is None:
                raise BadWeChatRequest("safe mode is not configured")
            if not encrypt:
                raise BadWeChatRequest("missing Encrypt")
            xml = self.safe_mode.decrypt(encrypt)
        else:
            check_signature((self.token, timestamp, nonce), q.get("signature"))
            if not self.accept_plaintext:
                raise ForgedRequest("plaintext body refused: this account is in safe (AES) mode")
            xml = body
        message, fields = read_wechat_message(xml)
        inbound = to_inbound(message, fields, self.clock.now(), self.parts.conversation.alias)
        first_time = await self._check_fresh(timestamp, nonce, body, inbound.msg_key)
        return inbound, fields["ToUserName"], first_time

    async def _check_fresh(self, timestamp: str, nonce: str, body: bytes, msg_key: str) -> bool:
        """A signed (timestamp, nonce) pair carries one body: a retry repeats it, a replay with
        another body is refused. Redis only remembers; when it is down the signature still holds.

        Returns whether the msg_key is new to Redis (False when unsure: the database's unique
        msg_key then decides alone)."""
        parts = self.parts
        digest = hashlib.sha256(body).hexdigest()
        try:
            fresh, first_time = await parts.markers.first_sight(
                timestamp=timestamp,
                nonce=nonce,
                body_digest=digest,
                msg_key=msg_key,
                nonce_ttl=2 * self.replay_window,
            )
        except (RedisError, OSError) as exc:
            # The nonce check is skipped and the database's unique msg_key decides alone.
            log.warning("nonce_check_skipped", error=type(exc).__name__)
            return False
        if not fresh:
            raise ForgedRequest("this signature was already used for another message")
        return first_time

    def _check_time(self, timestamp: str) -> None:
        if not is_ascii_number(timestamp, max_digits=12):
            raise ForgedRequest("timestamp missing or not a number")
        if abs(self.clock.now().timestamp() - int(timestamp)) > self.replay_window:
            raise ForgedRequest("timestamp outside the replay window")

    async def _answer(self, inbound: Inbound, first_time: bool) -> str | None:
        """The passive reply text, or None for `success` (the answer then follows asynchronously)."""
        parts = self.parts
        recorded = await parts.conversation.record(inbound, maybe_seen=not first_time)
        if recorded.duplicate:  # the database decides who answers; Redis only made the lookup skippable
            return await self._answer_retry(recorded.message_id)
        job = await parts.jobs.answer(inbound, recorded)
        answer = await self._wait_for_answer(job, recorded.message_id)
        if answer is not None and answer.passive_text is not None:
            job.passive_returned = True
        job.decided.set()
        return None if answer is None else answer.passive_text

    async def _wait_for_answer(self, job: AnswerJob, message_id: int) -> Answer | None:
        """The answer if it is ready within the budget; a commit already carrying the passive
        reply gets a short grace so it is not sent twice."""
        try:
            return await asyncio.wait_for(asyncio.shield(job.answered), self.passive_budget)
        except TimeoutError:
            if job.passive_taken:
                return await self._grace(job, message_id)
            log.info("passive_budget_exceeded", message_id=message_id)
            return None
        except Exception:  # the job logged it; the turn is recorded and the recovery sweep answers it
            return None

    async def _grace(self, job: AnswerJob, message_id: int) -> Answer | None:
        try:
            return await asyncio.wait_for(asyncio.shield(job.answered), PASSIVE_GRACE_SECONDS)
        except Exception:  # timeout or a failed job: answer `success`; the job resends or the sweep answers
            log.info("passive_budget_exceeded", message_id=message_id, during_commit=True)
            return None

    async def _answer_retry(self, message_id: int) -> str | None:
        """A retry gets what the first delivery got: the same passive text, or `success`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.passive_budget
        while True:
            text, settled = await self.parts.deliveries.passive_reply_for(message_id)
            if text is not None or settled or loop.time() >= deadline:
                return text
            await asyncio.sleep(0.05)


async def read_limited(request: web.Request, limit: int) -> bytes:
    """Read at most `limit` bytes; a larger body is refused before it is read whole."""
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := await request.content.read(limit + 1 - size):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=size)
    except aiohttp.ClientPayloadError as exc:  # truncated or garbled transfer
        raise BadWeChatRequest("unreadable body") from exc
    return b"".join(chunks)


__all__ = ["SUCCESS", "WeChatCallback", "read_limited", "sign"]
