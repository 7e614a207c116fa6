"""The dialogue seam: given the citizen's message, their state and `now`, decide the replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.applications.domain.intake import ApplicationEffect
from bot.center.texts import Texts
from bot.consultations.turns import ConversationState, Inbound, Outbound
from bot.records.domain.satisfaction import RatingEffect


@dataclass(frozen=True, slots=True)
class Understood:
    """What the NLU made of the turn; recorded on the inbound message for review and reports."""

    intent: str
    confidence: float


@dataclass(frozen=True, slots=True)
class NeedsHuman:
    """The consultation waits for a consultant (handoff builds the queue item from this)."""

    reason: str  # request_human | complain | nlu_unavailable | nlu_fallback


@dataclass(frozen=True, slots=True)
class Topic:
    """The consultation's subject, from the first consult_* intent seen."""

    intent: str


@dataclass(frozen=True, slots=True)
class Screened:
    """An eligibility decision reached in the interview, kept on the consultation record."""

    case: dict[str, Any]
    decision: dict[str, Any]


Effect = Understood | NeedsHuman | Topic | Screened | ApplicationEffect | RatingEffect


@dataclass(frozen=True, slots=True)
class Response:
    """What the dialogue decided: replies in order, the next state, and domain effects."""

    replies: list[Outbound]
    state: ConversationState
    effects: list[Effect] = field(default_factory=list)


class DialogueEngine(Protocol):
    async def respond(self, inbound: Inbound, state: ConversationState, now: datetime) -> Response:
        """Decide the answer. No I/O of its own beyond what it is given (NLU, rules)."""
        ...


class WelcomeDialogue:
    """The foundation dialogue: welcomes new followers and acknowledges everything else."""

    def __init__(self, texts: Texts) -> None:
        self._texts = texts

    async def respond(self, inbound: Inbound, state: ConversationState, now: datetime) -> Response:
        key = self._reply_key(inbound)
        replies = [] if key is None else [Outbound(self._texts.say(key))]
        return Response(replies=replies, state=state)

    @staticmethod
    def _reply_key(inbound: Inbound) -> str | None:
        if inbound.kind == "event":
            if inbound.event in ("subscribe", "subscribe_scan", "scan"):
                return "welcome"
            if inbound.event == "click":
                return "menu_click"
            return None
        return {
            "text": "acknowledge",
            "voice": "acknowledge",
            "image": "image_received",
            "location": "location_received",
            "link": "link_received",
        }.get(inbound.kind, "unsupported_type")
