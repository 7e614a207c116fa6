"""The console's live queue: handoff changes from the live feed, streamed as Server-Sent Events."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from aiohttp import web

from bot.store.live_feed import POLL_SECONDS, LiveFeed

log = structlog.get_logger(__name__)
KEEPALIVE_SECONDS = 15.0


async def stream_changes(
    request: web.Request, feed: LiveFeed, still_allowed: Callable[[], Awaitable[bool]]
) -> web.StreamResponse:
    """SSE: one `handoff` event per change, a comment every 15 s so proxies keep the line open.

    The stream ends within a second or two of the session ending (logout, idle expiry, password
    reset, a disabled account): it never outlives the login that opened it.
    """
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
    )
    # Subscribed before the headers go out: once the browser sees the stream open (and re-reads
    # the queue), no later change can slip past it.
    loop = asyncio.get_running_loop()
    async with feed.subscription() as changes:
        try:
            await response.prepare(request)
            await response.write(b": connected\n\n")
            quiet = 0.0
            checked_at = loop.time()
            while changes.open:
                # Once per poll, not per change: a burst of changes costs no session lookups.
                if loop.time() - checked_at >= POLL_SECONDS:
                    if not await still_allowed():
                        log.info("live_stream_closed_session_ended")
                        break
                    checked_at = loop.time()
                change = await changes.next_change()
                if change is None:
                    quiet += POLL_SECONDS
                    if quiet >= KEEPALIVE_SECONDS:
                        await response.write(b": keepalive\n\n")
                        quiet = 0.0
                    continue
                quiet = 0.0
                await response.write(f"event: handoff\ndata: {change}\n\n".encode())
        except ConnectionResetError:
            log.info("live_stream_closed_by_client")
    return response
