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
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from bot.identity.gb11643 import is_valid_id_number, normalize_id_number

REGEX_EXTRACTOR = "RegexEntityExtractor"
RULE_EXTRACTOR = "LegalAidEntityExtractor"

# Overlap priority: a lower tier wins over any overlapping candidate of a higher tier.
_TIER_ID = 0
_TIER_PHONE = 1
_TIER_NUMERIC = 2
_TIER_LOOKUP = 3

# Full-width forms citizens' input methods produce; every mapping is one character to one
# character so offsets computed on the folded copy are valid for the original text.
_FOLD = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)} | {"．": ".", "－": "-", "Ｘ": "X", "ｘ": "x", "\u3000": " "}
)

_DIGIT_VALUES: dict[str, int] = {
    "零": 0, "〇": 0,
    "一": 1, "壹": 1,
    "二": 2, "贰": 2, "两": 2, "俩": 2,
    "三": 3, "叁": 3, "仨": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6,
    "七": 7, "柒": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}  # fmt: skip
_MAGNITUDES: dict[str, int] = {
    "十": 10, "拾": 10,
    "百": 100, "佰": 100,
    "千": 1000, "仟": 1000,
    "万": 10**4, "萬": 10**4,
    "亿": 10**8,
}  # fmt: skip
_ZEROS = frozenset("零〇")
_NUM_CHARS = "".join(_DIGIT_VALUES) + "".join(_MAGNITUDES)
# A numeral run may not start with 零 (一年零三个月) or with 百/千/万/亿, which outside a number
# are words: 千万别 (by all means don't), 万一 (in case), 百分之 (percent).
_LEAD_CHARS = "".join(ch for ch in _DIGIT_VALUES if ch not in _ZEROS) + "十拾"

_ARABIC = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?(?![0-9])|[0-9]+(?:\.[0-9]+)?"
_RUN_RE = re.compile(rf"(?<![0-9.])(?<![0-9],)(?:{_ARABIC}|[{_LEAD_CHARS}])(?:{_ARABIC}|[{_NUM_CHARS}])*")
_TOKEN_RE = re.compile(r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?|.", re.DOTALL)

_CLAUSE_PUNCT = "，。,.!?！？；;、\n"
_PUNCT_RE = re.compile(f"[{re.escape(_CLAUSE_PUNCT)}]")

# --- money ---------------------------------------------------------------------------------------
_MONEY_SUFFIX_RE = re.compile(
    r"(?P<more>多|余|来)?(?:\s*(?P<unit>块钱|元钱|人民币|块|元|圆))?(?P<about>左右|上下|出头|多)?"
)
# Words before a bare number that make it an amount of money (一个月挣2500, 工资：3000, 欠了我5000).
_MONEY_CONTEXT_RE = re.compile(
    r"(?:挣|赚|收入|工资|月薪|年薪|薪水|薪资|工钱|拿|欠|赔|补偿|一个月|每个月|每月|月入|一年|每年|一天|每天"
    r"|押金|借|罚款|罚|生活费|抚养费|赡养费|低保|花了)"
    rf"[^0-9{_NUM_CHARS}{re.escape(_CLAUSE_PUNCT)}]{{0,4}}$"
)
# Measure words: a number followed by one of these counts things, not yuan (三千多人, 五百米).
_COUNTERS = frozenset(
    "个口人天日年月号周岁次位名家套间件辆台本张条只头斤克吨米里亩平层楼分秒点时倍%％度字页章集回遍趟"
    "种项户栋座所门处部批片段节届期代级路站行句声步样夜班床株棵颗粒瓶杯碗盒包箱袋双对副支根把星礼公小"
)
# 块 is also a measure word (三块地, 一块儿去): these followers mean it is not money.
_KUAI_NOT_MONEY = frozenset("地砖石肉布玻表板木糕糖儿去走来玩吃做干住过")
_YUAN_NOT_MONEY = frozenset("旦月宵素")

# --- duration ------------------------------------------------------------------------------------
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

# --- household size ------------------------------------------------------------------------------
_HOUSEHOLD_SUFFIX_RE = re.compile(r"口之家|口人|个人|口|人")
# "家" (home/family) shortly before the number; 大家/国家/厂家... are not the citizen's family.
_FAMILY_BEFORE_RE = re.compile(
    rf"(?<![大国厂商专东店卖买作])家[^0-9{_NUM_CHARS}{re.escape(_CLAUSE_PUNCT)}\s]{{0,4}}$"
)
_KOU_NOT_HOUSEHOLD = frozenset("气饭水子酒吃井")
_MAX_HOUSEHOLD = 30

# --- phone ---------------------------------------------------------------------------------------
# Forms the training-data regexes do not cover: spaced mobile numbers (138 1234 5678), a +86
# prefix and a landline with a space after the area code.
_BUILTIN_PHONE_RES = (
    re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}(?![0-9])"),
    re.compile(r"(?<![0-9])0[0-9]{2,3}[- ][0-9]{7,8}(?![0-9])"),
)
_MOBILE_LENGTH = 11
_MAX_BARE_MONEY_DIGITS = 9


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


