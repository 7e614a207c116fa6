"""The turns of a consultation: the neutral message the edge hands over, the answers, and where
the conversation stands. Plain values shared by the edge, the dialogue and the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

InboundKind = Literal["text", "voice", "image", "location", "link", "event", "unsupported"]


@dataclass(frozen=True, slots=True)
class Inbound:
    """One citizen message or event, already checked and translated by the edge."""

    citizen_openid: str
    msg_key: str
    kind: InboundKind
    received_at: datetime
    sent_at: datetime
    text: str | None = None
    media_id: str | None = None
    event: str | None = None
    event_key: str | None = None
    wechat_msg_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outbound:
    """A message to the citizen; only text for now (images and templates come with handoff)."""

    text: str
    author: Literal["bot", "consultant"] = "bot"


@dataclass(frozen=True, slots=True)
class ConversationState:
    """Where the citizen's conversation stands; stored durably between messages."""

    flow: str | None = None
    step: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
