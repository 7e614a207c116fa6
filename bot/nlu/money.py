"""Amounts of money in yuan (5000元, 四千多, 七八千, 一个月挣2500) for the income and claim questions.

A number is money when it carries a currency word, is a Chinese numeral with 百/千/万, or follows
a pay word; measure words (三千多人, 五百米) and 块/元 used as ordinary words (三块地, 元旦) are not.
"""

from __future__ import annotations

import re

from bot.nlu.chinese_numbers import NUMERAL_CHARS, ParsedNumber, plain_number, read_numeral
from bot.nlu.entity_candidates import CLAUSE_PUNCT, RULE_EXTRACTOR, TIER_NUMERIC, Candidate, Entity

_MONEY_SUFFIX_RE = re.compile(
    r"(?P<more>多|余|来)?(?:\s*(?P<unit>块钱|元钱|人民币|块|元|圆))?(?P<about>左右|上下|出头|多)?"
)
# Words before a bare number that make it an amount of money (一个月挣2500, 工资：3000, 欠了我5000).
_MONEY_CONTEXT_RE = re.compile(
    r"(?:挣|赚|收入|工资|月薪|年薪|薪水|薪资|工钱|拿|欠|赔|补偿|一个月|每个月|每月|月入|一年|每年|一天|每天"
    r"|押金|借|罚款|罚|生活费|抚养费|赡养费|低保|花了)"
    rf"[^0-9{NUMERAL_CHARS}{re.escape(CLAUSE_PUNCT)}]{{0,4}}$"
)
# Measure words: a number followed by one of these counts things, not yuan (三千多人, 五百米).
_COUNTERS = frozenset(
    "个口人天日年月号周岁次位名家套间件辆台本张条只头斤克吨米里亩平层楼分秒点时倍%％度字页章集回遍趟"
    "种项户栋座所门处部批片段节届期代级路站行句声步样夜班床株棵颗粒瓶杯碗盒包箱袋双对副支根把星礼公小"
)
# 块 is also a measure word (三块地, 一块儿去): these followers mean it is not money.
_KUAI_NOT_MONEY = frozenset("地砖石肉布玻表板木糕糖儿去走来玩吃做干住过")
_YUAN_NOT_MONEY = frozenset("旦月宵素")
_UNIT_AT_END_RE = re.compile(r"(块钱|元钱|人民币|块|元|圆)$")
_MAX_BARE_MONEY_DIGITS = 9


def money_at(folded: str, start: int, end: int, parsed: ParsedNumber) -> Candidate | None:
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
    entity = Entity("money", plain_number(parsed.value), start, match.end(), RULE_EXTRACTOR, approximate)
    return Candidate(TIER_NUMERIC, 0, entity)


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


def regex_money(folded: str, start: int, end: int) -> Candidate | None:
    """Interpret a training-data money regex match (5000元, 1,200块钱, 1.2 万) as a yuan amount."""
    span = folded[start:end]
    unit_match = _UNIT_AT_END_RE.search(span)
    if unit_match is not None and not _money_unit_ok(folded, unit_match.group(), end):
        return None
    number_text = _UNIT_AT_END_RE.sub("", re.sub(r"\s+", "", span))
    parsed = read_numeral(number_text)
    if parsed is None or parsed.digit_string:
        return None
    entity = Entity("money", plain_number(parsed.value), start, end, RULE_EXTRACTOR, parsed.approximate)
    return Candidate(TIER_NUMERIC, 10, entity)
