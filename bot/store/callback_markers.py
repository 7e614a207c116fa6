"""The two markers every WeChat callback sets: the signed (timestamp, nonce) pair's body, and the
first sight of a message. Shared Redis across workers; a plain dict in the embedded default.

Both only make work skippable: the signature still holds when the nonce marker is gone, and the
database's unique msg_key still decides who answers when the sight marker is.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol

import redis.asyncio as aioredis

from bot.clock import Clock
from bot.store.redis_keys import RedisKeys

SEEN_TTL_SECONDS = 600


class CallbackMarkers(Protocol):
    async def first_sight(
        self, *, timestamp: str, nonce: str, body_digest: str, msg_key: str, nonce_ttl: int
    ) -> tuple[bool, bool]:
        """(the signed pair is fresh: new, or a retry of the same body; the msg_key is new)."""
        ...


class RedisMarkers:
    """Across workers: both markers in one pipelined round trip."""

    def __init__(self, redis: aioredis.Redis, keys: RedisKeys) -> None:
        self._redis = redis
        self._keys = keys

    async def first_sight(
        self, *, timestamp: str, nonce: str, body_digest: str, msg_key: str, nonce_ttl: int
    ) -> tuple[bool, bool]:
        nonce_key = self._keys.callback_nonce(timestamp, nonce)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(nonce_key, body_digest, nx=True, ex=nonce_ttl)
            pipe.set(self._keys.seen_message(msg_key), b"1", nx=True, ex=SEEN_TTL_SECONDS)
            new_pair, new_key = await pipe.execute()
        if new_pair:
            return True, bool(new_key)
        stored = await self._redis.get(nonce_key)
        fresh = (
            stored is None or (stored.decode() if isinstance(stored, bytes) else str(stored)) == body_digest
        )
        return fresh, bool(new_key)


class LocalMarkers:
    """One process (the embedded default): a dict with expiry on the service's clock.

    The in-process Redis substitute emulates the wire protocol at ~100 µs a command; these two
    markers are set on every callback and need none of it."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._expiry: OrderedDict[str, tuple[float, str]] = OrderedDict()

    async def first_sight(
        self, *, timestamp: str, nonce: str, body_digest: str, msg_key: str, nonce_ttl: int
    ) -> tuple[bool, bool]:
        now = self._clock.now().timestamp()
        self._forget_expired(now)
        pair = self._set_new(f"nonce:{timestamp}:{nonce}", body_digest, now, nonce_ttl)
        seen = self._set_new(f"seen:{msg_key}", "1", now, SEEN_TTL_SECONDS)
        fresh = pair is None or pair == body_digest
        return fresh, seen is None

    def _set_new(self, key: str, value: str, now: float, ttl: float) -> str | None:
        """Like SET NX EX: None when the key was free (now set), else the value it holds."""
        held = self._expiry.get(key)
        if held is not None and held[0] > now:
            return held[1]
        self._expiry[key] = (now + ttl, value)
        self._expiry.move_to_end(key)
        return None

    def _forget_expired(self, now: float) -> None:
        """Markers expire in the order they were set (each kind has one lifetime), so the
        oldest are at the front; a marker set with a shorter lifetime waits a little longer."""
        while self._expiry:
            key, (expires_at, _) = next(iter(self._expiry.items()))
            if expires_at > now:
                return
            del self._expiry[key]
