"""What the bot does with each intent (data/dialogue.yml): the center's choice, not code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.center.data_files import read_data_file

Route = Literal["guidance", "interview", "handoff", "answer"]


class _DialogueFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    intents: dict[str, Route]
    digressions: list[str] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class IntentRoutes:
    """Intent → what to do; and the questions a flow answers before asking its own again."""

    by_intent: dict[str, Route]
    digressions: frozenset[str]

    def route(self, intent: str) -> Route:
        return self.by_intent.get(intent, "answer")


def load_intent_routes(path: Path) -> IntentRoutes:
    raw = read_data_file(path, _DialogueFile)
    return IntentRoutes(dict(raw.intents), frozenset(raw.digressions))
