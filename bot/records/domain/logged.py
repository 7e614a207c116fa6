"""A phone or walk-in consultation as a consultant logs it (002 §6.2 d, f), checked field by field.

The record is the same as a WeChat one; what differs is that a person entered it afterwards, so
no reply clock applies. 002 §6.2 f: the caller's name and contact are registered, or the record
says they refused to give them. Names and numbers are read the way the application intake reads
them, so a typo never becomes a stored identity. Pure: "now" is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.applications.domain.answers import Refusal, mask_mobile, mask_name, read_mobile, read_name
from bot.errors import InvalidInput
from bot.privacy.masking import mask_personal_numbers
from bot.records.domain.filters import OUTCOMES

KINDS = {"phone": "phone", "walk_in": "on_site"}  # channel → the record's kind
MAX_SUMMARY = 4000
MAX_REFERRAL = 64  # consultation.referral
# A clock a few minutes off on the consultant's computer is no reason to refuse the form.
CLOCK_SLACK = timedelta(minutes=5)
# A fixed line with its area code (a caller often has no mobile): 010-12345678, 0472 1234567.
_LANDLINE = re.compile(r"^0\d{2,3}[- ]?\d{7,8}$")


@dataclass(frozen=True, slots=True)
class LoggedConsultation:
    channel: str
    kind: str
    received_at: datetime
    specialty: str
    summary: str
    outcome: str
    referral: str | None
    identity: dict[str, str] | None  # {"name": ..., "phone": ...}, what was given
    identity_refused: bool


def read_logged(body: Mapping[str, Any], now: datetime) -> LoggedConsultation:
    """The form's body as a consultation to record; the first wrong field is refused by name.
    The specialty is checked against the center's queues by the caller."""
    channel = body.get("channel")
    if channel not in KINDS:
        raise InvalidInput("channel", "channel must be phone or walk_in")
    outcome = body.get("outcome")
    if outcome not in OUTCOMES:
        raise InvalidInput("outcome", "outcome must be a, b or c (002 §6.2 a–c)")
    refused = body.get("identity_refused", False)
    if not isinstance(refused, bool):
        raise InvalidInput("identity_refused", "identity_refused must be true or false")
    specialty = body.get("specialty")
    if not isinstance(specialty, str) or not specialty:
        raise InvalidInput("specialty", "specialty is required")
    return LoggedConsultation(
        channel=channel,
        kind=KINDS[channel],
        received_at=_received_at(body.get("received_at"), now),
        specialty=specialty,
        summary=_words(body.get("summary"), "summary", MAX_SUMMARY),
        outcome=outcome,
        referral=read_referral(body.get("referral"), outcome),
        identity=_identity(body.get("name"), body.get("phone"), refused),
        identity_refused=refused,
    )


def read_referral(value: Any, outcome: str, *, required: bool = True) -> str | None:
    """Outcome c names where the citizen was sent (002 §6.2 c); a and b send nobody anywhere.
    A handoff's close may leave it out (`required=False`: the close's body predates it)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if outcome == "c" and required:
            raise InvalidInput("referral", "outcome c needs the department or channel the citizen was told")
        return None
    if outcome != "c":
        raise InvalidInput("referral", "a referral goes with outcome c only")
    return _words(value, "referral", MAX_REFERRAL)


def masked_identity(identity: Mapping[str, str] | None) -> dict[str, str | None] | None:
    """Name and phone as the console shows them until someone chooses to open them: 张*, 138****5678."""
    if not identity:
        return None
    name, phone = identity.get("name"), identity.get("phone")
    shown_phone = None
    if phone:
        shown_phone = mask_mobile(phone) if phone.startswith("1") else mask_personal_numbers(phone)
    return {"name": mask_name(name) if name else None, "phone": shown_phone}


def _received_at(value: Any, now: datetime) -> datetime:
    if not isinstance(value, str):
        raise InvalidInput("received_at", "received_at must be an ISO-8601 time with a zone")
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("received_at", "received_at must be an ISO-8601 time with a zone") from None
    if at.tzinfo is None:
        raise InvalidInput("received_at", "received_at must include a time zone")
    if at > now + CLOCK_SLACK:
        raise InvalidInput("received_at", "received_at is in the future")
    if at.year < 2000:
        raise InvalidInput("received_at", "received_at is too far in the past")
    return at


def _words(value: Any, field: str, longest: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, f"{field} is required")
    if len(value) > longest:
        raise InvalidInput(field, f"{field} is at most {longest} characters")
    return value.strip()


def _identity(name: Any, phone: Any, refused: bool) -> dict[str, str] | None:
    """Both name and phone, unless the citizen refused: then whatever they did give."""
    given: dict[str, str] = {}
    for field, value in (("name", name), ("phone", phone)):
        if value is None or (isinstance(value, str) and not value.strip()):
            if not refused:
                raise InvalidInput(field, f"{field} is required unless identity_refused is true (002 §6.2 f)")
            continue
        if not isinstance(value, str):
            raise InvalidInput(field, f"{field} must be text")
        given[field] = _read_name(value) if field == "name" else _read_phone(value)
    return given or None


def _read_name(value: str) -> str:
    name = read_name(value)
    if isinstance(name, Refusal):
        raise InvalidInput("name", "name must be a real name: 2–6 Chinese characters, or Latin letters")
    return name


def _read_phone(value: str) -> str:
    mobile = read_mobile(value)
    if not isinstance(mobile, Refusal):
        return mobile
    landline = value.strip().translate(_FULL_WIDTH_DIGITS)
    if _LANDLINE.match(landline):
        return landline
    raise InvalidInput(
        "phone", "phone must be a mobile number (11 digits) or a fixed line with its area code"
    )


_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９－", "0123456789-")
