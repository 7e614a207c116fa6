"""Live queue changes: one Redis publish/subscribe channel carries every handoff change to every
worker's consoles.

Publishing is a nicety on top of durable rows: a console that misses an event re-reads the
queue (it also polls), so a lost publish never loses work.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aioredis
import structlog

log = structlog.get_logger(__name__)
# How long one wait for a change lasts before the listener may say it is still there.
POLL_SECONDS = 1.0


class LiveFeed:
    def __init__(self, redis: aioredis.Redis, channel: str) -> None:
        self._redis = redis
        self._channel = channel
        self._closing = asyncio.Event()

    def close(self) -> None:
        """End every open subscription (on shutdown), so workers stop without waiting for browsers."""
        self._closing.set()

    async def publish(self, change: str, handoff_id: int) -> None:
        try:
            await self._redis.publish(self._channel, json.dumps({"type": change, "handoff_id": handoff_id}))
        except (aioredis.RedisError, OSError) as exc:  # the console also polls
            log.warning("live_publish_failed", error=type(exc).__name__)

    @asynccontextmanager
    async def subscription(self) -> AsyncIterator[ChangeListener]:
        """Subscribe first, then yield: a change published after this point cannot slip past."""
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(self._channel)
        try:
            yield ChangeListener(pubsub, self._closing)
        finally:
            await pubsub.unsubscribe(self._channel)
            await pubsub.aclose()


class ChangeListener:
    """One subscriber's view of the channel."""

    def __init__(self, pubsub: Any, closing: asyncio.Event) -> None:
        self._pubsub = pubsub
        self._closing = closing

    @property
    def open(self) -> bool:
        return not self._closing.is_set()

    async def next_change(self) -> str | None:
        """The next change as JSON text, or None after POLL_SECONDS without one."""
        message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=POLL_SECONDS)
        if message is None:
            return None
        data: Any = message["data"]
        return data.decode() if isinstance(data, bytes) else str(data)
