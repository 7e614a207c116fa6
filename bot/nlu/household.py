"""Household size (三口人, 一家三口, 家里就我一个人): the divisor of the means test.

"三个人" alone may be witnesses or co-workers, so bare person counts need a family word before
them; only 口人 / 口之家 speak of a household on their own.
"""

from __future__ import annotations

import re

from bot.nlu.chinese_numbers import NUMERAL_CHARS, ParsedNumber
from bot.nlu.entity_candidates import CLAUSE_PUNCT, RULE_EXTRACTOR, TIER_NUMERIC, Candidate, Entity

_HOUSEHOLD_SUFFIX_RE = re.compile(r"口之家|口人|个人|口|人")
# "家" (home/family) shortly before the number; 大家/国家/厂家... are not the citizen's family.
_FAMILY_BEFORE_RE = re.compile(
    rf"(?<![大国厂商专东店卖买作])家[^0-9{NUMERAL_CHARS}{re.escape(CLAUSE_PUNCT)}\s]{{0,4}}$"
)
_KOU_NOT_HOUSEHOLD = frozenset("气饭水子酒吃井")
_MAX_HOUSEHOLD = 30


def household_at(folded: str, start: int, end: int, parsed: ParsedNumber) -> Candidate | None:
    """三口人 / 四口之家 anywhere; 一家三口 / 家里四个人 / 家里就我一个人 only after a family word."""
    match = _HOUSEHOLD_SUFFIX_RE.match(folded, end)
    if match is None or parsed.approximate or parsed.digit_string:
        return None
    value = parsed.value
    if value != value.to_integral_value() or not 1 <= value <= _MAX_HOUSEHOLD:
        return None
    suffix = match.group()
    if suffix not in ("口之家", "口人"):
        if _FAMILY_BEFORE_RE.search(folded, max(0, start - 8), start) is None:
            return None
        if suffix == "口" and folded[match.end() : match.end() + 1] in _KOU_NOT_HOUSEHOLD:
            return None
    span_start = start - 2 if folded[max(0, start - 2) : start] in ("一家", "全家") else start
    entity = Entity("household_size", int(value), span_start, match.end(), RULE_EXTRACTOR)
    return Candidate(TIER_NUMERIC, 0, entity)
