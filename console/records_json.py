"""The console's JSON for the consultation records: a line of the list, one record, an annotation.

Use cases return plain values with datetimes; only here do they become ISO-8601 strings. Phone,
ID and card numbers in what citizens and staff wrote are masked as the queue masks them, and the
name and phone a logged consultation registered are masked too, unless the viewer asked to open
them (`reveal`, which the use case wrote on the audit log).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.privacy.masking import mask_in, mask_personal_numbers
from bot.records.consultations import Annotated
from bot.records.domain.logged import masked_identity
from bot.store.records import Annotation, FullRecord, RecordLine


def record_line_json(line: RecordLine) -> dict[str, Any]:
    return {
        "id": line.id,
        "citizen": line.citizen,
        "channel": line.channel,
        "kind": line.kind,
        "intents": list(line.intents),
        "specialty": line.specialty,
        "outcome": line.outcome,
        "referral": line.referral,
        "application_number": line.application_number,
        "consultant": line.consultant,
        "received_at": _iso(line.received_at),
        "first_reply_at": _iso(line.first_reply_at),
        "closed_at": _iso(line.closed_at),
        "breached": line.breached,
        "satisfaction": line.satisfaction,
        "quality_score": line.quality_score,
    }


def record_json(found: FullRecord, *, reveal: bool = False) -> dict[str, Any]:
    """One record with its transcript and annotations; `identity` is null when none was given."""
    shown = _as_written if reveal else mask_personal_numbers
    identity = found.identity or None
    return record_line_json(found.line) | {
        "status": found.status,
        "ended_by": found.ended_by,
        "logged_by": found.logged_by,
        "identity": identity if reveal or identity is None else masked_identity(identity),
        "identity_refused": found.identity_refused,
        "summary": None if found.summary is None else shown(found.summary),
        "satisfaction_comment": None
        if found.satisfaction_comment is None
        else shown(found.satisfaction_comment),
        "quality_checks": found.quality_checks if reveal else mask_in(found.quality_checks),
        "transcript": [
            {
                "at": _iso(turn.at),
                "author": turn.author,
                "kind": turn.kind,
                "text": None if turn.text is None else shown(turn.text),
            }
            for turn in found.transcript
        ],
        "annotations": [annotation_json(a, reveal=reveal) for a in found.annotations],
    }


def annotation_json(annotation: Annotation, *, reveal: bool = False) -> dict[str, Any]:
    text = annotation.text if reveal else mask_personal_numbers(annotation.text)
    return {"id": annotation.id, "at": _iso(annotation.at), "author": annotation.author, "text": text}


def annotated_json(annotated: Annotated) -> dict[str, Any]:
    """The new annotation, and all of the record's (so the page needs no second, audited read)."""
    return annotation_json(annotated.added) | {
        "annotations": [annotation_json(a) for a in annotated.annotations]
    }


def _as_written(text: str) -> str:
    return text


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()
