"""Complaints (002 §11) through the real service: a complaint in the chat becomes a tracked item in
the handoff's own transaction, staff enter others, reply once (the chat complainant hears the
result in WeChat), and an overdue one is marked breached once. Supervisors only; every look and
change is on the audit log."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bot.app import ALARM, NLU, create_app
from bot.clock import MovableClock
from bot.records.complaints import sweep_complaint_deadlines
from bot.settings import REPO_ROOT
from tests.conftest import WORKDAY_MORNING, FakeWeChatServer, RunningService, ServiceFactory
from tests.e2e.test_handoff_path import wait_for_sent

# Wednesday 30 September 2026, 10:00 in Beijing: the National Day break (1-7 October) follows and
# Saturday 10 October is a make-up working day, so 5 working days end on Tuesday 13 October.
BEFORE_NATIONAL_DAY = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
DUE_AFTER_NATIONAL_DAY = "2026-10-13T16:00:00+00:00"  # midnight starting 14 October, Beijing
COMPLAINT = "你们的服务太差了，我要投诉，电话13800138000"


async def audit_actions(svc: RunningService) -> list[tuple[str, str]]:
    rows = await svc.rows(
        "SELECT action, object_id FROM audit_entry WHERE object_type = 'complaint' ORDER BY id"
    )
    return [(r.action, r.object_id) for r in rows]


async def test_a_complaint_in_the_chat_is_tracked_with_its_reply_due_in_working_days(
    start_service: ServiceFactory,
):
    svc = await start_service(clock=MovableClock(BEFORE_NATIONAL_DAY))
    await svc.add_account("boss", role="supervisor")
    citizen = svc.citizen()
    told = await citizen.say(COMPLAINT)
    assert told.reply_text is not None and "投诉已记录" in told.reply_text

    [handoff] = await svc.rows("SELECT id, consultation_id, citizen_id, reason FROM handoff")
    assert handoff.reason == "complain"
    [row] = await svc.rows("SELECT * FROM complaint")
    assert (row.source, row.status, row.handoff_id) == ("chat", "open", handoff.id)
    assert (row.consultation_id, row.citizen_id) == (handoff.consultation_id, handoff.citizen_id)
    assert "投诉" not in row.text and "13800138000" not in row.text  # sealed at rest
    assert svc.unseal(row.text, "complaint.text") == COMPLAINT

    boss = await svc.console("boss")
    status, body = await boss.get("/api/complaints")
    assert status == 200
    [item] = body["items"]
    assert item["due_at"] == DUE_AFTER_NATIONAL_DAY and item["breached"] is False
    assert (item["source"], item["tell"], item["handoff_id"]) == ("chat", "wechat", handoff.id)
    assert "13800138000" not in item["text"] and "138****8000" in item["text"]  # masked in the list
    status, revealed = await boss.get("/api/complaints", reveal="true")
    assert status == 200 and revealed["items"][0]["text"] == COMPLAINT
    assert await audit_actions(svc) == [("list_complaints", "list"), ("reveal_complaints", "list")]


async def test_the_complaint_days_follow_the_data_file(start_service: ServiceFactory, tmp_path: Path):
    data = shutil.copytree(REPO_ROOT / "data", tmp_path / "data")
    (data / "complaints.yml").write_text("reply_working_days: 1\n", encoding="utf-8")
    svc = await start_service(clock=MovableClock(BEFORE_NATIONAL_DAY), data_dir=data)
    await svc.add_account("boss", role="supervisor")
    await svc.citizen().say(COMPLAINT)
    [item] = (await (await svc.console("boss")).get("/api/complaints"))[1]["items"]
    assert item["due_at"] == "2026-10-08T16:00:00+00:00"  # 1 working day: the end of Thursday 8 October


async def test_staff_enter_a_complaint_reply_once_and_are_told_to_call(start_service: ServiceFactory):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("boss", role="supervisor")
    await svc.add_account("zhang")
    boss = await svc.console("boss")
    status, filed = await boss.post(
        "/api/complaints",
        {"text": "电话投诉：咨询员没有按时回复", "name": "张三", "phone": "13800138000", "assignee": "zhang"},
    )
    assert status == 201, filed
    assert (filed["source"], filed["status"], filed["assignee"], filed["entered_by"]) == (
        "staff",
        "open",
        "zhang",
        "boss",
    )
    assert (filed["name"], filed["phone"], filed["tell"]) == ("张*", "138****8000", "call")
    assert filed["due_at"] == "2026-12-02T16:00:00+00:00"  # Wednesday 25 Nov + 5 working days, end of day
    contact = await svc.scalar("SELECT contact FROM complaint WHERE id = :i", i=filed["id"])
    assert "13800138000" not in contact and svc.unseal(contact, "complaint.contact")["phone"] == "13800138000"

    status, replied = await boss.post(
        f"/api/complaints/{filed['id']}/reply", {"text": "已核实，向市民道歉并加强管理"}
    )
    assert status == 200, replied
    assert (replied["status"], replied["replied_by"], replied["tell"]) == ("replied", "boss", "call")
    assert replied["call"] == "13800138000" and replied["delivery"] is None  # staff ring the complainant
    status, again = await boss.post(f"/api/complaints/{filed['id']}/reply", {"text": "再说一次"})
    assert status == 409 and again["error"] == "complaint_replied"
    reply = await svc.scalar("SELECT reply FROM complaint WHERE id = :i", i=filed["id"])
    assert svc.unseal(reply, "complaint.reply") == "已核实，向市民道歉并加强管理"
    [listed] = (await boss.get("/api/complaints", status="replied"))[1]["items"]
    assert (
        listed["id"] == filed["id"] and (await boss.get("/api/complaints", status="open"))[1]["items"] == []
    )
    assert await audit_actions(svc) == [
        ("file_complaint", str(filed["id"])),
        ("reply_complaint", str(filed["id"])),
        ("list_complaints", "list"),
        ("list_complaints", "list"),
    ]


async def test_the_reply_to_a_chat_complaint_reaches_the_citizen_in_wechat(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("boss", role="supervisor")
    citizen = svc.citizen()
    await citizen.say(COMPLAINT)
    boss = await svc.console("boss")
    [item] = (await boss.get("/api/complaints"))[1]["items"]
    status, replied = await boss.post(
        f"/api/complaints/{item['id']}/reply", {"text": "已对值班人员批评教育，今后按时回复。"}
    )
    assert status == 200, replied
    assert replied["tell"] == "wechat" and replied["delivery"] == {"status": "sent"}
    [sent] = await wait_for_sent(fake_wechat, citizen.openid, 1)
    assert "11月25日的投诉已处理完毕" in sent["text"] and "已对值班人员批评教育" in sent["text"]
    assert "投诉电话" in sent["text"]  # and what they can do next
    assert await svc.scalar("SELECT told_message_id IS NOT NULL FROM complaint") in (True, 1)
    assert (await boss.post(f"/api/complaints/{item['id']}/reply", {"text": "again"}))[0] == 409
    await asyncio.sleep(0.1)
    assert len(await fake_wechat.sent(citizen.openid)) == 1


async def test_the_sweep_marks_an_overdue_complaint_breached_once(start_service: ServiceFactory):
    clock = MovableClock(WORKDAY_MORNING)
    svc = await start_service(clock=clock)
    await svc.add_account("boss", role="supervisor")
    boss = await svc.console("boss")
    late = (await boss.post("/api/complaints", {"text": "一直没人处理"}))[1]
    on_time = (await boss.post("/api/complaints", {"text": "已当天处理"}))[1]
    assert late["tell"] == "none"  # no phone, no WeChat: told in person
    assert (await boss.post(f"/api/complaints/{on_time['id']}/reply", {"text": "已处理"}))[0] == 200
    assert await sweep_complaint_deadlines(svc.database, clock.now()) == []

    clock.advance(days=8)  # past Wednesday 2 December, the end of the 5th working day
    boss = await svc.console("boss")  # the idle session ended with the time
    [shown] = (await boss.get("/api/complaints", breached="true"))[1]["items"]
    assert shown["id"] == late["id"] and shown["breached_at"] is None  # overdue before any sweep
    fired = await asyncio.gather(*(sweep_complaint_deadlines(svc.database, clock.now()) for _ in range(3)))
    assert sorted(i for ids in fired for i in ids) == [late["id"]]  # once, whichever worker
    swept_at = clock.now()
    clock.advance(minutes=5)
    assert await sweep_complaint_deadlines(svc.database, clock.now()) == []  # marked once, not again
    [marked] = (await boss.get("/api/complaints", breached="true"))[1]["items"]
    assert marked["breached_at"] == swept_at.isoformat()
    [fine] = (await boss.get("/api/complaints", breached="false"))[1]["items"]
    assert fine["id"] == on_time["id"]


async def test_the_sweep_runs_in_the_service(start_service: ServiceFactory):
    svc = await start_service()
    app = create_app(svc.settings, periodic_jobs=True, nlu=svc.app[NLU])
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    try:
        assert app[ALARM].get_job("complaint_deadlines") is not None
    finally:
        await server.close()


async def test_a_consultant_may_not_see_or_touch_complaints(start_service: ServiceFactory):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang")
    await svc.add_account("boss", role="supervisor")
    boss = await svc.console("boss")
    filed = (await boss.post("/api/complaints", {"text": "投诉内容"}))[1]
    zhang = await svc.console("zhang")
    before = await svc.count("audit_entry")
    assert (await zhang.get("/api/complaints"))[0] == 403
    assert (await zhang.post("/api/complaints", {"text": "x"}))[0] == 403
    assert (await zhang.post(f"/api/complaints/{filed['id']}/reply", {"text": "x"}))[0] == 403
    assert await svc.count("complaint") == 1 and await svc.count("audit_entry") == before
    assert await svc.scalar("SELECT status FROM complaint") == "open"


BAD_FILINGS = [
    ({}, "text"),
    ({"text": ""}, "text"),
    ({"text": "   "}, "text"),
    ({"text": 5}, "text"),
    ({"text": "x" * 2001}, "text"),
    ({"text": "投诉", "name": "张" * 51}, "name"),
    ({"text": "投诉", "name": 7}, "name"),
    ({"text": "投诉", "phone": "打我电话"}, "phone"),
    ({"text": "投诉", "phone": "12"}, "phone"),
    ({"text": "投诉", "consultation_id": "1"}, "consultation_id"),
    ({"text": "投诉", "consultation_id": -1}, "consultation_id"),
    ({"text": "投诉", "consultation_id": 999}, "consultation_id"),
    ({"text": "投诉", "assignee": "nobody"}, "assignee"),
]


@pytest.mark.parametrize(("body", "field"), BAD_FILINGS, ids=[f for _, f in BAD_FILINGS])
async def test_invalid_input_is_422_and_writes_nothing(start_service: ServiceFactory, body: dict, field: str):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("boss", role="supervisor")
    boss = await svc.console("boss")
    status, problem = await boss.post("/api/complaints", body)
    assert status == 422 and problem["field"] == field, problem
    assert await svc.count("complaint") == 0 and await svc.count("audit_entry") == 0


async def test_bad_queries_and_replies_are_refused_and_change_nothing(start_service: ServiceFactory):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("boss", role="supervisor")
    boss = await svc.console("boss")
    filed = (await boss.post("/api/complaints", {"text": "投诉内容"}))[1]
    before = await svc.count("audit_entry")
    for params, field in (({"status": "closed"}, "status"), ({"breached": "maybe"}, "breached")):
        status, problem = await boss.get("/api/complaints", **params)
        assert status == 422 and problem["field"] == field
    for text in ("", "  ", None, 5):
        status, problem = await boss.post(f"/api/complaints/{filed['id']}/reply", {"text": text})
        assert status == 422 and problem["field"] == "text"
    for path in (
        "/api/complaints/999/reply",
        "/api/complaints/abc/reply",
        "/api/complaints/99999999999999/reply",
    ):
        assert (await boss.post(path, {"text": "好"}))[0] == 404
    async with boss.http.post(
        f"{svc.url}/api/complaints", data=b"not json", headers={"X-CSRF-Token": boss.csrf or ""}
    ) as r:
        assert r.status == 422
    assert (await boss.post("/api/complaints", {"text": "x"}, csrf=False))[0] == 403
    assert await svc.scalar("SELECT status FROM complaint") == "open"
    assert await svc.count("complaint") == 1 and await svc.count("audit_entry") == before


async def test_the_openapi_document_lists_the_complaints_routes(start_service: ServiceFactory):
    svc = await start_service()
    async with svc.http.get(f"{svc.url}/api/openapi.json") as r:
        paths = (await r.json())["paths"]
    assert set(paths["/api/complaints"]) == {"get", "post"}
    assert set(paths["/api/complaints/{id}/reply"]) == {"post"}
    assert "409" in paths["/api/complaints/{id}/reply"]["post"]["responses"]
