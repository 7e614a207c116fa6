"""The audit log over HTTP (supervisors and admins): `GET /api/audit` pages through it newest
first, `GET /api/audit/export?format=csv` downloads what the same filters select. Both reads
are audited by the use case (bot/records/audit_log.py); this module only translates.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.errors import InvalidInput
from bot.records.audit_log import PAGE, AuditLog, AuditQuery
from bot.store.audit import AuditEntry
from bot.workdays.duty import Consultant
from console.auth import SUPERVISORS, Guard
from console.bodies import MAX_ID

CSV_COLUMNS = ("时间", "账号", "操作", "对象类型", "对象", "详情", "来源地址")
# A cell Excel would read as a formula is written as text (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def audit_routes(log: Callable[[], AuditLog], guarded: Guard) -> list[web.RouteDef]:
    """GET /audit and GET /audit/export, for supervisors and admins."""

    async def list_entries(request: web.Request, viewer: Consultant) -> web.Response:
        page = await log().read(viewer, audit_query(request.query))
        return web.json_response(
            {"items": [entry_json(e) for e in page.items], "next_before": page.next_before}
        )

    async def export(request: web.Request, viewer: Consultant) -> web.Response:
        if request.query.get("format", "csv") != "csv":
            raise InvalidInput("format", "format must be csv")
        found = await log().export(viewer, audit_query(request.query, paged=False))
        return web.Response(
            body=entries_csv(found, log().tz),
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
        )

    return [
        web.get("/audit", guarded(list_entries, SUPERVISORS)),
        web.get("/audit/export", guarded(export, SUPERVISORS)),
    ]


def audit_query(q: Any, *, paged: bool = True) -> AuditQuery:
    """The filters of both routes: from/to are YYYY-MM-DD; the rest exact values."""
    text = {name: _text(q, name) for name in ("actor", "action", "object_type", "object_id")}
    limit = _number(q, "limit") if paged else None
    return AuditQuery(
        since=_day(q, "from"),
        until=_day(q, "to"),
        before=_number(q, "before") if paged else None,
        limit=PAGE if limit is None else limit,
        **text,
    )


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    """One entry as the API answers it; times stay UTC ISO-8601."""
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "detail": entry.detail,
        "address": entry.address,
    }


def entries_csv(entries: list[AuditEntry], tz: ZoneInfo) -> bytes:
    """UTF-8 with a BOM, so Excel opens the Chinese headers; times in the center's zone."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        writer.writerow(
            _cell(value)
            for value in (
                _local(e.at, tz),
                e.actor or "（系统）",
                e.action,
                e.object_type,
                e.object_id,
                "" if e.detail is None else _json_text(e.detail),
                e.address or "",
            )
        )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _local(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def _json_text(detail: dict[str, Any]) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True)


def _cell(value: str) -> str:
    """A value Excel would run as a formula is prefixed with a quote."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _text(q: Any, name: str) -> str | None:
    value = q.get(name) or None
    if value is not None and len(value) > 64:
        raise InvalidInput(name, f"{name} is at most 64 characters")
    return value


def _day(q: Any, name: str) -> date | None:
    """A YYYY-MM-DD query value, or a 422 naming the parameter."""
    value = q.get(name) or None
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else _bad_day(name)
    except ValueError:
        return _bad_day(name)


def _bad_day(name: str) -> date:
    raise InvalidInput(name, f"{name} must be a day, YYYY-MM-DD")


def _number(q: Any, name: str) -> int | None:
    """A positive 32-bit whole number (ids are INTEGER), or a 422."""
    value = q.get(name) or None
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 10 or int(value) > MAX_ID:
        raise InvalidInput(name, f"{name} must be a positive whole number")
    return int(value)
