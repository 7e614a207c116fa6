"""The entity record and the candidates every extraction rule proposes before overlaps are settled.

Each rule (money, household size, durations, phone numbers, regexes, lookups) proposes spans on
its own; one text position can look like several things (the digits of an ID number also look
like a phone number and like money), so a single ranking decides which span survives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REGEX_EXTRACTOR = "RegexEntityExtractor"
RULE_EXTRACTOR = "LegalAidEntityExtractor"

# Overlap priority: a lower tier wins over any overlapping candidate of a higher tier.
TIER_ID = 0
TIER_PHONE = 1
TIER_NUMERIC = 2
TIER_LOOKUP = 3

# Clause boundaries: context words that make a number money or a family size must not cross them.
CLAUSE_PUNCT = "，。,.!?！？；;、\n"


@dataclass(frozen=True, slots=True)
class Entity:
    """One extracted entity, in Rasa's shape so the parse API can serialise it as is."""

    entity: str
    value: object
    start: int
    end: int
    extractor: str
    approximate: bool = False

    def to_json(self) -> dict[str, object]:
        """Rasa's entity JSON; `approximate` is added only for fuzzy values (四千多, 七八千)."""
        data: dict[str, object] = {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "extractor": self.extractor,
        }
        if self.approximate:
            data["approximate"] = True
        return data


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible entity before overlaps are resolved."""

    tier: int
    order: int
    entity: Entity
    parts: tuple[tuple[str, int], ...] = field(default=())  # duration components, for merging


def resolve_overlaps(candidates: list[Candidate]) -> list[Entity]:
    """Keep the best non-overlapping candidates: higher-priority kind, then earlier, then longer."""
    ranked = sorted(
        candidates,
        key=lambda c: (c.tier, c.entity.start, -(c.entity.end - c.entity.start), c.order),
    )
    kept: list[Entity] = []
    for candidate in ranked:
        entity = candidate.entity
        if all(entity.end <= other.start or other.end <= entity.start for other in kept):
            kept.append(entity)
    return sorted(kept, key=lambda e: e.start)
