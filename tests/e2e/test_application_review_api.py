"""Staff review applications over the console API: what the list may show, who looked, the one
materials notice, decisions the citizen receives on WeChat, races between staff, and bad input
that must never change anything."""

from __future__ import annotations

import asyncio

import pytest

from bot.clock import MovableClock
from bot.wechat.fake_api import small_png
from tests.application_seed import APPLICANT, Seeded, seed_application, send_photo
from tests.conftest import WORKDAY_MORNING, RunningService, ServiceFactory
from tests.e2e.test_handoff_console_api import raw, stranger

OBJECTION = "对决定有异议，可以自收到通知之日起15日内向设立法律援助机构的司法行政部门提出异议"


@pytest.fixture
async def office(start_service: ServiceFactory) -> RunningService:
    """Wednesday 10:00; a consultant, two supervisors and an admin."""
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    await svc.add_account("boss", role="supervisor")
    await svc.add_account("chief", role="supervisor")
    await svc.add_account("root", role="admin", specialties=[])
    return svc


async def texts_to(svc: RunningService, openid: str) -> list[str]:
    """What the citizen received asynchronously, as the fake WeChat API recorded it."""
    sent = await svc.http.get(f"{svc.settings.wechat_api_base}/fake/sent", params={"touser": openid})
    return [item["text"] for item in (await sent.json())["items"]]


async def audits(svc: RunningService, action: str, number: str) -> int:
    return int(
        await svc.scalar(
            "SELECT COUNT(*) FROM audit_entry WHERE action = :action AND object_id = :number",
            action=action,
            number=number,
        )
    )


async def status_of(svc: RunningService, seeded: Seeded) -> str:
    return str(await svc.scalar("SELECT status FROM application WHERE id = :id", id=seeded.id))


# ---- the list ---------------------------------------------------------------------------------------
async def test_the_list_holds_no_personal_data_and_filters_by_status_district_and_matter(
    office: RunningService,
):
    labor = await seed_application(office)
    family = await seed_application(office, district="青山区", matter="maintenance", status="under_review")
    zhang = await office.console("zhang")

    async with zhang.http.get(f"{office.url}/api/applications") as r:
        assert r.status == 200
        body_text = await r.text()
        body = await r.json()
    numbers = [item["number"] for item in body["items"]]
    assert numbers == [family.number, labor.number]  # newest first
    for secret in APPLICANT.values():
        assert secret not in body_text
    assert "公司拖欠" not in body_text and "某某建筑公司" not in body_text
    first = body["items"][1]
    assert (first["status"], first["district"], first["matter"]) == (
        "submitted",
        "昆都仑区",
        "labor_remuneration",
    )
    assert first["missing"] == ["case_materials"] and first["deadline"] == "none"
    assert body["items"][0]["deadline"] == "ok" and body["items"][0]["decision_due_at"]
    assert "青山区" in body["choices"]["districts"]

    for query, expected in (
        ({"district": "青山区"}, [family.number]),
        ({"matter": "labor_remuneration"}, [labor.number]),
        ({"status": "under_review"}, [family.number]),
        ({"status": "approved"}, []),
    ):
        status, found = await zhang.get("/api/applications", **query)
        assert status == 200 and [i["number"] for i in found["items"]] == expected, query
    for field, value in (
        ("status", "flying"),
        ("district", "火星区"),
        ("matter", "robbery"),
        ("status", "draft"),
    ):
        status, problem = await zhang.get("/api/applications", **{field: value})
        assert (status, problem["field"]) == (422, field), (field, value)
    assert await office.count("audit_entry") == 0  # nothing personal was shown


# ---- reading is audited -----------------------------------------------------------------------------
async def test_each_view_and_each_document_view_writes_an_audit_entry(office: RunningService):
    seeded = await seed_application(office)
    zhang = await office.console("zhang")

    for _ in range(2):
        status, found = await zhang.get(f"/api/applications/{seeded.number}")
        assert status == 200
    assert found["particulars"]["name"] == APPLICANT["name"]
    assert found["particulars"]["id_number"] == APPLICANT["id_number"]
    assert [e["action"] for e in found["history"]] == ["started", "submitted"]
    [document] = found["documents"]
    assert (document["kind"], document["content_type"]) == ("id_card", "image/png")
    assert await audits(office, "view_application", seeded.number) == 2

    async with zhang.http.get(f"{office.url}{document['url']}") as r:
        assert r.status == 200
        assert r.headers["Content-Type"] == "image/png"
        assert r.headers["Cache-Control"] == "no-store"
        assert await r.read() == small_png()
    assert await audits(office, "view_document", seeded.number) == 1

    base = f"/api/applications/{seeded.number}"
    for path in (
        "/api/applications/FY2026112599999",
        "/api/applications/not-a-number",
        f"{base}/documents/99999",
        f"{base}/documents/abc",
        f"{base}/documents/99999999999999999999",
    ):
        status, problem = await zhang.get(path)
        assert (status, problem["error"]) == (404, "application_not_found"), path
    root = await office.console("root")
    status, problem = await root.get(base)
    assert (status, problem["error"]) == (403, "role_not_allowed")  # admins manage accounts, not citizens
    assert await audits(office, "view_application", seeded.number) == 2


