"""The OpenAPI document for the console's JSON API (served at /api/openapi.json)."""

from __future__ import annotations

from typing import Any

from bot.applications.domain.lifecycle import STATUSES
from console.admin_openapi import admin_paths
from console.complaints_openapi import complaint_paths
from console.records_openapi import records_paths
from console.stats_openapi import stats_paths

_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_PROBLEM = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}},
}


def _action(summary: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": [
            _ID,
            {"name": "X-CSRF-Token", "in": "header", "required": True, "schema": {"type": "string"}},
        ],
        "responses": {
            "200": {
                "description": "the item after the change",
                "content": _json({"$ref": "#/components/schemas/HandoffDetail"}),
            },
            "401": {"description": "not logged in"},
            "403": {"description": "not allowed, or CSRF token missing", "content": _json(_PROBLEM)},
            "404": {"description": "no such handoff", "content": _json(_PROBLEM)},
            "409": {"description": "claimed by someone else, or closed", "content": _json(_PROBLEM)},
            "422": {"description": "invalid field (named in `field`)", "content": _json(_PROBLEM)},
        },
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": _json(body)}
    return {"post": operation}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _object(**properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


STRING = {"type": "string"}
ITEM = _object(
    id={"type": "integer"},
    status={"type": "string", "enum": ["open", "claimed", "closed"]},
    citizen={"type": "string", "description": "the citizen's alias (a keyed hash), never personal data"},
    specialty=STRING,
    specialty_name=STRING,
    kind={"type": "string", "enum": ["online", "message"]},
    reason=STRING,
    deadline_at={"type": "string", "format": "date-time"},
    deadline_running={
        "type": "boolean",
        "description": "a reply is due by deadline_at (false once the consultant answered)",
    },
    breached={"type": "boolean"},
    assignee={"type": "string", "nullable": True},
    last_message={"type": "object", "nullable": True, "description": "the citizen's latest words"},
    awaiting_reply={"type": "boolean", "description": "the citizen wrote after the last answer"},
    packet=_object(
        intent=STRING, reason=STRING, summary=STRING, screening={"type": "object", "nullable": True}
    ),
)


def openapi_document() -> dict[str, Any]:
    base = "/api/handoffs/{id}"
    return {
        "openapi": "3.0.3",
        "info": {"title": "Legal aid consultation: console API", "version": "1"},
        "paths": {
            "/api/session": {
                "post": {
                    "summary": "Log in; sets an HttpOnly session cookie and returns the CSRF token",
                    "requestBody": {
                        "required": True,
                        "content": _json(_object(username=STRING, password=STRING)),
                    },
                    "responses": {
                        "200": {"description": "logged in", "content": _json(_object(csrf_token=STRING))},
                        "401": {"description": "wrong username or password (no hint which)"},
                        "429": {"description": "too many failed attempts"},
                    },
                },
                "get": {
                    "summary": "The current session",
                    "responses": {
                        "200": {"description": "logged in"},
                        "401": {"description": "not logged in"},
                    },
                },
                "delete": {"summary": "Log out", "responses": {"200": {"description": "logged out"}}},
            },
            "/api/handoffs": {
                "get": {
                    "summary": "The queue",
                    "parameters": [
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["open", "claimed", "closed"]},
                        },
                        {"name": "specialty", "in": "query", "schema": STRING},
                        {"name": "breached", "in": "query", "schema": {"type": "boolean"}},
                        {"name": "openid", "in": "query", "schema": STRING},
                    ],
                    "responses": {
                        "200": {
                            "description": "items",
                            "content": _json(_object(items={"type": "array", "items": ITEM})),
                        }
                    },
                }
            },
            "/api/handoffs/stream": {
                "get": {
                    "summary": "Server-Sent Events: `event: handoff`, data {type, handoff_id}",
                    "responses": {"200": {"description": "text/event-stream"}},
                }
            },
            base: {
                "get": {
                    "summary": "One item with its full transcript (audited); phone and ID numbers "
                    "are masked unless reveal=true, which is audited as its own look",
                    "parameters": [
                        _ID,
                        {"name": "reveal", "in": "query", "schema": {"type": "boolean"}},
                    ],
                    "responses": {
                        "200": {
                            "description": "the item",
                            "content": _json({"$ref": "#/components/schemas/HandoffDetail"}),
                        },
                        "404": {"description": "no such handoff"},
                    },
                }
            },
            f"{base}/claim": _action("Claim the item (first claim wins)"),
            f"{base}/messages": _action(
                "Answer the citizen (sent as a customer-service message)", _object(text=STRING)
            ),
            f"{base}/transfer": _action(
                "Transfer to a specialty or a consultant",
                _object(specialty=STRING, consultant=STRING, note=STRING),
            ),
            f"{base}/appointment": _action(
                "Promise an answer at a time (002 §6.2 e)",
                _object(at={"type": "string", "format": "date-time"}),
            ),
            f"{base}/notes": _action("Add a private note", _object(text=STRING)),
            f"{base}/return-to-bot": _action("Return the citizen to the bot"),
            f"{base}/close": _action(
                "Close with an outcome: a, b or c (002 §6.2 a–c)",
                _object(outcome={"type": "string", "enum": ["a", "b", "c"]}, note=STRING),
            ),
            "/api/specialties": {
                "get": {"summary": "The queues", "responses": {"200": {"description": "items"}}}
            },
            "/api/knowledge": {
                "get": {
                    "summary": "Answers a consultant can insert",
                    "responses": {"200": {"description": "items"}},
                }
            },
            "/api/notices": {
                "get": {
                    "summary": "My reminders and escalations",
                    "responses": {"200": {"description": "items"}},
                }
            },
            **_application_paths(),
            **records_paths(),
            **stats_paths(),
            **complaint_paths(),
            **admin_paths(),
        },
        "components": {
            "schemas": {
                "HandoffDetail": {
                    "allOf": [
                        ITEM,
                        _object(
                            transcript={"type": "array", "items": {"type": "object"}},
                            notes={"type": "array", "items": {"type": "object"}},
                            events={"type": "array", "items": {"type": "object"}},
                        ),
                    ]
                }
            }
        },
    }


_NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}
_CSRF = {"name": "X-CSRF-Token", "in": "header", "required": True, "schema": STRING}
APPLICATION = _object(
    number=STRING,
    status={"type": "string", "enum": list(STATUSES[1:])},
    matter=STRING,
    matter_name=STRING,
    district=STRING,
    submitted_at={"type": "string", "format": "date-time"},
    decision_due_at={"type": "string", "format": "date-time", "nullable": True},
    missing={"type": "array", "items": STRING, "description": "material kinds still missing"},
    deadline={
        "type": "string",
        "enum": ["none", "ok", "due_soon", "breached"],
        "description": "the decision deadline's colour (none: no decision clock runs)",
    },
)


def _application_change(summary: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "parameters": [_NUMBER, _CSRF],
            "requestBody": {"required": True, "content": _json(body)},
            "responses": {
                "200": {
                    "description": "the new status; `delivery` says whether the citizen's message went out",
                    "content": _json(_object(number=STRING, status=STRING, delivery=STRING)),
                },
                "401": {"description": "not logged in"},
                "403": {"description": "the role may not, or CSRF token missing", "content": _json(_PROBLEM)},
                "404": {"description": "no such application", "content": _json(_PROBLEM)},
                "409": {
                    "description": "someone else changed it first, the status does not allow it, "
                    "or a materials notice already stands",
                    "content": _json(_PROBLEM),
                },
                "422": {"description": "invalid field (named in `field`)", "content": _json(_PROBLEM)},
            },
        }
    }


def _application_paths() -> dict[str, Any]:
    base = "/api/applications/{number}"
    query = [{"name": name, "in": "query", "schema": STRING} for name in ("status", "district", "matter")]
    return {
        "/api/applications": {
            "get": {
                "summary": "Submitted applications, without personal data (any logged-in role)",
                "parameters": query,
                "responses": {
                    "200": {
                        "description": "items, and the values the filters and forms offer",
                        "content": _json(
                            _object(items={"type": "array", "items": APPLICATION}, choices={"type": "object"})
                        ),
                    },
                    "422": {"description": "unknown status, district or matter", "content": _json(_PROBLEM)},
                },
            }
        },
        base: {
            "get": {
                "summary": "One application with decrypted particulars, history and documents "
                "(consultants and supervisors; audited)",
                "parameters": [_NUMBER],
                "responses": {
                    "200": {"description": "the application", "content": _json(APPLICATION)},
                    "403": {"description": "the role may not read applications"},
                    "404": {"description": "no such application"},
                },
            }
        },
        f"{base}/documents/{{id}}": {
            "get": {
                "summary": "A document's bytes, decrypted on the fly, with its content type (audited; no-store)",
                "parameters": [_NUMBER, _ID],
                "responses": {"200": {"description": "the image or file"}, "404": {"description": "none"}},
            }
        },
        f"{base}/request-materials": _application_change(
            "The one-time notice of missing materials (002 §7.4.2 d): kinds or short lines, in one message "
            "(consultants and supervisors)",
            _object(items={"type": "array", "items": STRING}),
        ),
        f"{base}/decision": _application_change(
            "Grant or refuse legal aid; a refusal needs a reason (supervisors)",
            _object(approved={"type": "boolean"}, reason=STRING),
        ),
        f"{base}/status": _application_change(
            "Move by the lifecycle table: under_review, assigned, closed, terminated (reason: a 002 §7.4.9 c "
            "ground), withdrawn (with a reason) (supervisors)",
            _object(status=STRING, reason=STRING),
        ),
    }
