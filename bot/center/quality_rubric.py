"""data/quality.yml: the quality checks' weights and sentences, the weekly sample's size and the
review rubric. Every check and every result must have its sentence, so no score goes unexplained."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.center.data_files import read_data_file
from bot.errors import ConfigurationError

# Each check of bot/records/domain/quality.py and the results it explains (kept equal by a test).
CHECK_RESULTS: dict[str, tuple[str, ...]] = {
    "answered_in_time": ("met", "breached", "no_clock"),
    "outcome_recorded": ("recorded", "missing", "no_referral", "bot_only"),
    "identity_recorded": ("recorded", "refused", "missing", "wechat_account"),
    "satisfaction_asked": ("asked", "not_asked", "offline", "bot_only"),
    "no_personal_data": ("clean", "found", "nothing_written"),
}
PLACES = ("reply", "note", "closing_note", "summary")


class _CheckFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    weight: int = Field(ge=0, le=100)
    why: dict[str, str]


class _RubricItemFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z_]{0,31}$")
    name: str = Field(min_length=1)
    max: int = Field(gt=0, le=100)


class _QualityFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    checks: dict[str, _CheckFile]
    places: dict[str, str]
    public_numbers: list[str] = Field(default_factory=list)
    settle_minutes: int = Field(ge=0, le=24 * 60)
    sample_per_consultant: int = Field(ge=0, le=100)
    rubric: list[_RubricItemFile] = Field(min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> _QualityFile:
        """Every check and result has its sentence; the rubric adds up to the score's 100."""
        if set(self.checks) != set(CHECK_RESULTS):
            raise ValueError(f"checks: exactly {', '.join(CHECK_RESULTS)}")
        for name, results in CHECK_RESULTS.items():
            missing = [r for r in results if not self.checks[name].why.get(r, "").strip()]
            if missing or set(self.checks[name].why) != set(results):
                raise ValueError(f"checks.{name}.why: one sentence for each of {', '.join(results)}")
        if "{places}" not in self.checks["no_personal_data"].why["found"]:
            raise ValueError("checks.no_personal_data.why.found: must say where, with {places}")
        if not any(c.weight for c in self.checks.values()):
            raise ValueError("checks: at least one weight above 0")
        if set(self.places) != set(PLACES):
            raise ValueError(f"places: exactly {', '.join(PLACES)}")
        keys = [item.key for item in self.rubric]
        if len(set(keys)) != len(keys):
            raise ValueError("rubric: each key once")
        if sum(item.max for item in self.rubric) != 100:
            raise ValueError("rubric: the items' max points must add up to 100 (the score)")
        return self


@dataclass(frozen=True, slots=True)
class RubricLine:
    key: str
    name: str
    max: int


@dataclass(frozen=True, slots=True)
class QualityRubric:
    """The center's quality settings, as plain values for bot/records."""

    names: dict[str, str]  # check → its Chinese name
    weights: dict[str, int]
    why: dict[str, dict[str, str]]
    places: dict[str, str]
    public_numbers: tuple[str, ...]
    settle_minutes: int
    sample_per_consultant: int
    rubric: tuple[RubricLine, ...]


def load_quality_rubric(path: Path) -> QualityRubric:
    """Read and check data/quality.yml; a bad file stops the start naming the key."""
    raw = read_data_file(path, _QualityFile)
    if any(not n.strip() for n in raw.public_numbers):
        raise ConfigurationError(f"{path}: public_numbers: no empty entries")
    return QualityRubric(
        names={name: c.name for name, c in raw.checks.items()},
        weights={name: c.weight for name, c in raw.checks.items()},
        why={name: dict(c.why) for name, c in raw.checks.items()},
        places=dict(raw.places),
        public_numbers=tuple(n.strip() for n in raw.public_numbers),
        settle_minutes=raw.settle_minutes,
        sample_per_consultant=raw.sample_per_consultant,
        rubric=tuple(RubricLine(i.key, i.name, i.max) for i in raw.rubric),
    )