# ---- the one materials notice -----------------------------------------------------------------------
async def test_materials_are_asked_for_in_one_message_and_only_again_after_a_new_document(
    office: RunningService,
):
    seeded = await seed_application(office, status="under_review")
    zhang = await office.console("zhang")
    before = len(await texts_to(office, seeded.openid))
    path = f"/api/applications/{seeded.number}/request-materials"

    status, changed = await zhang.post(
        path, {"items": ["economic_proof", "户口本首页照片", "case_materials"]}
    )
    assert (status, changed["status"], changed["delivery"]) == (200, "materials_incomplete", "sent")
    received = await texts_to(office, seeded.openid)
    assert len(received) == before + 1  # every item in ONE message
    notice = received[-1]
    assert seeded.number in notice
    assert "经济困难证明" in notice and "户口本首页照片" in notice and "和案子有关的材料" in notice
    _, found = await zhang.get(f"/api/applications/{seeded.number}")
    assert found["missing"] == ["economic_proof", "case_materials", "other"]  # the free words wait for staff
    assert found["allowed"]["request_materials"] is False
    assert found["history"][-1]["actor"].startswith("consultant:")

    status, problem = await zhang.post(path, {"items": ["economic_proof"]})
    assert (status, problem["error"]) == (409, "materials_already_requested")
    assert len(await texts_to(office, seeded.openid)) == before + 1

    await send_photo(office, seeded)
    status, changed = await zhang.post(path, {"items": ["请补拍清楚的身份证反面"]})
    assert status == 200
    assert len(await texts_to(office, seeded.openid)) == before + 2


# ---- decisions ---------------------------------------------------------------------------------------
async def test_an_approval_tells_the_citizen_a_lawyer_will_be_assigned(office: RunningService):
    seeded = await seed_application(office, status="under_review")
    boss, zhang = await office.console("boss"), await office.console("zhang")
    path = f"/api/applications/{seeded.number}/decision"

    status, problem = await zhang.post(path, {"approved": True})
    assert (status, problem["error"]) == (403, "role_not_allowed")  # consultants do not decide
    status, changed = await boss.post(path, {"approved": True})
    assert (status, changed["status"], changed["delivery"]) == (200, "approved", "sent")
    told = (await texts_to(office, seeded.openid))[-1]
    assert "已批准" in told and "指派律师" in told and seeded.number in told

    _, found = await boss.get(f"/api/applications/{seeded.number}")
    event = found["history"][-1]
    assert (event["action"], event["from_status"], event["to_status"]) == (
        "decided",
        "under_review",
        "approved",
    )
    boss_id = await office.scalar("SELECT id FROM consultant WHERE username = 'boss'")
    assert event["actor"] == f"consultant:{boss_id}"
    status, problem = await boss.post(path, {"approved": False, "reason": "改变主意"})
    assert (status, problem["error"]) == (409, "status_not_allowed")
    assert await status_of(office, seeded) == "approved"


async def test_a_rejection_gives_the_reason_and_the_way_to_object(office: RunningService):
    seeded = await seed_application(office)
    boss = await office.console("boss")
    path = f"/api/applications/{seeded.number}/decision"

    for body in ({"approved": False}, {"approved": False, "reason": "   "}):
        status, problem = await boss.post(path, body)
        assert (status, problem["field"]) == (422, "reason")
    assert await status_of(office, seeded) == "submitted"

    reason = "家庭人均月收入高于本市经济困难标准"
    status, changed = await boss.post(path, {"approved": False, "reason": reason})
    assert (status, changed["status"]) == (200, "rejected")
    told = (await texts_to(office, seeded.openid))[-1]
    assert reason in told and OBJECTION in told and "12348" in told
    _, found = await boss.get(f"/api/applications/{seeded.number}")
    assert found["history"][-1]["reason"] == reason