class ParsedNumber(NamedTuple):
    """A numeral read from text, with what the entity rules need to know about its form."""

    value: Decimal
    approximate: bool  # a range such as 七八千, reported as its midpoint
    magnitude: int  # the largest magnitude character used (十 = 10 ... 亿 = 10**8), 0 when none
    digit_string: bool  # read digit by digit (二零二三), as years and codes are, not as a quantity
    arabic_only: bool  # only ASCII digits


def parse_number(text: str) -> int | float | None:
    """The value of a numeral in Arabic digits, Chinese numerals or a mix, or None.

    Handles 十二, 二十, 一百零五, 两千三 (an implied next magnitude), 3千5, 1.5万, 1,200 and ranges
    (七八千 -> 7500, the midpoint). Full-width digits must already be folded to ASCII.
    """
    parsed = _parse(text)
    return None if parsed is None else _plain(parsed.value)


def _plain(value: Decimal) -> int | float:
    """JSON-friendly number: an int when whole, else a float."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _parse(text: str) -> ParsedNumber | None:
    """Parse a numeral run, reading two adjacent rising digits (七八, 两三) as a range."""
    bounds = _split_range(text)
    if bounds is None:
        return _parse_exact(text)
    low, high = (_parse_exact(part) for part in bounds)
    if low is None or high is None or low.digit_string or high.digit_string:
        return None
    return ParsedNumber(
        value=(low.value + high.value) / 2,
        approximate=True,
        magnitude=max(low.magnitude, high.magnitude),
        digit_string=False,
        arabic_only=False,
    )


def _split_range(text: str) -> tuple[str, str] | None:
    """The low and high readings of a colloquial range (七八千 -> 七千, 八千), or None."""
    for i in range(len(text) - 1):
        first, second = _DIGIT_VALUES.get(text[i]), _DIGIT_VALUES.get(text[i + 1])
        if first is None or second is None or first == 0 or second != first + 1:
            continue
        if i > 0 and text[i - 1] in _DIGIT_VALUES:
            continue
        if i + 2 < len(text) and text[i + 2] not in _MAGNITUDES:
            continue
        return text[: i + 1] + text[i + 2 :], text[:i] + text[i + 1 :]
    return None


def _parse_exact(text: str) -> ParsedNumber | None:
    """Parse one numeral without ranges; None when the characters do not form a number."""
    tokens: list[tuple[str, Decimal, bool]] = []  # (kind, value, is_arabic); kind in n/z/m
    for match in _TOKEN_RE.finditer(text):
        token = match.group()
        if token[0].isascii() and token[0].isdigit():
            tokens.append(("n", Decimal(token.replace(",", "")), True))
        elif token in _ZEROS:
            tokens.append(("z", Decimal(0), False))
        elif token in _DIGIT_VALUES:
            tokens.append(("n", Decimal(_DIGIT_VALUES[token]), False))
        elif token in _MAGNITUDES:
            tokens.append(("m", Decimal(_MAGNITUDES[token]), False))
        else:
            return None
    if not tokens:
        return None
    arabic_only = all(is_arabic for _, _, is_arabic in tokens)
    if not any(kind == "m" for kind, _, _ in tokens):
        if len(tokens) == 1 and tokens[0][0] == "n":
            return ParsedNumber(tokens[0][1], False, 0, False, tokens[0][2])
        if all(not is_arabic for _, _, is_arabic in tokens):
            digits = "".join(str(int(value)) for _, value, _ in tokens)
            return ParsedNumber(Decimal(digits), False, 0, True, False)
        return None
    return _parse_with_magnitudes(tokens, arabic_only)


def _parse_with_magnitudes(tokens: list[tuple[str, Decimal, bool]], arabic_only: bool) -> ParsedNumber | None:
    """Positional reading of 一万五千零五十-style numerals, also with Arabic digit groups (3千5)."""
    total = Decimal(0)
    section = Decimal(0)
    current: Decimal | None = None
    last_magnitude = 0
    small_floor = 10**5  # magnitudes inside a 万-section must fall: 三千五百, never 五百三千
    big_floor = 10**9
    zero_gap = False
    largest = 0
    for kind, value, _ in tokens:
        if kind == "n":
            if current is not None:
                return None
            current = value
        elif kind == "z":
            if current is not None:
                return None
            zero_gap = True
        else:
            magnitude = int(value)
            largest = max(largest, magnitude)
            if magnitude < 10**4:
                if magnitude >= small_floor:
                    return None
                if current is None:
                    if magnitude != 10 or section % 100 != 0:
                        return None
                    current = Decimal(1)  # 十二 = 一十二
                section += current * magnitude
                small_floor = magnitude
            else:
                if magnitude >= big_floor or (current is None and section == 0):
                    return None
                section += current or 0
                if magnitude == 10**8:
                    total = (total + section) * magnitude
                else:
                    total += section * magnitude
                section = Decimal(0)
                small_floor = 10**5
                big_floor = magnitude
            current = None
            last_magnitude = magnitude
            zero_gap = False
    if current is not None:
        implied = (
            last_magnitude >= 10 and not zero_gap and current < 10 and current == current.to_integral_value()
        )
        section += current * (last_magnitude // 10) if implied else current
    return ParsedNumber(total + section, False, largest, False, arabic_only)


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A possible entity before overlaps are resolved."""

    tier: int
    order: int
    entity: Entity
    parts: tuple[tuple[str, int], ...] = field(default=())  # duration components, for merging


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
        folded = text.translate(_FOLD)
        candidates: list[_Candidate] = []
        candidates += _number_candidates(folded)
        candidates += _half_duration_candidates(folded)
        candidates += _builtin_phone_candidates(folded)
        candidates += self._regex_candidates(text, folded)
        candidates += self._lookup_candidates(folded)
        chosen = _resolve_overlaps(candidates)
        return _drop_rate_durations(folded, chosen)

    def _regex_candidates(self, text: str, folded: str) -> list[_Candidate]:
        """Matches of the training-data regexes, interpreted per entity kind."""
        out: list[_Candidate] = []
        for name, pattern in self._regexes:
            for match in pattern.finditer(folded):
                start, end = match.span()
                if start == end:
                    continue
                span = match.group()
                if name == "id_number":
                    if is_valid_id_number(span):
                        entity = Entity(name, normalize_id_number(span), start, end, REGEX_EXTRACTOR)
                        out.append(_Candidate(_TIER_ID, 100, entity))
                elif name == "phone_number":
                    digits = "".join(ch for ch in span if ch.isascii() and ch.isdigit())
                    entity = Entity(name, digits, start, end, REGEX_EXTRACTOR)
                    out.append(_Candidate(_TIER_PHONE, 100, entity))
                elif name == "money":
                    candidate = _regex_money(folded, start, end)
                    if candidate is not None:
                        out.append(candidate)
                else:
                    entity = Entity(name, text[start:end], start, end, REGEX_EXTRACTOR)
                    out.append(_Candidate(_TIER_LOOKUP, 100, entity))
        return out

    def _lookup_candidates(self, folded: str) -> list[_Candidate]:
        """Lookup-table values and their synonyms, longest surface first, mapped to canonical."""
        out: list[_Candidate] = []
        for name, pattern, surfaces in self._lookups:
            for match in pattern.finditer(folded):
                entity = Entity(name, surfaces[match.group()], match.start(), match.end(), REGEX_EXTRACTOR)
                out.append(_Candidate(_TIER_LOOKUP, 0, entity))
        return out


