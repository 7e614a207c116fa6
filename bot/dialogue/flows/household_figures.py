"""Household size and monthly income read from what a citizen writes, for the eligibility interview.

"三口人，一个月四千多" answers two questions at once; "老板欠我12000" names an amount that is no
income at all; "三口人，我一个月挣3000" is one person's pay. The rules need the household's size
and the household's income, so only what can be read as those is taken.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.nlu.chinese_numbers import parse_number
from bot.nlu.parse import Parse

_DIGITS = re.compile(r"^\s*([0-9０-９]+(?:\.[0-9]+)?)\s*(?:元|块|块钱|人|口|口人|个人)?\s*$")
_HOUSEHOLD_INCOME = re.compile(
    r"(全家|家里|家庭|一家|我们家|两口子|老两口|俩人)[^，,。；;]{0,8}(收入|挣|工资|月入|进账)"
)
_PERSONAL_INCOME = re.compile(r"我[^，,。；;]{0,6}(挣|赚|工资|收入|月薪)")


def _is_household_income(text: str, expecting: str | None, sizes: list[int], story: bool) -> bool:
    """Whether an amount is the household's monthly income, as the rules need it.

    The income question's own answer is; words about the household's income are. In a story
    ("老板欠我12000") an amount is a wage owed or a debt, and "三口人，我一个月挣3000" is one
    person's pay in a household of three: the interview asks for the household's instead.
    """
    if expecting == "income" or _HOUSEHOLD_INCOME.search(text) or sizes == [1]:
        return True
    return not story and not _PERSONAL_INCOME.search(text)


def take_figures(
    slots: dict[str, Any],
    parse: Parse | None,
    text: str,
    expecting: str | None = None,
    story: bool = False,
) -> bool:
    """Read household size and income from entities ("三口人，一个月四千多") or a bare number.

    `story`: the citizen's first message, which tells what happened rather than answers us.
    """
    took = False
    if parse is not None:
        sizes = [v for v in parse.entity_values("household_size") if isinstance(v, int) and v >= 1]
        money = [e for e in parse.entities if e.get("entity") == "money"]
        if sizes:
            slots["household_size"], slots["guessed"], took = sizes[0], True, True
        # An amount in a story is a wage owed or a debt, and "我一个月挣3000" is one person's pay:
        # only an answer to the income question, or words about the household's income, count.
        household_income = _is_household_income(text, expecting, sizes, story)
        if money and household_income and (expecting != "household_size" or sizes):
            slots["income"] = str(money[0]["value"])
            slots["income_approximate"] = bool(money[0].get("approximate"))
            slots["guessed"], took = True, True
    if took or expecting is None:
        return took
    value = _bare_number(text)
    if value is None:
        return False
    if expecting == "household_size":
        if value != int(value) or not 1 <= value <= 50:
            return False
        slots["household_size"] = int(value)
    else:
        slots["income"] = str(value)
        slots["income_approximate"] = False
    return True


def _bare_number(text: str) -> Decimal | None:
    match = _DIGITS.match(text.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    if match:
        try:
            return Decimal(match.group(1))
        except InvalidOperation:
            return None
    value = parse_number(text.strip().rstrip("元块人口个"))
    return None if value is None else Decimal(str(value))
