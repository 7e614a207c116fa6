"""Phone numbers in the forms the training-data regexes miss.

Citizens type mobile numbers spaced (138 1234 5678), with a +86 prefix, or a landline with a
space after the area code; staff call back on the bare national number, so that is the value.
"""

from __future__ import annotations

import re

from bot.nlu.entity_candidates import REGEX_EXTRACTOR, TIER_PHONE, Candidate, Entity

_BUILTIN_PHONE_RES = (
    re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}(?![0-9])"),
    re.compile(r"(?<![0-9])0[0-9]{2,3}[- ][0-9]{7,8}(?![0-9])"),
)
_MOBILE_LENGTH = 11


def builtin_phone_candidates(folded: str) -> list[Candidate]:
    """Phone numbers in spaced or +86 forms; the value is the bare national number."""
    out: list[Candidate] = []
    for pattern in _BUILTIN_PHONE_RES:
        for match in pattern.finditer(folded):
            digits = "".join(ch for ch in match.group() if ch.isdigit())
            if digits.startswith("86") and len(digits) == _MOBILE_LENGTH + 2:
                digits = digits[2:]
            entity = Entity("phone_number", digits, match.start(), match.end(), REGEX_EXTRACTOR)
            out.append(Candidate(TIER_PHONE, 50, entity))
    return out