def _resolve_overlaps(candidates: list[_Candidate]) -> list[Entity]:
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


def _drop_rate_durations(folded: str, entities: list[Entity]) -> list[Entity]:
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


def _builtin_phone_candidates(folded: str) -> list[_Candidate]:
    """Phone numbers in spaced or +86 forms; the value is the bare national number."""
    out: list[_Candidate] = []
    for pattern in _BUILTIN_PHONE_RES:
        for match in pattern.finditer(folded):
            digits = "".join(ch for ch in match.group() if ch.isdigit())
            if digits.startswith("86") and len(digits) == _MOBILE_LENGTH + 2:
                digits = digits[2:]
            entity = Entity("phone_number", digits, match.start(), match.end(), REGEX_EXTRACTOR)
            out.append(_Candidate(_TIER_PHONE, 50, entity))
    return out


def _number_candidates(folded: str) -> list[_Candidate]:
    """Durations, household sizes and money read from every numeral run in the text."""
    out: list[_Candidate] = []
    for match in _RUN_RE.finditer(folded):
        start, end = match.span()
        if start > 0 and folded[start - 1] == "第":  # ordinals: 第三, 第2个月
            continue
        parsed = _parse(match.group())
        if parsed is None:
            continue
        duration = _duration_at(folded, start, end, parsed)
        if duration is not None:
            previous = out[-1] if out else None
            merged = _merge_durations(folded, previous, duration)
            if merged is not None:
                out[-1] = merged
            else:
                out.append(duration)
            continue
        candidate = _household_at(folded, start, end, parsed) or _money_at(folded, start, end, parsed)
        if candidate is not None:
            out.append(candidate)
    return out


