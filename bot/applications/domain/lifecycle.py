"""An application's statuses and who may move it where (002 §7.3–7.4, §7.4.9 c).

draft → submitted → materials_incomplete → under_review → approved | rejected → assigned →
closed | terminated; withdrawn at any point before a final status. A table, not code paths, so
the console, the citizen and the scheduler all obey the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Status = Literal[
    "draft",
    "submitted",
    "materials_incomplete",
    "under_review",
    "approved",
    "rejected",
    "assigned",
    "closed",
    "terminated",
    "withdrawn",
]
STATUSES: tuple[Status, ...] = get_args(Status)
FINAL: frozenset[Status] = frozenset({"rejected", "closed", "terminated", "withdrawn"})
# Waiting for the center's decision: the 7-working-day clock may run.
AWAITING_DECISION: frozenset[Status] = frozenset({"submitted", "under_review"})
# Before a decision the citizen can still send materials that change the application.
OPEN_FOR_MATERIALS: frozenset[Status] = frozenset({"submitted", "materials_incomplete", "under_review"})

# Staff moves through POST /status (decisions have their own route, with a reason).
STAFF_MOVES: frozenset[tuple[Status, Status]] = frozenset(
    {
        ("submitted", "under_review"),
        ("submitted", "materials_incomplete"),
        ("under_review", "materials_incomplete"),
        ("materials_incomplete", "under_review"),
        ("approved", "assigned"),
        ("assigned", "closed"),
        ("approved", "terminated"),
        ("assigned", "terminated"),
    }
)
DECIDABLE: frozenset[Status] = frozenset({"submitted", "under_review", "materials_incomplete"})


class NotAllowed(Exception):
    """The move is not in the table; the message says what the status allows."""

    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(f"an application that is {current} cannot become {wanted}")
        self.current = current
        self.wanted = wanted


@dataclass(frozen=True, slots=True)
class Move:
    """One change of status, kept with who, when and why."""

    before: Status
    after: Status
    actor: str  # "citizen", "bot", "scheduler" or "consultant:<id>"
    reason: str = ""


def staff_move(current: str, wanted: str) -> None:
    """Raise NotAllowed unless staff may move `current` to `wanted` (withdrawal included)."""
    if wanted == "withdrawn" and current not in FINAL and current != "draft":
        return
    if (current, wanted) not in STAFF_MOVES:
        raise NotAllowed(current, wanted)


def decision_allowed(current: str) -> None:
    if current not in DECIDABLE:
        raise NotAllowed(current, "approved or rejected")


def citizen_may_withdraw(current: str) -> bool:
    """Withdrawn at any time before the end (002 §7.4.2 d; Law art. 48)."""
    return current not in FINAL


def is_status(value: str) -> bool:
    return value in STATUSES
