"""PRC resident identity numbers (公民身份号码) as defined by GB 11643-1999.

Citizens paste their ID number into the chat and a typo must not become a stored identity, so the
NLU only accepts a number whose check character and embedded birth date are consistent. The rules
are pure and deterministic: the current date is injected, never read from the wall clock.
"""

from __future__ import annotations

from datetime import date

# ISO 7064 MOD 11-2 weights for positions 1-17 (GB 11643-1999, 6.2).
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Check character indexed by (weighted sum mod 11).
_CHECK_CHARS = "10X98765432"
_ID_LENGTH = 18
_MIN_BIRTH_YEAR = 1900
# Without an injected "today" the birth year is only bounded loosely, so a fixed clock-free rule
# never rejects a genuine number just because the server clock or a test date is off.
_MAX_BIRTH_YEAR = 2100


def normalize_id_number(value: str) -> str:
    """Canonical form: no whitespace and an upper-case X, so equal numbers compare equal."""
    return "".join(value.split()).upper()


def compute_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits (exposed for tests and fixtures)."""
    if len(first17) != _ID_LENGTH - 1 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("expected exactly 17 ASCII digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def is_valid_id_number(value: str, today: date | None = None) -> bool:
    """True for a well-formed 18-character resident ID number.

    Checks the format (17 digits + digit or X), a region code not starting with 0, a real birth
    date from 1900 on (not after `today` when given, else not after 2100) and the check character.
    Whitespace and a lower-case x are accepted, as citizens type them.
    """
    number = normalize_id_number(value)
    if len(number) != _ID_LENGTH or not number.isascii():
        return False
    body, check = number[:17], number[17]
    if not body.isdigit() or not (check.isdigit() or check == "X"):
        return False
    if body[0] == "0":
        return False
    try:
        birth = date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        return False
    if birth.year < _MIN_BIRTH_YEAR:
        return False
    if today is not None and birth > today:
        return False
    if today is None and birth.year > _MAX_BIRTH_YEAR:
        return False
    return compute_check_char(body) == check
