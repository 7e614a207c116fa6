"""How long something lasted (三个月, 两年多, 一年半, 半个月), as an ISO 8601 duration.

Durations decide deadlines and wage claims, so a calendar year (2023年, 98年出生), a month name
(三月), a grade (三年级) or a pay period (一个月挣2500) must not be read as a span of time.
"""

from __future__ import annotations

import itertools
import re
from decimal import Decimal

from bot.nlu.chinese_numbers import ParsedNumber
from bot.nlu.entity_candidates import CLAUSE_PUNCT, RULE_EXTRACTOR, TIER_NUMERIC, Candidate, Entity

_DURATION_SUFFIX_RE = re.compile(
    r"(?P<more1>多|来)?(?P<ge>个)?(?P<more2>多)?(?P<half1>半)?"
    r"(?P<unit>小时|钟头|星期|礼拜|年|月|周|天)(?P<half2>半)?(?P<more3>多)?(?P<about>左右|上下)?"
)
_HALF_DURATION_RE = re.compile(r"半(?P<ge>个)?(?P<unit>年|月|星期|礼拜|小时|钟头)")
_UNIT_LETTERS = {
    "年": "Y", "月": "M", "星期": "W", "礼拜": "W", "周": "W", "天": "D", "小时": "H", "钟头": "H",
}  # fmt: skip
# Followers that turn "N年/N周/N天" into a date, a grade or an anniversary rather than a span.
_DURATION_BAD_FOLLOWERS = {
    "年": frozenset("级代初底末中轻"),
    "周": frozenset("岁末年"),
    "天": frozenset("津"),
}
# How a fractional amount of a unit is expressed in the next smaller unit (一年半 -> P18M).
_SMALLER_UNIT = {"Y": ("M", 12), "M": ("D", 30), "W": ("D", 7), "D": ("H", 24), "H": ("MIN", 60)}
_UNIT_ORDER = {"Y": 0, "M": 1, "W": 2, "D": 3, "H": 4, "MIN": 5}
# "98年" is a birth year, not 98 years of unpaid wages: longer spans are read as calendar years.
_MAX_DURATION_YEARS = 60
# Words after "N年" that make N a calendar year: 85年出生, 03年毕业, 10年那年.
_CALENDAR_YEAR_AFTER_RE = re.compile(r"出生|生的|生人|毕业|入职|结婚|那年|的时候")
_MAX_DURATION_AMOUNT = 1000
_PUNCT_RE = re.compile(f"[{re.escape(CLAUSE_PUNCT)}]")


def duration_at(folded: str, start: int, end: int, parsed: ParsedNumber) -> Candidate | None:
    """三个月 / 两年多 / 一年半 / 3个星期 / 十天 after a numeral, as an ISO 8601 duration."""
    match = _DURATION_SUFFIX_RE.match(folded, end)
    if match is None or parsed.digit_string or parsed.value <= 0:
        return None
    unit = match["unit"]
    if unit == "月" and not match["ge"]:  # 三月 is March
        return None
    if unit in ("年", "天", "周") and match["ge"]:  # 一个年轻人, 一个周末
        return None
    if match["half1"] and not match["ge"]:
        return None
    if match["half1"] and match["half2"]:
        return None
    follower = folded[match.end() : match.end() + 1]
    if follower and follower in _DURATION_BAD_FOLLOWERS.get(unit, ()):
        return None
    if unit == "年" and (
        not _plausible_year_count(folded[start:end], parsed)
        or _CALENDAR_YEAR_AFTER_RE.match(folded, match.end()) is not None
    ):
        return None
    amount = parsed.value + (Decimal("0.5") if match["half1"] or match["half2"] else 0)
    if amount > _MAX_DURATION_AMOUNT:
        return None
    approximate = parsed.approximate or any(match[g] for g in ("more1", "more2", "more3", "about"))
    parts = _duration_parts(amount, _UNIT_LETTERS[unit])
    entity = Entity("duration", _format_duration(parts), start, match.end(), RULE_EXTRACTOR, approximate)
    return Candidate(TIER_NUMERIC, 0, entity, parts)


def _plausible_year_count(run: str, parsed: ParsedNumber) -> bool:
    """Tell "干了10年" (a span) from "2023年"/"05年" (a calendar year)."""
    if parsed.value > _MAX_DURATION_YEARS:
        return False
    return not (parsed.arabic_only and (run.startswith("0") or len(run) >= 3))


def half_duration_candidates(folded: str) -> list[Candidate]:
    """半年 / 半个月 without a leading numeral (半天 is left out: colloquially it means "ages")."""
    out: list[Candidate] = []
    for match in _HALF_DURATION_RE.finditer(folded):
        unit = match["unit"]
        if unit == "年" and match["ge"]:
            continue
        parts = _duration_parts(Decimal("0.5"), _UNIT_LETTERS[unit])
        entity = Entity("duration", _format_duration(parts), match.start(), match.end(), RULE_EXTRACTOR)
        out.append(Candidate(TIER_NUMERIC, 0, entity, parts))
    return out


def _duration_parts(amount: Decimal, unit: str) -> tuple[tuple[str, int], ...]:
    """Express a possibly fractional amount in whole units, moving down a unit when needed."""
    while amount != amount.to_integral_value() and unit in _SMALLER_UNIT:
        unit, factor = _SMALLER_UNIT[unit]
        amount *= factor
    return ((unit, int(amount.to_integral_value())),)


def _format_duration(parts: tuple[tuple[str, int], ...]) -> str:
    """ISO 8601 duration text: P2Y3M, P3W, P10D, PT2H30M."""
    values = dict(parts)
    date_part = "".join(f"{values[key]}{key}" for key in ("Y", "M", "W", "D") if values.get(key))
    time_part = "".join(
        f"{values[key]}{letter}" for key, letter in (("H", "H"), ("MIN", "M")) if values.get(key)
    )
    return "P" + date_part + (f"T{time_part}" if time_part else "")


def merge_durations(folded: str, previous: Candidate | None, current: Candidate) -> Candidate | None:
    """Join 两年三个月 / 一年零三个月 into one duration when the units strictly decrease."""
    if previous is None or previous.entity.entity != "duration" or not previous.parts:
        return None
    gap = folded[previous.entity.end : current.entity.start]
    if gap not in ("", "零", "又"):
        return None
    units = [unit for unit, _ in previous.parts + current.parts]
    if "W" in units or any(_UNIT_ORDER[a] >= _UNIT_ORDER[b] for a, b in itertools.pairwise(units)):
        return None
    parts = previous.parts + current.parts
    entity = Entity(
        "duration",
        _format_duration(parts),
        previous.entity.start,
        current.entity.end,
        RULE_EXTRACTOR,
        previous.entity.approximate or current.entity.approximate,
    )
    return Candidate(TIER_NUMERIC, 0, entity, parts)


def drop_rate_durations(folded: str, entities: list[Entity]) -> list[Entity]:
    """Drop "一个月" in "一个月挣2500": there it states a pay rate, not how long something lasted."""
    kept: list[Entity] = []
    for index, entity in enumerate(entities):
        if (
            entity.entity == "duration"
            and entity.value in {"P1Y", "P1M", "P1W", "P1D"}
            and not entity.approximate
        ):
            following = entities[index + 1] if index + 1 < len(entities) else None
            if (
                following is not None
                and following.entity == "money"
                and following.start - entity.end <= 3
                and not _PUNCT_RE.search(folded, entity.end, following.start)
            ):
                continue
        kept.append(entity)
    return kept
