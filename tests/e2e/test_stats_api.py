"""GET /api/stats and its charts over HTTP, on SQLite and PostgreSQL, for records whose every
figure is worked out by hand below: volumes by the center's day (not UTC's), deadline compliance
per kind, nearest-rank first-response percentiles, handoffs open now, satisfaction, outcomes and
quality scores; who may read them, and the 422s for bad periods.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from bot.clock import MovableClock
from bot.store.tables import quality_review_t
from tests.conftest import WORKDAY_MORNING, RunningService, ServiceFactory
from tests.records_seed import Record, seed

BEIJING = timedelta(hours=8)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026 written in Beijing time, as an aware UTC datetime."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - BEIJING


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


async def seed_three_days(svc: RunningService) -> list[int]:
    """23–25 November 2026 (Beijing), plus one record just before and one just after."""
    await svc.add_account("zhang", specialties=["labor"])
    await svc.add_account("wang", specialties=["family"])
    await svc.add_account("boss", role="supervisor")
    await svc.add_account("zhao")
    t1, t2, t3 = local(23, 10), local(24, 0, 10), local(24, 9)
    ids = await seed(
        svc,
        Record(
            t1,
            kind="online",
            outcome="a",
            breached=False,
            consultant="zhang",
            handoff_at=t1,
            first_reply_at=t1 + minutes(10),
            satisfaction=5,
            satisfaction_asked_at=t1 + minutes(40),
            quality_score=80,
        ),
        # 00:10 in Beijing is still the 23rd in UTC: it counts on the 24th.
        Record(
            t2,
            kind="message",
            specialty="family",
            outcome="b",
            breached=True,
            consultant="wang",
            handoff_at=t2,
            first_reply_at=t2 + minutes(1800),
            satisfaction=2,
            satisfaction_asked_at=t2 + minutes(1900),
            quality_score=40,
        ),
        Record(
            t3,
            kind="online",
            outcome="c",
            referral="劳动监察大队",
            breached=False,
            consultant="zhang",
            handoff_at=t3,
            first_reply_at=t3 + minutes(60),
            satisfaction_asked_at=t3 + minutes(90),
            quality_score=100,
        ),
        Record(local(24, 11), specialty="general", quality_score=100),  # bot-only, no outcome
        Record(
            local(25, 9, 30),
            channel="phone",
            kind="phone",
            outcome="b",
            logged_by="zhang",
            identity_refused=True,
            quality_score=90,
        ),
        # Waiting now, past its deadline; and one claimed, within it.
        Record(
            local(25, 9, 40),
            kind="message",
            specialty=None,
            status="waiting_human",
            handoff_at=local(24, 8),
            handoff_status="open",
            handoff_breached_at=local(25, 8),
        ),
        Record(
            local(25, 9, 50),
            kind="online",
            status="waiting_human",
            consultant="wang",
            handoff_at=local(25, 9, 50),
            handoff_status="claimed",
        ),
        Record(
            local(22, 23, 50),
            kind="online",
            outcome="a",
            breached=True,
            consultant="wang",
            handoff_at=local(22, 23, 50),
            first_reply_at=local(23, 9),
            quality_score=10,
        ),
        Record(local(26, 0, 0), kind="online", outcome="a", breached=False, consultant="wang"),
    )
    boss = await svc.scalar("SELECT id FROM consultant WHERE username = 'boss'")
    zhang = await svc.scalar("SELECT id FROM consultant WHERE username = 'zhang'")
    await svc.database.write(
        lambda conn: conn.execute(
            insert(quality_review_t).values(
                consultation_id=ids[0],
                consultant_id=zhang,
                week="2026-W48",
                sampled_at=t1,
                reviewer_id=boss,
                reviewed_at=t1,
                score=70,
            )
        )
    )
    return ids


@pytest.fixture
async def center(start_service: ServiceFactory) -> RunningService:
    return await start_service(clock=MovableClock(WORKDAY_MORNING))


async def test_every_figure_of_three_days(center: RunningService):
    await seed_three_days(center)
    boss = await center.console("boss")
    status, s = await boss.get("/api/stats", **{"from": "2026-11-23", "to": "2026-11-25"})
    assert status == 200, s
    assert (s["from"], s["to"], s["timezone"]) == ("2026-11-23", "2026-11-25", "Asia/Shanghai")

    v = s["volumes"]
    assert v["total"] == 7
    assert v["by_day"] == [
        {"day": "2026-11-23", "count": 1},
        {"day": "2026-11-24", "count": 3},
        {"day": "2026-11-25", "count": 3},
    ]
    assert v["by_channel"] == {"wechat": 6, "phone": 1, "walk_in": 0}
    assert v["by_kind"] == {"online": 3, "message": 2, "phone": 1, "on_site": 0, "none": 1}
    by_specialty = {i["specialty"]: i["count"] for i in v["by_specialty"]}
    assert by_specialty["labor"] == 4 and by_specialty["family"] == 1 and by_specialty["general"] == 1
    assert by_specialty["none"] == 1 and by_specialty["criminal"] == 0
    assert {i["specialty"]: i["name"] for i in v["by_specialty"]}["labor"] == "劳动争议"

    assert s["deadlines"] == {
        "online": {"met": 2, "breached": 0, "pending": 1, "rate": 1.0},
        "message": {"met": 0, "breached": 1, "pending": 1, "rate": 0.0},
    }
    # Waits of 10, 60 and 1800 minutes: nearest rank p50 = 2nd, p90 = p95 = 3rd.
    assert s["first_response"] == {"count": 3, "p50": 60.0, "p90": 1800.0, "p95": 1800.0, "unit": "minutes"}
    assert s["now"] | {"at": None} == {"at": None, "open": 2, "waiting": 1, "claimed": 1, "breached": 1}
    assert s["satisfaction"] == {
        "asked": 3,
        "answered": 2,
        "rate": 0.6667,
        "average": 3.5,
        "distribution": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1},
    }
    assert s["outcomes"] == {"a": 1, "b": 2, "c": 1, "none": 1}
    q = s["quality"]
    assert (q["scored"], q["average"], q["reviewed"], q["review_average"]) == (4, 77.5, 1, 70.0)
    assert q["by_consultant"] == [
        {"consultant": "wang", "scored": 1, "average": 40.0, "reviewed": 0, "review_average": None},
        {"consultant": "zhang", "scored": 3, "average": 90.0, "reviewed": 1, "review_average": 70.0},
    ]


async def test_an_empty_period_has_every_key_and_no_made_up_rates(center: RunningService):
    await center.add_account("boss", role="admin")
    boss = await center.console("boss")
    status, s = await boss.get("/api/stats", **{"from": "2026-11-01", "to": "2026-11-02"})
    assert status == 200
    assert s["volumes"]["total"] == 0 and len(s["volumes"]["by_day"]) == 2
    assert s["deadlines"]["online"] == {"met": 0, "breached": 0, "pending": 0, "rate": None}
    assert s["first_response"]["p50"] is None
    assert s["satisfaction"]["rate"] is None and s["satisfaction"]["average"] is None
    assert s["quality"] == {
        "scored": 0,
        "average": None,
        "reviewed": 0,
        "review_average": None,
        "by_consultant": [],
    }


async def test_the_default_period_is_the_last_thirty_days_in_center_time(center: RunningService):
    await center.add_account("boss", role="supervisor")
    boss = await center.console("boss")
    status, s = await boss.get("/api/stats")
    assert status == 200
    assert (s["from"], s["to"]) == ("2026-10-27", "2026-11-25")
    assert len(s["volumes"]["by_day"]) == 30
    status, s = await boss.get("/api/stats", to="2026-11-10")
    assert (s["from"], s["to"]) == ("2026-10-12", "2026-11-10")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "26-11-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-11-20", "to": "2026-11-10"}, "to"),
        ({"from": "2025-11-01", "to": "2026-11-25"}, "from"),
    ],
)
async def test_a_bad_period_is_a_422_naming_the_field(
    center: RunningService, query: dict[str, str], field: str
):
    await center.add_account("boss", role="supervisor")
    boss = await center.console("boss")
    status, body = await boss.get("/api/stats", **query)
    assert (status, body["field"]) == (422, field), body
    status, body = await boss.get("/api/stats/charts/daily.svg", **query)
    assert (status, body["field"]) == (422, field), body


async def test_consultants_may_not_read_the_figures_and_strangers_must_log_in(center: RunningService):
    await center.add_account("zhang")
    zhang = await center.console("zhang")
    for path in ("/api/stats", "/api/stats/charts/daily.svg", "/api/quality/sample"):
        status, body = await zhang.get(path)
        assert (status, body["error"]) == (403, "role_not_allowed"), path
    status, body = await zhang.post("/api/quality/reviews/1", {"score": 50})
    assert (status, body["error"]) == (403, "role_not_allowed")
    zhang.http.cookie_jar.clear()
    assert (await zhang.get("/api/stats"))[0] == 401


async def test_each_chart_is_an_svg_with_no_script_from_anywhere(center: RunningService):
    await seed_three_days(center)
    boss = await center.console("boss")
    period = {"from": "2026-11-23", "to": "2026-11-25"}
    for name in (
        "daily",
        "specialty",
        "channel",
        "deadlines",
        "response",
        "satisfaction",
        "outcomes",
        "quality",
    ):
        async with boss.http.get(f"{center.url}/api/stats/charts/{name}.svg", params=period) as r:
            assert r.status == 200, name
            assert r.headers["Content-Type"] == "image/svg+xml"
            assert "default-src 'none'" in r.headers["Content-Security-Policy"]
            svg = await r.text()
        assert svg.startswith("<?xml") and "<svg" in svg, name
        assert "<script" not in svg.replace('<script type="text/javascript">window.pygal', ""), name
        assert "src=" not in svg and "cdn" not in svg.lower(), name
    async with boss.http.get(f"{center.url}/api/stats/charts/daily.svg", params=period) as r:
        svg = await r.text()
    assert "11-24" in svg and "每日咨询量" in svg
    status, body = await boss.get("/api/stats/charts/nope.svg")
    assert (status, body["error"]) == (404, "chart_not_found")


async def test_the_openapi_document_lists_the_figures_and_the_review(center: RunningService):
    async with center.http.get(f"{center.url}/api/openapi.json") as r:
        paths = (await r.json())["paths"]
    assert {"/api/stats", "/api/stats/charts/{name}.svg", "/api/quality/sample"} <= set(paths)
    assert set(paths["/api/quality/reviews/{id}"]) == {"post"}
    assert [p["name"] for p in paths["/api/stats"]["get"]["parameters"]] == ["from", "to"]
