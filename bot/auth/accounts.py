"""Console accounts: argon2 password hashes, verification, and `legalaid user add`."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.errors import InvalidInput
from bot.store.consultants import save_consultant
from bot.store.db import Database
from bot.workdays.duty import ROLES, Consultant

_HASHER = PasswordHasher()
# Verified when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")


MIN_PASSWORD = 8
MAX_PASSWORD = 256  # the login refuses longer ones, so such a password could never log in
MIN_DISTINCT = 5  # "aaaaaaaa" or "12121212" is long enough and still guessed at once
# Refused whatever their length: the first a guesser tries (English and Chinese habits).
COMMON_PASSWORDS = frozenset(
    {
        "password", "password1", "passw0rd", "12345678", "123456789", "1234567890", "qwertyuiop",
        "qwerty123", "1qaz2wsx", "abcd1234", "abc12345", "admin123", "iloveyou", "11223344",
        "5201314520", "woaini1314", "a1234567", "aa123456", "asdfghjkl", "zxcvbnm123",
    }
)  # fmt: skip


class InvalidAccount(InvalidInput):
    """A console account was given a name, role, specialty or password the console cannot accept
    (by `legalaid user add` or the users API: the same rules for both)."""

    code = "invalid_account"


def check_account(username: str, role: str, specialties: Iterable[str], known: Iterable[str]) -> None:
    """The name, role and queues an account may have."""
    if not username or len(username) > 64 or not username.isprintable() or " " in username:
        raise InvalidAccount("username", "username must be 1-64 printable characters without spaces")
    if role not in ROLES:
        raise InvalidAccount("role", f"role must be one of {', '.join(ROLES)}")
    known = set(known)
    for specialty in specialties:
        if specialty not in known:
            raise InvalidAccount(
                "specialties", f"unknown specialty {specialty!r}; known: {', '.join(sorted(known))}"
            )


def check_password(password: str, username: str) -> None:
    """A password strong enough for a console that reads citizens' personal data."""
    if len(password) < MIN_PASSWORD:
        raise InvalidAccount("password", f"password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidAccount("password", f"password must have at most {MAX_PASSWORD} characters")
    if len(set(password)) < MIN_DISTINCT:
        raise InvalidAccount("password", f"password must use at least {MIN_DISTINCT} different characters")
    if password.lower() in (username.lower(), username.lower()[::-1]):
        raise InvalidAccount("password", "password must not be the username")
    if password.lower() in COMMON_PASSWORDS:
        raise InvalidAccount("password", "password is one of the most common passwords")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def credential(password_hash: str) -> str:
    """Changes when the password is reset, so sessions opened with the old one stop working."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:24]


async def verify_password(found: tuple[Consultant, str] | None, password: str) -> bool:
    """argon2 on a worker thread: a verification takes tens of milliseconds.

    `found` is the account and its hash (bot.store.consultants.credentials_by_name), or None.
    """
    account, stored = found if found is not None and found[0].active else (None, _DUMMY_HASH)

    def check() -> bool:
        try:
            return _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    ok = await asyncio.get_running_loop().run_in_executor(None, check)
    return ok and account is not None


async def save_account(
    db: Database,
    *,
    username: str,
    password: str,
    role: str,
    specialties: list[str],
    known_specialties: Iterable[str],
    now: datetime,
) -> int:
    """Create (or reset) a console account; the password is stored only as an argon2 hash."""
    check_account(username, role, specialties, known_specialties)
    check_password(password, username)
    hashed = hash_password(password)
    return await db.write(
        lambda conn: save_consultant(
            conn, username=username, password_hash=hashed, role=role, specialties=specialties, now=now
        )
    )
