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
# One address may be a whole office behind NAT: it gets more attempts than one account from it.
ADDRESS_ATTEMPTS_FACTOR = 4
# An account across all addresses: a ceiling on distributed guessing, far above what one stranger
# at one address can use up, so nobody locks a consultant out by guessing wrong on purpose.
ACCOUNT_ATTEMPTS_FACTOR = 20


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
        """Reserve an attempt on each limit first (atomic INCR, so parallel guesses cannot slip
        past the count), then check the password; a success gives its attempts back."""
        limits = (
            (f"pair:{username}:{address}", self._max_attempts),
            (f"peer:{address}", self._max_attempts * ADDRESS_ATTEMPTS_FACTOR),
            (f"user:{username}", self._max_attempts * ACCOUNT_ATTEMPTS_FACTOR),
        )
        counts = [await self._reserve(who) for who, _ in limits]
        over = [who for (who, allowed), count in zip(limits, counts, strict=True) if count > allowed]
        if over:
            await self._give_back([who for who, _ in limits])
            log.warning("console_login_rate_limited")
            return LoginResult(
                retry_after=max(int(await self._redis.ttl(self._keys.login_failures(over[0]))), 1)
            )
        found = await self._db.read(lambda conn: credentials_by_name(conn, username))
        if not await verify_password(found, password) or found is None:
            log.info("console_login_failed")
            return LoginResult()
        await self._give_back([who for who, _ in limits])
        await self._redis.delete(self._keys.login_failures(limits[0][0]))
        account, password_hash = found
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        await self._store(token, account.id, password_hash, csrf)
        index = self._keys.account_sessions(account.id)
        await self._redis.sadd(index, self._keys.console_session(_digest(token)))
        await self._redis.expire(index, int(self._idle.total_seconds()) * 2)
        log.info("console_login", consultant_id=account.id)
        return LoginResult(account=account, token=token, csrf=csrf)

    async def find(self, token: str | None, *, slide: bool = True) -> tuple[Consultant, str] | None:
        """The account and CSRF token of a live session (ended by logout, idle time, a password
        reset or a disabled account); each use slides the idle expiry unless `slide` is False."""
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
        if slide:
            await self._store(token, account.id, password_hash, stored["csrf"])
        return account, stored["csrf"]

    async def end(self, token: str) -> None:
        await self._redis.delete(self._keys.console_session(_digest(token)))

    async def end_all(self, consultant_id: int) -> None:
        """End every session of the account (disabled, or its password reset). `find` already
        refuses a disabled account; removing the sessions also keeps them from coming back to
        life when the account is enabled again."""
        index = self._keys.account_sessions(consultant_id)
        keys = list(await self._redis.smembers(index))
        await self._redis.delete(index, *keys)

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

    async def _reserve(self, who: str) -> int:
        """Count this attempt; the window starts at the first one and lasts 15 minutes."""
        key = self._keys.login_failures(who)
        count = int(await self._redis.incr(key))
        if count == 1:
            await self._redis.expire(key, FAILURE_WINDOW_SECONDS)
        return count

    async def _give_back(self, whos: list[str]) -> None:
        for who in whos:
            key = self._keys.login_failures(who)
            if int(await self._redis.decr(key)) <= 0:  # nothing left (or the window had expired)
                await self._redis.delete(key)
