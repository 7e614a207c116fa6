"""Reading the applicant's answers: name, ID number, mobile phone. Each refusal has a reason key.

A typo must not become a stored identity, and a citizen must learn in one line what was wrong:
every reader returns the clean value or a `Refusal` naming the text to say (texts.yml
`intake.invalid.<reason>`). Pure: "today" is passed in, never read from a clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bot.identity.gb11643 import compute_check_char, normalize_id_number

# Province-level codes of GB/T 2260 that begin a resident ID number.
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65"
    " 71 81 82 83".split()
)
_FULL_WIDTH = str.maketrans("０１２３４５６７８９ＸｘＸ", "0123456789XXX")
_NAME = re.compile(
    r"^[\u4e00-\u9fff]{2,6}$|^[\u4e00-\u9fff]+[·•][\u4e00-\u9fff·•]+$|^[A-Za-z][A-Za-z .'-]{1,39}$"
)
# Characters of a question or a sentence, not of a name ("要带什么材料吗" is no name).
_NOT_IN_NAMES = frozenset("吗呢吧啊呀么哪谁你我的了？?，,。")
_NAME_LEAD = re.compile(r"^(我叫|我是|名字是|姓名是|姓名|名字|叫)[：:\s]*")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
MINOR_AGE = 18
ELDER_AGE = 60


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an answer was not taken: `reason` picks the one-line text with its example."""

    reason: str


def read_name(text: str) -> str | Refusal:
    """A real name as on the ID card: 2–6 Chinese characters, a longer name with · (minorities), or
    Latin letters; a question typed instead ("要带什么材料吗") is no name."""
    name = _NAME_LEAD.sub("", text.strip()).strip("。.，, ")
    if any(ch.isdigit() for ch in name):
        return Refusal("name_digits")
    if any(ch in _NOT_IN_NAMES for ch in name) or len(name) > 15:
        return Refusal("name")
    if not _NAME.match(name):
        return Refusal("name")
    return name


def read_id_number(text: str, today: date) -> str | Refusal:
    """An 18-character resident ID number (GB 11643): region, birth date and check character."""
    number = normalize_id_number(text.translate(_FULL_WIDTH)).replace("-", "")
    digits = sum(ch.isdigit() for ch in number)
    if len(number) == 15 and number.isdigit():
        return Refusal("id_legacy")
    if (
        len(number) != 18
        or not number.isascii()  # "²" or "①" pass isdigit() but are no digits of an ID
        or digits < 17
        or not number[:17].isdigit()
        or not (number[17].isdigit() or number[17] == "X")
    ):
        return Refusal("id_length")
    if number[:2] not in _PROVINCES:
        return Refusal("id_region")
    birth = birth_date(number)
    if birth is None or birth.year < 1900 or birth > today:
        return Refusal("id_birth")
    if compute_check_char(number[:17]) != number[17]:
        return Refusal("id_check")
    return number


def birth_date(id_number: str) -> date | None:
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def age_on(id_number: str, day: date) -> int:
    birth = birth_date(id_number)
    if birth is None:
        raise ValueError("not an ID number")
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_disagrees(
    id_number: str, today: date, persons: Iterable[str], defendant_flags: Iterable[str]
) -> bool:
    """The ID's birth date contradicts what the interview learned (a minor, an elderly person)."""
    age = age_on(id_number, today)
    if "minor" in set(defendant_flags) and age >= MINOR_AGE:
        return True
    if "minor_or_elderly_no_fixed_income" in set(persons):
        return MINOR_AGE <= age < ELDER_AGE
    return False


def read_mobile(text: str) -> str | Refusal:
    """A mainland mobile number, 11 digits from 13–19; spaces, dashes and +86 are allowed."""
    digits = "".join(ch for ch in text.translate(_FULL_WIDTH) if ch.isascii() and ch.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if re.search(r"[\u4e00-\u9fffA-Za-z]", text) and not digits:
        return Refusal("phone")
    if len(digits) != 11:
        return Refusal("phone_length")
    if not _MOBILE.match(digits):
        # "12…" is 1-prefixed and 11 digits: say that the second digit is what is wrong.
        return Refusal("phone_prefix" if digits.startswith("1") else "phone")
    return digits


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the family name stays so the citizen recognises it."""
    return name[:1] + "*" * (len(name) - 1) if name else name


def mask_id_number(number: str) -> str:
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_mobile(number: str) -> str:
    return number[:3] + "****" + number[-4:]
