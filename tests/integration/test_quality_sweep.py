"""The quality sweep on SQLite and PostgreSQL with a moved clock: each closed consultation is scored
once, after it settles, with the checks that explain its score; open ones and scored ones are left
alone, and two workers sweeping at once score each consultation once."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from bot.app import ALARM, CENTER, create_app
from bot.clock import MovableClock
from bot.nlu_service import BuiltinNlu
from bot.records.quality import sweep_quality
from bot.review_wiring import run_quality_sweep
from bot.settings import Settings
from tests.conftest import (
    TEST_ALIAS_KEY,
    TEST_FIELD_KEY,
    WORKDAY_MORNING,
    FakeWeChatServer,
    RunningService,
    ServiceFactory,
)
from tests.records_seed import Record, seed


async def checks_of(svc: RunningService, consultation_id: int) -> tuple[int | None, dict[str, Any]]:
    [(score, checks)] = await svc.rows(
        "SELECT quality_score, quality_checks FROM consultation WHERE id = :id", id=consultation_id
    )
    if isinstance(checks, str):  # SQLite hands JSON back as text through a raw query
        checks = json.loads(checks)
    return score, {c["check"]: c for c in checks or []}


async def test_each_closed_consultation_is_scored_once_after_it_settles(start_service: ServiceFactory):
    clock = MovableClock(WORKDAY_MORNING)
    svc = await start_service(clock=clock)
    await svc.add_account("zhang", specialties=["labor"])
    now = clock.now()
    started = now - timedelta(hours=3)
    just_closed, leaky, phone, still_open, bot_only, scored = await seed(
        svc,
        Record(
            started,
            kind="online",
            outcome="a",
            breached=False,
            consultant="zhang",
            satisfaction_asked_at=now,
            closed_at=now - timedelta(minutes=5),
        ),
        Record(
            started,
            kind="online",
            outcome="c",
            breached=False,
            consultant="zhang",
            handoff_at=started,
            satisfaction_asked_at=now - timedelta(minutes=50),
            closed_at=now - timedelta(hours=1),
            replies=["您好，请问您的问题是什么？", "好的，我记下您的手机13812345678了"],
            notes=["市民情绪稳定"],
            outcome_note="告知其到劳动监察大队",
        ),
        Record(
            started,
            channel="phone",
            kind="phone",
            outcome="b",
            logged_by="zhang",
            identity_refused=True,
            summary="来电咨询工伤认定，已告知申请条件",
            closed_at=now - timedelta(hours=2),
        ),
        Record(started, kind="online", status="waiting_human", consultant="zhang"),
        Record(started, closed_at=now - timedelta(hours=2)),
        Record(
            started,
            kind="online",
            outcome="b",
            consultant="zhang",
            quality_score=55,
            closed_at=now - timedelta(hours=2),
        ),
    )

    assert await run_quality_sweep(svc.app) == 3

    score, checks = await checks_of(svc, leaky)
    assert score == 47  # passed: in time 30 + rating asked 10, of 30 + 25 + 10 + 20 that apply
    assert (checks["outcome_recorded"]["passed"], checks["outcome_recorded"]["reason"]) == (
        False,
        "no_referral",
    )
    assert checks["no_personal_data"]["passed"] is False
    assert (
        "答复" in checks["no_personal_data"]["why"] and "13812345678" not in checks["no_personal_data"]["why"]
    )
    assert checks["identity_recorded"]["applies"] is False
    assert all(c["why"] for c in checks.values())

    score, checks = await checks_of(svc, phone)
    assert score == 100
    assert checks["identity_recorded"]["reason"] == "refused"
    assert checks["no_personal_data"]["reason"] == "clean"  # the logged summary was read
    assert (await checks_of(svc, bot_only))[0] == 100
    assert (await checks_of(svc, still_open))[0] is None
    assert (await checks_of(svc, scored))[0] == 55  # scored before: never scored again
    assert (await checks_of(svc, just_closed))[0] is None  # closed 5 minutes ago: not settled yet

    assert await run_quality_sweep(svc.app) == 0
    clock.advance(minutes=5)
    assert await run_quality_sweep(svc.app) == 1
    score, checks = await checks_of(svc, just_closed)
    assert score == 100 and checks["satisfaction_asked"]["reason"] == "asked"
    assert (await checks_of(svc, leaky))[0] == 47


async def test_two_workers_sweeping_at_once_score_each_consultation_once(start_service: ServiceFactory):
    clock = MovableClock(WORKDAY_MORNING)
    svc = await start_service(clock=clock)
    await svc.add_account("zhang")
    closed = clock.now() - timedelta(hours=1)
    ids = await seed(
        svc,
        *[
            Record(
                closed - timedelta(hours=1),
                kind="message",
                outcome="b",
                breached=i % 2 == 0,
                consultant="zhang",
                closed_at=closed,
            )
            for i in range(7)
        ],
    )
    rubric = svc.app[CENTER].quality
    first, second = await asyncio.gather(
        sweep_quality(svc.database, rubric, clock.now(), batch=2),
        sweep_quality(svc.database, rubric, clock.now(), batch=2),
    )
    assert sorted(cid for cid, _ in first + second) == ids
    scores = {cid: s for cid, s in first + second}
    # Not asked for a rating (10 of 65 that apply); the breached ones also lose 30: 25/65 and 55/65.
    assert [scores[cid] for cid in ids] == [38 if i % 2 == 0 else 85 for i in range(7)]


async def test_the_alarm_runs_the_quality_sweep_in_every_worker(
    tmp_path: Path, builtin_nlu: BuiltinNlu, fake_wechat: FakeWeChatServer, http: aiohttp.ClientSession
):
    """With periodic jobs on (as `legalaid serve` runs), the alarm holds the sweep at its interval."""
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/legalaid.db",
        wechat_api_base=fake_wechat.url,
        alias_key=TEST_ALIAS_KEY,
        field_key=TEST_FIELD_KEY,
        quality_sweep_seconds=30,
    )
    clock = MovableClock(WORKDAY_MORNING)
    app = create_app(settings, clock=clock, nlu=builtin_nlu, periodic_jobs=True)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    try:
        svc = RunningService(str(server.make_url("")), app, settings, http, None, _server=server)
        job = app[ALARM].get_job("quality_sweep")
        assert job is not None and job.trigger.interval == timedelta(seconds=30)
        [closed] = await seed(svc, Record(clock.now() - timedelta(hours=2)))
        assert await job.func() == 1
        assert (await checks_of(svc, closed))[0] == 100
    finally:
        await server.close()
