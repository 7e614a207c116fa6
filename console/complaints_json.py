"""The console's JSON for complaints: personal values masked unless the viewer chose to reveal them.

A complaint's text and reply may hold a phone or ID number (masked like a transcript's), and a
staff-entered complainant's name and phone are personal: the name keeps its family name, the phone
its first and last digits. The call staff must make after replying shows the whole phone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.applications.domain.answers import mask_name
from bot.privacy.masking import mask_personal_numbers
from bot.records.complaints import ComplaintView, Replied


def complaint_json(view: ComplaintView, *, reveal: bool = False) -> dict[str, Any]:
    r = view.record
    shown = _as_written if reveal else mask_personal_numbers
    name, phone = r.contact.get("name"), r.contact.get("phone")
    return {
        "id": r.id,
        "source": r.source,
        "status": r.status,
        "citizen": r.citizen,
        "consultation_id": r.consultation_id,
        "handoff_id": r.handoff_id,
        "name": None if name is None else (name if reveal else mask_name(name)),
        "phone": None if phone is None else shown(phone),
        "text": shown(r.text),
        "received_at": _iso(r.received_at),
        "due_at": _iso(r.due_at),
        "breached": view.breached,
        "breached_at": _iso(r.breached_at),
        "assignee": r.assignee,
        "entered_by": r.entered_by,
        "reply": None if r.reply is None else shown(r.reply),
        "replied_at": _iso(r.replied_at),
        "replied_by": r.replied_by,
        "tell": view.telling,
        "told_status": r.told_status,
        "masked": not reveal,
    }


def replied_json(replied: Replied) -> dict[str, Any]:
    """After the reply: what happens next for the complainant (a WeChat message, or a call to make)."""
    view = replied.view
    body = complaint_json(view, reveal=False)
    if view.telling == "call":
        body["call"] = view.record.contact.get("phone")  # the number to ring with the result
    body["delivery"] = None if replied.delivery_status is None else {"status": replied.delivery_status}
    return body


def _as_written(text: str) -> str:
    return text


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()