def _duration_at(folded: str, start: int, end: int, parsed: ParsedNumber) -> _Candidate | None:
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
    return _Candidate(_TIER_NUMERIC, 0, entity, parts)


def _plausible_year_count(run: str, parsed: ParsedNumber) -> bool:
    """Tell "干了10年" (a span) from "2023年"/"05年" (a calendar year)."""
    if parsed.value > _MAX_DURATION_YEARS:
        return False
    return not (parsed.arabic_only and (run.startswith("0") or len(run) >= 3))


def _half_duration_candidates(folded: str) -> list[_Candidate]:
    """半年 / 半个月 without a leading numeral (半天 is left out: colloquially it means "ages")."""
    out: list[_Candidate] = []
    for match in _HALF_DURATION_RE.finditer(folded):
        unit = match["unit"]
        if unit == "年" and match["ge"]:
            continue
        parts = _duration_parts(Decimal("0.5"), _UNIT_LETTERS[unit])
        entity = Entity("duration", _format_duration(parts), match.start(), match.end(), RULE_EXTRACTOR)
        out.append(_Candidate(_TIER_NUMERIC, 0, entity, parts))
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


def _merge_durations(folded: str, previous: _Candidate | None, current: _Candidate) -> _Candidate | None:
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
    return _Candidate(_TIER_NUMERIC, 0, entity, parts)


def _household_at(folded: str, start: int, end: int, parsed: ParsedNumber) -> _Candidate | None:
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
    return _Candidate(_TIER_NUMERIC, 0, entity)


def _money_at(folded: str, start: int, end: int, parsed: ParsedNumber) -> _Candidate | None:
    """An amount in yuan: with a currency word, as a numeral with 百/千/万, or after a pay word."""
    if parsed.digit_string or parsed.value < 0:
        return None
    match = _MONEY_SUFFIX_RE.match(folded, end)
    assert match is not None  # every group is optional
    unit = match["unit"]
    if match["more"] == "来" and not unit:  # 三万来了 is not "about 30000"
        return None
    if unit:
        if not _money_unit_ok(folded, unit, match.end("unit")):
            return None
    else:
        follower = folded[match.end() : match.end() + 1]
        if follower and (follower in _COUNTERS or (follower.isascii() and follower.isalnum())):
            return None
        if not _bare_amount_is_money(folded, start, end, parsed):
            return None
    approximate = parsed.approximate or bool(match["more"]) or bool(match["about"])
    entity = Entity("money", _plain(parsed.value), start, match.end(), RULE_EXTRACTOR, approximate)
    return _Candidate(_TIER_NUMERIC, 0, entity)


def _bare_amount_is_money(folded: str, start: int, end: int, parsed: ParsedNumber) -> bool:
    """A number without a currency word is money when it has 百/千/万 or follows a pay word."""
    if parsed.magnitude >= 100 and not parsed.arabic_only:
        return True
    if _MONEY_CONTEXT_RE.search(folded, max(0, start - 12), start) is None:
        return False
    if parsed.arabic_only:
        run = folded[start:end]
        integer_digits = run.replace(",", "").split(".")[0]
        # Long digit strings are phone/ID/account numbers, never a wage.
        return len(integer_digits) <= _MAX_BARE_MONEY_DIGITS and not run.startswith("0")
    return parsed.magnitude >= 10


def _money_unit_ok(folded: str, unit: str, unit_end: int) -> bool:
    """Reject 块/元 used as non-currency words: 三块地, 一块儿去, 元旦."""
    follower = folded[unit_end : unit_end + 1]
    if unit == "块":
        return follower not in _KUAI_NOT_MONEY
    if unit == "元":
        return follower not in _YUAN_NOT_MONEY
    return True


def _regex_money(folded: str, start: int, end: int) -> _Candidate | None:
    """Interpret a training-data money regex match (5000元, 1,200块钱, 1.2 万) as a yuan amount."""
    span = folded[start:end]
    unit_match = re.search(r"(块钱|元钱|人民币|块|元|圆)$", span)
    if unit_match is not None and not _money_unit_ok(folded, unit_match.group(), end):
        return None
    number_text = re.sub(r"\s+", "", span)
    number_text = re.sub(r"(块钱|元钱|人民币|块|元|圆)$", "", number_text)
    parsed = _parse(number_text)
    if parsed is None or parsed.digit_string:
        return None
    entity = Entity("money", _plain(parsed.value), start, end, RULE_EXTRACTOR, parsed.approximate)
    return _Candidate(_TIER_NUMERIC, 10, entity)
