"""POST /api/eligibility: screen a case given as JSON and answer with the decision and its reasons.

An edge: it turns bytes into a ScreeningCase and a Decision into JSON. Every bad input is a 400,
413 or 422 naming what is wrong; a 500 here would be a bug.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Callable
from decimal import Decimal

from aiohttp import web

from bot.eligibility.rulebook import RuleBook
from bot.eligibility.screening import InvalidScreeningCase, parse_case, screen

MAX_BODY_BYTES = 64 * 1024


def eligibility_routes(
    get_rulebook: Callable[[], RuleBook], max_body: int = MAX_BODY_BYTES
) -> list[web.RouteDef]:
    """The route for the app factory; `get_rulebook` is called per request so a reload is picked up."""

    async def post_eligibility(request: web.Request) -> web.Response:
        too_large = _problem(413, "too_large", f"the body is larger than {max_body} bytes")
        if request.content_length is not None and request.content_length > max_body:
            return too_large
        raw = bytearray()
        while chunk := await request.content.read(max_body + 1 - len(raw)):
            raw += chunk
            if len(raw) > max_body:
                return too_large
        try:
            payload = _decode(bytes(raw))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return _problem(400, "bad_json", "the body must be a JSON object (UTF-8), see the screening case")
        try:
            decision = screen(parse_case(payload, get_rulebook()), get_rulebook())
        except InvalidScreeningCase as exc:
            return web.json_response(
                {"error": "invalid_case", "field": exc.field, "detail": exc.message}, status=422, dumps=_dumps
            )
        return web.json_response(decision.to_json(), dumps=_dumps)

    return [web.post("/api/eligibility", post_eligibility)]


def _decode(raw: bytes) -> object:
    """Numbers become Decimal (money is never float); NaN and Infinity are not JSON."""
    return json.loads(raw.decode("utf-8"), parse_float=_to_decimal, parse_constant=_refuse_constant)


def _to_decimal(text: str) -> Decimal:
    """An exponent beyond what Decimal holds becomes NaN, which parse_case refuses naming the field."""
    try:
        return Decimal(text)
    except decimal.InvalidOperation:
        return Decimal("NaN")


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _problem(status: int, code: str, detail: str) -> web.Response:
    return web.json_response({"error": code, "detail": detail}, status=status, dumps=_dumps)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
