"""Console accounts: argon2 password hashes, verification, and `legalaid user add`."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.errors import LegalAidError
from bot.store.consultants import save_consultant
from bot.store.db import Database
from bot.workdays.duty import ROLES, Consultant

_HASHER = PasswordHasher()
# Verified when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")


class InvalidAccount(LegalAidError):
    """`legalaid user add` was given a role, specialty or password the console cannot accept."""

    code = "invalid_account"


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
    if not username or len(username) > 64 or not username.isprintable() or " " in username:
        raise InvalidAccount("username must be 1-64 printable characters without spaces")
    if role not in ROLES:
        raise InvalidAccount(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise InvalidAccount("password must have at least 8 characters")
    known = set(known_specialties)
    for specialty in specialties:
        if specialty not in known:
            raise InvalidAccount(f"unknown specialty {specialty!r}; known: {', '.join(sorted(known))}")
    hashed = hash_password(password)
    return await db.write(
        lambda conn: save_consultant(
            conn, username=username, password_hash=hashed, role=role, specialties=specialties, now=now
        )
    )
