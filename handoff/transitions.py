"""Who may move a handoff from which status to which: one table, read by the queue and the store.

The queue checks `allow(action, viewer, item)` before it writes, and the store's conditional
UPDATE carries the same `from_statuses` in its WHERE clause, so a change that lost a race to
another consultant changes nothing and is reported, never applied twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from bot.store.handoffs import Guard
from bot.workdays.duty import Consultant
from handoff.handoff import HandoffAlreadyClaimed, HandoffClosed, NotAllowed, QueueItemRef

Status = Literal["open", "claimed", "closed"]
Action = Literal[
    "claim",
    "take_over",
    "answer",
    "transfer_to_queue",
    "transfer_to_consultant",
    "appoint",
    "note",
    "return_to_bot",
    "close",
    "cancel",
]
# open: in a queue, unclaimed; claimed: a consultant has it; closed: ended (by anyone).
Who = Literal["queue_member", "overseer", "assignee", "reader", "citizen"]
LIVE: frozenset[Status] = frozenset({"open", "claimed"})
ANY: frozenset[Status] = frozenset({"open", "claimed", "closed"})


@dataclass(frozen=True, slots=True)
class Transition:
    from_statuses: frozenset[Status]
    to: Status | None  # None: the status stays as it is
    who: Who


TRANSITIONS: Mapping[Action, Transition] = MappingProxyType(
    {
        "claim": Transition(frozenset({"open"}), "claimed", "queue_member"),
        "take_over": Transition(frozenset({"claimed"}), "claimed", "overseer"),
        # Answering an unclaimed item of one's own queue claims it.
        "answer": Transition(LIVE, "claimed", "assignee"),
        "transfer_to_queue": Transition(LIVE, "open", "assignee"),
        "transfer_to_consultant": Transition(LIVE, "claimed", "assignee"),
        "appoint": Transition(LIVE, None, "assignee"),
        "note": Transition(ANY, None, "reader"),
        "return_to_bot": Transition(LIVE, "closed", "assignee"),
        "close": Transition(LIVE, "closed", "assignee"),
        "cancel": Transition(LIVE, "closed", "citizen"),
    }
)


def may_read(viewer: Consultant, item: QueueItemRef, own_queue_empty: bool) -> bool:
    """A consultant reads their specialties' items and their own; others only when idle.

    "Any consultant may take any item when their own queue is empty" — an idle consultant may
    open an unclaimed item of another specialty to take it.
    """
    if viewer.oversees or item.assignee_id == viewer.id or viewer.serves(item.specialty):
        return True
    return item.status == "open" and own_queue_empty


def claim_action(viewer: Consultant, item: QueueItemRef) -> Action | None:
    """Claiming what one already has is nothing to do; a supervisor claiming a claimed item takes it over."""
    if item.status == "claimed" and item.assignee_id == viewer.id:
        return None
    if item.status == "claimed" and viewer.oversees:
        return "take_over"
    return "claim"


def allow(
    action: Action, viewer: Consultant, item: QueueItemRef, own_queue_empty: bool = False
) -> Transition:
    """The transition, or the clear refusal: closed (409), claimed by another (409), not allowed
    (403: another specialty's item, or an unclaimed one that must be claimed first)."""
    transition = TRANSITIONS[action]
    if item.status not in transition.from_statuses:
        if item.status == "closed":
            raise HandoffClosed("the handoff is closed")
        raise HandoffAlreadyClaimed("another consultant has this handoff")
    if transition.who == "citizen":
        return transition
    if transition.who == "overseer" and not viewer.oversees:
        raise HandoffAlreadyClaimed("another consultant has this handoff")
    if transition.who == "assignee" and not _may_act(viewer, item):
        if item.assignee_id is not None:  # someone else has it: a conflict, as for a second claim
            raise HandoffAlreadyClaimed("another consultant has this handoff")
        raise NotAllowed("claim the handoff first")
    if not may_read(viewer, item, own_queue_empty):
        raise NotAllowed("this item belongs to another specialty")
    return transition


def guard(transition: Transition, viewer: Consultant) -> Guard:
    """What the store's conditional update must still find: a status the action may come from,
    and, for a consultant who does not oversee, the item unclaimed or theirs, so of two
    consultants acting at once only one wins."""
    held = viewer.id if transition.who == "assignee" and not viewer.oversees else None
    return Guard(transition.from_statuses, held)


def _may_act(viewer: Consultant, item: QueueItemRef) -> bool:
    """Answering, transferring, appointing, closing: the assignee, a supervisor, or a member of
    the item's queue while nobody has claimed it."""
    if viewer.oversees or item.assignee_id == viewer.id:
        return True
    return item.assignee_id is None and viewer.serves(item.specialty)
