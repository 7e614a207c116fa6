"""Live queue changes for the console: Redis publish/subscribe, streamed as Server-Sent Events.

Publishing is a nicety on top of durable rows: a console that misses an event re-reads the
queue (it also polls), so a lost publish never loses work.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import redis.asyncio as aioredis
import structlog
from aiohttp import web

log = structlog.get_logger(__name__)
KEEPALIVE_SECONDS = 15.0


class LiveFeed:
    """One Redis channel per deployment carries every handoff change to every worker's consoles."""

    def __init__(self, redis: aioredis.Redis, channel: str) -> None:
        self._redis = redis
        self._channel = channel
        self._closing = asyncio.Event()

    def close(self) -> None:
        """End every open stream (on shutdown), so workers stop without waiting for browsers."""
        self._closing.set()

    async def publish(self, change: str, handoff_id: int) -> None:
        try:
            await self._redis.publish(self._channel, json.dumps({"type": change, "handoff_id": handoff_id}))
        except (aioredis.RedisError, OSError) as exc:  # the console also polls
            log.warning("live_publish_failed", error=type(exc).__name__)

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """SSE: one `handoff` event per change, a comment every 15 s so proxies keep the line open."""
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            }
        )
        # Subscribed before the headers go out: once the browser sees the stream open (and re-reads
        # the queue), no later change can slip past it.
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(self._channel)
        try:
            await response.prepare(request)
            await response.write(b": connected\n\n")
            quiet = 0.0
            while not self._closing.is_set():
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is None:
                    quiet += 1.0
                    if quiet >= KEEPALIVE_SECONDS:
                        await response.write(b": keepalive\n\n")
                        quiet = 0.0
                    continue
                quiet = 0.0
                data: Any = message["data"]
                text = data.decode() if isinstance(data, bytes) else str(data)
                await response.write(f"event: handoff\ndata: {text}\n\n".encode())
        except ConnectionResetError:
            log.info("live_stream_closed_by_client")
        finally:
            await pubsub.unsubscribe(self._channel)
            await pubsub.aclose()  # type: ignore[no-untyped-call]
        return response
