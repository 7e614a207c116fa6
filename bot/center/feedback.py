"""What the center decides about citizens' feedback: how a satisfaction answer is read
(data/satisfaction.yml) and how long a complaint may wait for its reply (data/complaints.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from bot.center.data_files import read_data_file

LOWEST_SCORE = 1
HIGHEST_SCORE = 5
Score = Annotated[int, Field(ge=LOWEST_SCORE, le=HIGHEST_SCORE, strict=True)]


class _NewQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confidence: float = Field(ge=0.0, le=1.0)
    words: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)


class _SatisfactionFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    words: dict[Annotated[str, Field(min_length=1)], Score] = Field(min_length=1)
    low_score: Score
    no_comment: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    new_question: _NewQuestion


@dataclass(frozen=True, slots=True)
class SatisfactionScale:
    """How a citizen's answer to the rating request and to the comment question is read."""

    words: MappingProxyType[str, int]  # 满意 -> 5 ...
    low_score: int
    no_comment: frozenset[str]
    new_question_confidence: float
    new_question_words: tuple[str, ...]


class _ComplaintsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reply_working_days: int = Field(ge=1, le=60, strict=True)


@dataclass(frozen=True, slots=True)
class ComplaintTerms:
    """A complaint's reply is due this many working days after the day it arrives."""

    reply_working_days: int = 5


def load_satisfaction_scale(path: Path) -> SatisfactionScale:
    raw = read_data_file(path, _SatisfactionFile)
    return SatisfactionScale(
        words=MappingProxyType(dict(raw.words)),
        low_score=raw.low_score,
        no_comment=frozenset(raw.no_comment),
        new_question_confidence=raw.new_question.confidence,
        new_question_words=tuple(raw.new_question.words),
    )


def load_complaint_terms(path: Path) -> ComplaintTerms:
    return ComplaintTerms(read_data_file(path, _ComplaintsFile).reply_working_days)
