"""Outbound WeChat API client: the access token is shared by all workers through Redis.

WeChat allows few token refreshes a day and a new token can invalidate the old one, so every worker
reads one cached token and only one refreshes it at a time, under a Redis lock. Refusals become typed
errors (45015, 45047, ...) so delivery can choose a fallback; lost connections become WeChatUnavailable
after bounded retries so the work stays pending. Message text and openids are never logged.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import redis.asyncio as redis_asyncio
import structlog
from redis.asyncio.lock import Lock
from redis.exceptions import LockNotOwnedError

from bot.clock import Clock
from bot.errors import AccessTokenExpired, WeChatRefused, WeChatUnavailable, refusal_for

TOKEN_REFRESH_MARGIN = timedelta(minutes=5)
_JSON_CONTENT_TYPES = frozenset({"application/json", "text/json", "text/plain"})
# The calls that change something at WeChat: never repeated once they may have arrived.
SENDS = frozenset({"custom_send", "template_send"})


@dataclass(frozen=True, slots=True)
class _Answer:
    """One HTTP answer from WeChat; `json` is set when the body is a JSON object."""

    content_type: str
    body: bytes
    json: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class _CachedToken:
    access_token: str
    expires_at: datetime


class WeChatApi:
    """Customer-service, template and media calls; implements handoff's CitizenChannel."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        redis: redis_asyncio.Redis,
        *,
        base_url: str,
        appid: str,
        appsecret: str,
        key_prefix: str,
        clock: Clock,
        timeout: float = 5.0,
        max_retries: int = 3,
        backoff: float = 0.2,
    ) -> None:
        self._session = session
        self._redis = redis
        self._base_url = base_url.rstrip("/")
        self._appid = appid
        self._appsecret = appsecret
        self._clock = clock
        self._client_timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_retries = max_retries
        self._backoff = backoff
        self._token_key = f"{key_prefix}wechat:access_token"
        self._lock_key = f"{key_prefix}wechat:access_token:lock"
        # Longer than the slowest possible token fetch, so the lock never lapses mid-refresh.
        self._lock_seconds = timeout * (max_retries + 1) + backoff * (2**max_retries) + 1.0
        self._local_refresh = asyncio.Lock()  # coroutines of one worker queue here, not on Redis polling
        self._log = structlog.get_logger(__name__)

    # --- public API ------------------------------------------------------------------------------

    async def access_token(self, force: bool = False) -> str:
        """The shared token, fetched only when missing, close to expiry, or when forced."""
        cached = await self._read_cache()
        if not force and cached is not None and self._is_fresh(cached):
            return cached.access_token
        rejected = cached.access_token if force and cached is not None else None
        return await self._refresh(rejected=rejected, force_refresh=force)

    async def send_text(self, openid: str, text: str) -> None:
        await self._send_custom({"touser": openid, "msgtype": "text", "text": {"content": text}})

    async def send_image(self, openid: str, media_id: str) -> None:
        await self._send_custom({"touser": openid, "msgtype": "image", "image": {"media_id": media_id}})

    async def send_template(
        self,
        openid: str,
        template_id: str,
        data: Mapping[str, str | Mapping[str, str]],
        url: str | None = None,
    ) -> int:
        """Send a template notice (the fallback outside the 48-hour window); returns WeChat's msgid."""
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {
                key: {"value": value} if isinstance(value, str) else dict(value)
                for key, value in data.items()
            },
        }
        if url is not None:
            body["url"] = url
        answer = await self._call("template_send", "POST", "/cgi-bin/message/template/send", json_body=body)
        msgid = (answer.json or {}).get("msgid")
        if not isinstance(msgid, int):
            raise WeChatUnavailable("template_send: the answer has no msgid")
        return msgid

    async def get_media(self, media_id: str) -> bytes:
        """Download a temporary media file (e.g. a citizen's photo of a document)."""
        answer = await self._call("media_get", "GET", "/cgi-bin/media/get", params={"media_id": media_id})
        if answer.json is not None:
            raise WeChatUnavailable("media_get: the answer is JSON, not a media file")
        return answer.body

    # --- calls -----------------------------------------------------------------------------------

    async def _send_custom(self, body: dict[str, Any]) -> None:
        await self._call("custom_send", "POST", "/cgi-bin/message/custom/send", json_body=body)

    async def _call(
        self,
        api: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: dict[str, Any] | None = None,
    ) -> _Answer:
        """Call with the shared token; if WeChat rejects it, refresh once and retry once, never more."""
        token = await self.access_token()
        try:
            return await self._call_with_token(api, method, path, token, params, json_body)
        except AccessTokenExpired as rejection:
            self._log.info("wechat_token_rejected", api=api, errcode=rejection.errcode)
        token = await self._refresh(rejected=token, force_refresh=True)
        return await self._call_with_token(api, method, path, token, params, json_body)

    async def _call_with_token(
        self,
        api: str,
        method: str,
        path: str,
        token: str,
        params: Mapping[str, str] | None,
        json_body: dict[str, Any] | None,
    ) -> _Answer:
        answer = await self._exchange(
            api, method, path, params={**(params or {}), "access_token": token}, json_body=json_body
        )
        if answer.json is None and json_body is not None:
            raise WeChatUnavailable(f"{api}: the answer is not JSON")
        errcode = (answer.json or {}).get("errcode", 0)
        if errcode:
            self._log.warning("wechat_refused", api=api, errcode=errcode)
            raise refusal_for(int(errcode), str((answer.json or {}).get("errmsg", "")))
        return answer

    async def _exchange(
        self,
        api: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: dict[str, Any] | None = None,
    ) -> _Answer:
        """One HTTP exchange with bounded retries on network errors, timeouts and 5xx.

        A send (`custom_send`, `template_send`) changes something at WeChat and cannot be told
        apart from its repeat, so it is tried again here only when it never left: the connection
        could not be made. After a timeout or a 5xx it may have been delivered, and the caller
        decides (the delivery ledger retries an answer later, at least once; a notice is not sent
        twice).
        """
        repeatable = api not in SENDS
        data = None if json_body is None else json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        headers = None if data is None else {"Content-Type": "application/json; charset=utf-8"}
        attempts = self._max_retries + 1
        failure: BaseException | None = None
        reason = ""
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                async with self._session.request(
                    method,
                    self._base_url + path,
                    params=params,
                    data=data,
                    headers=headers,
                    timeout=self._client_timeout,
                ) as response:
                    body = await response.read()
                    status, content_type = response.status, response.content_type
            except aiohttp.ClientConnectorError as exc:  # never reached WeChat: safe to try again
                failure, reason = exc, type(exc).__name__
            except (aiohttp.ClientError, TimeoutError) as exc:
                failure, reason = exc, type(exc).__name__
                if not repeatable:
                    raise self._uncertain(api, reason) from exc
            else:
                if status < 400:
                    return _Answer(content_type, body, _json_object(content_type, body))
                reason = f"http_{status}"
                if status < 500:  # our request or base URL is wrong: retrying cannot help
                    self._log.error("wechat_unavailable", api=api, reason=reason)
                    raise WeChatUnavailable(f"{api}: HTTP {status}")
                if not repeatable:
                    raise self._uncertain(api, reason)
            self._log.warning("wechat_call_failed", api=api, attempt=attempt + 1, reason=reason)
        self._log.error("wechat_unavailable", api=api, attempts=attempts, reason=reason)
        raise WeChatUnavailable(f"{api}: no answer after {attempts} attempts ({reason})") from failure

    def _uncertain(self, api: str, reason: str) -> WeChatUnavailable:
        self._log.warning("wechat_send_uncertain", api=api, reason=reason)
        return WeChatUnavailable(f"{api}: sent, but no answer ({reason})", maybe_delivered=True)

    # --- the shared token ------------------------------------------------------------------------

    async def _refresh(self, *, rejected: str | None, force_refresh: bool) -> str:
        """Fetch a new token unless another worker already replaced the stale or rejected one."""
        async with self._local_refresh:
            if (token := await self._usable_token(rejected)) is not None:
                return token
            lock = self._redis.lock(
                self._lock_key,
                timeout=self._lock_seconds,
                blocking_timeout=self._lock_seconds,
                thread_local=False,
            )
            if not await lock.acquire():
                if (token := await self._usable_token(rejected)) is not None:
                    return token
                raise WeChatUnavailable("access token: timed out waiting for another worker's refresh")
            try:
                if (token := await self._usable_token(rejected)) is not None:
                    return token
                await self._redis.delete(self._token_key)
                return await self._fetch_and_cache(force_refresh)
            finally:
                await self._release(lock)

    async def _fetch_and_cache(self, force_refresh: bool) -> str:
        body = {
            "grant_type": "client_credential",
            "appid": self._appid,
            "secret": self._appsecret,
            "force_refresh": force_refresh,
        }
        answer = await self._exchange("token", "POST", "/cgi-bin/stable_token", json_body=body)
        reply = answer.json or {}
        if errcode := reply.get("errcode", 0):
            self._log.error("wechat_token_refused", errcode=errcode)
            raise WeChatRefused(int(errcode), str(reply.get("errmsg", "")))
        token, expires_in = reply.get("access_token"), reply.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, int) or expires_in <= 0:
            raise WeChatUnavailable("token: malformed answer")
        expires_at = self._clock.now() + timedelta(seconds=expires_in)
        cached = json.dumps({"access_token": token, "expires_at": expires_at.isoformat()})
        await self._redis.set(self._token_key, cached, ex=expires_in)
        self._log.info("wechat_token_refreshed", expires_in=expires_in, forced=force_refresh)
        return token

    async def _usable_token(self, rejected: str | None) -> str | None:
        cached = await self._read_cache()
        if cached is None or cached.access_token == rejected or not self._is_fresh(cached):
            return None
        return cached.access_token

    async def _read_cache(self) -> _CachedToken | None:
        raw = await self._redis.get(self._token_key)
        if raw is None:
            return None
        try:
            stored = json.loads(raw)
            return _CachedToken(stored["access_token"], datetime.fromisoformat(stored["expires_at"]))
        except (ValueError, KeyError, TypeError):
            self._log.warning("wechat_token_cache_unreadable")
            return None

    def _is_fresh(self, cached: _CachedToken) -> bool:
        return cached.expires_at - self._clock.now() > TOKEN_REFRESH_MARGIN

    async def _release(self, lock: Lock) -> None:
        try:
            await lock.release()
        except LockNotOwnedError:
            self._log.warning("wechat_token_lock_lapsed", lock_seconds=self._lock_seconds)


def _json_object(content_type: str, body: bytes) -> dict[str, Any] | None:
    """WeChat answers JSON (sometimes labelled text/plain) or, for media, the file itself."""
    if content_type not in _JSON_CONTENT_TYPES and not body.lstrip().startswith(b"{"):
        return None
    try:
        decoded = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return decoded if isinstance(decoded, dict) else None
