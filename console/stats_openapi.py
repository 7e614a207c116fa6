"""The OpenAPI paths of the dashboard and the quality review (console/stats_api.py)."""

from __future__ import annotations

from typing import Any

from console.stats_charts import CHARTS

_STRING = {"type": "string"}
_NUMBER = {"type": "number", "nullable": True}
_COUNT = {"type": "integer"}
_PROBLEM = {
    "type": "object",
    "properties": {"error": _STRING, "message": _STRING, "field": _STRING},
}
_PERIOD = [
    {
        "name": "from",
        "in": "query",
        "schema": {"type": "string", "format": "date"},
        "description": "first day, YYYY-MM-DD in the center's time zone (default: 29 days before `to`)",
    },
    {
        "name": "to",
        "in": "query",
        "schema": {"type": "string", "format": "date"},
        "description": "last day, inclusive (default: today); at most 366 days in all",
    },
]
_REFUSED = {
    "401": {"description": "not logged in"},
    "403": {"description": "consultants may not (supervisors and admins only)"},
    "422": {"description": "a bad date or period (the field is named)"},
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


_COMPLIANCE = _object(met=_COUNT, breached=_COUNT, pending=_COUNT, rate=_NUMBER)
STATS = _object(
    **{"from": _STRING, "to": _STRING},
    timezone=_STRING,
    volumes=_object(
        total=_COUNT,
        by_day={"type": "array", "items": _object(day=_STRING, count=_COUNT)},
        by_specialty={"type": "array", "items": _object(specialty=_STRING, name=_STRING, count=_COUNT)},
        by_channel={"type": "object", "additionalProperties": _COUNT},
        by_kind={"type": "object", "additionalProperties": _COUNT},
    ),
    deadlines=_object(online=_COMPLIANCE, message=_COMPLIANCE),
    first_response=_object(count=_COUNT, p50=_NUMBER, p90=_NUMBER, p95=_NUMBER, unit=_STRING),
    now=_object(at=_STRING, open=_COUNT, waiting=_COUNT, claimed=_COUNT, breached=_COUNT),
    satisfaction=_object(
        asked=_COUNT,
        answered=_COUNT,
        rate=_NUMBER,
        average=_NUMBER,
        distribution={"type": "object", "additionalProperties": _COUNT},
    ),
    outcomes=_object(a=_COUNT, b=_COUNT, c=_COUNT, none=_COUNT),
    quality=_object(
        scored=_COUNT,
        average=_NUMBER,
        reviewed=_COUNT,
        review_average=_NUMBER,
        by_consultant={"type": "array", "items": {"type": "object"}},
    ),
)


def stats_paths() -> dict[str, Any]:
    """The paths, merged into console/openapi.py's document."""
    return {
        "/api/stats": {
            "get": {
                "summary": "The dashboard's figures for a period: volumes by day, specialty, channel and "
                "kind; deadline compliance (online 5 h, message 24 h); first-response percentiles in "
                "minutes (first human reply minus the first handoff's opening); handoffs open and "
                "breached now; satisfaction; outcomes; quality scores (supervisors and admins)",
                "parameters": _PERIOD,
                "responses": {"200": {"description": "the figures", "content": _json(STATS)}, **_REFUSED},
            }
        },
        "/api/stats/charts/{name}.svg": {
            "get": {
                "summary": "One chart of the same figures as an SVG image (no script, no CDN)",
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": {"enum": list(CHARTS)}},
                    *_PERIOD,
                ],
                "responses": {
                    "200": {"description": "image/svg+xml"},
                    "404": {"description": "no such chart"},
                    **_REFUSED,
                },
            }
        },
        "/api/quality/sample": {
            "get": {
                "summary": "A week's random review sample, N per consultant (data/quality.yml), drawn "
                "when first opened; with the rubric (audited)",
                "parameters": [
                    {
                        "name": "week",
                        "in": "query",
                        "schema": {"type": "string", "example": "2026-W49"},
                        "description": "an ISO week that has begun (default: the last whole week)",
                    }
                ],
                "responses": {"200": {"description": "the sample"}, **_REFUSED},
            }
        },
        "/api/quality/reviews/{id}": {
            "post": {
                "summary": "Review one sampled consultation against the rubric (audited; a later "
                "review replaces it; nobody reviews their own consultation)",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                    {"name": "X-CSRF-Token", "in": "header", "required": True, "schema": _STRING},
                ],
                "requestBody": {
                    "required": True,
                    "content": _json(
                        _object(
                            score={"type": "integer", "minimum": 0, "maximum": 100},
                            rubric={"type": "object", "additionalProperties": {"type": "integer"}},
                            note=_STRING,
                        )
                    ),
                },
                "responses": {
                    "200": {"description": "the sampled consultation with its review"},
                    "403": {
                        "description": "a consultant, or the reviewer's own consultation",
                        "content": _json(_PROBLEM),
                    },
                    "404": {"description": "no such sampled consultation"},
                    "401": {"description": "not logged in"},
                    "422": {"description": "bad score, rubric or note (the field is named)"},
                },
            }
        },
    }
