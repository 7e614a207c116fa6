"""Supervisors read and export the audit log over the console API: who looked at what, when and
from where; each read of the log is itself on the log; consultants never see it."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from bot.clock import MovableClock
from tests.conftest import WORKDAY_MORNING, ConsoleClient, RunningService, ServiceFactory
from tests.e2e.test_handoff_console_api import item_of, open_handoff, stranger


@pytest.fixture
async def office(start_service: ServiceFactory) -> RunningService:
    """Wednesday 10:00 behind our own proxy at 127.0.0.1; a consultant, a supervisor, an admin."""
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING), trusted_proxies="127.0.0.1")
    await svc.add_account("zhang", specialties=["labor"])
    await svc.add_account("boss", role="supervisor")
    await svc.add_account("root", role="admin", specialties=[])
    return svc


def clock_of(svc: RunningService) -> MovableClock:
    assert isinstance(svc.clock, MovableClock)
    return svc.clock


async def read_log(console: ConsoleClient, **params: str) -> dict[str, Any]:
    status, body = await console.get("/api/audit", **params)
    assert status == 200, body
    return dict(body)


async def look_from(console: ConsoleClient, path: str, address: str) -> int:
    """A GET as a browser behind the proxy at `address` (the proxy forwards its address)."""
    async with console.http.get(f"{console.url}{path}", headers={"X-Forwarded-For": address}) as r:
        return r.status


async def test_a_transcript_view_is_on_the_log_with_who_what_when_and_from_where(office: RunningService):
    openid = await open_handoff(office)
    zhang = await office.console("zhang")
    item = await item_of(zhang, openid)
    assert await look_from(zhang, f"/api/handoffs/{item['id']}", "203.0.113.7") == 200

    boss = await office.console("boss")
    body = await read_log(boss, action="view_handoff")
    [entry] = body["items"]
    assert entry["actor"] == "zhang"
    assert (entry["object_type"], entry["object_id"]) == ("handoff", str(item["id"]))
    assert entry["address"] == "203.0.113.7"
    assert entry["at"].startswith("2026-11-25T02:00")
    assert body["next_before"] is None

    # Reading the log is itself on the log, newest first, with the filters the reader used.
    newest = (await read_log(boss))["items"][0]
    assert (newest["actor"], newest["action"], newest["address"]) == ("boss", "view_audit", "127.0.0.1")
    assert newest["detail"] == {"filters": {"action": "view_handoff"}, "count": 1}


async def test_consultants_and_strangers_never_read_the_log(office: RunningService):
    zhang = await office.console("zhang")
    for path in ("/api/audit", "/api/audit/export"):
        status, body = await zhang.get(path)
        assert (status, body["error"]) == (403, "role_not_allowed"), path
    async with stranger(office) as anonymous:
        for path in ("/api/audit", "/api/audit/export"):
            assert (await anonymous.get(path))[0] == 401
    assert await office.scalar("SELECT COUNT(*) FROM audit_entry WHERE action LIKE '%audit'") == 0
    root = await office.console("root")
    assert (await root.get("/api/audit"))[0] == 200


async def test_filters_by_day_actor_and_action_and_pages_back(office: RunningService):
    openid = await open_handoff(office)
    zhang = await office.console("zhang")
    item = await item_of(zhang, openid)
    await zhang.get(f"/api/handoffs/{item['id']}")  # Wednesday
    clock_of(office).advance(days=1)  # Thursday: yesterday's sessions have expired
    boss = await office.console("boss")
    zhang = await office.console("zhang")
    await boss.get(f"/api/handoffs/{item['id']}")
    await zhang.get(f"/api/handoffs/{item['id']}")

    thursday = await read_log(boss, **{"from": "2026-11-26", "to": "2026-11-26", "action": "view_handoff"})
    assert [e["actor"] for e in thursday["items"]] == ["zhang", "boss"]
    wednesday = await read_log(boss, to="2026-11-25", action="view_handoff")
    assert [e["actor"] for e in wednesday["items"]] == ["zhang"]
    assert [e["action"] for e in (await read_log(boss, actor="zhang"))["items"]] == [
        "view_handoff",
        "view_handoff",
        "list_handoffs",
    ]
    assert (await read_log(boss, actor="nobody"))["items"] == []

    first = await read_log(boss, action="view_handoff", limit="2")
    assert [e["actor"] for e in first["items"]] == ["zhang", "boss"]
    rest = await read_log(boss, action="view_handoff", limit="2", before=str(first["next_before"]))
    assert [e["actor"] for e in rest["items"]] == ["zhang"] and rest["next_before"] is None

    for params, field in (
        ({"from": "25-11-2026"}, "from"),
        ({"from": "2026-11-27", "to": "2026-11-26"}, "to"),
        ({"limit": "0"}, "limit"),
        ({"before": "x"}, "before"),
    ):
        status, body = await boss.get("/api/audit", **params)
        assert (status, body["field"]) == (422, field), params


async def test_the_export_is_a_csv_excel_opens_and_is_itself_audited(office: RunningService):
    openid = await open_handoff(office)
    zhang = await office.console("zhang")
    item = await item_of(zhang, openid)
    await zhang.get(f"/api/handoffs/{item['id']}")
    boss = await office.console("boss")

    async with boss.http.get(
        f"{office.url}/api/audit/export", params={"format": "csv", "actor": "zhang"}
    ) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/csv")
        assert "attachment" in r.headers["Content-Disposition"]
        raw = await r.read()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["时间", "账号", "操作", "对象类型", "对象", "详情", "来源地址"]
    assert [row[2] for row in rows[1:]] == ["view_handoff", "list_handoffs"]
    assert rows[1][:5] == ["2026-11-25 10:00:00", "zhang", "view_handoff", "handoff", str(item["id"])]
    assert rows[1][6] == "127.0.0.1"

    [export] = (await read_log(boss, action="export_audit"))["items"]
    assert export["actor"] == "boss"
    assert export["detail"] == {"format": "csv", "filters": {"actor": "zhang"}, "count": 2}
    status, body = await boss.get("/api/audit/export", format="xlsx")
    assert (status, body["field"]) == (422, "format")
