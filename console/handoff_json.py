"""The console's JSON for each resource, in one place (shared/spec/interfaces.md fixes the fields).

Use cases return plain values with datetimes; only here do they become ISO-8601 strings.
Phone, ID and card numbers in what citizens and consultants wrote are masked here unless the
viewer asked to open them (`reveal`, which the queue audits as a look at personal data).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.privacy.masking import mask_in, mask_personal_numbers
from bot.store.queue_views import HandoffView, LastMessage, Notice, QueueItem, TranscriptLine


def queue_item_json(item: QueueItem, *, reveal: bool = False) -> dict[str, Any]:
    shown = _shown(reveal)
    return {
        "id": item.id,
        "status": item.status,
        "citizen": item.citizen,
        "specialty": item.specialty,
        "kind": item.kind,
        "reason": item.reason,
        "deadline_at": _iso(item.deadline_at),
        "deadline_running": item.deadline_running,
        "breached": item.breached,
        "breached_at": _iso(item.breached_at),
        "appointment_at": _iso(item.appointment_at),
        "assignee": item.assignee,
        "opened_at": _iso(item.opened_at),
        "claimed_at": _iso(item.claimed_at),
        "first_reply_at": _iso(item.first_reply_at),
        "closed_at": _iso(item.closed_at),
        "ended_by": item.ended_by,
        "outcome": item.outcome,
        "outcome_note": None if item.outcome_note is None else shown(item.outcome_note),
        "last_message": _last_message_json(item.last_message, shown),
        "awaiting_reply": item.awaiting_reply,
        "packet": {
            "intent": item.intent,
            "reason": item.reason,
            "summary": shown(item.summary),
            "screening": item.screening,
            "last_messages": item.last_messages if reveal else mask_in(item.last_messages),
        },
        "specialty_name": item.specialty_name,
    }


def handoff_json(view: HandoffView, *, reveal: bool = False) -> dict[str, Any]:
    """One item with its transcript, history, notes and what the viewer may do.

    `masked` tells the console whether opening the numbers would show more.
    """
    shown = _shown(reveal)
    body = queue_item_json(view.item, reveal=reveal)
    body["transcript"] = [_line_json(line, shown) for line in view.transcript]
    body["events"] = [
        {"kind": e.kind, "at": _iso(e.at), "by": e.by, "detail": e.detail if reveal else mask_in(e.detail)}
        for e in view.events
    ]
    body["notes"] = [{"at": _iso(n.at), "by": n.by, "text": shown(n.text)} for n in view.notes]
    body["masked"] = not reveal and _hides_numbers(view)
    if view.allowed is not None:
        body["allowed"] = {"claim": view.allowed.claim, "act": view.allowed.act}
    return body


def notice_json(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.id,
        "handoff_id": notice.handoff_id,
        "kind": notice.kind,
        "at": _iso(notice.at),
        "read": notice.read,
    }


def _hides_numbers(view: HandoffView) -> bool:
    item = view.item
    written: list[Any] = [line.text for line in view.transcript] + [n.text for n in view.notes]
    written += [item.summary, item.outcome_note, item.last_messages, [e.detail for e in view.events]]
    return bool(mask_in(written) != written)


def _shown(reveal: bool) -> Callable[[str], str]:
    return _as_written if reveal else mask_personal_numbers


def _as_written(text: str) -> str:
    return text


def _last_message_json(message: LastMessage | None, shown: Callable[[str], str]) -> dict[str, Any] | None:
    if message is None:
        return None
    text = None if message.text is None else shown(message.text)
    return {"author": message.author, "text": text, "at": _iso(message.at)}


def _line_json(line: TranscriptLine, shown: Callable[[str], str]) -> dict[str, Any]:
    delivery = line.delivery
    return {
        "id": line.id,
        "direction": line.direction,
        "author": line.author,
        "kind": line.kind,
        "text": None if line.text is None else shown(line.text),
        "at": _iso(line.at),
        "consultant": line.consultant,
        "delivery": None
        if delivery is None
        else {
            "status": delivery.status,
            "via": delivery.via,
            "delivered_at": _iso(delivery.delivered_at),
            "held_at": _iso(delivery.held_at),
            "notice_at": _iso(delivery.notice_at),
            "errcode": delivery.errcode,
        },
    }


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()
