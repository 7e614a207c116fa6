"""The records API as the console uses it: logging phone and walk-in consultations (002 §6.2 f),
reading one record (audited, numbers masked until opened), annotating, and who may do what.
Bad input is refused with the field named, and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.clock import MovableClock
from tests.conftest import WORKDAY_MORNING, ConsoleClient, RunningService, ServiceFactory
from tests.e2e.test_consultation_records import act, hand_off, talk
from tests.e2e.test_handoff_console_api import raw, stranger

CALLER = {"name": "王小明", "phone": "13812345678"}
PHONE_CALL = {
    "channel": "phone",
    "received_at": "2026-11-25T09:10:00+08:00",
    "specialty": "labor",
    "summary": "来电询问工伤认定的申请期限，已告知一年内向社保部门申请。",
    "outcome": "b",
    **CALLER,
    "identity_refused": False,
}


async def log(console: ConsoleClient, **changes: Any) -> dict[str, Any]:
    status, body = await console.post("/api/consultations", PHONE_CALL | changes)
    assert status == 201, body
    return dict(body)


async def audit_entries(svc: RunningService, action: str) -> list[tuple[int, str, dict[str, Any] | None]]:
    """(consultant id, object id, detail) of every audit entry with this action, oldest first."""
    rows = await svc.rows(
        "SELECT consultant_id, object_id, detail FROM audit_entry WHERE action = :a ORDER BY id", a=action
    )
    return [(r[0], r[1], json.loads(r[2]) if isinstance(r[2], str) else r[2]) for r in rows]


@pytest.fixture
async def svc(start_service: ServiceFactory) -> RunningService:
    running = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await running.add_account("zhang", specialties=["labor"])
    await running.add_account("wang", specialties=["family"])
    await running.add_account("boss", role="supervisor")
    return running


# ---- phone and walk-in ------------------------------------------------------------------------------
async def test_a_phone_consultation_is_a_closed_record_with_its_caller_sealed_and_masked(svc: RunningService):
    zhang = await svc.console("zhang")
    logged = await log(zhang)
    assert (logged["channel"], logged["kind"], logged["status"]) == ("phone", "phone", "closed")
    assert (logged["consultant"], logged["logged_by"], logged["ended_by"]) == ("zhang", "zhang", "logged")
    assert (logged["outcome"], logged["specialty"], logged["referral"]) == ("b", "labor", None)
    assert logged["breached"] is None and logged["first_reply_at"] is None  # no clock applies
    assert logged["received_at"] == "2026-11-25T01:10:00+00:00"
    assert logged["closed_at"] == svc.clock.now().isoformat()
    assert (
        logged["identity"] == {"name": "王**", "phone": "138****5678"} and logged["identity_refused"] is False
    )
    assert logged["summary"] == PHONE_CALL["summary"] and logged["transcript"] == []

    stored = (await svc.rows("SELECT identity, summary, citizen_id FROM consultation"))[0]
    assert CALLER["phone"] not in stored.identity and "王小明" not in stored.identity  # sealed at rest
    assert svc.unseal(stored.identity, "consultation.identity") == CALLER
    citizen = (await svc.rows("SELECT openid, subscribed FROM citizen WHERE id = :i", i=stored.citizen_id))[0]
    assert svc.unseal(citizen.openid, "citizen.openid").startswith("offline:") and not citizen.subscribed
    [(who, what, detail)] = await audit_entries(svc, "log_consultation")
    zhang_id = await svc.scalar("SELECT id FROM consultant WHERE username = 'zhang'")
    assert (who, what, detail) == (zhang_id, str(logged["id"]), {"channel": "phone"})

    status, opened = await zhang.get(f"/api/consultations/{logged['id']}", reveal="1")
    assert status == 200 and opened["identity"] == CALLER
    assert [d for _, _, d in await audit_entries(svc, "view_consultation")] == [{"reveal": True}]


async def test_a_walk_in_citizen_who_refused_their_identity_is_recorded_as_such(svc: RunningService):
    wang = await svc.console("wang")
    body = {"channel": "walk_in", "specialty": "family", "outcome": "c", "referral": "区妇联"}
    logged = await log(wang, **body, name=None, phone="", identity_refused=True)
    assert (logged["kind"], logged["referral"], logged["identity"]) == ("on_site", "区妇联", None)
    assert logged["identity_refused"] is True
    partly = await log(wang, channel="walk_in", name=None, phone="0472-1234567", identity_refused=True)
    assert partly["identity"] == {"name": None, "phone": "0472-*****67"}
    assert await svc.count("citizen") == 2  # one offline citizen row per logged consultation


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": "email"}, "channel"),
        ({"channel": "wechat"}, "channel"),
        ({"outcome": "d"}, "outcome"),
        ({"specialty": "astrology"}, "specialty"),
        ({"summary": "  "}, "summary"),
        ({"summary": "字" * 2001}, "summary"),
        ({"received_at": "2026-11-25T09:10:00"}, "received_at"),
        ({"received_at": "2026-11-26T10:00:00+08:00"}, "received_at"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "12812345678"}, "phone"),
        ({"name": "1234"}, "name"),
        ({"name": None}, "name"),
        ({"phone": None}, "phone"),
        ({"outcome": "c"}, "referral"),
        ({"outcome": "a", "referral": "劳动监察大队"}, "referral"),
        ({"identity_refused": "yes"}, "identity_refused"),
    ],
)
async def test_a_bad_log_is_refused_naming_the_field_and_stores_nothing(
    svc: RunningService, change: dict[str, Any], field: str
):
    zhang = await svc.console("zhang")
    before = await svc.counts()
    status, problem = await zhang.post("/api/consultations", PHONE_CALL | change)
    assert (status, problem.get("field")) == (422, field), problem
    assert await svc.counts() == before


async def test_a_body_that_is_no_json_object_is_refused(svc: RunningService):
    zhang = await svc.console("zhang")
    for data in (b"not json", b"[1, 2]", b""):
        status, problem = await raw(zhang, "POST", "/api/consultations", data)
        assert (status, problem["field"]) == (422, "body")
    assert await svc.count("consultation") == 0


# ---- reading, masking, annotating, roles ---------------------------------------------------------
async def test_reading_a_record_is_audited_and_its_numbers_are_masked_until_opened(svc: RunningService):
    _, handoff_id = await hand_off(svc, "老板拖欠我三个月工资，我的电话13912345678")
    await act(svc, "zhang", handoff_id, "claim")
    await act(svc, "zhang", handoff_id, "messages", {"text": "好的，我们会打13912345678联系您。"})
    await act(svc, "zhang", handoff_id, "close", {"outcome": "a"})
    [(consultation_id,)] = await svc.rows("SELECT id FROM consultation")
    boss = await svc.console("boss")

    status, shown = await boss.get(f"/api/consultations/{consultation_id}")
    assert status == 200 and shown["citizen"].startswith("c_")
    texts = [t["text"] for t in shown["transcript"]]
    assert "老板拖欠我三个月工资，我的电话139****5678" in texts
    assert not any("13912345678" in (t or "") for t in texts)
    assert {t["author"] for t in shown["transcript"]} == {"citizen", "bot", "consultant"}
    status, opened = await boss.get(f"/api/consultations/{consultation_id}", reveal="1")
    assert any("13912345678" in (t["text"] or "") for t in opened["transcript"])
    boss_id = await svc.scalar("SELECT id FROM consultant WHERE username = 'boss'")
    assert await audit_entries(svc, "view_consultation") == [
        (boss_id, str(consultation_id), None),
        (boss_id, str(consultation_id), {"reveal": True}),
    ]
    before = await svc.counts()
    for bad in ({"reveal": "maybe"},):
        status, problem = await boss.get(f"/api/consultations/{consultation_id}", **bad)
        assert (status, problem["field"]) == (422, "reveal")
    for missing in ("999999", "abc", "99999999999999"):
        status, problem = await boss.get(f"/api/consultations/{missing}")
        assert (status, problem["error"]) == (404, "consultation_not_found")
    assert await svc.counts() == before


async def test_a_supervisor_annotates_sealed_and_audited_and_a_consultant_may_not(svc: RunningService):
    logged = await log(await svc.console("zhang"))
    path = f"/api/consultations/{logged['id']}/annotations"
    boss = await svc.console("boss")
    status, added = await boss.post(path, {"text": "登记完整，答复准确。回访电话13800001111"})
    assert (
        status == 201
        and added["author"] == "boss"
        and added["text"] == "登记完整，答复准确。回访电话138****1111"
    )
    assert [a["id"] for a in added["annotations"]] == [added["id"]]
    stored = await svc.scalar("SELECT text FROM consultation_annotation")
    assert "答复准确" not in stored and "答复准确" in svc.unseal(stored, "consultation_annotation.text")
    assert [(o, d) for _, o, d in await audit_entries(svc, "annotate_consultation")] == [
        (str(logged["id"]), {"annotation_id": added["id"]})
    ]
    status, shown = await boss.get(f"/api/consultations/{logged['id']}")
    assert [a["text"] for a in shown["annotations"]] == [added["text"]]

    before = await svc.counts()
    for text in ("", "   ", None, "长" * 2001):
        status, problem = await boss.post(path, {"text": text})
        assert (status, problem["field"]) == (422, "text")
    status, problem = await boss.post("/api/consultations/424242/annotations", {"text": "?"})
    assert status == 404
    status, problem = await (await svc.console("zhang")).post(path, {"text": "我自己的也不行"})
    assert (status, problem["error"]) == (403, "role_not_allowed")
    assert await svc.count("consultation_annotation") == 1 and await svc.counts() == before


async def test_a_consultant_sees_only_the_records_they_answered_or_logged(svc: RunningService):
    mine = await log(await svc.console("zhang"))
    theirs = await log(await svc.console("wang"), specialty="family")
    await talk(svc.citizen(), "你好")  # a bot-only consultation: nobody's own
    zhang, boss = await svc.console("zhang"), await svc.console("boss")
    status, listed = await zhang.get("/api/consultations")
    assert [i["id"] for i in listed["items"]] == [mine["id"]] and listed["total"] == 1
    status, _ = await zhang.get(f"/api/consultations/{theirs['id']}")
    assert status == 404  # not even whether it exists
    status, _ = await zhang.get("/api/consultations/export", format="csv")
    assert status == 403
    status, everything = await boss.get("/api/consultations")
    assert everything["total"] == 3
    async with stranger(svc) as anonymous:
        for path in ("/api/consultations", f"/api/consultations/{mine['id']}", "/api/consultations/export"):
            assert (await anonymous.get(path))[0] == 401
        assert (await anonymous.post("/api/consultations", PHONE_CALL))[0] == 401
    status, problem = await zhang.post("/api/consultations", PHONE_CALL, csrf=False)
    assert (status, problem["error"]) == (403, "csrf")
