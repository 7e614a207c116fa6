"""Console sessions in Redis and the login attempt limit; no HTTP here (console/auth.py has that).

Sessions expire after a configurable idle time, measured on the injected clock so tests can move it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis.asyncio as aioredis
import structlog

from bot.auth.accounts import credential, verify_password
from bot.clock import Clock
from bot.store.consultants import credentials_by_id, credentials_by_name
from bot.store.db import Database
from bot.store.redis_keys import RedisKeys
from bot.workdays.duty import ROLES, Consultant

log = structlog.get_logger(__name__)
FAILURE_WINDOW_SECONDS = 15 * 60
# One address may be a whole office behind NAT: it gets more attempts than one account.
ADDRESS_ATTEMPTS_FACTOR = 4


@dataclass(frozen=True, slots=True)
class LoginResult:
    """A login's outcome: the session (token, csrf) on success, else why not."""

    account: Consultant | None = None
    token: str | None = None
    csrf: str | None = None
    retry_after: int = 0  # seconds, when rate-limited


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ConsoleSessions:
    def __init__(
        self,
        db: Database,
        redis: aioredis.Redis,
        keys: RedisKeys,
        clock: Clock,
        *,
        idle_minutes: int,
        max_attempts: int,
    ) -> None:
        self._db = db
        self._redis = redis
        self._keys = keys
        self._clock = clock
        self._idle = timedelta(minutes=idle_minutes)
        self._max_attempts = max_attempts

    async def log_in(self, username: str, password: str, address: str) -> LoginResult:
        """Check the attempt limits, then the password; a success clears the failures."""
        limits = (
            (f"user:{username}", self._max_attempts),
            (f"peer:{address}", self._max_attempts * ADDRESS_ATTEMPTS_FACTOR),
        )
        for who, allowed in limits:
            wait = await self._blocked(who, allowed)
            if wait:
                log.warning("console_login_rate_limited")
                return LoginResult(retry_after=wait)
        found = await self._db.read(lambda conn: credentials_by_name(conn, username))
        if not await verify_password(found, password) or found is None:
            for who, _ in limits:
                await self._failed(who)
            log.info("console_login_failed")
            return LoginResult()
        for who, _ in limits:
            await self._redis.delete(self._keys.login_failures(who))
        account, password_hash = found
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        await self._store(token, account.id, password_hash, csrf)
        log.info("console_login", consultant_id=account.id)
        return LoginResult(account=account, token=token, csrf=csrf)

    async def find(self, token: str | None) -> tuple[Consultant, str] | None:
        """The account and CSRF token of a live session; sliding idle expiry."""
        if not token or len(token) > 128:
            return None
        key = self._keys.console_session(_digest(token))
        raw = await self._redis.get(key)
        if raw is None:
            return None
        stored = json.loads(raw)
        if datetime.fromisoformat(stored["expires_at"]) <= self._clock.now():
            await self._redis.delete(key)
            return None
        found = await self._db.read(lambda conn: credentials_by_id(conn, int(stored["consultant_id"])))
        if found is None:
            return None
        account, password_hash = found
        if not account.active or account.role not in ROLES:
            return None
        if not hmac.compare_digest(stored.get("credential", ""), credential(password_hash)):
            await self._redis.delete(key)  # the password was reset: every old session ends
            return None
        await self._store(token, account.id, password_hash, stored["csrf"])
        return account, stored["csrf"]

    async def end(self, token: str) -> None:
        await self._redis.delete(self._keys.console_session(_digest(token)))

    async def _store(self, token: str, consultant_id: int, password_hash: str, csrf: str) -> None:
        expires = self._clock.now() + self._idle
        value = json.dumps(
            {
                "consultant_id": consultant_id,
                "csrf": csrf,
                "expires_at": expires.isoformat(),
                "credential": credential(password_hash),
            }
        )
        # Redis' own expiry only collects garbage; the clock decides (so tests can move it).
        await self._redis.set(
            self._keys.console_session(_digest(token)), value, ex=int(self._idle.total_seconds()) * 2
        )

    async def _blocked(self, who: str, allowed: int) -> int:
        key = self._keys.login_failures(who)
        count = await self._redis.get(key)
        if count is not None and int(count) >= allowed:
            ttl = await self._redis.ttl(key)
            return max(int(ttl), 1)
        return 0

    async def _failed(self, who: str) -> None:
        key = self._keys.login_failures(who)
        count = await self._redis.incr(key)
        if count == 1:
            await self._redis.expire(key, FAILURE_WINDOW_SECONDS)
