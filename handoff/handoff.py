"""The handoff's codes and errors: outcomes the standard fixes, input checks, cancel words.

Pure: no I/O. Who may do what, from which status, is the table in handoff/transitions.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import InvalidInput, LegalAidError

# 002 §6.2 a–c: guided to apply / not eligible, advice given / not a legal matter, referred.
OUTCOMES = {"a": "guided_to_apply", "b": "advice_given", "c": "referred"}
CANCEL_WORDS = frozenset({"取消", "取消转人工", "不用了", "不需要了", "取消人工"})


class HandoffError(LegalAidError):
    code = "handoff_error"
    status = 400


class HandoffNotFound(HandoffError):
    code = "not_found"
    status = 404


class NotAllowed(HandoffError):
    code = "not_allowed"
    status = 403


class HandoffAlreadyClaimed(HandoffError):
    code = "already_claimed"
    status = 409


class HandoffClosed(HandoffError):
    code = "handoff_closed"
    status = 409


class InvalidHandoffInput(InvalidInput, HandoffError):
    """A field of a console request is wrong; `field` names it for the 422 answer."""

    code = "invalid_input"
    status = 422


@dataclass(frozen=True, slots=True)
class QueueItemRef:
    """The parts of an item that decide access."""

    id: int
    status: str
    specialty: str
    assignee_id: int | None


def check_outcome(outcome: object) -> str:
    if not isinstance(outcome, str) or outcome not in OUTCOMES:
        raise InvalidHandoffInput("outcome", "outcome must be one of a, b, c")
    return outcome


def check_text(text: object, field: str = "text", limit: int = 2000) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidHandoffInput(field, f"{field} must be non-empty text")
    if len(text) > limit:
        raise InvalidHandoffInput(field, f"{field} is longer than {limit} characters")
    return text.strip()


def wants_to_cancel(text: str | None) -> bool:
    return (text or "").strip().rstrip("。.!！") in CANCEL_WORDS
