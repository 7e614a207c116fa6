"""Redis: one place for key names, the connection, dedup markers and locks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
import structlog
from redis.exceptions import LockError, RedisError

log = structlog.get_logger(__name__)
# A burst waits briefly for a connection instead of failing.
REDIS_MAX_CONNECTIONS = 100


def connect_redis(url: str | None, *, timeout_seconds: float) -> aioredis.Redis:
    """Real Redis when a URL is set; otherwise the in-process substitute (embedded default).

    A stalled server fails a call after `timeout_seconds` (the turn is already recorded in the
    database, so the sweeps finish it later)."""
    if url:
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=REDIS_MAX_CONNECTIONS,
            timeout=timeout_seconds,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            health_check_interval=30,
        )
        return aioredis.Redis(connection_pool=pool, decode_responses=False)
    import fakeredis

    return fakeredis.FakeAsyncRedis(decode_responses=False)


class RedisKeys:
    """Key names under one prefix, so deployments (and test runs) never collide."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def seen_message(self, msg_key: str) -> str:
        return f"{self.prefix}seen:{msg_key}"

    def callback_nonce(self, timestamp: str, nonce: str) -> str:
        return f"{self.prefix}nonce:{timestamp}:{nonce}"

    def citizen_lock(self, citizen_openid_alias: str) -> str:
        return f"{self.prefix}lock:citizen:{citizen_openid_alias}"

    def handoff_changes(self) -> str:
        """The pub/sub channel carrying queue changes to every worker's consoles."""
        return f"{self.prefix}handoff-changes"

    def console_session(self, token_digest: str) -> str:
        return f"{self.prefix}console:session:{token_digest}"

    def account_sessions(self, consultant_id: int) -> str:
        """The set of an account's session keys, so disabling it ends every one at once."""
        return f"{self.prefix}console:account-sessions:{consultant_id}"

    def login_failures(self, who: str) -> str:
        return f"{self.prefix}console:login-failures:{who}"

    def access_token(self) -> str:
        return f"{self.prefix}wechat:access_token"


class CitizenLocks:
    """One dialogue turn at a time per citizen, across all workers."""

    def __init__(self, redis: aioredis.Redis, keys: RedisKeys, timeout: float = 30.0) -> None:
        self._redis = redis
        self._keys = keys
        self._timeout = timeout

        self._fallback = LocalCitizenLocks()

    @asynccontextmanager
    async def hold(self, citizen_alias: str) -> AsyncIterator[None]:
        lock = self._redis.lock(
            self._keys.citizen_lock(citizen_alias), timeout=self._timeout, blocking_timeout=self._timeout
        )
        try:
            acquired = await lock.acquire()
        except (RedisError, OSError) as exc:
            # Degraded, not down: the turn is recorded and is answered under this worker's own
            # lock; only two workers answering one citizen at the same moment could now overlap.
            log.warning("citizen_lock_degraded", error=type(exc).__name__)
            async with self._fallback.hold(citizen_alias):
                yield
            return
        if not acquired:
            raise TimeoutError("citizen lock not acquired")
        try:
            yield
        finally:
            try:
                await lock.release()
            except LockError:
                # The turn outlived the lock timeout; the answer is already committed.
                log.warning("citizen_lock_expired", citizen_alias=citizen_alias)
            except (RedisError, OSError) as exc:  # it expires by itself
                log.warning("citizen_lock_release_failed", error=type(exc).__name__)


class LocalCitizenLocks:
    """The same guarantee inside one process, for the embedded default (in-process Redis substitute).

    With no shared Redis there is only one worker, and an asyncio lock costs no round trip.
    """

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, citizen_alias: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(citizen_alias, asyncio.Lock())
        self._users[citizen_alias] = self._users.get(citizen_alias, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[citizen_alias] -= 1
            if self._users[citizen_alias] == 0:  # forget idle citizens so the dict stays small
                del self._users[citizen_alias]
                del self._locks[citizen_alias]
