"""The console's JSON API under /api/ (interfaces.md), as one sub-application.

Only translates HTTP: each route parses and validates the request into a typed command
(handoff/commands.py), calls the queue's use case, and answers with the resource's JSON
(console/handoff_json.py). One middleware maps every expected failure to a JSON problem
(403/404/409/422), never a 500; every consultant route is wrapped by the login check.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.applications.review import ApplicationReview
from bot.auth.users import ConsoleUsers
from bot.delivery import Deliveries
from bot.errors import InvalidInput, LegalAidError
from bot.records.audit_log import AuditLog
from bot.records.domain.logged import read_referral
from bot.store.live_feed import LiveFeed
from bot.workdays.duty import Consultant
from console.applications_api import application_routes
from console.audit_api import audit_routes
from console.auth import ALL_ROLES, ConsoleAuth, ConsultantRoute, Route, problem
from console.bodies import json_body, path_id, query_flag
from console.complaints_api import complaint_routes
from console.handoff_json import handoff_json, notice_json, queue_item_json
from console.live_stream import stream_changes
from console.records_api import RecordServices, record_routes
from console.stats_api import StatsServices, stats_routes
from console.users_api import user_routes
from handoff.commands import (
    AddNote,
    AnswerCitizen,
    ClaimHandoff,
    CloseHandoff,
    Outcome,
    ReturnToBot,
    SetAppointment,
    TransferHandoff,
)
from handoff.handoff import HandoffError, HandoffNotFound, InvalidHandoffInput, check_outcome, check_text
from handoff.queue import HandoffQueue

STATUSES = ("open", "claimed", "closed")


def console_api(
    queue: Callable[[], HandoffQueue],
    auth: Callable[[], ConsoleAuth],
    live: Callable[[], LiveFeed],
    knowledge: list[dict[str, str]],
    openapi: dict[str, Any],
    applications: Callable[[], ApplicationReview],
    deliveries: Callable[[], Deliveries],
    records: Callable[[], RecordServices],
    stats: Callable[[], StatsServices],
    audit_log: Callable[[], AuditLog],
    users: Callable[[], ConsoleUsers],
) -> web.Application:
    """The session, the queue, its actions, the live stream, knowledge, notices and applications;
    mount at /api/."""

    def guarded(route: ConsultantRoute, roles: frozenset[str] = ALL_ROLES) -> Route:
        """The route behind the login; `roles` are the roles it serves (others get a 403)."""

        async def call(request: web.Request) -> web.StreamResponse:
            return await auth().required(route, roles)(request)

        return call

    async def list_items(request: web.Request, viewer: Consultant) -> web.Response:
        q = request.query
        status = q.get("status") or None
        if status is not None and status not in STATUSES:
            raise InvalidHandoffInput("status", "status must be open, claimed or closed")
        breached = query_flag(q.get("breached"), "breached", InvalidHandoffInput)
        specialty = q.get("specialty") or None
        if specialty is not None:
            queue().routing.check(specialty)
        items = await queue().queue_items(
            viewer, status=status, specialty=specialty, breached=breached, openid=q.get("openid") or None
        )
        return web.json_response({"items": [queue_item_json(i) for i in items]})

    async def show(request: web.Request, viewer: Consultant) -> web.Response:
        reveal = bool(query_flag(request.query.get("reveal"), "reveal", InvalidHandoffInput))
        found = await queue().detail(viewer, path_id(request, HandoffNotFound, "handoff"), reveal=reveal)
        return web.json_response(handoff_json(found, reveal=reveal))

    async def claim(request: web.Request, viewer: Consultant) -> web.Response:
        await queue().claim(ClaimHandoff(viewer, path_id(request, HandoffNotFound, "handoff")))
        return await _detail(viewer, path_id(request, HandoffNotFound, "handoff"))

    async def answer(request: web.Request, viewer: Consultant) -> web.Response:
        handoff_id = path_id(request, HandoffNotFound, "handoff")
        body = await json_body(request)
        await queue().answer(AnswerCitizen(viewer, handoff_id, check_text(body.get("text"))))
        return await _detail(viewer, handoff_id)

    async def transfer(request: web.Request, viewer: Consultant) -> web.Response:
        handoff_id = path_id(request, HandoffNotFound, "handoff")
        body = await json_body(request)
        specialty, consultant, note = body.get("specialty"), body.get("consultant"), body.get("note")
        await queue().transfer(
            TransferHandoff(
                viewer,
                handoff_id,
                specialty=None if specialty is None else str(specialty),
                consultant=None if consultant is None else str(consultant),
                note=None if note is None else check_text(note, "note"),
            )
        )
        return await _after(viewer, handoff_id)

    async def appointment(request: web.Request, viewer: Consultant) -> web.Response:
        handoff_id = path_id(request, HandoffNotFound, "handoff")
        at = _aware_time((await json_body(request)).get("at"))
        await queue().appoint(SetAppointment(viewer, handoff_id, at))
        return await _detail(viewer, handoff_id)

    async def note(request: web.Request, viewer: Consultant) -> web.Response:
        handoff_id = path_id(request, HandoffNotFound, "handoff")
        text = check_text((await json_body(request)).get("text"))
        await queue().note(AddNote(viewer, handoff_id, text))
        return await _detail(viewer, handoff_id)

    async def return_to_bot(request: web.Request, viewer: Consultant) -> web.Response:
        handoff_id = path_id(request, HandoffNotFound, "handoff")
        await json_body(request, optional=True)
        await queue().return_to_bot(ReturnToBot(viewer, handoff_id))
        return await _after(viewer, handoff_id)

    async def close(request: web.Request, viewer: Consultant) -> web.Response:
        handoff_id = path_id(request, HandoffNotFound, "handoff")
        body = await json_body(request)
        outcome = cast(Outcome, check_outcome(body.get("outcome")))
        note = body.get("note")
        referral = read_referral(body.get("referral"), outcome, required=False)
        await queue().close(
            CloseHandoff(
                viewer, handoff_id, outcome, None if note is None else check_text(note, "note"), referral
            )
        )
        return await _after(viewer, handoff_id)

    async def specialties(request: web.Request, viewer: Consultant) -> web.Response:
        names = queue().routing.names
        return web.json_response({"items": [{"code": c, "name": n} for c, n in names.items()]})

    async def knowledge_items(request: web.Request, viewer: Consultant) -> web.Response:
        return web.json_response({"items": knowledge})

    async def notices(request: web.Request, viewer: Consultant) -> web.Response:
        return web.json_response({"items": [notice_json(n) for n in await queue().notices(viewer)]})

    async def stream(request: web.Request, viewer: Consultant) -> web.StreamResponse:
        return await stream_changes(request, live(), lambda: auth().still_logged_in(request))

    async def _detail(viewer: Consultant, handoff_id: int) -> web.Response:
        return web.json_response(handoff_json(await queue().detail(viewer, handoff_id)))

    async def _after(viewer: Consultant, handoff_id: int) -> web.Response:
        """The item after a change; after a transfer away the viewer may no longer read it."""
        try:
            return await _detail(viewer, handoff_id)
        except HandoffError:
            return web.json_response({"id": handoff_id, "moved": True})

    async def session_login(request: web.Request) -> web.StreamResponse:
        return await auth().login(request)

    async def session_show(request: web.Request) -> web.StreamResponse:
        return await auth().whoami(request)

    async def session_end(request: web.Request) -> web.StreamResponse:
        return await auth().logout(request)

    async def openapi_document(request: web.Request) -> web.Response:
        return web.json_response(openapi)

    api = web.Application(middlewares=[problems])
    base = "/handoffs/{id}"
    api.router.add_routes(
        [
            web.post("/session", session_login),
            web.get("/session", session_show),
            web.delete("/session", session_end),
            web.get("/openapi.json", openapi_document),
            web.get("/handoffs", guarded(list_items)),
            web.get("/handoffs/stream", guarded(stream)),
            web.get(base, guarded(show)),
            web.post(f"{base}/claim", guarded(claim)),
            web.post(f"{base}/messages", guarded(answer)),
            web.post(f"{base}/transfer", guarded(transfer)),
            web.post(f"{base}/appointment", guarded(appointment)),
            web.post(f"{base}/notes", guarded(note)),
            web.post(f"{base}/return-to-bot", guarded(return_to_bot)),
            web.post(f"{base}/close", guarded(close)),
            web.get("/specialties", guarded(specialties)),
            web.get("/knowledge", guarded(knowledge_items)),
            web.get("/notices", guarded(notices)),
        ]
    )
    api.router.add_routes(application_routes(applications, deliveries, guarded))
    api.router.add_routes(record_routes(records, guarded))
    api.router.add_routes(stats_routes(stats, guarded))
    api.router.add_routes(complaint_routes(guarded))
    api.router.add_routes(audit_routes(audit_log, guarded) + user_routes(users, guarded))
    return api


@web.middleware
async def problems(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Expected failures become JSON problems with the stable code (and the field for 422).
    Nothing the API answers is stored by a browser or a proxy: it is personal data."""
    response = await _problem_or(request, handler)
    if not response.prepared:
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
    return response


async def _problem_or(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except InvalidInput as exc:
        return problem(422, exc.code, str(exc), field=exc.field)
    except HandoffError as exc:
        return problem(exc.status, exc.code, str(exc))
    except LegalAidError as exc:  # 404/409/403 where the error says so; else e.g. an appointment in the past
        status = getattr(exc, "status", 422)
        return problem(status, exc.code, str(exc), field=getattr(exc, "field", None))
    except web.HTTPNotFound:
        return problem(404, "not_found", "no such resource")
    except web.HTTPMethodNotAllowed as exc:
        return problem(405, "method_not_allowed", f"use {', '.join(sorted(exc.allowed_methods))}")


def _aware_time(at: object) -> datetime:
    if not isinstance(at, str):
        raise InvalidHandoffInput("at", "at must be an ISO-8601 time with a zone")
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        raise InvalidHandoffInput("at", "at must be an ISO-8601 time with a zone") from None
    if when.tzinfo is None:
        raise InvalidHandoffInput("at", "at must include a time zone")
    return when
