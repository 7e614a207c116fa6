"""The figures over the real paths: a citizen writes over signed, encrypted WeChat XML and asks for a
person, a consultant claims, answers and closes it in the console API and logs a phone
consultation, the quality sweep scores both, and GET /api/stats counts them: no row written by hand."""

from __future__ import annotations

from bot.clock import MovableClock
from bot.review_wiring import run_quality_sweep
from tests.conftest import STAFF_REPLY, WORKDAY_MORNING, FakeWeChatServer, ServiceFactory
from tests.e2e.test_handoff_console_api import item_of, open_handoff
from tests.e2e.test_handoff_path import wait_for_sent

TODAY = {"from": "2026-11-25", "to": "2026-11-25"}


async def test_a_consultation_answered_in_the_console_is_counted_and_scored(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer
):
    clock = MovableClock(WORKDAY_MORNING)
    svc = await start_service(clock=clock)
    await svc.add_account("zhang", specialties=["labor"])
    await svc.add_account("boss", role="supervisor")
    openid = await open_handoff(svc)
    zhang = await svc.console("zhang")
    boss = await svc.console("boss")

    status, s = await boss.get("/api/stats", **TODAY)
    assert (s["volumes"]["total"], s["now"]["waiting"], s["deadlines"]["online"]["pending"]) == (1, 1, 1)

    item = await item_of(zhang, openid)
    assert (await zhang.post(f"/api/handoffs/{item['id']}/claim"))[0] == 200
    clock.advance(minutes=12)
    answer = "您好，拖欠工资可以先向劳动监察大队投诉，也可以申请劳动仲裁。"
    assert (await zhang.post(f"/api/handoffs/{item['id']}/messages", {"text": answer}))[0] == 200
    sent = await wait_for_sent(fake_wechat, openid, 1)
    assert sent[-1]["text"] == STAFF_REPLY + answer
    clock.advance(minutes=3)
    assert (await zhang.post(f"/api/handoffs/{item['id']}/close", {"outcome": "b"}))[0] == 200

    # A phone consultation logged in the console, its summary holding the caller's number.
    status, logged = await zhang.post(
        "/api/consultations",
        {
            "channel": "phone",
            "received_at": clock.now().isoformat(),
            "specialty": "labor",
            "outcome": "b",
            "identity_refused": True,
            "summary": "来电人手机13912345678，咨询被拖欠的加班费",
        },
    )
    assert status in (200, 201), logged

    clock.advance(minutes=30)  # past data/quality.yml's settle_minutes
    assert await run_quality_sweep(svc.app) == 2
    status, record = await boss.get(f"/api/consultations/{logged['id']}")
    assert status == 200, record
    checks = {c["check"]: c for c in record["quality_checks"]}
    assert (checks["no_personal_data"]["passed"], checks["no_personal_data"]["reason"]) == (False, "found")
    assert "咨询摘要" in checks["no_personal_data"]["why"] and "答复" not in checks["no_personal_data"]["why"]
    assert checks["identity_recorded"]["reason"] == "refused"
    assert record["quality_score"] == 67  # outcome 25 + identity 15 of 60 that apply

    status, s = await boss.get("/api/stats", **TODAY)
    assert status == 200, s
    assert s["volumes"]["total"] == 2
    assert (s["volumes"]["by_channel"]["wechat"], s["volumes"]["by_channel"]["phone"]) == (1, 1)
    assert (s["volumes"]["by_kind"]["online"], s["volumes"]["by_kind"]["phone"]) == (1, 1)
    assert {i["specialty"]: i["count"] for i in s["volumes"]["by_specialty"]}["labor"] == 2
    assert s["deadlines"]["online"] == {"met": 1, "breached": 0, "pending": 0, "rate": 1.0}
    assert s["first_response"] | {"unit": None} == {
        "count": 1,
        "p50": 12.0,
        "p90": 12.0,
        "p95": 12.0,
        "unit": None,
    }
    assert s["now"]["open"] == 0
    assert s["outcomes"] == {"a": 0, "b": 2, "c": 0, "none": 0}
    [zhang_scores] = s["quality"]["by_consultant"]
    assert (zhang_scores["consultant"], zhang_scores["scored"]) == ("zhang", 2)
    # The WeChat one: in time, recorded, clean: 100, or 88 (75 of 85) while no rating request goes out.
    assert zhang_scores["average"] == s["quality"]["average"] in ((100 + 67) / 2, (88 + 67) / 2)
