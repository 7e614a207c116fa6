"""The console's JSON for applications: the list (no personal data), one application, the choices.

The use case returns plain values with datetimes; only here do they become ISO-8601 strings.
The list carries codes and times only, so it may be shown on any screen without an audit entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.applications.review import ApplicationFile, Changed, Choices, ListedApplication


def listed_json(app: ListedApplication) -> dict[str, Any]:
    return {
        "number": app.number,
        "status": app.status,
        "matter": app.matter,
        "matter_name": app.matter_name,
        "district": app.district,
        "submitted_at": _iso(app.submitted_at),
        "decision_due_at": _iso(app.decision_due_at),
        "missing": list(app.missing),
        "deadline": app.deadline,
    }


def application_json(found: ApplicationFile) -> dict[str, Any]:
    number = found.listed.number
    return listed_json(found.listed) | {
        "economic_route": found.economic_route,
        "particulars": found.particulars,
        "materials_notice_at": _iso(found.materials_notice_at),
        "complete_at": _iso(found.complete_at),
        "decided_at": _iso(found.decided_at),
        "history": [
            {
                "at": _iso(event["at"]),
                "actor": event["actor"],
                "action": event["action"],
                "from_status": event["from_status"],
                "to_status": event["to_status"],
                "reason": event["reason"],
            }
            for event in found.history
        ],
        "documents": [
            {
                "id": doc.id,
                "kind": doc.kind,
                "received_at": _iso(doc.received_at),
                "content_type": doc.content_type,
                "size": doc.size,
                "available": doc.fetched_at is not None,
                "url": f"/api/applications/{number}/documents/{doc.id}",
            }
            for doc in found.documents
        ],
        "allowed": {
            "request_materials": found.may_request_materials,
            "decide": found.may_decide,
            "statuses": list(found.moves),
        },
    }


def choices_json(choices: Choices) -> dict[str, Any]:
    return {
        "statuses": list(choices.statuses),
        "districts": list(choices.districts),
        "matters": [{"code": code, "name": name} for code, name in choices.matters.items()],
        "kinds": list(choices.kinds),
        "termination_reasons": list(choices.termination_reasons),
    }


def changed_json(changed: Changed, delivery: list[str]) -> dict[str, Any]:
    """After a change: the new status, and whether the citizen's message went out (sent) or waits."""
    return {"number": changed.number, "status": changed.status, "delivery": delivery[0] if delivery else None}


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None
