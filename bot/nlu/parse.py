"""A parse result in the shape of Rasa's /model/parse, so Rasa and our NLU compare one to one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.errors import LegalAidError

FALLBACK_INTENT = "nlu_fallback"


class NluUnavailable(LegalAidError):
    """The configured NLU is down, slow or broken; the dialogue queues the turn for a human."""

    code = "nlu_unavailable"


class UnsupportedComponent(LegalAidError):
    """config.yml names a pipeline component the built-in NLU does not implement."""

    code = "unsupported_component"


class TrainingDataError(LegalAidError):
    """A training-data file is malformed; the message names the file and the block."""

    code = "training_data_error"


@dataclass(frozen=True, slots=True)
class IntentScore:
    name: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Parse:
    text: str
    intent: IntentScore
    entities: list[dict[str, Any]] = field(default_factory=list)
    ranking: list[IntentScore] = field(default_factory=list)
    # Other intents the message carries besides the main one (bot/nlu/mixed_messages.py), e.g. a
    # labour problem that also asks about aid: the dialogue acts on both. Not part of Rasa's shape.
    also: tuple[str, ...] = ()

    @property
    def intent_name(self) -> str:
        return self.intent.name

    def entity_values(self, name: str) -> list[Any]:
        return [e["value"] for e in self.entities if e.get("entity") == name]

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": {"name": self.intent.name, "confidence": round(self.intent.confidence, 6)},
            "entities": list(self.entities),
            "intent_ranking": [{"name": s.name, "confidence": round(s.confidence, 6)} for s in self.ranking],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Parse:
        """Read Rasa's /model/parse answer (the Rasa backend)."""
        intent = data.get("intent") or {}
        ranking = [
            IntentScore(str(r["name"]), float(r.get("confidence", 0.0)))
            for r in data.get("intent_ranking") or []
        ]
        return cls(
            text=str(data.get("text", "")),
            intent=IntentScore(
                str(intent.get("name") or FALLBACK_INTENT), float(intent.get("confidence") or 0.0)
            ),
            entities=list(data.get("entities") or []),
            ranking=ranking,
        )


class Classifier(Protocol):
    """What the dialogue needs from any NLU backend."""

    async def parse(self, text: str) -> Parse:
        """Raise NluUnavailable when the backend cannot answer."""
        ...

    async def status(self) -> str: ...
