"""Legal aid offices by district, from data/offices.yml (a center edits it)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bot.center.data_files import read_data_file


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
    return read_data_file(path, OfficeDirectory)
