"""What a consultant asks the queue to do, as typed commands the console builds from its requests.

The edge validates the request into one of these (a bad field is a 422 naming it); the queue's
use cases take them and never see HTTP or JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.workdays.duty import Consultant

Outcome = Literal["a", "b", "c"]  # 002 §6.2 a–c


@dataclass(frozen=True, slots=True)
class ClaimHandoff:
    viewer: Consultant
    handoff_id: int


@dataclass(frozen=True, slots=True)
class AnswerCitizen:
    viewer: Consultant
    handoff_id: int
    text: str


@dataclass(frozen=True, slots=True)
class TransferHandoff:
    """To another queue (back to unclaimed), or to a named consultant; exactly one of the two."""

    viewer: Consultant
    handoff_id: int
    specialty: str | None = None
    consultant: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class SetAppointment:
    """002 §6.2 e: the consultant promises to answer at `at` (aware), which becomes the deadline."""

    viewer: Consultant
    handoff_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class AddNote:
    viewer: Consultant
    handoff_id: int
    text: str


@dataclass(frozen=True, slots=True)
class CloseHandoff:
    """Close with the standard's outcome (and an optional remark); for c, where the citizen was
    referred (002 §6.2 c), which the consultation record keeps."""

    viewer: Consultant
    handoff_id: int
    outcome: Outcome
    note: str | None = None
    referral: str | None = None


@dataclass(frozen=True, slots=True)
class ReturnToBot:
    """The citizen goes back to the bot without an outcome (the consultation stays open)."""

    viewer: Consultant
    handoff_id: int
