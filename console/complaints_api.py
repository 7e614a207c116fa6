"""The complaints routes of the console API (interfaces.md "Records, review and audit API").

Supervisors and admins only. Only translates HTTP: the query and body into the use case's checked
values (bot/records/complaints.py), its values into JSON (console/complaints_json.py). The use case
is found in the application's config (`COMPLAINT_DESK`, set by bot/app.py), so adding these routes
takes one line in console/api.py.
"""

from __future__ import annotations

from aiohttp import web

from bot.records.complaints import ComplaintDesk, ComplaintNotFound, check_reply, check_staff_complaint
from bot.workdays.duty import Consultant
from console.auth import SUPERVISORS, Guard
from console.bodies import json_body, path_id, query_flag
from console.complaints_json import complaint_json, replied_json

COMPLAINT_DESK = web.AppKey("complaint_desk", ComplaintDesk)


def complaint_routes(guarded: Guard) -> list[web.RouteDef]:
    async def list_complaints(request: web.Request, viewer: Consultant) -> web.Response:
        q = request.query
        reveal = query_flag(request.query.get("reveal"), "reveal") is True
        found = await _desk(request).list_complaints(
            viewer,
            q.get("status") or None,
            query_flag(request.query.get("breached"), "breached"),
            reveal=reveal,
        )
        return web.json_response({"items": [complaint_json(v, reveal=reveal) for v in found]})

    async def file_complaint(request: web.Request, viewer: Consultant) -> web.Response:
        body = await json_body(request)
        entered = check_staff_complaint(
            body.get("text"),
            body.get("name"),
            body.get("phone"),
            body.get("consultation_id"),
            body.get("assignee"),
        )
        view = await _desk(request).file(viewer, entered)
        return web.json_response(complaint_json(view), status=201)

    async def reply(request: web.Request, viewer: Consultant) -> web.Response:
        complaint_id = path_id(request, ComplaintNotFound, "complaint")
        text = check_reply((await json_body(request)).get("text"))
        replied = await _desk(request).reply(viewer, complaint_id, text)
        return web.json_response(replied_json(replied))

    return [
        web.get("/complaints", guarded(list_complaints, SUPERVISORS)),
        web.post("/complaints", guarded(file_complaint, SUPERVISORS)),
        web.post("/complaints/{id}/reply", guarded(reply, SUPERVISORS)),
    ]


def _desk(request: web.Request) -> ComplaintDesk:
    return request.config_dict[COMPLAINT_DESK]
