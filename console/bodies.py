"""Reading a console request's JSON body: bounded, and every malformation a 422 naming `body`."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.errors import InvalidInput

MAX_BODY = 16 * 1024


async def json_body(request: web.Request, *, optional: bool = False) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise InvalidInput("body", "body too large")
    raw = await request.read()
    if len(raw) > MAX_BODY:
        raise InvalidInput("body", "body too large")
    if not raw.strip():
        if optional:
            return {}
        raise InvalidInput("body", "a JSON object is required")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("body", "body must be JSON") from None
    if not isinstance(body, dict):
        raise InvalidInput("body", "body must be a JSON object")
    return body
