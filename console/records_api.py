"""The consultation records' routes of the console API (interfaces.md "Records, review and audit
API"): the list, one record, logging a phone or walk-in consultation, annotations, the export.

Only translates HTTP: the query and body into the use cases' values (bot/records/), their
results into JSON (console/records_json.py) or a file. The list, one record and the log serve
every role (a consultant sees their own records); annotations and the export serve supervisors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from aiohttp import web

from bot.errors import InvalidInput
from bot.records.consultations import ConsultationNotFound, ConsultationRecords
from bot.records.domain.filters import read_filter, read_page
from bot.records.export import RecordExport
from bot.workdays.duty import Consultant
from console.auth import SUPERVISORS, Guard
from console.bodies import json_body, path_id
from console.records_json import annotated_json, record_json, record_line_json


@dataclass(frozen=True, slots=True)
class RecordServices:
    records: ConsultationRecords
    export: RecordExport


def record_routes(services: Callable[[], RecordServices], guarded: Guard) -> list[web.RouteDef]:
    async def list_records(request: web.Request, viewer: Consultant) -> web.Response:
        records = services().records
        filters = read_filter(request.query, records.tz)
        found = await records.search(viewer, filters, read_page(request.query))
        return web.json_response({"items": [record_line_json(i) for i in found.items], "total": found.total})

    async def show(request: web.Request, viewer: Consultant) -> web.Response:
        reveal = _reveal(request.query.get("reveal"))
        found = await services().records.view(
            viewer, path_id(request, ConsultationNotFound, "consultation"), reveal=reveal
        )
        return web.json_response(record_json(found, reveal=reveal))

    async def log(request: web.Request, viewer: Consultant) -> web.Response:
        found = await services().records.log(viewer, await json_body(request))
        return web.json_response(record_json(found), status=201)

    async def annotate(request: web.Request, viewer: Consultant) -> web.Response:
        consultation_id = path_id(request, ConsultationNotFound, "consultation")
        body = await json_body(request)
        annotated = await services().records.annotate(viewer, consultation_id, body.get("text"))
        return web.json_response(annotated_json(annotated), status=201)

    async def export(request: web.Request, viewer: Consultant) -> web.Response:
        service = services()
        filters = read_filter(request.query, service.records.tz)
        file = await service.export.export(viewer, filters, request.query.get("format", ""))
        return web.Response(
            body=file.content,
            headers={
                "Content-Type": file.content_type,
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(file.filename)}",
                "Cache-Control": "no-store",
            },
        )

    base = "/consultations/{id}"
    return [
        web.get("/consultations", guarded(list_records)),
        web.post("/consultations", guarded(log)),
        web.get("/consultations/export", guarded(export, SUPERVISORS)),  # before {id}, which would take it
        web.get(base, guarded(show)),
        web.post(f"{base}/annotations", guarded(annotate, SUPERVISORS)),
    ]


def _reveal(value: str | None) -> bool:
    if value in (None, "", "0", "false"):
        return False
    if value in ("1", "true"):
        return True
    raise InvalidInput("reveal", "reveal must be 1 or 0")
