"""The complaints routes in the OpenAPI document (console/openapi.py adds them with one line)."""

from __future__ import annotations

from typing import Any

from bot.records.domain.complaints import STATUSES

_STRING = {"type": "string"}
_TIME = {"type": "string", "format": "date-time"}
_NULLABLE = {"type": "string", "nullable": True}
_PROBLEM = {
    "type": "object",
    "properties": {"error": _STRING, "message": _STRING, "field": _STRING},
}
_CSRF = {"name": "X-CSRF-Token", "in": "header", "required": True, "schema": _STRING}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_SUPERVISORS = " (supervisors and admins; a consultant gets 403)"
COMPLAINT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "source": {"type": "string", "enum": ["chat", "staff"]},
        "status": {"type": "string", "enum": list(STATUSES)},
        "citizen": {"type": "string", "nullable": True, "description": "a chat complainant's alias"},
        "consultation_id": {"type": "integer", "nullable": True},
        "handoff_id": {"type": "integer", "nullable": True},
        "name": _NULLABLE,
        "phone": _NULLABLE,
        "text": {"type": "string", "description": "phone and ID numbers masked unless reveal=true"},
        "received_at": _TIME,
        "due_at": {**_TIME, "description": "the end of the Nth working day (data/complaints.yml)"},
        "breached": {"type": "boolean"},
        "breached_at": {**_TIME, "nullable": True},
        "assignee": _NULLABLE,
        "entered_by": _NULLABLE,
        "reply": _NULLABLE,
        "replied_at": {**_TIME, "nullable": True},
        "replied_by": _NULLABLE,
        "tell": {
            "type": "string",
            "enum": ["wechat", "call", "none"],
            "description": "how the complainant hears the result",
        },
        "told_status": {"type": "string", "nullable": True, "description": "the WeChat message's delivery"},
    },
}


def _responses(ok: tuple[str, str, dict[str, Any]], *extra: tuple[str, str]) -> dict[str, Any]:
    """The success answer (code, description, schema) and the failures every complaints route shares."""
    code, description, schema = ok
    answers: dict[str, Any] = {
        code: {"description": description, "content": _json(schema)},
        "401": {"description": "not logged in"},
        "403": {"description": "not a supervisor, or CSRF token missing", "content": _json(_PROBLEM)},
        "422": {
            "description": "invalid field (named in `field`); nothing is written",
            "content": _json(_PROBLEM),
        },
    }
    return answers | {status: {"description": what, "content": _json(_PROBLEM)} for status, what in extra}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def complaint_paths() -> dict[str, Any]:
    entered = {
        "type": "object",
        "required": ["text"],
        "properties": {
            "text": _STRING,
            "name": _STRING,
            "phone": _STRING,
            "consultation_id": {"type": "integer"},
            "assignee": {"type": "string", "description": "a console username"},
        },
    }
    listing = {"type": "object", "properties": {"items": {"type": "array", "items": COMPLAINT}}}
    return {
        "/api/complaints": {
            "get": {
                "summary": "Complaints by due time, with their breach (audited)" + _SUPERVISORS,
                "parameters": [
                    {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(STATUSES)}},
                    {"name": "breached", "in": "query", "schema": {"type": "boolean"}},
                    {"name": "reveal", "in": "query", "schema": {"type": "boolean"}},
                ],
                "responses": _responses(("200", "items", listing)),
            },
            "post": {
                "summary": "Enter a complaint taken by phone, in person or by letter (audited)"
                + _SUPERVISORS,
                "parameters": [_CSRF],
                "requestBody": {"required": True, "content": _json(entered)},
                "responses": _responses(("201", "the complaint, due N working days from today", COMPLAINT)),
            },
        },
        "/api/complaints/{id}/reply": {
            "post": {
                "summary": "Record the outcome once; a chat complainant is told in WeChat, a phone "
                "complainant is to be called (`call`)" + _SUPERVISORS,
                "parameters": [_ID, _CSRF],
                "requestBody": {
                    "required": True,
                    "content": _json({"type": "object", "properties": {"text": _STRING}}),
                },
                "responses": _responses(
                    (
                        "200",
                        "the replied complaint, with `delivery` (WeChat) or `call` (the number to ring)",
                        COMPLAINT,
                    ),
                    ("404", "no such complaint"),
                    ("409", "replied to already"),
                ),
            }
        },
    }
