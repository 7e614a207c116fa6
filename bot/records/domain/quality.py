"""Quality inspection on plain values: the automatic checks of a closed consultation and its score.

Every check says whether it applies, whether it passed and why, in the words of data/quality.yml,
so a supervisor can see what lowered a score. The score is the weight of the checks passed over
the weight of the checks that apply, 0–100; a check that does not apply neither helps nor hurts.

- answered_in_time: applies when a reply clock ran (`breached` is not None: online 5 h, message
  24 h, 002 §6.2 g–h); passes when it was met. Bot-only, phone and walk-in have no clock.
- outcome_recorded: applies when a person handled the consultation (answered or logged it): the
  outcome a, b or c is recorded (002 §6.2 d), with the department for c. A bot-only outcome is
  inferred by the service, so there is nobody's record to check.
- identity_recorded: applies to phone and walk-in consultations (002 §6.2 f): name or phone
  recorded, or the refusal noted. A WeChat consultation is identified by the citizen's account
  (its alias): asking a WeChat user for a name would add personal data the center does not need.
- satisfaction_asked: applies when a person answered a WeChat consultation (002 §7.4.10): the
  rating request went out. Phone and walk-in citizens have no chat to ask in.
- no_personal_data: applies when the consultant wrote something (answers, notes, the closing
  note, a logged summary): none of it holds a phone, ID, bank card or fixed-line number
  (bot/privacy/masking.py), except the center's own public numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.privacy.masking import has_personal_numbers

CHECKS = (
    "answered_in_time",
    "outcome_recorded",
    "identity_recorded",
    "satisfaction_asked",
    "no_personal_data",
)
OUTCOMES = ("a", "b", "c")
OFFLINE_CHANNELS = ("phone", "walk_in")
# Where a consultant's words were found, for the explanation (never the words themselves).
PLACES = ("reply", "note", "closing_note", "summary")


@dataclass(frozen=True, slots=True)
class QualityRules:
    """What a center decides: each check's weight, the explanations, and its public numbers."""

    weights: Mapping[str, int]
    why: Mapping[str, Mapping[str, str]]  # check → reason → the sentence a supervisor reads
    places: Mapping[str, str]  # reply | note | closing_note | summary → its name
    public_numbers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ConsultationFacts:
    """What the checks read of one closed consultation."""

    channel: str
    handled: bool  # a consultant answered it or logged it
    breached: bool | None  # None: no reply clock ran
    outcome: str | None
    referral: str | None
    identity_given: bool
    identity_refused: bool
    satisfaction_asked: bool
    staff_texts: tuple[tuple[str, str], ...] = ()  # (place, text) the consultant wrote


@dataclass(frozen=True, slots=True)
class Check:
    check: str
    applies: bool
    passed: bool
    reason: str  # a stable code: met, breached, no_clock, recorded, no_referral, refused, ...
    why: str

    def as_record(self) -> dict[str, Any]:
        """The stored form (consultation.quality_checks) and the API's."""
        return {
            "check": self.check,
            "passed": self.passed,
            "applies": self.applies,
            "reason": self.reason,
            "why": self.why,
        }


@dataclass(frozen=True, slots=True)
class Inspection:
    checks: list[Check]
    score: int


def inspect(facts: ConsultationFacts, rules: QualityRules) -> Inspection:
    """Run every check and weigh the result; a record with nothing to check scores 100."""
    checks = [
        _check(rules, "answered_in_time", *_in_time(facts)),
        _check(rules, "outcome_recorded", *_outcome(facts)),
        _check(rules, "identity_recorded", *_identity(facts)),
        _check(rules, "satisfaction_asked", *_satisfaction(facts)),
        _personal_data(facts, rules),
    ]
    return Inspection(checks, score(checks, rules.weights))


def score(checks: Sequence[Check], weights: Mapping[str, int]) -> int:
    """Weight passed over weight applicable, as a whole number 0–100 (half rounds up)."""
    applicable = sum(weights.get(c.check, 0) for c in checks if c.applies)
    if applicable <= 0:
        return 100
    passed = sum(weights.get(c.check, 0) for c in checks if c.applies and c.passed)
    return (200 * passed + applicable) // (2 * applicable)


def _check(rules: QualityRules, name: str, applies: bool, passed: bool, reason: str) -> Check:
    return Check(name, applies, passed, reason, rules.why[name][reason])


def _in_time(f: ConsultationFacts) -> tuple[bool, bool, str]:
    if f.breached is None:
        return False, True, "no_clock"
    return (True, False, "breached") if f.breached else (True, True, "met")


def _outcome(f: ConsultationFacts) -> tuple[bool, bool, str]:
    if not f.handled:
        return False, True, "bot_only"
    if f.outcome not in OUTCOMES:
        return True, False, "missing"
    if f.outcome == "c" and not (f.referral or "").strip():
        return True, False, "no_referral"
    return True, True, "recorded"


def _identity(f: ConsultationFacts) -> tuple[bool, bool, str]:
    if f.channel not in OFFLINE_CHANNELS:
        return False, True, "wechat_account"
    if f.identity_given:
        return True, True, "recorded"
    if f.identity_refused:
        return True, True, "refused"
    return True, False, "missing"


def _satisfaction(f: ConsultationFacts) -> tuple[bool, bool, str]:
    if f.channel in OFFLINE_CHANNELS:
        return False, True, "offline"
    if not f.handled:
        return False, True, "bot_only"
    return (True, True, "asked") if f.satisfaction_asked else (True, False, "not_asked")


def _personal_data(f: ConsultationFacts, rules: QualityRules) -> Check:
    written = [(place, text) for place, text in f.staff_texts if text and text.strip()]
    if not written:
        return _check(rules, "no_personal_data", False, True, "nothing_written")
    places = sorted(
        {place for place, text in written if has_personal_numbers(_without(text, rules.public_numbers))},
        key=PLACES.index,
    )
    if not places:
        return _check(rules, "no_personal_data", True, True, "clean")
    found = _check(rules, "no_personal_data", True, False, "found")
    named = "、".join(rules.places.get(place, place) for place in places)
    return Check(found.check, True, False, "found", found.why.format(places=named))


def _without(text: str, public_numbers: Sequence[str]) -> str:
    """The text with the center's own published numbers taken out: writing them is no leak. A
    comma stands in their place, so the digits around them never join into a new number."""
    for number in public_numbers:
        text = text.replace(number, "，")
    return text
