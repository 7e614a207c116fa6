"""Console accounts: the rules get a `Consultant`; only bot/auth asks for the password hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, insert, select, update

from bot.store.tables import consultant_t
from bot.workdays.duty import Consultant, Role


def consultants(conn: Connection) -> list[Consultant]:
    rows = conn.execute(select(consultant_t).order_by(consultant_t.c.id)).all()
    return [_consultant(r) for r in rows]


def consultant_by_name(conn: Connection, username: str) -> Consultant | None:
    row = _row(conn, consultant_t.c.username == username)
    return None if row is None else _consultant(row)


def credentials_by_name(conn: Connection, username: str) -> tuple[Consultant, str] | None:
    """The account and its argon2 hash, for a login."""
    row = _row(conn, consultant_t.c.username == username)
    return None if row is None else (_consultant(row), row.password_hash)


def credentials_by_id(conn: Connection, consultant_id: int) -> tuple[Consultant, str] | None:
    """The account and its argon2 hash, for a session: a reset password ends the old sessions."""
    row = _row(conn, consultant_t.c.id == consultant_id)
    return None if row is None else (_consultant(row), row.password_hash)


def _row(conn: Connection, which: ColumnElement[bool]) -> Any:
    return conn.execute(select(consultant_t).where(which)).first()


def _consultant(row: Any) -> Consultant:
    return Consultant(
        id=row.id,
        username=row.username,
        role=cast(Role, row.role),
        specialties=frozenset(row.specialties or ()),
        active=bool(row.active),
    )


def save_consultant(
    conn: Connection, *, username: str, password_hash: str, role: str, specialties: list[str], now: datetime
) -> int:
    """Create the account, or reset its password, role and specialties when it exists."""
    existing = consultant_by_name(conn, username)
    values = {"password_hash": password_hash, "role": role, "specialties": specialties, "active": True}
    if existing is not None:
        conn.execute(update(consultant_t).where(consultant_t.c.id == existing.id).values(**values))
        return existing.id
    return _insert_account(conn, username, values, now)


@dataclass(frozen=True, slots=True)
class StaffAccount:
    """A console account as the admins' list shows it (never its password hash)."""

    id: int
    username: str
    role: str
    specialties: tuple[str, ...]
    active: bool
    created_at: datetime


def staff_accounts(conn: Connection, username: str | None = None) -> list[StaffAccount]:
    """Every account by name, or the one named."""
    query = select(consultant_t).order_by(consultant_t.c.username)
    if username is not None:
        query = query.where(consultant_t.c.username == username)
    return [
        StaffAccount(
            id=r.id,
            username=r.username,
            role=r.role,
            specialties=tuple(r.specialties or ()),
            active=bool(r.active),
            created_at=r.created_at,
        )
        for r in conn.execute(query)
    ]


def active_admins(conn: Connection) -> set[int]:
    """The active admins' ids, locked until the transaction ends (PostgreSQL; SQLite has one
    writer): two admins demoting each other at once cannot leave the console without one."""
    query = select(consultant_t.c.id).where(consultant_t.c.role == "admin", consultant_t.c.active.is_(True))
    return set(conn.execute(query.with_for_update()).scalars())


def add_consultant(
    conn: Connection, *, username: str, password_hash: str, role: str, specialties: list[str], now: datetime
) -> int | None:
    """A new account; None when the name is taken (a concurrent creation of the same name fails
    on the unique username instead, and the transaction with it)."""
    if consultant_by_name(conn, username) is not None:
        return None
    values = {"password_hash": password_hash, "role": role, "specialties": specialties, "active": True}
    return _insert_account(conn, username, values, now)


def change_consultant(conn: Connection, consultant_id: int, **values: Any) -> None:
    """Set the account's active flag, password hash, role or specialties."""
    conn.execute(update(consultant_t).where(consultant_t.c.id == consultant_id).values(**values))


def _insert_account(conn: Connection, username: str, values: dict[str, Any], now: datetime) -> int:
    return int(
        conn.execute(
            insert(consultant_t)
            .values(username=username, created_at=now, **values)
            .returning(consultant_t.c.id)
        ).scalar_one()
    )
