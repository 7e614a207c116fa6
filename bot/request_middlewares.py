"""The middlewares every request passes: a request id on every log line, and no stack trace out.

Wiring, beside bot/app.py: they know aiohttp and the log, and no rule of the center.
"""

from __future__ import annotations

import secrets

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler

log = structlog.get_logger(__name__)


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every log line of a request carries its id (and nothing personal)."""
    structlog.contextvars.clear_contextvars()
    request_id = request.headers.get("X-Request-Id", "")[:64] or secrets.token_hex(8)
    structlog.contextvars.bind_contextvars(request_id=request_id)
    response = await handler(request)
    response.headers["X-Request-Id"] = request_id
    return response


@web.middleware
async def unexpected_failure(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A bug or a dead dependency is a 503 that WeChat retries, never a stack trace to the caller."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception as exc:  # the web-handler boundary
        log.exception("request_failed", path=request.path, error=type(exc).__name__)
        return web.json_response({"error": "service_unavailable"}, status=503)
