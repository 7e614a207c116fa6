"""The satisfaction rating (002 §7.4.10): where the conversation stands while a rating is awaited,
what the dialogue hands over when one is given, and how an answer is read as a score.

The close of a consultation sets the conversation to the `rating` flow (its score step) in the
close's own transaction; the slots name the closed consultation, so the rating is stored on it even
though the citizen's reply opens a new consultation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from bot.consultations.turns import ConversationState

RATING_FLOW = "rating"
SCORE_STEP = "score"
COMMENT_STEP = "comment"
RATED_CONSULTATION = "consultation_id"  # the slot naming the closed consultation
PAUSED = "paused"  # the slot keeping the flow the consultant's conversation interrupted
LOWEST, HIGHEST = 1, 5
MAX_COMMENT = 1000  # characters kept of a comment (a WeChat text is at most about 600 characters)

_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
# "4", "4分", "打4分", "给4星", "五分": a digit alone, or a digit (or 一…五) with 分 or 星.
_SCORE = re.compile(
    r"^(?:打|给|评)?\s*(?:(?P<digit>[0-9]+)\s*(?:分|星|颗星)?|(?P<zh>[一二两三四五])\s*(?:分|星|颗星))$"
)
# What people put around a word or number that does not change it: punctuation, spaces, 的/了/啊.
_AROUND = " \t\r\n。.，,！!？?~～、…:：;；\"'“”‘’()（）[]【】"
_TRAILING_PARTICLES = re.compile(r"[的了啊呀吧哦噢喔嘛]+$")


@dataclass(frozen=True, slots=True)
class Rated:
    """The citizen rated the closed consultation."""

    consultation_id: int
    score: int


@dataclass(frozen=True, slots=True)
class Commented:
    """The citizen's comment after the rating, kept sealed on the same consultation."""

    consultation_id: int
    text: str


RatingEffect = Rated | Commented


def awaiting_rating(consultation_id: int, paused: ConversationState) -> ConversationState:
    """Where the conversation stands right after the rating request is sent.

    `paused` is where it stood before: a flow the citizen left for a consultant (an application
    intake waits for 继续) is kept in the slots and taken up again when the rating flow ends.
    """
    slots: dict[str, object] = {RATED_CONSULTATION: consultation_id}
    if paused.flow is not None and paused.flow != RATING_FLOW:
        slots[PAUSED] = {"flow": paused.flow, "step": paused.step, "slots": dict(paused.slots)}
    return ConversationState(flow=RATING_FLOW, step=SCORE_STEP, slots=slots)


def awaiting_comment(state: ConversationState) -> ConversationState:
    """After the rating: the comment step, still holding the consultation and any paused flow."""
    return ConversationState(flow=RATING_FLOW, step=COMMENT_STEP, slots=dict(state.slots))


def after_rating(state: ConversationState) -> ConversationState:
    """Where the conversation goes when the rating flow ends or lapses: the paused flow, or nowhere."""
    paused = state.slots.get(PAUSED) if state.flow == RATING_FLOW else None
    if not isinstance(paused, dict):
        return ConversationState()
    return ConversationState(
        flow=paused.get("flow"), step=paused.get("step"), slots=dict(paused.get("slots") or {})
    )


def rated_consultation(state: ConversationState) -> int | None:
    """The consultation a rating state is about (None for any other state)."""
    if state.flow != RATING_FLOW:
        return None
    value = state.slots.get(RATED_CONSULTATION)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def plain(text: str) -> str:
    """The answer without what does not change it: full-width folded, punctuation and particles off."""
    folded = unicodedata.normalize("NFKC", text).strip(_AROUND)
    return _TRAILING_PARTICLES.sub("", folded).strip(_AROUND)


def read_rating(text: str, words: Mapping[str, int]) -> int | None:
    """The score the answer gives, 1 to 5, or None when it is not a rating.

    A number must be 1 to 5 (a "10分" is not guessed at); a word counts only written alone, so
    "我对工资不满意" is a new message, not a rating of 1.
    """
    answer = plain(text)
    if answer in words:
        return words[answer]
    found = _SCORE.match(answer)
    if found is None:
        return None
    score = int(found["digit"]) if found["digit"] is not None else _CHINESE_DIGITS[found["zh"]]
    return score if LOWEST <= score <= HIGHEST else None


def comment_text(text: str) -> str:
    """The comment as stored: the citizen's words, trimmed, at most MAX_COMMENT characters."""
    return text.strip()[:MAX_COMMENT]
