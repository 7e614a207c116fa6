"""Rule-based entity extraction for the legal-aid NLU.

The dialogue needs a handful of entities - phone and ID numbers, amounts of money, household
size, durations and districts - that are either numeric or drawn from closed lists. Rules are
exact, explainable to staff and need no labelled data for these, whereas citizens write them in
every mix of Arabic digits, Chinese numerals and colloquial approximations (四千多, 七八千, 一万五),
which a statistical extractor trained on a few hundred examples gets wrong.

The output mirrors Rasa's entity JSON (`entity, value, start, end, extractor`) so the parse API
can return it unchanged. Phone/ID/district keep the extractor name Rasa would report for regex and
lookup matches (`RegexEntityExtractor`); the numeric entities, whose values need interpretation,
report `LegalAidEntityExtractor`.

Offsets always refer to the caller's original text: full-width digits are folded to ASCII on a
copy whose characters map 1:1 onto the original.

This module composes the rules; each kind lives in its own module (money, household, durations,
phone_numbers), numerals are read by chinese_numbers, and entity_candidates settles overlaps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from bot.identity.gb11643 import is_valid_id_number, normalize_id_number
from bot.nlu.chinese_numbers import NUMERAL_RUN_RE, fold_width, read_numeral
from bot.nlu.components.tokenizers import shared_jieba
from bot.nlu.durations import drop_rate_durations, duration_at, half_duration_candidates, merge_durations
from bot.nlu.entity_candidates import (
    REGEX_EXTRACTOR,
    RULE_EXTRACTOR,
    TIER_ID,
    TIER_LOOKUP,
    TIER_PHONE,
    Candidate,
    Entity,
    resolve_overlaps,
)
from bot.nlu.household import household_at
from bot.nlu.money import money_at, regex_money
from bot.nlu.phone_numbers import builtin_phone_candidates

__all__ = ["REGEX_EXTRACTOR", "RULE_EXTRACTOR", "Entity", "EntityExtractor"]


class EntityExtractor:
    """Extracts phone/ID numbers, money, household size, durations and lookup values (districts).

    Built from the training data (regexes, lookup tables, synonyms) so that deployments extend
    the vocabulary in YAML, not in Python. `extract` is pure and safe to share between requests.
    """

    def __init__(
        self,
        regexes: Sequence[tuple[str, str]],
        lookups: Mapping[str, Sequence[str]],
        synonyms: Mapping[str, str],
    ) -> None:
        self._regexes: list[tuple[str, re.Pattern[str]]] = []
        for name, pattern in regexes:
            try:
                self._regexes.append((name, re.compile(pattern)))
            except re.error as exc:
                raise ValueError(f"invalid regex for {name!r}: {pattern!r}: {exc}") from exc
        self._lookups: list[tuple[str, re.Pattern[str], dict[str, str]]] = []
        for name, values in lookups.items():
            canonical = set(values)
            surfaces = {value: value for value in values if value}
            # Only synonyms that map onto this lookup's values belong to it (昆区 -> 昆都仑区);
            # synonyms.yml also holds unrelated vocabulary (民工 -> 农民工).
            surfaces.update({variant: canon for variant, canon in synonyms.items() if canon in canonical})
            if not surfaces:
                continue
            ordered = sorted(surfaces, key=lambda surface: (-len(surface), surface))
            alternation = re.compile("|".join(re.escape(surface) for surface in ordered))
            self._lookups.append((name, alternation, surfaces))

    def extract(self, text: str) -> list[Entity]:
        """Entities sorted by start, without overlapping spans; offsets index into `text`."""
        folded = fold_width(text)
        candidates: list[Candidate] = []
        candidates += _number_candidates(folded)
        candidates += half_duration_candidates(folded)
        candidates += builtin_phone_candidates(folded)
        candidates += self._regex_candidates(text, folded)
        candidates += self._lookup_candidates(folded)
        chosen = resolve_overlaps(candidates)
        return drop_rate_durations(folded, chosen)

    def _regex_candidates(self, text: str, folded: str) -> list[Candidate]:
        """Matches of the training-data regexes, interpreted per entity kind."""
        out: list[Candidate] = []
        for name, pattern in self._regexes:
            for match in pattern.finditer(folded):
                start, end = match.span()
                if start == end:
                    continue
                span = match.group()
                if name == "id_number":
                    if is_valid_id_number(span):
                        entity = Entity(name, normalize_id_number(span), start, end, REGEX_EXTRACTOR)
                        out.append(Candidate(TIER_ID, 100, entity))
                elif name == "phone_number":
                    digits = "".join(ch for ch in span if ch.isascii() and ch.isdigit())
                    entity = Entity(name, digits, start, end, REGEX_EXTRACTOR)
                    out.append(Candidate(TIER_PHONE, 100, entity))
                elif name == "money":
                    candidate = regex_money(folded, start, end)
                    if candidate is not None:
                        out.append(candidate)
                else:
                    entity = Entity(name, text[start:end], start, end, REGEX_EXTRACTOR)
                    out.append(Candidate(TIER_LOOKUP, 100, entity))
        return out

    def _lookup_candidates(self, folded: str) -> list[Candidate]:
        """Lookup-table values and their synonyms, longest surface first, mapped to canonical.

        A short form must be a whole word of the sentence: "青山" in "我在青山" is 青山区, in
        "青山绿水" it is not, and "东河" in "东河水很清" is no district either.
        """
        out: list[Candidate] = []
        bounds: set[int] | None = None
        for name, pattern, surfaces in self._lookups:
            for match in pattern.finditer(folded):
                canonical = surfaces[match.group()]
                if match.group() != canonical:
                    bounds = word_boundaries(folded) if bounds is None else bounds
                    if match.start() not in bounds or match.end() not in bounds:
                        continue
                entity = Entity(name, canonical, match.start(), match.end(), REGEX_EXTRACTOR)
                out.append(Candidate(TIER_LOOKUP, 0, entity))
        return out


def word_boundaries(text: str) -> set[int]:
    """Where jieba's words begin and end in `text` (the same segmenter the classifier uses)."""
    bounds = {0, len(text)}
    for _word, start, end in shared_jieba().tokenize(text):
        bounds.update((start, end))
    return bounds


def _number_candidates(folded: str) -> list[Candidate]:
    """Durations, household sizes and money read from every numeral run in the text."""
    out: list[Candidate] = []
    for match in NUMERAL_RUN_RE.finditer(folded):
        start, end = match.span()
        if start > 0 and folded[start - 1] == "第":  # ordinals: 第三, 第2个月
            continue
        parsed = read_numeral(match.group())
        if parsed is None:
            continue
        duration = duration_at(folded, start, end, parsed)
        if duration is not None:
            previous = out[-1] if out else None
            merged = merge_durations(folded, previous, duration)
            if merged is not None:
                out[-1] = merged
            else:
                out.append(duration)
            continue
        candidate = household_at(folded, start, end, parsed) or money_at(folded, start, end, parsed)
        if candidate is not None:
            out.append(candidate)
    return out
