"""What an intake turn asks the store to do, as plain values the dialogue hands over (effects).

The dialogue decides; the applications use case writes these in the same transaction as the
turn's answer, so an answer is never sent for a submission that was not stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class IntakeOngoing:
    """The citizen is answering the intake: keep (or touch) their draft, to be reminded of it."""


@dataclass(frozen=True, slots=True)
class IntakeDropped:
    """不申请了 before submitting: the draft is withdrawn, its photos deleted."""


@dataclass(frozen=True, slots=True)
class Submitted:
    """The reviewed answers, submitted: the draft becomes an application with a number."""

    matter: str
    district: str
    route: str  # materials.Route
    particulars: dict[str, Any] = field(default_factory=dict)  # plain; sealed by the store


@dataclass(frozen=True, slots=True)
class DocumentSent:
    """A photo or file from WeChat's media API; `kind` None when the citizen has not said which."""

    media_id: str
    kind: str | None


@dataclass(frozen=True, slots=True)
class DocumentsSorted:
    """The citizen said what the photos they sent are (1 身份证, 2 经济状况证明…)."""

    kind: str


@dataclass(frozen=True, slots=True)
class Redacted:
    """The inbound message was a personal answer: the transcript keeps this masked form only."""

    text: str


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """The citizen withdraws a submitted application."""

    number: str


ApplicationEffect = (
    IntakeOngoing | IntakeDropped | Submitted | DocumentSent | DocumentsSorted | Redacted | Withdrawn
)
