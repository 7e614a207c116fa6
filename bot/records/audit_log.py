"""Supervisors read and export the audit log (002 §10); each read and each export is itself an
entry, written in the transaction that reads.

Dates are days in the center's time zone, `until` inclusive, as every records filter is.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.clock import Clock
from bot.errors import Forbidden, InvalidInput
from bot.store import audit
from bot.store.audit import AuditEntry, AuditFilter
from bot.store.db import Database
from bot.workdays.duty import Consultant

PAGE = 100
MAX_PAGE = 500
# An export larger than this asks for a shorter period instead of building a file nobody opens.
MAX_EXPORT = 100_000


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """A reader's filters; `before` pages back from the last entry of the previous page."""

    since: date | None = None
    until: date | None = None
    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    before: int | None = None
    limit: int = PAGE


@dataclass(frozen=True, slots=True)
class AuditPage:
    items: list[AuditEntry]
    next_before: int | None  # pass as `before` for the next (older) page; None: no more


class AuditLog:
    def __init__(self, db: Database, clock: Clock, tz: ZoneInfo) -> None:
        self._db = db
        self._clock = clock
        self.tz = tz  # the center's: days filter by it, and exports show times in it

    async def read(self, viewer: Consultant, query: AuditQuery) -> AuditPage:
        """One page, newest first; the look is on the log (view_audit) with its filters."""
        which = self._filter(viewer, query)
        if not 1 <= query.limit <= MAX_PAGE:
            raise InvalidInput("limit", f"limit must be between 1 and {MAX_PAGE}")
        now = self._clock.now()

        def read(conn: Connection) -> AuditPage:
            found = audit.entries(conn, which, before=query.before, limit=query.limit)
            detail = {"filters": _shown(query), "count": len(found)}
            audit.add_entry(conn, viewer.id, "view_audit", "audit", "list", now, detail)
            full = len(found) == query.limit
            return AuditPage(found, found[-1].id if full else None)

        return await self._db.write(read)

    async def export(self, viewer: Consultant, query: AuditQuery) -> list[AuditEntry]:
        """Every entry the filters select, newest first, for a CSV file (export_audit)."""
        which = self._filter(viewer, query)
        now = self._clock.now()

        def read(conn: Connection) -> list[AuditEntry]:
            found = audit.entries(conn, which, limit=MAX_EXPORT + 1)
            if len(found) > MAX_EXPORT:
                raise InvalidInput("from", f"more than {MAX_EXPORT} entries: choose a shorter period")
            detail = {"format": "csv", "filters": _shown(query), "count": len(found)}
            audit.add_entry(conn, viewer.id, "export_audit", "audit", "export", now, detail)
            return found

        return await self._db.write(read)

    def _filter(self, viewer: Consultant, query: AuditQuery) -> AuditFilter:
        """Supervisors and admins only (the route says so too); days become UTC instants."""
        if not viewer.oversees:
            raise Forbidden("only supervisors and admins read the audit log")
        if query.since and query.until and query.since > query.until:
            raise InvalidInput("to", "to is before from")
        return AuditFilter(
            since=None if query.since is None else self._start_of(query.since),
            until=None if query.until is None else self._start_of(query.until + timedelta(days=1)),
            actor=query.actor,
            action=query.action,
            object_type=query.object_type,
            object_id=query.object_id,
        )

    def _start_of(self, day: date) -> datetime:
        """The center's midnight starting `day`, as an aware instant."""
        return datetime.combine(day, time(0), self.tz)


def _shown(query: AuditQuery) -> dict[str, str]:
    """The filters as the entry keeps them: only those given, dates as text."""
    return {k: str(v) for k, v in asdict(query).items() if v is not None and k not in ("limit",)}
