"""Reading answers to numbered menus ("1. 劳动争议  2. 婚姻家庭 ...") the way citizens type them.

People answer with a digit, a full-width digit, a Chinese numeral or an ordinal (2, ２, 二, 第二个),
wrap it in a word or two (选2, 2吧), give several at once (1 3, 1、3, 一和三), or type several
digits without a separator (13 when there is no option 13). "0" and 没有/都不是 mean "none of
these", which is an answer, not a failure to read one. Keyword matching stays with the menu; this
module only reads numbers, so every menu in every flow reads them the same way.
"""

from __future__ import annotations

import re

from bot.nlu.chinese_numbers import DIGIT_VALUES, MAGNITUDES, fold_width, parse_number

_NONE_ANSWERS = frozenset(
    {"0", "零", "没有", "都没有", "都不是", "不是", "无", "没", "都没", "都无", "均无", "没有了"}
    | {"以上都不是", "以上都没有", "都不选"}
)
_ARABIC_RE = re.compile(r"[0-9]+")
_CHINESE_NUMERAL = f"[{''.join(DIGIT_VALUES)}十拾百佰]+"
_ORDINAL_RE = re.compile(f"第({_CHINESE_NUMERAL})")
# Words around a bare answer that do not change it: 我选二, 就三吧, 二号, 一个和三个.
_LEADING_WORDS_RE = re.compile(r"^(?:我|就|应该|那就|那)*(?:选择|选|要|是)?")
_TRAILING_WORDS_RE = re.compile(r"(?:吧|呗|啊|呀|了|的|哈|嗯|吗|[。.!！~～?？])+$")
_SEPARATOR_RE = re.compile(r"(?:\s|[、，,；;/+＋]|和|跟|与|及|以及|还有)+")
_BARE_NUMERAL_RE = re.compile(f"({_CHINESE_NUMERAL})(?:个|号|项|条)?")


def read_choice_numbers(text: str, option_count: int) -> list[int] | None:
    """The 1-based option numbers a message picks, de-duplicated in the order written.

    [] means "none of these" (0, 没有, 都不是); None means the message is not a numbered answer
    or names an option that does not exist, so the caller can try keywords or ask again.
    """
    folded = fold_width(text).strip()
    if _strip_wrapping(folded) in _NONE_ANSWERS:
        return []
    numbers = _numbers_in(folded)
    if numbers is None:
        return None
    if len(numbers) == 1:
        digits, digit_by_digit = numbers[0]
        if digit_by_digit and int(digits) > option_count and "0" not in digits:
            numbers = [(digit, True) for digit in digits]  # "13" typed for options 1 and 3
    values = [int(digits) for digits, _ in numbers]
    if values == [0]:
        return []
    if any(not 1 <= value <= option_count for value in values):
        return None
    return list(dict.fromkeys(values))


def _strip_wrapping(text: str) -> str:
    """The answer without the verbs and particles around it (选 ... 吧)."""
    return _TRAILING_WORDS_RE.sub("", _LEADING_WORDS_RE.sub("", text, count=1)).strip()


def _numbers_in(text: str) -> list[tuple[str, bool]] | None:
    """The numbers a message states, or None when it states none.

    Each is a digit string and whether it was written digit by digit (13, 一三) rather than with
    十/百 (十三), since only the former can be several options typed without a separator.

    Arabic digits count wherever they appear (我选第2个), as the menus always accepted; Chinese
    numerals only as ordinals (第二个) or when the message is nothing but numerals, because
    everyday words are full of them (一下, 三个孩子).
    """
    arabic = _ARABIC_RE.findall(text)
    if arabic:
        return [(str(int(number)), True) for number in arabic]
    ordinals = [_numeral_digits(match.group(1)) for match in _ORDINAL_RE.finditer(text)]
    if ordinals:
        return None if None in ordinals else [n for n in ordinals if n is not None]
    pieces = [piece for piece in _SEPARATOR_RE.split(_strip_wrapping(text)) if piece]
    bare: list[tuple[str, bool]] = []
    for piece in pieces:
        match = _BARE_NUMERAL_RE.fullmatch(piece)
        digits = None if match is None else _numeral_digits(match.group(1))
        if digits is None:
            return None
        bare.append(digits)
    return bare or None


def _numeral_digits(numeral: str) -> tuple[str, bool] | None:
    """A Chinese numeral as digits: 二 -> "2", 一三 -> "13" (digit by digit), 十二 -> "12".

    Runs without 十/百 are read digit by digit, not as the colloquial range the numeral reader
    sees in 一二 (1.5): in a menu answer 一二 means options 1 and 2 (or option 12).
    """
    if not any(ch in MAGNITUDES for ch in numeral):
        return "".join(str(DIGIT_VALUES[ch]) for ch in numeral), True
    value = parse_number(numeral)
    if not isinstance(value, int):
        return None
    return str(value), False
