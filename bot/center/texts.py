"""Citizen-facing sentences, loaded from data/texts.yml so a center edits them without code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bot.center.data_files import read_data_file
from bot.errors import ConfigurationError


class CenterFacts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    hotline: str
    complaint_phone: str


class TextsFile(BaseModel):
    model_config = ConfigDict(extra="allow")
    welcome: str
    acknowledge: str
    unsupported_type: str
    image_received: str
    location_received: str
    link_received: str
    menu_click: str
    fallback_we_will_reply: str


@dataclass(frozen=True, slots=True)
class Texts:
    """Looks up a sentence by key and fills the center's facts into it."""

    entries: dict[str, str]

    def say(self, key: str, **values: str) -> str:
        """The sentence for `key`, with per-turn placeholders (e.g. {topic}) filled in."""
        text = self.entries[key]
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self.entries


def load_center_facts(data_dir: Path) -> dict[str, str]:
    """center.yml: the facts ({name}, {hotline}, ...) that citizen-facing texts may name."""
    return read_data_file(data_dir / "center.yml", CenterFacts).model_dump()


def load_texts(data_dir: Path, *, office_hours: str) -> Texts:
    """Load and check texts.yml and center.yml; a broken file stops the start with its name and key.

    `{hours}` is the offices' hours (offices.yml), so every answer states them in the same words."""
    facts = load_center_facts(data_dir) | {"hours": office_hours}
    texts = read_data_file(data_dir / "texts.yml", TextsFile)
    entries: dict[str, str] = {}
    for key, value in texts.model_dump().items():
        if not isinstance(value, str):
            raise ConfigurationError(f"{data_dir / 'texts.yml'}: {key}: must be text")
        try:
            entries[key] = value.format_map(_CenterFactsOnly(facts))
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigurationError(f"{data_dir / 'texts.yml'}: {key}: unknown placeholder {exc}") from None
    return Texts(entries)


class _CenterFactsOnly(dict[str, str]):
    """Fill the center's facts now; leave per-turn placeholders such as {topic} for say()."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
