"""Which consultants' queue a handoff joins, from the consultation's topic (data/specialties.yml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.center.data_files import read_data_file
from bot.errors import ConfigurationError, InvalidInput


class _SpecialtyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    intents: list[str] = Field(default_factory=list)
    matters: list[str] = Field(default_factory=list)


class _SpecialtiesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    default: str
    specialties: dict[str, _SpecialtyFile] = Field(min_length=1)


class UnknownSpecialty(InvalidInput):
    code = "unknown_specialty"


@dataclass(frozen=True, slots=True)
class SpecialtyRouting:
    """Matter or intent → specialty, plus the Chinese names the console shows."""

    default: str
    names: dict[str, str]
    by_intent: dict[str, str]
    by_matter: dict[str, str] = field(default_factory=dict)

    def for_intent(self, intent: str | None) -> str:
        return self.by_intent.get(intent or "", self.default)

    def for_consultation(self, matter: str | None, intent: str | None) -> str:
        """The interview's matter is the most precise; then the topic; then the default queue."""
        if matter and matter in self.by_matter:
            return self.by_matter[matter]
        return self.for_intent(intent)

    def check(self, specialty: str) -> str:
        if specialty not in self.names:
            raise UnknownSpecialty("specialty", f"unknown specialty {specialty!r}")
        return specialty


def load_specialties(path: Path) -> SpecialtyRouting:
    """Load the queues; an intent in two queues or a default that is not a queue stops the start."""
    raw = read_data_file(path, _SpecialtiesFile)
    if raw.default not in raw.specialties:
        raise ConfigurationError(f"{path}: default: {raw.default!r} is not one of the specialties")
    by_intent: dict[str, str] = {}
    by_matter: dict[str, str] = {}
    for code, specialty in raw.specialties.items():
        for kind, values, routes in (
            ("intent", specialty.intents, by_intent),
            ("matter", specialty.matters, by_matter),
        ):
            for value in values:
                if value in routes:
                    raise ConfigurationError(f"{path}: specialties.{code}: {kind} {value!r} is in two queues")
                routes[value] = code
    return SpecialtyRouting(
        default=raw.default,
        names={c: s.name for c, s in raw.specialties.items()},
        by_intent=by_intent,
        by_matter=by_matter,
    )
