"""The handoff's rules: who may see and act on an item, and the codes the standard fixes.

Pure domain: no I/O. The queue (handoff/queue.py) applies these rules inside its transactions.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import InvalidInput, LegalAidError
from bot.workdays.duty import Consultant

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


def may_read(viewer: Consultant, item: QueueItemRef, own_queue_empty: bool) -> bool:
    """A consultant reads their specialties' items and their own; others only when idle.

    "Any consultant may take any item when their own queue is empty" — an idle consultant may
    open an unclaimed item of another specialty to take it.
    """
    if viewer.oversees or item.assignee_id == viewer.id or viewer.serves(item.specialty):
        return True
    return item.status == "open" and own_queue_empty


def check_claim(viewer: Consultant, item: QueueItemRef, own_queue_empty: bool) -> None:
    if item.status == "closed":
        raise HandoffClosed("the handoff is closed")
    if item.status == "claimed" and item.assignee_id != viewer.id and not viewer.oversees:
        raise HandoffAlreadyClaimed("another consultant has this handoff")
    if not may_read(viewer, item, own_queue_empty):
        raise NotAllowed("this item belongs to another specialty")


def check_act(viewer: Consultant, item: QueueItemRef) -> None:
    """Answering, transferring, appointing, closing: the assignee, or a supervisor."""
    if item.status == "closed":
        raise HandoffClosed("the handoff is closed")
    if viewer.oversees:
        return
    if item.assignee_id is None and viewer.serves(item.specialty):
        return  # answering an unclaimed item of one's own queue claims it
    if item.assignee_id != viewer.id:
        raise NotAllowed("claim the handoff first")


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
