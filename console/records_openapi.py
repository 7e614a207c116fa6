"""The OpenAPI paths of the consultation records (console/records_api.py): the list and its filters,
one record with its transcript, logging a phone or walk-in consultation, annotations, the export."""

from __future__ import annotations

from typing import Any

_STRING = {"type": "string"}
_NULLABLE = {"type": "string", "nullable": True}
_TIME = {"type": "string", "format": "date-time", "nullable": True}
_PROBLEM = {"type": "object", "properties": {"error": _STRING, "message": _STRING, "field": _STRING}}
_CSRF = {"name": "X-CSRF-Token", "in": "header", "required": True, "schema": _STRING}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


def _query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema or _STRING, "description": description}


FILTERS = [
    _query("from", "first day received, YYYY-MM-DD in the center's time zone", type="string", format="date"),
    _query("to", "last day received, inclusive", type="string", format="date"),
    _query("specialty", "a specialty code (GET /api/specialties)"),
    _query("consultant", "the username of the consultant who answered or logged it"),
    _query(
        "outcome", "a (guided to apply), b (advice given), c (referred); 002 §6.2 a–c", enum=["a", "b", "c"]
    ),
    _query(
        "breached", "true: a reply deadline was missed; false: the clock ran and was kept", type="boolean"
    ),
    _query("channel", "where the citizen came from", enum=["wechat", "phone", "walk_in"]),
    _query("satisfaction", "the citizen's rating", type="integer", minimum=1, maximum=5),
    _query(
        "q",
        "words of the transcript or of a logged summary (all of them, in one turn), found "
        "through the blind word index",
    ),
]
RECORD = _object(
    id={"type": "integer"},
    citizen={"type": "string", "description": "the citizen's alias (a keyed hash), never personal data"},
    channel={"type": "string", "enum": ["wechat", "phone", "walk_in"]},
    kind={"type": "string", "enum": ["online", "message", "phone", "on_site"], "nullable": True},
    intents={"type": "array", "items": _STRING, "description": "every intent the citizen raised, in order"},
    specialty=_NULLABLE,
    outcome={
        "type": "string",
        "enum": ["a", "b", "c"],
        "nullable": True,
        "description": "null: answered by the bot without an outcome, or not closed yet",
    },
    referral={**_NULLABLE, "description": "outcome c: the department or channel the citizen was told"},
    application_number={**_NULLABLE, "description": "outcome a: the application made in the chat"},
    consultant={**_NULLABLE, "description": "username of who answered (or logged) it; null: bot only"},
    received_at=_TIME,
    first_reply_at=_TIME,
    closed_at=_TIME,
    breached={"type": "boolean", "nullable": True, "description": "null: no reply clock applied"},
    satisfaction={"type": "integer", "nullable": True},
    quality_score={"type": "integer", "nullable": True},
)
TURN = _object(
    at=_TIME,
    author={"type": "string", "enum": ["citizen", "bot", "consultant"]},
    kind=_STRING,
    text={**_NULLABLE, "description": "phone and ID numbers masked unless reveal=1"},
)
ANNOTATION = _object(id={"type": "integer"}, at=_TIME, author=_STRING, text=_STRING)
DETAIL = {
    "allOf": [
        RECORD,
        _object(
            status={"type": "string", "enum": ["open", "waiting_human", "closed"]},
            ended_by={"type": "string", "nullable": True, "enum": ["consultant", "silence", "logged"]},
            logged_by=_NULLABLE,
            identity={
                "type": "object",
                "nullable": True,
                "properties": {"name": _NULLABLE, "phone": _NULLABLE},
                "description": "name and phone as given (masked unless reveal=1); null when none",
            },
            identity_refused={"type": "boolean", "nullable": True},
            summary={**_NULLABLE, "description": "what a phone or walk-in consultation was about"},
            satisfaction_comment=_NULLABLE,
            quality_checks={"type": "array", "nullable": True, "items": {"type": "object"}},
            transcript={"type": "array", "items": TURN},
            annotations={"type": "array", "items": ANNOTATION},
        ),
    ]
}
LOGGED = _object(
    channel={"type": "string", "enum": ["phone", "walk_in"]},
    received_at={
        "type": "string",
        "format": "date-time",
        "description": "with a time zone; not in the future",
    },
    specialty=_STRING,
    summary=_STRING,
    outcome={"type": "string", "enum": ["a", "b", "c"]},
    referral={**_STRING, "description": "required with outcome c"},
    name=_STRING,
    phone={**_STRING, "description": "a mobile number, or a fixed line with its area code"},
    identity_refused={"type": "boolean", "description": "true when the citizen would not say (002 §6.2 f)"},
)
_REFUSED = {
    "401": {"description": "not logged in"},
    "422": {"description": "an invalid filter or field, named in `field`", "content": _json(_PROBLEM)},
}


def records_paths() -> dict[str, Any]:
    base = "/api/consultations/{id}"
    page = [
        _query("limit", "page size (default 100, at most 500)", type="integer", minimum=1, maximum=500),
        _query("offset", "records to skip", type="integer", minimum=0),
    ]
    return {
        "/api/consultations": {
            "get": {
                "summary": "Consultation records, newest first, bot-only ones included (every role; a "
                "consultant sees those they answered or logged)",
                "parameters": FILTERS + page,
                "responses": {
                    "200": {
                        "description": "one page and the total the filters match",
                        "content": _json(
                            _object(items={"type": "array", "items": RECORD}, total={"type": "integer"})
                        ),
                    },
                    **_REFUSED,
                },
            },
            "post": {
                "summary": "Log a phone or walk-in consultation (every role); closed at once, no reply clock",
                "parameters": [_CSRF],
                "requestBody": {"required": True, "content": _json(LOGGED)},
                "responses": {
                    "201": {"description": "the record", "content": _json(DETAIL)},
                    "403": {"description": "CSRF token missing", "content": _json(_PROBLEM)},
                    **_REFUSED,
                },
            },
        },
        "/api/consultations/export": {
            "get": {
                "summary": "The filtered records as a file (supervisors and admins; audited with the "
                "filters and the count): CSV in UTF-8 with a BOM, or XLSX; Chinese headers",
                "parameters": [
                    _query("format", "the file's format", enum=["csv", "xlsx"]),
                    *FILTERS,
                ],
                "responses": {
                    "200": {"description": "text/csv or the XLSX type, as an attachment"},
                    "403": {"description": "consultants may not export"},
                    **_REFUSED,
                },
            }
        },
        base: {
            "get": {
                "summary": "One record with its transcript, annotations and identity (audited as "
                "view_consultation); phone and ID numbers masked unless reveal=1",
                "parameters": [_ID, _query("reveal", "1 to show numbers unmasked", type="boolean")],
                "responses": {
                    "200": {"description": "the record", "content": _json(DETAIL)},
                    "404": {"description": "no such record, or not one the viewer may read"},
                    **_REFUSED,
                },
            }
        },
        f"{base}/annotations": {
            "post": {
                "summary": "Annotate a record (supervisors and admins; sealed, audited)",
                "parameters": [_ID, _CSRF],
                "requestBody": {"required": True, "content": _json(_object(text=_STRING))},
                "responses": {
                    "201": {
                        "description": "the new annotation and all of the record's",
                        "content": _json(
                            {
                                "allOf": [
                                    ANNOTATION,
                                    _object(annotations={"type": "array", "items": ANNOTATION}),
                                ]
                            }
                        ),
                    },
                    "403": {"description": "consultants may not annotate, or CSRF token missing"},
                    "404": {"description": "no such record"},
                    **_REFUSED,
                },
            }
        },
    }