async def test_of_two_supervisors_deciding_at_once_one_wins_and_the_other_gets_a_409(office: RunningService):
    seeded = await seed_application(office, status="under_review")
    boss, chief = await office.console("boss"), await office.console("chief")
    before = len(await texts_to(office, seeded.openid))
    path = f"/api/applications/{seeded.number}/decision"

    (first, a), (second, b) = await asyncio.gather(
        boss.post(path, {"approved": True}), chief.post(path, {"approved": False, "reason": "材料不实"})
    )
    assert sorted([first, second]) == [200, 409], (a, b)
    loser = a if first == 409 else b
    assert loser["error"] in ("application_changed", "status_not_allowed")
    winner = (a if first == 200 else b)["status"]
    assert await status_of(office, seeded) == winner
    decided = await office.scalar(
        "SELECT COUNT(*) FROM application_event WHERE application_id = :id AND action = 'decided'",
        id=seeded.id,
    )
    assert decided == 1
    assert len(await texts_to(office, seeded.openid)) == before + 1


# ---- status moves ------------------------------------------------------------------------------------
async def test_status_moves_follow_the_lifecycle_and_tell_the_citizen(office: RunningService):
    seeded = await seed_application(office)
    boss = await office.console("boss")
    path = f"/api/applications/{seeded.number}/status"

    status, problem = await boss.post(path, {"status": "assigned"})
    assert (status, problem["error"]) == (409, "status_not_allowed")
    assert "submitted" in problem["message"]

    status, changed = await boss.post(path, {"status": "under_review"})
    assert (status, changed["status"]) == (200, "under_review")
    assert "正在审查" in (await texts_to(office, seeded.openid))[-1]
    _, found = await boss.get(f"/api/applications/{seeded.number}")
    assert found["decision_due_at"] and found["deadline"] == "ok"

    await boss.post(f"/api/applications/{seeded.number}/decision", {"approved": True})
    assert (await boss.post(path, {"status": "assigned"}))[0] == 200
    assert "3个工作日内联系您" in (await texts_to(office, seeded.openid))[-1]
    status, problem = await boss.post(path, {"status": "terminated", "reason": "不想办了"})
    assert (status, problem["field"]) == (422, "reason")
    status, changed = await boss.post(path, {"status": "terminated", "reason": "other_counsel"})
    assert (status, changed["status"]) == (200, "terminated")
    told = (await texts_to(office, seeded.openid))[-1]
    assert "已终止" in told and "自行委托其他律师" in told and "司法行政部门提出异议" in told

    other = await seed_application(office)
    other_path = f"/api/applications/{other.number}/status"
    for body, field in (
        ({"status": "withdrawn"}, "reason"),
        ({"status": "flying"}, "status"),
        ({"status": "approved"}, "status"),
        ({"status": "materials_incomplete"}, "status"),
        ({"status": 7}, "status"),
    ):
        status, problem = await boss.post(other_path, body)
        assert (status, problem["field"]) == (422, field), body
    status, changed = await boss.post(other_path, {"status": "withdrawn", "reason": "市民来电撤回"})
    assert (status, changed["status"]) == (200, "withdrawn")
    assert "已撤回" in (await texts_to(office, other.openid))[-1]


# ---- hostile and broken requests ---------------------------------------------------------------------
async def test_bad_requests_get_a_clear_4xx_and_change_nothing(office: RunningService):
    seeded = await seed_application(office)
    boss = await office.console("boss")
    base = f"/api/applications/{seeded.number}"
    before = await office.counts()

    cases: list[tuple[str, bytes | None, int, str]] = [
        ("decision", b"{not json", 422, "body"),
        ("decision", b"[true]", 422, "body"),
        ("decision", b"", 422, "body"),
        ("decision", b'{"approved": "yes"}', 422, "approved"),
        ("request-materials", b'{"items": []}', 422, "items"),
        ("request-materials", b'{"items": "economic_proof"}', 422, "items"),
        ("request-materials", b'{"items": [""]}', 422, "items"),
        ("request-materials", ('{"items": ["' + "长" * 101 + '"]}').encode(), 422, "items"),
        ("status", b'{"status": null}', 422, "status"),
        ("decision", b"x" * 20000, 422, "body"),
    ]
    for action, data, expected, field in cases:
        status, problem = await raw(boss, "POST", f"{base}/{action}", data)
        assert (status, problem.get("field")) == (expected, field), (action, data[:40] if data else data)

    status, problem = await raw(boss, "POST", f"{base}/decision", b'{"approved": true}', csrf=False)
    assert (status, problem["error"]) == (403, "csrf")
    status, _ = await raw(boss, "POST", "/api/applications/%00%27/decision", b'{"approved": true}')
    assert status == 404
    async with stranger(office) as anonymous:
        for path in ("/api/applications", base, f"{base}/documents/{seeded.document_id}"):
            assert (await anonymous.get(path))[0] == 401, path
        assert (await anonymous.post(f"{base}/decision", {"approved": True}))[0] == 401
    assert await office.counts() == before
    assert await status_of(office, seeded) == "submitted"
