"""Console accounts: the rules get a `Consultant`; only bot/auth asks for the password hash."""

from __future__ import annotations

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
    return int(
        conn.execute(
            insert(consultant_t)
            .values(username=username, created_at=now, **values)
            .returning(consultant_t.c.id)
        ).scalar_one()
    )
