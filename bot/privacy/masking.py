"""Personal numbers hidden from the console until a consultant chooses to open them.

A consultant reads whole conversations; most of the time they need the story, not the citizen's
phone or ID number, so the console shows those masked and opening them is a deliberate act.
Masking replaces digits with `*` one for one and never moves or drops anything else: the output
always has the input's length, a separator or a +86 prefix stays where the citizen typed it, and
a position found in the original text (an NLU entity, a highlight) still fits.

What is masked (full-width digits count as digits, and the kept digits stay as typed):
- mobile numbers, 11 digits 1[3-9]…, written whole or as 3-4-4 / 3-8 with a space or dash, with
  or without a +86, 86, 0086 or (+86) prefix: the first 3 and last 4 digits stay, 138****8000;
- resident ID numbers (18 characters, the last may be X; legacy 15 digits) and bank card numbers
  (16-19 digits), written whole or in the usual groups (6-8-4, 6-4-4-4, 3-3-4-4-4, 4-4-4-4-2,
  6-6-3, 4-4-4-3, 4-4-4-4, 4-4-4-4-3): the first 4 and last 4 stay, 1101**********1234;
- fixed-line numbers with an area code (010 and 02x with 8 local digits, 03xx-09xx with 7 or 8),
  written 0472-1234567, 0472 1234567, (0472)1234567, 010-8765 4321 or 04721234567: the area
  code (it only says which city) and the last 2 digits stay, 0472-*****67.

What is left alone:
- numbers of fewer than 11 digits: amounts, dates, times, case numbers, 12348, 110, 95588; a
  local number without its area code too, as it cannot be told from an amount;
- other runs of 12 to 14, or 20 and more, digits (transaction and order numbers);
- numbers in Chinese numerals (一三八…) and numbers broken by other characters (138.0013.8000).

Where a number begins and ends: it may not touch another digit, so a part of a longer digit run
is never masked on its own. Letters do not end a number: a phone inside a WeChat ID or an e-mail
address (wxid_13800138000, 13800138000@qq.com) is masked, since a missed number is a leak while
a masked order number costs one click. `*` counts as a digit at a number's edges, because that
is what a masked digit looks like: the visible ends of a masked number are never read again as
the start of another one, so masking masked text changes nothing.

When two readings overlap (a run of groups that could be one card or a card and a phone), every
reading is masked: the union of masked positions, never one reading chosen over another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_MASK = "*"
_FULL_WIDTH_SHIFT = ord("０") - ord("0")


def _digits(low: str, high: str = "") -> str:
    """Inside of a character class: ASCII digits and their full-width twins (Chinese IMEs type those)."""
    span = f"{low}-{high}" if high else low
    return span + "".join(chr(ord(ch) + _FULL_WIDTH_SHIFT) if ch != "-" else ch for ch in span)


_DIGIT = _digits("0", "9")
_D = f"[{_DIGIT}]"
_ID_LAST = f"[{_DIGIT}XxＸｘ]"
# One character between groups: space, no-break space, ideographic space, and the dashes.
_SEPARATOR_CHARS = " \u00a0\u3000-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d"
_SEP = "[" + re.escape(_SEPARATOR_CHARS) + "]"
_START = f"(?<![{_DIGIT}*])"
_END = f"(?![{_DIGIT}*])"
# The shortest number masked: a mobile, or a fixed line with its area code.
_FEWEST_DIGITS = 11
_ANY_DIGIT = re.compile(_D)


def _one(low: str, high: str = "") -> str:
    """One digit from low to high, ASCII or full-width."""
    return f"[{_digits(low, high)}]"


def _groups(sizes: tuple[int, ...], last: str = _D) -> str:
    """Digit groups of these sizes, one separator between them; `last` is the final character."""
    groups = [f"{_D}{{{size}}}" for size in sizes[:-1]]
    groups.append(f"{_D}{{{sizes[-1] - 1}}}{last}")
    return _SEP.join(groups)


@dataclass(frozen=True, slots=True)
class _Rule:
    """A way of writing a number, and how many of the digits in its `num` group stay visible."""

    pattern: re.Pattern[str]
    keep_first: int
    keep_last: int


def _rule(body: str, keep_first: int, keep_last: int) -> _Rule:
    # A lookahead match is empty, so finditer tries every position: overlapping readings all count.
    return _Rule(re.compile(f"{_START}(?=(?:{body}){_END})"), keep_first, keep_last)


# Only a country code run into the number needs reading: after "+86 " or "(+86)" the number
# stands on its own.
_COUNTRY_CODE = f"(?:[+＋]|{_one('0')}{{2}})?{_one('8')}{_one('6')}"
_MOBILE_START = f"(?={_one('1')}{_one('3', '9')})"
_MOBILE_SHAPES = ((11,), (3, 4, 4), (3, 8))

_ID_18_SHAPES = ((18,), (6, 8, 4), (6, 4, 4, 4), (3, 3, 4, 4, 4), (4, 4, 4, 4, 2))
_ID_15_AND_CARD_SHAPES = ((6, 6, 3), (4, 4, 4, 3), (4, 4, 4, 4), (4, 4, 4, 4, 3))

# 010 and 02x are followed by 8 digits, the 4-digit area codes 03xx-09xx by 7 or 8.
_LANDLINES = (
    (f"{_one('0')}(?:{_one('1')}{_one('0')}|{_one('2')}{_D})", ((8,), (4, 4))),
    (f"{_one('0')}{_one('3', '9')}{_D}{{2}}", ((7,), (8,), (3, 4), (4, 4))),
)


def _landline_rules(area: str, shapes: tuple[tuple[int, ...], ...]) -> tuple[_Rule, ...]:
    """Area code and local number: split by a separator, the area code in brackets, or run together."""
    grouped = "|".join(_groups(shape) for shape in shapes)
    whole = "|".join(_groups(shape) for shape in shapes if len(shape) == 1)
    return (
        _rule(f"{area}{_SEP}(?P<num>(?:{grouped}))", 0, 2),
        _rule(f"[(（]{area}[)）]{_SEP}?(?P<num>(?:{grouped}))", 0, 2),
        _rule(f"{area}(?P<num>(?:{whole}))", 0, 2),
    )


_RULES = (
    *(
        _rule(f"(?:{_COUNTRY_CODE})?(?P<num>{_MOBILE_START}{_groups(shape)})", 3, 4)
        for shape in _MOBILE_SHAPES
    ),
    *(_rule(f"(?P<num>{_groups(shape, _ID_LAST)})", 4, 4) for shape in _ID_18_SHAPES),
    *(_rule(f"(?P<num>{_groups(shape)})", 4, 4) for shape in _ID_15_AND_CARD_SHAPES),
    _rule(f"(?P<num>{_D}{{15,19}})", 4, 4),
    *(rule for area, shapes in _LANDLINES for rule in _landline_rules(area, shapes)),
)


def _masked_positions(text: str) -> set[int]:
    """Every position some reading of some number hides."""
    hidden: set[int] = set()
    if len(_ANY_DIGIT.findall(text)) < _FEWEST_DIGITS:
        return hidden
    for rule in _RULES:
        for match in rule.pattern.finditer(text):
            counted = [i for i in range(*match.span("num")) if text[i] not in _SEPARATOR_CHARS]
            hidden.update(counted[rule.keep_first : len(counted) - rule.keep_last])
    return hidden


def mask_personal_numbers(text: str) -> str:
    """The text with the middle digits of phone, ID, bank card and fixed-line numbers as `*`."""
    hidden = _masked_positions(text)
    if not hidden:
        return text
    return "".join(_MASK if i in hidden else ch for i, ch in enumerate(text))


def has_personal_numbers(text: str) -> bool:
    """Whether masking would hide anything: the console offers "open" only then."""
    return bool(_masked_positions(text))


def mask_in(value: Any) -> Any:
    """A copy of a JSON-like value with every string masked; keys and non-strings stay as they are.

    The console applies it to a whole handoff packet; `mask_in(packet) != packet` tells it that
    something was hidden.
    """
    if isinstance(value, str):
        return mask_personal_numbers(value)
    if isinstance(value, dict):
        return {key: mask_in(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_in(item) for item in value]
    if isinstance(value, tuple):
        return tuple(mask_in(item) for item in value)
    return value
