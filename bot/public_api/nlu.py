"""POST /nlu/parse: Rasa's parse API, protected like Rasa's (`?token=` or `Authorization: Bearer`)."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable

from aiohttp import web

from bot.nlu.parse import Classifier, NluUnavailable

MAX_TEXT_CHARS = 5000


def nlu_routes(
    get_nlu: Callable[[], Classifier], token: str | None, max_body: int = 64 * 1024
) -> list[web.RouteDef]:
    async def parse(request: web.Request) -> web.Response:
        if token and not _authorized(request, token):
            return _problem(
                401, "unauthorized", "a valid token is required (?token= or Authorization: Bearer)"
            )
        if request.content_length is not None and request.content_length > max_body:
            return _problem(413, "too_large", f"the body is larger than {max_body} bytes")
        raw = await request.content.read(max_body + 1)
        if len(raw) > max_body:
            return _problem(413, "too_large", f"the body is larger than {max_body} bytes")
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _problem(400, "bad_json", 'the body must be JSON: {"text": "..."}')
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            return _problem(400, "missing_text", "`text` (a string) is required")
        text = body["text"]
        if len(text) > MAX_TEXT_CHARS:
            return _problem(413, "too_large", f"`text` is longer than {MAX_TEXT_CHARS} characters")
        try:
            result = await get_nlu().parse(text)
        except NluUnavailable:
            return _problem(503, "nlu_unavailable", "the NLU backend is not available")
        return web.json_response(result.to_json(), dumps=_dumps)

    return [web.post("/nlu/parse", parse), web.post("/model/parse", parse)]


def _authorized(request: web.Request, token: str) -> bool:
    given = request.query.get("token", "")
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        given = header.removeprefix("Bearer ").strip()
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def _problem(status: int, code: str, detail: str) -> web.Response:
    return web.json_response({"error": code, "detail": detail}, status=status)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
