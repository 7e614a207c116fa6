"""Legal aid offices by district, from data/offices.yml (a center edits it)."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from bot.errors import ConfigurationError


class Office(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    address: str
    phone: str


class OfficeDirectory(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    hours: str
    offices: dict[str, Office]


def load_offices(path: Path) -> OfficeDirectory:
    try:
        return OfficeDirectory.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ConfigurationError(f"{path}: file not found") from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError(f"{path}: {exc}") from None
