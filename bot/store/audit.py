"""Audit entries: each console view of personal data, each export and each change is recorded in
the transaction that does it, with who, what, when and from where (002 §10).

Append-only: there is no update or delete here, and a database trigger refuses both (0006).

"From where" is the client address of the console request. The login guard binds it to this
context for the request (`bind_address`), the way the request id is bound for logs, and
`add_entry` reads it: every audited use case, whoever writes it, records the address without
each verb and store function growing an `address` parameter. Outside a request (the command
line, scheduled jobs) nothing is bound and the entry has no address.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, insert, select

from bot.store.tables import audit_t, consultant_t

_address: ContextVar[str | None] = ContextVar("audit_address", default=None)


@contextmanager
def bind_address(address: str | None) -> Iterator[None]:
    """Entries written inside this block (this request) say they came from `address`."""
    token = _address.set(None if address is None else address[:64])
    try:
        yield
    finally:
        _address.reset(token)


def add_entry(
    conn: Connection,
    consultant_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """One entry; `consultant_id` None is the service itself (e.g. the retention job)."""
    conn.execute(
        insert(audit_t).values(
            at=now,
            consultant_id=consultant_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
            address=_address.get(),
        )
    )


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What a reader of the log asks for; every part optional. `until` is exclusive."""

    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None  # a username
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str | None  # the account's username; None for the service itself
    action: str
    object_type: str
    object_id: str
    detail: dict[str, Any] | None
    address: str | None


def entries(
    conn: Connection, which: AuditFilter, *, before: int | None = None, limit: int = 100
) -> list[AuditEntry]:
    """Newest first; `before` (an entry id) pages back from the previous page's last entry."""
    query = (
        select(audit_t, consultant_t.c.username)
        .select_from(audit_t.outerjoin(consultant_t, consultant_t.c.id == audit_t.c.consultant_id))
        .where(*_conditions(which))
        .order_by(audit_t.c.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(audit_t.c.id < before)
    return [
        AuditEntry(
            id=r.id,
            at=r.at,
            actor=r.username,
            action=r.action,
            object_type=r.object_type,
            object_id=r.object_id,
            detail=r.detail,
            address=r.address,
        )
        for r in conn.execute(query)
    ]


def _conditions(which: AuditFilter) -> list[ColumnElement[bool]]:
    """The WHERE of a filter; the actor by username, the rest exact."""
    c = audit_t.c
    found: list[ColumnElement[bool]] = []
    if which.since is not None:
        found.append(c.at >= which.since)
    if which.until is not None:
        found.append(c.at < which.until)
    if which.actor is not None:
        known = select(consultant_t.c.id).where(consultant_t.c.username == which.actor)
        found.append(c.consultant_id == known.scalar_subquery())
    for column, value in (
        (c.action, which.action),
        (c.object_type, which.object_type),
        (c.object_id, which.object_id),
    ):
        if value is not None:
            found.append(column == value)
    return [and_(*found)] if found else []
