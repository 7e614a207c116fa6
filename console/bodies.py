"""Reading a console request: its JSON body (bounded, every malformation a 422 naming `body`),
a numeric id from its path, a yes/no flag from its query."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.errors import InvalidInput

MAX_BODY = 16 * 1024
MAX_ID = 2**31 - 1  # ids are 32-bit INTEGER columns


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


def path_id(request: web.Request, not_found: Callable[[str], Exception], what: str) -> int:
    """The path's `{id}`; what cannot be a row id is that resource's 404 (a number past 32 bits
    would make PostgreSQL fail, not find nothing)."""
    raw = request.match_info["id"]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12 or int(raw) > MAX_ID:
        raise not_found(f"no {what} {raw[:20]!r}")
    return int(raw)


def query_flag(
    value: str | None, field: str, invalid: Callable[[str, str], Exception] = InvalidInput
) -> bool | None:
    """A yes/no filter: absent or empty is None (no filter); anything but true/false/1/0 is a 422."""
    if value in (None, ""):
        return None
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise invalid(field, f"{field} must be true or false")
