"""The OpenAPI paths of the audit log (supervisors) and of console accounts (admins)."""

from __future__ import annotations

from typing import Any

_STRING = {"type": "string"}
_PROBLEM = {
    "type": "object",
    "properties": {"error": _STRING, "message": _STRING, "field": _STRING},
}
_CSRF = {"name": "X-CSRF-Token", "in": "header", "required": True, "schema": _STRING}
_NAME = {"name": "name", "in": "path", "required": True, "schema": _STRING}
_REFUSED = {
    "401": {"description": "not logged in"},
    "403": {
        "description": "the role may not (or CSRF token missing)",
        "content": {"application/json": {"schema": _PROBLEM}},
    },
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _object(**properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


def _query(name: str, description: str, schema: dict[str, Any] = _STRING) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}


ENTRY = _object(
    id={"type": "integer"},
    at={"type": "string", "format": "date-time"},
    actor={
        "type": "string",
        "nullable": True,
        "description": "the account's username; null: the service itself",
    },
    action=_STRING,
    object_type=_STRING,
    object_id=_STRING,
    detail={"type": "object", "nullable": True, "description": "what the look or change covered"},
    address={"type": "string", "nullable": True, "description": "the client address of the request"},
)
ACCOUNT = _object(
    username=_STRING,
    role={"type": "string", "enum": ["consultant", "supervisor", "admin"]},
    specialties={"type": "array", "items": _STRING},
    active={"type": "boolean"},
    created_at={"type": "string", "format": "date-time"},
)
FILTERS = [
    _query("from", "first day, YYYY-MM-DD in the center's time zone"),
    _query("to", "last day (inclusive)"),
    _query("actor", "a username"),
    _query("action", "e.g. view_handoff, export_audit, create_account, anonymise_records"),
    _query("object_type", "e.g. handoff, application, consultation, consultant"),
    _query("object_id", "with object_type: who looked at this one"),
]


def _account_change(summary: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary + " (admins; audited)",
        "parameters": [_NAME, _CSRF],
        "responses": {
            "200": {"description": "the account after the change", "content": _json(ACCOUNT)},
            **_REFUSED,
            "404": {"description": "no such account", "content": _json(_PROBLEM)},
            "409": {"description": "last_admin: it would leave no active admin", "content": _json(_PROBLEM)},
            "422": {"description": "invalid field (named in `field`)", "content": _json(_PROBLEM)},
        },
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": _json(body)}
    return {"post": operation}


def admin_paths() -> dict[str, Any]:
    """The audit log's and the accounts' paths, merged into console/openapi.py."""
    one = "/api/users/{name}"
    return {
        "/api/audit": {
            "get": {
                "summary": "The audit log, newest first (supervisors and admins; the read is audited)",
                "parameters": [
                    *FILTERS,
                    _query(
                        "before", "an entry id: the page older than it (next_before)", {"type": "integer"}
                    ),
                    _query("limit", "entries per page, 1-500 (100)", {"type": "integer"}),
                ],
                "responses": {
                    "200": {
                        "description": "a page; next_before is null on the last one",
                        "content": _json(
                            _object(
                                items={"type": "array", "items": ENTRY},
                                next_before={"type": "integer", "nullable": True},
                            )
                        ),
                    },
                    **_REFUSED,
                    "422": {"description": "a bad filter, named in `field`", "content": _json(_PROBLEM)},
                },
            }
        },
        "/api/audit/export": {
            "get": {
                "summary": "What the filters select as CSV, UTF-8 with a BOM (supervisors and admins; audited)",
                "parameters": [_query("format", "csv"), *FILTERS],
                "responses": {"200": {"description": "text/csv, as an attachment"}, **_REFUSED},
            }
        },
        "/api/users": {
            "get": {
                "summary": "Console accounts (admins)",
                "responses": {
                    "200": {
                        "description": "items",
                        "content": _json(_object(items={"type": "array", "items": ACCOUNT})),
                    },
                    **_REFUSED,
                },
            },
            "post": {
                "summary": "Create an account (admins; audited); the password as `legalaid user add` "
                "requires: 8-256 characters, 5 different, not the username, not a common one",
                "parameters": [_CSRF],
                "requestBody": {
                    "required": True,
                    "content": _json(
                        _object(
                            username=_STRING,
                            password=_STRING,
                            role=_STRING,
                            specialties={"type": "array", "items": _STRING},
                        )
                    ),
                },
                "responses": {
                    "201": {"description": "the account", "content": _json(ACCOUNT)},
                    **_REFUSED,
                    "409": {"description": "account_exists", "content": _json(_PROBLEM)},
                    "422": {"description": "invalid field (named in `field`)", "content": _json(_PROBLEM)},
                },
            },
        },
        f"{one}/disable": _account_change("Disable the account; its sessions end at once"),
        f"{one}/enable": _account_change("Enable the account again (old sessions stay ended)"),
        f"{one}/password": _account_change(
            "Reset the password; every session of the account ends", _object(password=_STRING)
        ),
        f"{one}/roles": _account_change(
            "Set role and queues (a consultant or supervisor without queues gets the default one)",
            _object(role=_STRING, specialties={"type": "array", "items": _STRING}),
        ),
    }
