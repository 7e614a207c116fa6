"""The handoff API (interfaces.md): the console's JSON, and what outside tests drive.

Only translates HTTP: parses and validates the request, calls the queue's use case, and maps
each expected failure to a JSON problem (403/404/409/422), never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.errors import InvalidInput, LegalAidError
from bot.store.live_feed import LiveFeed
from bot.workdays.duty import Consultant
from console.auth import ConsoleAuth, problem
from console.live_stream import stream_changes
from handoff.handoff import HandoffError, HandoffNotFound, InvalidHandoffInput
from handoff.queue import HandoffQueue

Deliver = Callable[[list[int]], Awaitable[list[str]]]  # delivery ids -> their statuses after trying
STATIC = Path(__file__).resolve().parent.parent / "console" / "static"
STATUSES = ("open", "claimed", "closed")
MAX_BODY = 16 * 1024
MAX_ID = 2**31 - 1


def handoff_routes(
    queue: Callable[[], HandoffQueue],
    auth: Callable[[], ConsoleAuth],
    live: Callable[[], LiveFeed],
    deliver: Callable[[], Deliver],
    knowledge: list[dict[str, str]],
    openapi: dict[str, Any],
) -> list[web.AbstractRouteDef]:
    """Routes for the session, the queue, its actions, the live stream and the console's pages."""

    def guarded(route: Callable[[web.Request, Consultant], Awaitable[web.StreamResponse]]) -> Any:
        async def call(request: web.Request) -> web.StreamResponse:
            return await auth().required(_problems(route))(request)

        return call

    async def list_items(request: web.Request, viewer: Consultant) -> web.Response:
        q = request.query
        status = q.get("status") or None
        if status is not None and status not in STATUSES:
            raise InvalidHandoffInput("status", "status must be open, claimed or closed")
        breached = _flag(q.get("breached"))
        specialty = q.get("specialty") or None
        if specialty is not None:
            queue().routing.check(specialty)
        items = await queue().queue_items(
            viewer, status=status, specialty=specialty, breached=breached, openid=q.get("openid") or None
        )
        return web.json_response({"items": items})

    async def show(request: web.Request, viewer: Consultant) -> web.Response:
        return web.json_response(await queue().detail(viewer, _id(request)))

    async def claim(request: web.Request, viewer: Consultant) -> web.Response:
        return web.json_response(await queue().claim(viewer, _id(request)))

    async def answer(request: web.Request, viewer: Consultant) -> web.Response:
        handoff_id = _id(request)
        body = await _body(request)
        delivery_id = await queue().answer(viewer, handoff_id, body.get("text"))
        statuses = await deliver()([delivery_id])
        await queue().announce("delivered" if statuses == ["sent"] else "delivery_held", handoff_id)
        return web.json_response(await queue().detail(viewer, handoff_id))

    async def transfer(request: web.Request, viewer: Consultant) -> web.Response:
        handoff_id = _id(request)
        await queue().transfer(viewer, handoff_id, await _body(request))
        return web.json_response(await _after(viewer, handoff_id))

    async def appointment(request: web.Request, viewer: Consultant) -> web.Response:
        handoff_id = _id(request)
        await queue().appoint(viewer, handoff_id, (await _body(request)).get("at"))
        return web.json_response(await queue().detail(viewer, handoff_id))

    async def note(request: web.Request, viewer: Consultant) -> web.Response:
        handoff_id = _id(request)
        await queue().note(viewer, handoff_id, (await _body(request)).get("text"))
        return web.json_response(await queue().detail(viewer, handoff_id))

    async def return_to_bot(request: web.Request, viewer: Consultant) -> web.Response:
        handoff_id = _id(request)
        await _body(request, optional=True)
        delivery_id = await queue().end(viewer, handoff_id, to_bot=True)
        if delivery_id is not None:
            await deliver()([delivery_id])
        return web.json_response(await _after(viewer, handoff_id))

    async def close(request: web.Request, viewer: Consultant) -> web.Response:
        handoff_id = _id(request)
        body = await _body(request)
        delivery_id = await queue().end(
            viewer, handoff_id, outcome=body.get("outcome"), note=body.get("note"), to_bot=False
        )
        if delivery_id is not None:
            await deliver()([delivery_id])
        return web.json_response(await _after(viewer, handoff_id))

    async def specialties(request: web.Request, viewer: Consultant) -> web.Response:
        names = queue().routing.names
        return web.json_response({"items": [{"code": c, "name": n} for c, n in names.items()]})

    async def knowledge_items(request: web.Request, viewer: Consultant) -> web.Response:
        return web.json_response({"items": knowledge})

    async def notices(request: web.Request, viewer: Consultant) -> web.Response:
        return web.json_response({"items": await queue().notices(viewer)})

    async def stream(request: web.Request, viewer: Consultant) -> web.StreamResponse:
        return await stream_changes(request, live())

    async def _after(viewer: Consultant, handoff_id: int) -> dict[str, Any]:
        """The item after a change; after a transfer away the viewer may no longer read it."""
        try:
            return await queue().detail(viewer, handoff_id)
        except HandoffError:
            return {"id": handoff_id, "moved": True}

    async def session_login(request: web.Request) -> web.StreamResponse:
        return await auth().login(request)

    async def session_show(request: web.Request) -> web.StreamResponse:
        return await auth().whoami(request)

    async def session_end(request: web.Request) -> web.StreamResponse:
        return await auth().logout(request)

    async def openapi_document(request: web.Request) -> web.Response:
        return web.json_response(openapi)

    async def console_page(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def console_redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("/console/")

    base = "/api/handoffs/{id}"
    return [
        web.post("/api/session", session_login),
        web.get("/api/session", session_show),
        web.delete("/api/session", session_end),
        web.get("/api/openapi.json", openapi_document),
        web.get("/api/handoffs", guarded(list_items)),
        web.get("/api/handoffs/stream", guarded(stream)),
        web.get(base, guarded(show)),
        web.post(f"{base}/claim", guarded(claim)),
        web.post(f"{base}/messages", guarded(answer)),
        web.post(f"{base}/transfer", guarded(transfer)),
        web.post(f"{base}/appointment", guarded(appointment)),
        web.post(f"{base}/notes", guarded(note)),
        web.post(f"{base}/return-to-bot", guarded(return_to_bot)),
        web.post(f"{base}/close", guarded(close)),
        web.get("/api/specialties", guarded(specialties)),
        web.get("/api/knowledge", guarded(knowledge_items)),
        web.get("/api/notices", guarded(notices)),
        web.get("/console", console_redirect),
        web.get("/console/", console_page),
        web.static("/console/static", STATIC, append_version=False),
    ]


def _problems(
    route: Callable[[web.Request, Consultant], Awaitable[web.StreamResponse]],
) -> Callable[[web.Request, Consultant], Awaitable[web.StreamResponse]]:
    """Expected failures become JSON problems with the stable code (and the field for 422)."""

    async def call(request: web.Request, viewer: Consultant) -> web.StreamResponse:
        try:
            return await route(request, viewer)
        except InvalidInput as exc:
            return problem(422, exc.code, str(exc), field=exc.field)
        except HandoffError as exc:
            return problem(exc.status, exc.code, str(exc))
        except LegalAidError as exc:  # e.g. an appointment in the past
            return problem(422, exc.code, str(exc), field=getattr(exc, "field", None))

    return call


def _id(request: web.Request) -> int:
    raw = request.match_info["id"]
    # Ids are 32-bit INTEGER columns: a larger number would make PostgreSQL fail, not find nothing.
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12 or int(raw) > MAX_ID:
        raise HandoffNotFound(f"no handoff {raw[:20]!r}")
    return int(raw)


async def _body(request: web.Request, *, optional: bool = False) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise InvalidHandoffInput("body", "body too large")
    raw = await request.read()
    if len(raw) > MAX_BODY:
        raise InvalidHandoffInput("body", "body too large")
    if not raw.strip():
        if optional:
            return {}
        raise InvalidHandoffInput("body", "a JSON object is required")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidHandoffInput("body", "body must be JSON") from None
    if not isinstance(body, dict):
        raise InvalidHandoffInput("body", "body must be a JSON object")
    return body


def _flag(value: str | None) -> bool | None:
    if value in (None, ""):
        return None
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise InvalidHandoffInput("breached", "breached must be true or false")
