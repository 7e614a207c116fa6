"""The applications routes of the console API (interfaces.md "Applications API (console)").

Only translates HTTP: query and body into the use case's arguments (bot/applications/review.py),
its values into JSON (console/applications_json.py). After a change the citizen's message is
sent at once through Deliveries, the way a consultant's answer is; what cannot go out waits.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from bot.applications.domain.review import DECIDING_ROLES, REVIEWING_ROLES
from bot.applications.review import ApplicationReview, Changed
from bot.applications.review_checks import ApplicationNotFound
from bot.delivery import Deliveries
from bot.errors import InvalidInput
from bot.workdays.duty import Consultant
from console.applications_json import application_json, changed_json, choices_json, listed_json
from console.auth import Guard
from console.bodies import MAX_ID, json_body

# A document is shown inline only as what a browser cannot run; anything else is a download.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"})


def application_routes(
    review: Callable[[], ApplicationReview],
    deliveries: Callable[[], Deliveries],
    guarded: Guard,
) -> list[web.RouteDef]:
    async def list_applications(request: web.Request, viewer: Consultant) -> web.Response:
        q = request.query
        found = await review().list(
            q.get("status") or None, q.get("district") or None, q.get("matter") or None
        )
        return web.json_response(
            {"items": [listed_json(app) for app in found], "choices": choices_json(review().choices)}
        )

    async def show(request: web.Request, viewer: Consultant) -> web.Response:
        found = await review().view(request.match_info["number"], viewer)
        return web.json_response(application_json(found))

    async def document(request: web.Request, viewer: Consultant) -> web.Response:
        number, raw = request.match_info["number"], request.match_info["id"]
        if not raw.isascii() or not raw.isdigit() or len(raw) > 12 or int(raw) > MAX_ID:
            raise ApplicationNotFound(f"application {number[:24]} has no document {raw[:20]!r}")
        content, content_type = await review().document(number, int(raw), viewer)
        inline = content_type in INLINE_TYPES
        return web.Response(
            body=content,
            content_type=content_type if inline else "application/octet-stream",
            headers={
                "Cache-Control": "no-store",
                "Content-Disposition": "inline" if inline else "attachment",
                "Content-Security-Policy": "sandbox; default-src 'none'",
            },
        )

    async def request_materials(request: web.Request, viewer: Consultant) -> web.Response:
        body = await json_body(request)
        changed = await review().request_materials(request.match_info["number"], body.get("items"), viewer)
        return await _sent(changed)

    async def decide(request: web.Request, viewer: Consultant) -> web.Response:
        body = await json_body(request)
        approved = body.get("approved")
        if not isinstance(approved, bool):
            raise InvalidInput("approved", "approved must be true or false")
        changed = await review().decide(request.match_info["number"], approved, body.get("reason"), viewer)
        return await _sent(changed)

    async def set_status(request: web.Request, viewer: Consultant) -> web.Response:
        body = await json_body(request)
        changed = await review().set_status(
            request.match_info["number"], body.get("status"), body.get("reason"), viewer
        )
        return await _sent(changed)

    async def _sent(changed: Changed) -> web.Response:
        ids = list(changed.deliveries)
        await deliveries().send(ids)
        return web.json_response(changed_json(changed, await deliveries().statuses(ids)))

    base = "/applications/{number}"
    return [
        web.get("/applications", guarded(list_applications)),
        web.get(base, guarded(show, REVIEWING_ROLES)),
        web.get(f"{base}/documents/{{id}}", guarded(document, REVIEWING_ROLES)),
        web.post(f"{base}/request-materials", guarded(request_materials, REVIEWING_ROLES)),
        web.post(f"{base}/decision", guarded(decide, DECIDING_ROLES)),
        web.post(f"{base}/status", guarded(set_status, DECIDING_ROLES)),
    ]
