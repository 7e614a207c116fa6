"""Admins manage console accounts (002 §10.1.3): create, disable, enable, reset a password,
change role and queues. Every change is on the audit log in its own transaction; disabling an
account or resetting its password ends its live sessions at once; the console always keeps one
active admin, so nobody can lock the center out of its own accounts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from bot.auth.accounts import check_account, check_password, hash_password
from bot.auth.sessions import ConsoleSessions
from bot.clock import Clock
from bot.errors import Conflict, Forbidden, NotFound
from bot.store import audit
from bot.store.consultants import (
    StaffAccount,
    active_admins,
    add_consultant,
    change_consultant,
    staff_accounts,
)
from bot.store.db import Database
from bot.workdays.duty import Consultant


class AccountNotFound(NotFound):
    code = "account_not_found"


class AccountExists(Conflict):
    code = "account_exists"


class LastAdmin(Conflict):
    """The change would leave no active admin to manage accounts."""

    code = "last_admin"


class ConsoleUsers:
    def __init__(
        self, db: Database, clock: Clock, sessions: ConsoleSessions, known: Iterable[str], default: str
    ) -> None:
        self._db = db
        self._clock = clock
        self._sessions = sessions
        self._known = frozenset(known)
        self._default = default  # the queue a consultant gets when none is named (as `user add`)

    async def accounts(self, viewer: Consultant) -> list[StaffAccount]:
        """Every account by name, for the admins' list (no password hashes)."""
        _require_admin(viewer)
        return await self._db.read(staff_accounts)

    async def create(
        self, viewer: Consultant, username: str, password: str, role: str, specialties: list[str]
    ) -> StaffAccount:
        """A new account, checked as `legalaid user add` checks one; an existing name is a 409
        (the command resets it instead: the console never overwrites an account by accident)."""
        _require_admin(viewer)
        queues = self._queues(role, specialties)
        check_account(username, role, queues, self._known)
        check_password(password, username)
        hashed = await _hashed(password)
        now = self._clock.now()

        def run(conn: Connection) -> StaffAccount:
            made = add_consultant(
                conn, username=username, password_hash=hashed, role=role, specialties=queues, now=now
            )
            if made is None:
                raise AccountExists(f"an account {username!r} exists already")
            detail = {"role": role, "specialties": queues}
            audit.add_entry(conn, viewer.id, "create_account", "consultant", username, now, detail)
            return _one(conn, username)

        try:
            return await self._db.write(run)
        except IntegrityError:  # created by someone else between our look and our insert
            raise AccountExists(f"an account {username!r} exists already") from None

    async def disable(self, viewer: Consultant, username: str) -> StaffAccount:
        """The account can no longer log in, and its open sessions end now."""
        found = await self._change(viewer, username, "disable_account", {"active": False})
        await self._sessions.end_all(found.id)
        return found

    async def enable(self, viewer: Consultant, username: str) -> StaffAccount:
        """The account may log in again; sessions ended by the disabling stay ended."""
        return await self._change(viewer, username, "enable_account", {"active": True})

    async def reset_password(self, viewer: Consultant, username: str, password: str) -> StaffAccount:
        """A new password; every session opened with the old one ends (the admin's own too)."""
        check_password(password, username)
        hashed = await _hashed(password)
        found = await self._change(viewer, username, "reset_password", {"password_hash": hashed})
        await self._sessions.end_all(found.id)
        return found

    async def change_role(
        self, viewer: Consultant, username: str, role: str, specialties: list[str]
    ) -> StaffAccount:
        """Role and queues; the account's open sessions use them from their next request."""
        queues = self._queues(role, specialties)
        check_account(username, role, queues, self._known)
        new = {"role": role, "specialties": queues}
        return await self._change(viewer, username, "change_role", new)

    async def _change(
        self,
        viewer: Consultant,
        username: str,
        action: str,
        new: dict[str, Any],
    ) -> StaffAccount:
        """One change of one account, with its audit entry, keeping an active admin."""
        _require_admin(viewer)
        now = self._clock.now()

        def run(conn: Connection) -> StaffAccount:
            admins = active_admins(conn)  # locked first: the check below cannot go stale
            before = _one(conn, username)
            stays_admin = new.get("active", before.active) and new.get("role", before.role) == "admin"
            if admins == {before.id} and not stays_admin:
                raise LastAdmin("the console needs at least one active admin: make another admin first")
            change_consultant(conn, before.id, **new)
            audit.add_entry(conn, viewer.id, action, "consultant", username, now, _detail(before, new))
            return _one(conn, username)

        return await self._db.write(run)

    def _queues(self, role: str, specialties: list[str]) -> list[str]:
        """As `legalaid user add`: a consultant or supervisor without queues gets the default one."""
        if specialties or role == "admin":
            return list(dict.fromkeys(specialties))
        return [self._default]


async def _hashed(password: str) -> str:
    """argon2 takes tens of milliseconds: on a worker thread, not the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, hash_password, password)


def _require_admin(viewer: Consultant) -> None:
    """The route admits admins only too; this keeps the use case safe whoever calls it."""
    if viewer.role != "admin":
        raise Forbidden("only admins manage accounts")


def _one(conn: Connection, username: str) -> StaffAccount:
    """The named account, or a 404."""
    found = staff_accounts(conn, username)
    if not found:
        raise AccountNotFound(f"no account {username[:64]!r}")
    return found[0]


def _detail(before: StaffAccount, new: dict[str, Any]) -> dict[str, Any] | None:
    """What changed, without the password hash."""
    if "role" in new:
        return {
            "from": {"role": before.role, "specialties": list(before.specialties)},
            "to": {"role": new["role"], "specialties": new["specialties"]},
        }
    return None
