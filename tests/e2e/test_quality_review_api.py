"""The weekly review over HTTP on both databases: a week's random sample, N per consultant from
what they handled that closed in the week, drawn once (topped up, never redrawn) and audited; a
review against the rubric, audited, never of one's own consultation; bad input changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

import pytest

from bot.app import CENTER
from bot.clock import MovableClock
from bot.records.domain.weekly_sample import draw
from bot.records.quality_review import QualityReview
from tests.conftest import RunningService, ServiceFactory
from tests.records_seed import Record, seed

# Monday 30 November 2026, 10:00 in Beijing: week 2026-W49 has begun, 2026-W48 is the last whole one.
MONDAY = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
IN_W48 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def closed_on(at: datetime, **fields: Any) -> Record:
    return Record(at - timedelta(hours=1), **({"kind": "online", "outcome": "b", "closed_at": at} | fields))


@pytest.fixture
async def center(start_service: ServiceFactory) -> RunningService:
    svc = await start_service(clock=MovableClock(MONDAY))
    for name in ("zhang", "wang"):
        await svc.add_account(name)
    await svc.add_account("boss", role="supervisor")
    await svc.add_account("chief", role="admin")
    return svc


async def seed_week(svc: RunningService) -> dict[str, list[int]]:
    """W48: zhang 5, wang 2 (one logged by phone), boss 1; plus what is never drawn."""
    ids = await seed(
        svc,
        *[closed_on(IN_W48 + timedelta(hours=i), consultant="zhang") for i in range(5)],
        closed_on(IN_W48, consultant="wang"),
        closed_on(IN_W48, channel="phone", kind="phone", logged_by="wang", identity_refused=True),
        closed_on(IN_W48, consultant="boss"),
        closed_on(IN_W48 - timedelta(days=7), consultant="zhang"),  # W47
        Record(IN_W48, kind="online", status="waiting_human", consultant="zhang"),  # not closed
        closed_on(IN_W48),  # bot-only
    )
    return {"zhang": ids[:5], "wang": ids[5:7], "boss": ids[7:8], "w47": ids[8:9]}


async def test_a_week_is_drawn_once_n_per_consultant_and_every_look_is_audited(center: RunningService):
    seeded = await seed_week(center)
    boss = await center.console("boss")
    status, body = await boss.get("/api/quality/sample")
    assert status == 200, body
    assert (body["week"], body["per_consultant"]) == ("2026-W48", 3)
    assert [item["key"] for item in body["rubric"]] == ["accuracy", "guidance", "manner", "record"]
    assert body["checks"]["answered_in_time"] == "按时答复"
    drawn = {}
    for item in body["items"]:
        drawn.setdefault(item["consultant"], set()).add(item["consultation_id"])
        assert item["review"] is None and item["week"] == "2026-W48"
    assert len(drawn["zhang"]) == 3 and drawn["zhang"] <= set(seeded["zhang"])
    assert drawn["wang"] == set(seeded["wang"])  # fewer than N: all of them
    assert drawn["boss"] == set(seeded["boss"])
    assert set(drawn) == {"zhang", "wang", "boss"}

    status, again = await boss.get("/api/quality/sample", week="2026-W48")
    assert [i["consultation_id"] for i in again["items"]] == [i["consultation_id"] for i in body["items"]]
    assert await center.count("quality_review") == 6
    looks = await center.rows(
        "SELECT consultant_id, object_id FROM audit_entry WHERE action = 'view_quality_sample' ORDER BY id"
    )
    boss_id = await center.scalar("SELECT id FROM consultant WHERE username = 'boss'")
    assert [tuple(r) for r in looks] == [(boss_id, "2026-W48"), (boss_id, "2026-W48")]

    status, w47 = await boss.get("/api/quality/sample", week="2026-W47")
    assert [i["consultation_id"] for i in w47["items"]] == seeded["w47"]


async def test_the_current_week_is_topped_up_as_consultations_close(center: RunningService):
    await seed_week(center)
    boss = await center.console("boss")
    status, body = await boss.get("/api/quality/sample", week="2026-W49")
    assert (status, body["items"]) == (200, [])
    [today] = await seed(center, closed_on(MONDAY - timedelta(minutes=30), consultant="wang"))
    status, body = await boss.get("/api/quality/sample", week="2026-W49")
    assert [(i["consultant"], i["consultation_id"]) for i in body["items"]] == [("wang", today)]


async def test_one_seed_draws_the_sample_the_pure_draw_says(center: RunningService):
    seeded = await seed_week(center)
    svc_center = center.app[CENTER]
    review = QualityReview(
        center.database, svc_center.quality, center.clock, svc_center.service.tz, Random(7)
    )
    boss = next(c for c in await _consultants(center) if c.username == "boss")
    rows = await review.sample("2026-W48", boss)
    ids = {
        name: await center.scalar(f"SELECT id FROM consultant WHERE username = '{name}'") for name in seeded
    }
    expected = draw({ids[n]: seeded[n] for n in ("zhang", "wang", "boss")}, {}, 3, Random(7))
    assert sorted((r.consultant_id, r.consultation_id) for r in rows) == sorted(expected)


async def test_a_review_is_saved_audited_and_never_of_ones_own_consultation(center: RunningService):
    await seed_week(center)
    boss = await center.console("boss")
    _, body = await boss.get("/api/quality/sample")
    by_who = {item["consultant"]: item for item in body["items"]}
    wang_item, own = by_who["wang"], by_who["boss"]

    rubric = {"accuracy": 35, "guidance": 25, "manner": 20, "record": 5}
    status, reviewed = await boss.post(
        f"/api/quality/reviews/{wang_item['id']}", {"score": 85, "rubric": rubric, "note": "告知部门准确"}
    )
    assert status == 200, reviewed
    assert reviewed["review"] | {"reviewed_at": None} == {
        "reviewer": "boss",
        "reviewed_at": None,
        "score": 85,
        "rubric": rubric,
        "note": "告知部门准确",
    }
    entry = await center.rows(
        "SELECT object_type, object_id FROM audit_entry WHERE action = 'review_quality'"
    )
    assert [tuple(e) for e in entry] == [("consultation", str(wang_item["consultation_id"]))]

    status, refused = await boss.post(f"/api/quality/reviews/{own['id']}", {"score": 90})
    assert (status, refused["error"]) == (403, "own_consultation")
    chief = await center.console("chief")
    status, by_chief = await chief.post(f"/api/quality/reviews/{own['id']}", {"score": 90})
    assert (status, by_chief["review"]["reviewer"]) == (200, "chief")

    status, s = await boss.get("/api/stats", **{"from": "2026-11-23", "to": "2026-11-29"})
    assert (s["quality"]["reviewed"], s["quality"]["review_average"]) == (2, 87.5)


async def test_bad_reviews_and_weeks_change_nothing(center: RunningService):
    await seed_week(center)
    boss = await center.console("boss")
    _, body = await boss.get("/api/quality/sample")
    item = body["items"][0]
    before = await center.rows("SELECT id, score, reviewer_id FROM quality_review ORDER BY id")
    audits = await center.count("audit_entry")
    for payload, field in [
        ({"score": 101}, "score"),
        ({}, "score"),
        ({"score": 80, "rubric": {"accuracy": 40, "guidance": 30, "manner": 20, "record": 5}}, "score"),
        ({"score": 80, "rubric": {"speed": 5}}, "rubric"),
        ({"score": 80, "note": "长" * 2001}, "note"),
    ]:
        status, problem = await boss.post(f"/api/quality/reviews/{item['id']}", payload)
        assert (status, problem.get("field")) == (422, field), payload
    assert (await boss.post("/api/quality/reviews/999999", {"score": 50}))[1]["error"] == "review_not_found"
    assert (await boss.post("/api/quality/reviews/abc", {"score": 50}))[0] == 404
    status, problem = await boss.post(f"/api/quality/reviews/{item['id']}", {"score": 50}, csrf=False)
    assert (status, problem["error"]) == (403, "csrf")
    for week in ("2026-W60", "48", "2026-W50"):  # no such week; not a week; not begun
        status, problem = await boss.get("/api/quality/sample", week=week)
        assert (status, problem["field"]) == (422, "week"), week
    assert await center.rows("SELECT id, score, reviewer_id FROM quality_review ORDER BY id") == before
    assert await center.count("audit_entry") == audits


async def _consultants(svc: RunningService) -> list[object]:
    from bot.store.consultants import consultants

    return await svc.database.read(consultants)
